"""Report level: does a model's reading of a report's findings agree with Ofsted's grade for each area?

For every report of the corpus with grades, each area's findings (sentences the model puts in that
area) are aggregated into a score (mean P(positive) - mean P(negative)) and compared with the grade
Ofsted gave that area. Report-grouped 5-fold cross-validation over the whole corpus: every report is
scored by a model that never saw it, and the score-to-grade thresholds applied to a fold are fitted
on the other folds. The gold test split is never trained on.
Run: python experiments/report_level.py [--corpus corpus/]  (needs ../shared/ofsted_reports or a built corpus)
"""
import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from common import QUICK, RESULTS_DIR, SEED, ensure_corpus, load_gold, seed_everything, write_results

from ofsted_nlp import data, evaluate, tracking
from ofsted_nlp.labels import AREAS, GRADES
from ofsted_nlp.models import FindingClassifier
from ofsted_nlp.models.baselines import KeywordAreaClassifier, TextBlobPolarity, VaderPolarity
from ofsted_nlp.models.tfidf import TfidfClassifier
from ofsted_nlp.reading import grade_for_area

N_FOLDS = 5
QUICK_REPORTS = 25  # graded reports scored in `run_all.py --quick`
QUICK_WEAK_ROWS = 2000
FINDING_KINDS = {"headline_summary", "summary", "what_needs_to_improve", "strengths", "progress", "judgement",
                 "lscb", "summary_for_children", "other"}


def area_grade_pairs(reports: pd.DataFrame) -> dict[tuple[str, str], str]:
    pairs = {}
    for r in reports.to_dict("records"):
        grades = {k[len("grade_"):]: v for k, v in r.items() if k.startswith("grade_")}
        for area in AREAS:
            grade = grade_for_area(grades, area)
            if grade in GRADES:
                pairs[(r["report_id"], area)] = grade
    return pairs


def out_of_fold_scores(make_model, sentences, report_ids, folds, gold_train, weak_fit=None):
    scores = {}
    for k, held in enumerate(folds):
        seed_everything()
        held = set(held)
        keep = [i for i, rid in enumerate(gold_train.report_ids) if rid not in held]
        model = make_model()
        texts = [gold_train.texts[i] for i in keep]
        areas = [gold_train.areas[i] for i in keep]
        pols = [gold_train.polarities[i] for i in keep]
        if weak_fit:
            weak_fit(model, texts, areas, pols, held)
        else:
            model.fit(texts, areas, pols)
        part = sentences[sentences.report_id.isin(held)]
        area_proba, pol_proba = model.predict_proba(list(part.text))
        area_pred = np.asarray(model.area_classes_)[area_proba.argmax(1)]
        for rid in held:
            mask = (part.report_id == rid).to_numpy()
            for area in AREAS:
                sel = mask & (area_pred == area)
                if sel.sum() >= evaluate.GradeThresholds().min_findings:  # too few findings: no grade
                    scores[(rid, area)] = evaluate.area_score(pol_proba[sel], list(model.polarity_classes_))
        print(f"  fold {k + 1}/{len(folds)} done")
    return scores


