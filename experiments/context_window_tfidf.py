"""Do the neighbouring sentences carry signal? A cheap A/B with TF-IDF + logistic regression (issue 10).

Both arms are the section-context TF-IDF model (word 1-2 + char_wb 2-5 n-grams of
`section_context_v1` inputs, class-balanced logistic regression, the C that experiments/tfidf.py chose
on validation); the neighbour arm adds word 1-2 TF-IDF features of the previous and of the next
sentence (experiments/neighbours.py), each its own vocabulary. Same data, same C, same seed: the
difference is the neighbours. Minutes on two cores, where the MiniLM run needs ~40.

Run: python experiments/context_window_tfidf.py
"""
from __future__ import annotations

import json
import time

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from common import (EXPERIMENT, REPORTS, RESULTS_DIR, Split, ensure_corpus, load_gold, score_and_log,
                    seed_everything, write_results)
from neighbours import Neighbours, gold_neighbours

from ofsted_nlp import data, features, tracking
from ofsted_nlp.models.tfidf import TfidfClassifier

DEFAULT_C = {"area": 3.0, "polarity": 3.0}  # what tfidf.py chose on data 2.0.0, when its results are not at hand
DROP_SECTION = 0.25  # share of training sentences shown without their section, as in run_experiment
MAX_ITER = 2000


def frame(split: Split, neighbours: Neighbours, drop_section: float = 0.0) -> pd.DataFrame:
    """Model input columns: the section-context sentence, its previous and its next sentence ('' if none)."""
    pairs = [neighbours.get(sid, (None, None)) for sid in split.ids]
    return pd.DataFrame({"sentence": split.inputs(features.SECTION_CONTEXT, drop_section),
                         "previous": [p or "" for p, _ in pairs], "next": [n or "" for _, n in pairs]})


def pipeline(with_neighbours: bool, c: float) -> Pipeline:
    """The TF-IDF model of models/tfidf.py's features, with or without the neighbour columns."""
    sentence = TfidfClassifier(C=c)._new_features()  # exactly the shipped TF-IDF model's features
    columns = [("sentence", sentence, "sentence")]
    if with_neighbours:
        columns += [(side, TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True), side)
                    for side in ("previous", "next")]
    return Pipeline([("features", ColumnTransformer(columns)),
                     ("classifier", LogisticRegression(C=c, class_weight="balanced", max_iter=MAX_ITER))])


def chosen_c() -> dict[str, float]:
    """The C per task experiments/tfidf.py chose on validation (its results file), else DEFAULT_C."""
    path = RESULTS_DIR / "tfidf_logreg_context.json"  # experiments/tfidf.py's
    if not path.exists():
        return dict(DEFAULT_C)
    params = json.loads(path.read_text())["params"]
    return {"area": float(params["area_C"]), "polarity": float(params["polarity_C"])}


def run_arm(name: str, with_neighbours: bool, splits: dict[str, Split], neighbours: Neighbours,
            c: dict[str, float]) -> dict:
    """Fit both tasks, score validation and test (and test with the neighbours blank), log the run."""
    seed_everything()
    train = splits["train"]
    x_train = frame(train, neighbours, DROP_SECTION)
    params = {"features": "word 1-2 + char_wb 2-5 tf-idf" + (" + word 1-2 of previous and next" if with_neighbours
                                                              else ""),
              "area_C": c["area"], "polarity_C": c["polarity"], "input_format": features.SECTION_CONTEXT,
              "neighbours": with_neighbours}
    with tracking.start_run(EXPERIMENT, run_name=name, params={**params, "n_train": len(train.texts)},
                            tags={"description": "TF-IDF A/B for neighbours as context (issue 10)"}) as run:
        results = {"name": name, "params": params, "run_id": run.info.run_id,
                   "data_version": tracking.log_data_version(), "splits_version": data.load_splits()["version"]}
        t0 = time.perf_counter()
        models = {"area": pipeline(with_neighbours, c["area"]).fit(x_train, train.areas),
                  "polarity": pipeline(with_neighbours, c["polarity"]).fit(x_train, train.polarities)}
        results["train_seconds"] = round(time.perf_counter() - t0, 1)
        blank: Neighbours = {}
        for split_name, source, context in (("validation", "validation", neighbours), ("test", "test", neighbours),
                                            ("test_no_neighbours", "test", blank)):
            split = splits[source]
            x = frame(split, context)
            areas_pred, pols_pred = models["area"].predict(x), models["polarity"].predict(x)
            metrics = score_and_log(split_name, split, areas_pred, pols_pred)
            results[split_name] = metrics
            print(f"{name} {split_name}: area {metrics['area_macro_f1']:.3f} "
                  f"[{metrics['area_macro_f1_ci_low']:.3f}, {metrics['area_macro_f1_ci_high']:.3f}] "
                  f"polarity {metrics['polarity_macro_f1']:.3f} "
                  f"[{metrics['polarity_macro_f1_ci_low']:.3f}, {metrics['polarity_macro_f1_ci_high']:.3f}] "
                  f"neutral {metrics['polarity_neutral_f1']:.3f} none {metrics['area_none_f1']:.3f}", flush=True)
    write_results(name, results)
    return results


def main() -> None:
    splits = load_gold()
    rows = data.gold_frame()[["id", "report_id", "sampling"]]
    neighbours = gold_neighbours(rows[rows.id.isin({i for s in splits.values() for i in s.ids})], ensure_corpus(),
                                 REPORTS)
    c = chosen_c()
    base = run_arm("tfidf_context_ab_plain", False, splits, neighbours, c)
    with_neighbours = run_arm("tfidf_context_ab_neighbours", True, splits, neighbours, c)
    for split in ("validation", "test"):
        diff = {m: with_neighbours[split][m] - base[split][m]
                for m in ("area_macro_f1", "polarity_macro_f1", "polarity_neutral_f1", "area_none_f1")}
        print(split, "neighbours minus plain:", {k: round(v, 3) for k, v in diff.items()})


if __name__ == "__main__":
    main()
