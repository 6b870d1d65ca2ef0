"""Register the shipped default model in the MLflow model registry as `ofsted-nlp-finding`, alias `champion`.

One run in experiment `ofsted-nlp` logs ofsted_nlp/default_model as a pyfunc (tracking.log_finding_model: models
from code, signature, input example, nothing pickled), with the figures of the experiment run that trained it
(the model's evaluation.json, copied from results/ by select_default.py: validation, test, no-context, news and
report-level figures, under the same metric names as the experiments log). The model card written from that
record (model_card.py, the same card as the shipped MODEL_CARD.md) is the version's description and the run's
MODEL_CARD.md artifact; the alias `champion` then points at the new version, so
`python -m ofsted_nlp.serving -m models:/ofsted-nlp-finding@champion` serves it.

Run from the checkout: python experiments/register_default.py
(tracking store: $MLFLOW_TRACKING_URI, else ./mlflow.db, as every experiment; `mlflow ui --backend-store-uri
sqlite:///mlflow.db` shows the run and the registry).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import model_card
from common import EXPERIMENT, REGISTERED_MODEL

from ofsted_nlp import tracking
from ofsted_nlp.errors import ModelLoadError
from ofsted_nlp.loading import DEFAULT_MODEL_DIR

SOURCE_RUN_TAG = "ofsted_nlp.source_run_name"
REPORT_METRIC_PREFIX = "test_report_"  # as experiments/grade_thresholds.py logs the report-level figures


def read_record(model_dir: Path) -> dict:
    path = model_dir / model_card.RECORD_FILE
    if not path.is_file():
        raise ModelLoadError(f"{model_dir} has no {model_card.RECORD_FILE}: experiments/select_default.py writes it "
                             "with the model; rerun it to register this model with its figures")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ModelLoadError(f"{path}: not JSON ({error})") from None


def record_metrics(record: dict) -> dict[str, float]:
    """The record's figures under the names the experiments log them with: `<split>_<results key>`."""
    metrics = {}
    for split in model_card.SPLIT_ROWS:
        for key, value in (record.get(split) or {}).items():
            if isinstance(value, (int, float)) and value == value:
                metrics[f"{split}_{key}"] = float(value)
    report = (record.get("report_level") or {}).get("report_level") or {}
    metrics.update({f"{REPORT_METRIC_PREFIX}{k}": float(v) for k, v in report.items()
                    if isinstance(v, (int, float)) and v == v})  # figures only: not their CIs, not NaN
    metrics["train_seconds"] = float(record["train_seconds"])
    selection = record["selection"]
    metrics["classify_sentences_per_s"] = float(selection["sentences_per_s"])
    metrics["model_mb"] = float(selection["mb"])
    return metrics


def register_default(model_dir: Path = DEFAULT_MODEL_DIR, registered_model_name: str = REGISTERED_MODEL,
                     alias: str = tracking.CHAMPION_ALIAS):
    """Log and register `model_dir` with its card and figures, alias `alias`; returns the ModelVersion."""
    import mlflow

    model_dir = Path(model_dir)
    record = read_record(model_dir)
    card = model_card.model_card(record, registered_as=f"{registered_model_name}@{alias}")
    shipped = model_dir / model_card.CARD_FILE
    if shipped.is_file() and shipped.read_text(encoding="utf-8") != card:
        print(f"note: {shipped} differs from the card written from {model_card.RECORD_FILE}; the registry gets the "
              "latter (experiments/select_default.py writes both)", file=sys.stderr)
    params = {**record["params"], "data_version": record["data_version"], "splits_version": record["splits_version"],
              "n_train": record["n_train"], "trained_in_run": record["name"]}
    tags = {"description": record["description"], SOURCE_RUN_TAG: record["name"]}
    with tracking.start_run(EXPERIMENT, run_name=f"registered {record['name']}", params=params, tags=tags):
        mlflow.log_metrics(record_metrics(record))
        mlflow.log_dict(record, model_card.RECORD_FILE)
        return tracking.register_with_card(model_dir, card, registered_model_name, alias)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--name", default=REGISTERED_MODEL, help="registered model name")
    parser.add_argument("--alias", default=tracking.CHAMPION_ALIAS)
    args = parser.parse_args(argv)
    version = register_default(args.model_dir, args.name, args.alias)
    print(f"registered {version.name} version {version.version} with alias {args.alias!r} at {tracking.tracking_uri()}: "
          f"serve it with python -m ofsted_nlp.serving -m models:/{version.name}@{args.alias}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
