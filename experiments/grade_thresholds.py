"""Report level for a saved model: fit its score-to-grade cut points on one split's reports, score the others.

Every graded inspection report of the fitting split (`--fit-split`: `train`, the issue's rule and about four
times as many report-areas, or `validation`, the rule before data 2.5.0) is classified with the model; the three
cut points that best reproduce Ofsted's grades from the area scores are fitted on them
(`evaluate.fit_grade_thresholds`), then the held-out splits' reports are scored with those cut points: Spearman
(area score vs grade), exact grade and within one, on validation (where it is held out: the figure a choice may
use) and test (only measured). Why `train`: for the data-2.5.0 default its cut points scored 74.4% exact on the
validation reports, against 72.1% for cut points fitted on validation itself with each report left out in turn.
Every report-area's score is written to `results/report_level_<name>_areas.csv`.
`--write` stores the cut points as `grade_thresholds.json` in the model directory (the deliberate step:
classify() then maps that model's scores with its own cut points).

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


def _metrics(rows, thresholds) -> dict:
    predicted = [grade_from_score(r[2], thresholds) for r in rows]
    return evaluate.report_level_metrics([r[2] for r in rows], [r[3] for r in rows], predicted)


def _write_area_scores(path: Path, rows: dict) -> None:
    lines = ["split,report_id,area,score,ofsted_grade"]
    lines += [f"{split},{rid},{area},{score:.6f},{grade}" for split, split_rows in rows.items()
              for rid, area, score, grade in split_rows]
    path.write_text("\n".join(lines) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--fit-split", choices=("train", "validation"), default="train")
    ap.add_argument("--write", action="store_true", help="store the cut points in the model directory")
    args = ap.parse_args(argv)
    splits = data.load_splits()
    names = [args.fit_split] + [n for n in ("validation", "test") if n != args.fit_split]
    rows = {name: area_scores(args.model, splits[name][:QUICK_REPORTS] if QUICK else splits[name]) for name in names}
    fit_rows = rows[args.fit_split]
    thresholds = evaluate.fit_grade_thresholds([r[2] for r in fit_rows], [r[3] for r in fit_rows])
    held_out = {name: _metrics(rows[name], thresholds) for name in names[1:]}
    metrics = held_out["test"]
    result = {"name": args.name, "thresholds": thresholds.to_dict(),
              "fitted_on": f"{len(fit_rows)} {args.fit_split} report-areas", "fit_split": args.fit_split,
              "report_level": metrics, "splits_version": splits["version"], "data_version": data.data_version()}
    if "validation" in held_out:
        result["report_level_validation"] = held_out["validation"]
    with tracking.start_run("ofsted-nlp", run_name=f"report_level_{args.name}", params={"model": args.name, "fit_split": args.fit_split}):
        tracking.log_data_version()
        import mlflow

        mlflow.log_metrics({f"{split}_report_{k}": v for split, m in held_out.items() for k, v in m.items()})
        mlflow.log_dict(result, "report_level.json")
    RESULTS_DIR.mkdir(exist_ok=True)
    _write_area_scores(RESULTS_DIR / f"report_level_{args.name}_areas.csv", rows)
    (RESULTS_DIR / f"report_level_{args.name}.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    if args.write:
        (Path(args.model) / THRESHOLDS_FILE).write_text(json.dumps(thresholds.to_dict(), indent=1) + "\n")


if __name__ == "__main__":
    main()
