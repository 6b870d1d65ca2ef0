"""Report level for a saved model: fit its score-to-grade cut points on validation reports, score test reports.

Every graded inspection report of the validation split is classified with the model; the three cut points
that best reproduce Ofsted's grades from the area scores are fitted on them (`evaluate.fit_grade_thresholds`),
then the test split's reports are scored with those cut points: Spearman (area score vs grade), exact grade
and within one. Both splits are held out from training, so no report was seen by the model; the test
reports are only measured. `--write` stores the cut points as `grade_thresholds.json` in the model
directory (the deliberate step: classify() then maps that model's scores with its own cut points).

Run: python experiments/grade_thresholds.py --model ofsted_nlp/default_model --name minilm_l4_int8_seed0 [--write]
"""
import argparse
import json
import math
from pathlib import Path

from common import QUICK, RESULTS_DIR, ROOT

from ofsted_nlp import classify, data, evaluate, tracking
from ofsted_nlp.labels import AREAS, GRADES
from ofsted_nlp.summary import grade_from_score

REPORTS = ROOT.parent / "shared" / "ofsted_reports"
QUICK_REPORTS = 4  # per split, in `run_all.py --quick`
from ofsted_nlp.loading import GRADE_THRESHOLDS_FILE as THRESHOLDS_FILE  # noqa: E402


def area_scores(model: str, report_ids) -> list[tuple[str, str, float, str]]:
    """(report, area, score, Ofsted grade) for every graded area of the reports."""
    rows = []
    for rid in report_ids:
        pdf = REPORTS / f"{rid}.pdf"
        if not pdf.exists():
            continue
        result = classify(pdf, model=model, progress=False)
        for area in AREAS:
            s = result.summary.areas[area]
            if s.ofsted_grade in GRADES and not math.isnan(s.score):
                rows.append((rid, area, s.score, s.ofsted_grade))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--write", action="store_true", help="store the cut points in the model directory")
    args = ap.parse_args(argv)
    splits = data.load_splits()
    reports = {name: splits[name][:QUICK_REPORTS] if QUICK else splits[name] for name in ("validation", "test")}
    fit_rows = area_scores(args.model, reports["validation"])
    test_rows = area_scores(args.model, reports["test"])
    thresholds = evaluate.fit_grade_thresholds([r[2] for r in fit_rows], [r[3] for r in fit_rows])
    predicted = [grade_from_score(r[2], thresholds) for r in test_rows]
    metrics = evaluate.report_level_metrics([r[2] for r in test_rows], [r[3] for r in test_rows], predicted)
    result = {"name": args.name, "thresholds": thresholds.to_dict(), "fitted_on": f"{len(fit_rows)} validation report-areas",
              "report_level": metrics, "splits_version": splits["version"], "data_version": data.data_version()}
    with tracking.start_run("ofsted-nlp", run_name=f"report_level_{args.name}", params={"model": args.name}):
        tracking.log_data_version()
        import mlflow

        mlflow.log_metrics({f"test_report_{k}": v for k, v in metrics.items()})
        mlflow.log_dict(result, "report_level.json")
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / f"report_level_{args.name}.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    if args.write:
        (Path(args.model) / THRESHOLDS_FILE).write_text(json.dumps(thresholds.to_dict(), indent=1) + "\n")


if __name__ == "__main__":
    main()