def cross_fitted_grades(scores: dict, pairs: dict, folds) -> tuple[dict, evaluate.GradeThresholds]:
    fold_of = {rid: k for k, held in enumerate(folds) for rid in held}
    keys = [k for k in pairs if k in scores]
    predicted = {}
    for k in range(len(folds)):
        fit_keys = [key for key in keys if fold_of[key[0]] != k]
        thresholds = evaluate.fit_grade_thresholds([scores[x] for x in fit_keys], [pairs[x] for x in fit_keys])
        for key in keys:
            if fold_of[key[0]] == k:
                predicted[key] = thresholds.grade(scores[key])
    overall = evaluate.fit_grade_thresholds([scores[x] for x in keys], [pairs[x] for x in keys])
    return predicted, overall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=None, help="default: corpus/, built from ../shared if missing")
    args = ap.parse_args()
    corpus = ensure_corpus(args.corpus)
    sentences = pd.read_parquet(corpus / "sentences.parquet")
    sentences = sentences[sentences.section_kind.isin(FINDING_KINDS)]
    reports = pd.read_parquet(corpus / "reports.parquet")
    pairs = area_grade_pairs(reports)
    graded_reports = sorted({rid for rid, _ in pairs})
    if QUICK:
        graded_reports = graded_reports[:QUICK_REPORTS]
        pairs = {key: grade for key, grade in pairs.items() if key[0] in set(graded_reports)}
    rng = np.random.default_rng(SEED)
    order = rng.permutation(graded_reports)
    folds = [list(order[k::N_FOLDS]) for k in range(N_FOLDS)]
    sentences = sentences[sentences.report_id.isin(graded_reports)]

    gold = load_gold()
    test_reports = set(data.load_splits()["test"])
    train = gold["train"]
    for name in ("validation",):  # the test split is never trained on
        v = gold[name]
        train.texts += v.texts; train.areas += v.areas; train.polarities += v.polarities; train.report_ids += v.report_ids

    from weak_supervision import weak_rows

    weak_params = json.loads((RESULTS_DIR / "tfidf_logreg_weak.json").read_text())["params"] \
        if (RESULTS_DIR / "tfidf_logreg_weak.json").exists() else {"weak_area_weight": 0.2, "weak_polarity_weight": 0.05}
    weak_all = weak_rows(test_reports, max_rows=QUICK_WEAK_ROWS if QUICK else 30000)

    def fit_weak(model, texts, areas, pols, held):
        w = weak_all[~weak_all.report_id.isin(held)]
        wa, wp = float(weak_params["weak_area_weight"]), float(weak_params["weak_polarity_weight"])
        model.area_model.fit(texts + list(w.text), areas + list(w.weak_area),
                             sample_weight=np.r_[np.ones(len(texts)), np.full(len(w), wa)])
        pw = w[w.weak_polarity.notna()] if wp > 0 else w.iloc[:0]
        model.polarity_model.fit(texts + list(pw.text), pols + list(pw.weak_polarity),
                                 sample_weight=np.r_[np.ones(len(texts)), np.full(len(pw), wp)])

    candidates = {
        "report_level_keywords_textblob": (lambda: FindingClassifier(KeywordAreaClassifier(), TextBlobPolarity()), None),
        "report_level_keywords_vader": (lambda: FindingClassifier(KeywordAreaClassifier(), VaderPolarity()), None),
        "report_level_tfidf_logreg": (lambda: FindingClassifier(TfidfClassifier(C=10.0), TfidfClassifier(C=10.0)), None),
        "report_level_tfidf_logreg_weak": (lambda: FindingClassifier(TfidfClassifier(C=10.0), TfidfClassifier(C=10.0)),
                                           fit_weak),
    }
    for name, (make, weak_fit) in candidates.items():
        print(name)
        with tracking.start_run("ofsted-nlp-report-level", run_name=name,
                                params={"folds": N_FOLDS, "data_version": data.data_version(),
                                        "n_reports": len(graded_reports), "n_sentences": len(sentences)}):
            import mlflow

            scores = out_of_fold_scores(make, sentences, graded_reports, folds, train, weak_fit)
            predicted, overall = cross_fitted_grades(scores, pairs, folds)
            keys = list(predicted)
            metrics = evaluate.report_level_metrics([scores[k] for k in keys], [pairs[k] for k in keys],
                                                    [predicted[k] for k in keys])
            for area in AREAS:
                ak = [k for k in keys if k[1] == area]
                m = evaluate.report_level_metrics([scores[k] for k in ak], [pairs[k] for k in ak],
                                                  [predicted[k] for k in ak])
                metrics.update({f"{area}_{x}": v for x, v in m.items()})
            mlflow.log_metrics({k: v for k, v in metrics.items() if v == v})
            table = pd.DataFrame([{"report_id": k[0], "area": k[1], "score": scores[k], "grade": pairs[k],
                                   "predicted_grade": predicted[k]} for k in keys])
            out = RESULTS_DIR / f"{name}_scores.csv"
            table.to_csv(out, index=False)
            mlflow.log_artifact(str(out))
            write_results(name, {"name": name, "report_level": metrics,
                                 "thresholds_all_reports": overall.to_dict()})
            print(f"  spearman {metrics['spearman']:.3f}, grade accuracy {metrics['grade_accuracy']:.3f}, "
                  f"within one {metrics['grade_within_one']:.3f} over {metrics['n_report_areas']} report-areas")


if __name__ == "__main__":
    main()
