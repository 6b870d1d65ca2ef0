"""TF-IDF with section context AND the corpus's weak section labels.

Gold rows are shown with their section's area (dropped for a quarter of them, so loose sentences work too);
weak rows (labelled_data/weak/, made by a rule from section headings, never read) are shown WITHOUT their
section, so that they teach the words of each area rather than the heading. Weights as tuned on validation
by experiments/weak_supervision.py. Run: python experiments/weak_context.py
"""
import json

import numpy as np
from common import RESULTS_DIR, load_gold, run_experiment

from ofsted_nlp import data, features
from ofsted_nlp.models import FindingClassifier
from ofsted_nlp.models.tfidf import TfidfClassifier
from weak_supervision import weak_rows


def main():
    splits = load_gold()
    declared = data.load_splits()
    weak = weak_rows(set(declared["validation"]) | set(declared["test"]))
    tuned = json.loads((RESULTS_DIR / "tfidf_logreg_weak.json").read_text())["params"]
    w_area = float(tuned["weak_area_weight"])

    def fit(model, train):
        gold_inputs = train.inputs(features.SECTION_CONTEXT, drop_context=0.25)
        weak_inputs = features.compose(weak.text, None, features.SECTION_CONTEXT)
        model.area_model.fit(gold_inputs + weak_inputs, list(train.areas) + list(weak.weak_area),
                             sample_weight=np.r_[np.ones(len(gold_inputs)), np.full(len(weak), w_area)])
        model.polarity_model.fit(gold_inputs, train.polarities)

    model = FindingClassifier(TfidfClassifier(C=10.0), TfidfClassifier(C=10.0))
    run_experiment("tfidf_logreg_context_weak", model,
                   {"area_C": 10.0, "polarity_C": 10.0, "weak_rows": len(weak), "weak_area_weight": w_area,
                    "weak_labels": "section heading area, shown without section"},
                   splits=splits, fit=fit, input_format=features.SECTION_CONTEXT,
                   description="TF-IDF + logistic regression, section context, gold + weak section labels")


if __name__ == "__main__":
    main()
