"""Learning curve: does active selection beat random sampling, sentence for sentence?

Start from round 1's training sentences (3.4k gold in all at that point), then add N sentences of
round 2's training strata: the `active` stratum (query by committee) or the `random` stratum
(uniform over training reports), N = 0, 250, 500, 773, 1000, 2300 (773 added training sentences is where
the gold in all would be 5k at the training share of the splits, 2,300 where it would be 7.5k; the random
pool holds only 1,000), then everything (the full 10.5k gold). The
model is the TF-IDF + logistic-regression default recipe with section context; each point is
scored on the frozen test split (report-grouped, random stratum) and logged to MLflow. Test is
only reported here: nothing is chosen on it.

Run: python experiments/learning_curve.py
"""
import json

import numpy as np
from common import QUICK, RESULTS_DIR, SEED, Split, load_gold

from ofsted_nlp import data, evaluate, features, tracking
from ofsted_nlp.models import FindingClassifier
from ofsted_nlp.models.tfidf import TfidfClassifier

STEPS = (0, 100) if QUICK else (0, 250, 500, 773, 1000, 2300)


def subset(split: Split, keep) -> Split:
    idx = [i for i in range(len(split.texts)) if keep(i)]
    return Split(*[[getattr(split, f)[i] for i in idx] for f in
                   ("ids", "texts", "areas", "polarities", "report_ids", "section_areas")])


def concat(a: Split, b: Split) -> Split:
    return Split(*[getattr(a, f) + getattr(b, f) for f in
                   ("ids", "texts", "areas", "polarities", "report_ids", "section_areas")])


def score(train: Split, test: Split) -> dict:
    model = FindingClassifier(TfidfClassifier(C=10.0), TfidfClassifier(C=10.0))
    model.fit(train.inputs(features.SECTION_CONTEXT, 0.25), train.areas, train.polarities)
    areas, pols = model.predict_findings(test.inputs(features.SECTION_CONTEXT))
    m = evaluate.sentence_level_report(test.texts, test.areas, list(areas), test.polarities, list(pols),
                                       groups=test.report_ids, n_boot=200)
    return {k: round(m[k], 4) for k in ("area_macro_f1", "polarity_macro_f1", "polarity_neutral_f1",
                                         "area_none_f1")}


def main():
    rows = {r["id"]: r for r in data.load_gold_rows()}
    splits = load_gold()
    train, test = splits["train"], splits["test"]
    info = [rows[i] for i in train.ids]
    base = subset(train, lambda i: info[i]["round"] == 1)
    pools = {arm: subset(train, lambda i, arm=arm: info[i]["round"] == 2 and info[i]["sampling"] == arm)
             for arm in ("active", "random")}
    rng = np.random.default_rng(SEED)
    orders = {arm: rng.permutation(len(pool.texts)) for arm, pool in pools.items()}
    curve = []
    with tracking.start_run("ofsted-nlp-learning-curve", run_name="learning_curve",
                            params={"model": "tfidf_logreg_context", "steps": list(STEPS)}):
        tracking.log_data_version()
        for arm, pool in pools.items():
            for n in STEPS:
                if n > len(pool.texts):
                    continue
                added = subset(pool, lambda i, keep=set(orders[arm][:n]): i in keep)
                point = {"arm": arm, "added": n, "n_train": len(base.texts) + n,
                         **score(concat(base, added), test)}
                curve.append(point)
                print(point, flush=True)
        full = {"arm": "all gold", "added": len(train.texts) - len(base.texts), "n_train": len(train.texts),
                **score(train, test)}
        curve.append(full)
        print(full)
        import mlflow

        mlflow.log_dict({"curve": curve}, "learning_curve.json")
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "learning_curve.json").write_text(json.dumps(curve, indent=1) + "\n")


if __name__ == "__main__":
    main()
