"""TF-IDF models that also learn from the WEAK labels of the whole corpus, against the same model on gold alone.

Weak labels (labelled_data/weak/, made by a rule from section headings, never read):
- area: the area the heading of a sentence's section names;
- polarity: items of "what needs to improve" lists are negative (the guideline says so of every item);
  sentences of sections Ofsted graded outstanding lean positive, inadequate lean negative.
Weak rows come only from reports outside the validation and test splits, are down-weighted, and the
weights are tuned on validation. Run: python experiments/weak_supervision.py
"""
import numpy as np
import pandas as pd
from common import SEED, load_gold, run_experiment, seed_everything

from ofsted_nlp import data
from ofsted_nlp.models import FindingClassifier
from ofsted_nlp.models.tfidf import TfidfClassifier
from ofsted_nlp.weak_labels import load_weak_labels

MAX_WEAK = 30000
AREA_WEIGHTS = (0.05, 0.2, 0.5)
POLARITY_WEIGHTS = (0.0, 0.05, 0.2)


def weak_rows(exclude_reports: set[str], max_rows: int = MAX_WEAK) -> pd.DataFrame:
    weak = load_weak_labels()
    weak = weak[~weak.report_id.isin(exclude_reports)]
    weak = weak.sample(n=min(max_rows, len(weak)), random_state=SEED)
    pol = np.full(len(weak), None, dtype=object)
    pol[weak.weak_section_grade.eq("outstanding").to_numpy()] = "positive"
    pol[weak.weak_section_grade.eq("inadequate").to_numpy()] = "negative"
    pol[weak.section_kind.eq("what_needs_to_improve").to_numpy()] = "negative"
    return weak.assign(weak_polarity=pol)


def fit_with_weak(model: FindingClassifier, train, weak: pd.DataFrame, w_area: float, w_pol: float):
    texts = list(train.texts) + list(weak.text)
    areas = list(train.areas) + list(weak.weak_area)
    weights = np.r_[np.ones(len(train.texts)), np.full(len(weak), w_area)]
    model.area_model.fit(texts, areas, sample_weight=weights)
    pol_weak = weak[weak.weak_polarity.notna()] if w_pol > 0 else weak.iloc[:0]
    texts = list(train.texts) + list(pol_weak.text)
    pols = list(train.polarities) + list(pol_weak.weak_polarity)
    weights = np.r_[np.ones(len(train.texts)), np.full(len(pol_weak), w_pol)]
    model.polarity_model.fit(texts, pols, sample_weight=weights)
    return model


def main():
    from sklearn.metrics import f1_score

    splits = load_gold()
    held_out = set(splits["validation"].report_ids) | set(splits["test"].report_ids)
    declared = data.load_splits()
    held_out |= set(declared["validation"]) | set(declared["test"])
    weak = weak_rows(held_out)
    val = splits["validation"]
    best = None
    for w_area in AREA_WEIGHTS:
        for w_pol in POLARITY_WEIGHTS:
            seed_everything()
            m = fit_with_weak(FindingClassifier(TfidfClassifier(C=10.0), TfidfClassifier(C=10.0)),
                              splits["train"], weak, w_area, w_pol)
            a, p = m.predict_findings(val.texts)
            score = (f1_score(val.areas, a, average="macro"), f1_score(val.polarities, p, average="macro"))
            print(f"w_area={w_area} w_pol={w_pol}: validation area {score[0]:.3f} polarity {score[1]:.3f}")
            if best is None or sum(score) > best[0]:
                best = (sum(score), w_area, w_pol)
    _, w_area, w_pol = best
    model = FindingClassifier(TfidfClassifier(C=10.0), TfidfClassifier(C=10.0))
    run_experiment("tfidf_logreg_weak", model,
                   {"area_C": 10.0, "polarity_C": 10.0, "weak_rows": len(weak), "weak_area_weight": w_area,
                    "weak_polarity_weight": w_pol, "weak_labels": "section heading area; section grade / improve-list"},
                   splits=splits, fit=lambda m, train: fit_with_weak(m, train, weak, w_area, w_pol),
                   description="TF-IDF + logistic regression, gold + weak section labels (weak kept apart, down-weighted)")


if __name__ == "__main__":
    main()
