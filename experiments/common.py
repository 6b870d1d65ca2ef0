"""What every experiment shares: the gold splits, evaluation, MLflow logging, results files.

Each experiment trains on `train`, may tune on `validation`, and reports on the
fixed `test` reports (labelled_data/splits.json), which it never trains or tunes on.
"""
from __future__ import annotations

import json
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ofsted_nlp import data, evaluate, features, labels, tracking  # noqa: E402

# `run_all.py --quick` sets these: a smoke test of every script on a small sample, written elsewhere.
QUICK = os.environ.get("OFSTED_NLP_QUICK") == "1"
RESULTS_DIR = Path(os.environ.get("OFSTED_NLP_RESULTS", ROOT / "results"))  # experiment output, never tracked
MODELS_DIR = Path(os.environ.get("OFSTED_NLP_RUNS", ROOT / "runs"))
EXPERIMENT = "ofsted-nlp-quick" if QUICK else "ofsted-nlp"
# Publications kept per split in quick mode (about 20 gold sentences each): enough rows for every
# class to appear, few enough that the whole suite runs in minutes.
QUICK_PUBLICATIONS = {"train": 40}
QUICK_PUBLICATIONS_OTHER = 6
REGISTERED_MODEL = "ofsted-nlp-finding"
SEED = 20261123
EVALUATION_LABELS = {"area": list(labels.AREA_CLASSES), "polarity": list(labels.POLARITIES)}


def seed_everything(seed: int = SEED) -> None:
    random.seed(seed)
    np.random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:
        pass


@dataclass
class Split:
    ids: list[str]
    texts: list[str]
    areas: list[str]
    polarities: list[str]
    report_ids: list[str]
    section_areas: list[str | None]
    document_kinds: list[str] | None = None  # None: all inspection reports

    def inputs(self, input_format: str, drop_context: float = 0.0, seed: int = SEED) -> list[str]:
        """Model inputs; with `drop_context`, that share of sentences is shown without its section (and,
        in section_context_v2, without its news mark)."""
        areas = list(self.section_areas)
        kinds = list(self.document_kinds) if self.document_kinds is not None else [None] * len(areas)
        if drop_context:
            rng = np.random.default_rng(seed)
            dropped = [rng.random() < drop_context for _ in areas]
            areas = [None if d else a for a, d in zip(areas, dropped)]
            kinds = [None if d else k for k, d in zip(kinds, dropped)]
        return features.compose(self.texts, areas, input_format, kinds)


def load_gold(samplings: set[str] | None = None) -> dict[str, Split]:
    """Every split of the gold data (train, validation, test, ood_dev, ood_test), optionally only some strata.

    The section's area is the one the reader recorded for the sentence (None for letters and news).
    """
    dd = data.load_dataset()
    out = {}
    for name, ds in dd.items():
        if samplings is not None:
            ds = ds.filter(lambda row: row["sampling"] in samplings)
        if QUICK:
            ds = quick_sample(ds, QUICK_PUBLICATIONS.get(name, QUICK_PUBLICATIONS_OTHER))
        texts, areas, pols = data.texts_and_labels(ds)
        out[name] = Split(list(ds["id"]), texts, areas, pols, list(ds["report_id"]), list(ds["section_area"]),
                          list(ds["document_kind"]))
    return out


REPORTS = ROOT.parent / "shared" / "ofsted_reports"
QUICK_CORPUS_REPORTS = 24  # train-split reports read into the quick corpus


def ensure_corpus(corpus_dir: Path | None = None) -> Path:
    """The corpus folder (sentences.parquet, reports.parquet), built from ../shared when missing; in quick
    mode a small one of a few train-split reports, under the quick output folder."""
    if corpus_dir is None:
        corpus_dir = RESULTS_DIR.parent / "corpus" if QUICK else ROOT / "corpus"
    if (corpus_dir / "sentences.parquet").exists():
        return corpus_dir
    if not REPORTS.is_dir():
        sys.exit(f"no corpus at {corpus_dir} and no reports at {REPORTS}: build one with `ofsted-nlp corpus`")
    from ofsted_nlp.corpus import build_corpus

    files = None
    if QUICK:
        train = data.load_splits()["train"]
        files = [p for p in (REPORTS / f"{rid}.pdf" for rid in sorted(train)) if p.exists()][:QUICK_CORPUS_REPORTS]
    build_corpus(REPORTS, corpus_dir, progress=False, files=files)
    return corpus_dir


def quick_sample(ds, n_publications: int):
    """The rows of the first `n_publications` publications of a split (whole publications, so that
    report-grouped figures still make sense)."""
    keep = set(sorted(set(ds["report_id"]))[:n_publications])
    return ds.filter(lambda row: row["report_id"] in keep)


def run_experiment(name: str, model, params: dict, splits: dict[str, Split] | None = None,
                   fit=None, log_model: bool = True, tags: dict | None = None, description: str = "",
                   input_format: str = features.PLAIN, drop_context: float = 0.25) -> dict:
    """Fit `model` (a FindingClassifier-like object) on train, evaluate on validation and test, log it all.

    `fit(model, train)` overrides the default `model.fit(texts, areas, polarities)`. With the
    section-context input format, the model is also scored on test sentences shown without their
    section (`test_no_context`), as a user's loose sentences are.
    """
    params = {**params, "input_format": input_format}
    seed_everything()
    splits = splits or load_gold()
    train = splits["train"]
    with tracking.start_run(EXPERIMENT, run_name=name, params={**params, "n_train": len(train.texts)},
                            tags={"description": description, **(tags or {})}) as run:
        # Both read before training: labels merged while a run trains must not relabel the run's results.
        results_data_version = tracking.log_data_version()
        splits_version = data.load_splits()["version"]
        t0 = time.perf_counter()
        train_inputs = train.inputs(input_format, drop_context if input_format != features.PLAIN else 0.0)
        if fit is None:
            model.fit(train_inputs, train.areas, train.polarities)
        else:
            fit(model, train)
        train_seconds = time.perf_counter() - t0
        results = {"name": name, "params": params, "train_seconds": round(train_seconds, 1),
                   "run_id": run.info.run_id, "description": description,
                   "data_version": results_data_version, "splits_version": splits_version,
                   "n_train": len(train.texts)}
        evaluations = [("validation", "validation", input_format), ("test", "test", input_format)]
        evaluations += [(ood, ood, input_format) for ood in data.OOD_SPLITS if splits.get(ood) and splits[ood].texts]
        if input_format != features.PLAIN:
            evaluations.append(("test_no_context", "test", features.SECTION_CONTEXT + ":none"))
        for split_name, source, fmt in evaluations:
            split = splits[source]
            if fmt.endswith(":none"):
                inputs = features.compose(split.texts, None, features.SECTION_CONTEXT)
            else:
                inputs = split.inputs(fmt)
            t0 = time.perf_counter()
            areas_pred, pols_pred = model.predict_findings(inputs)
            infer = time.perf_counter() - t0
            results[split_name] = score_and_log(split_name, split, areas_pred, pols_pred,
                                                {"sentences_per_second": len(split.texts) / max(infer, 1e-9)})
        import mlflow

        mlflow.log_metric("train_seconds", train_seconds)
        if log_model and hasattr(model, "save"):
            model_dir = MODELS_DIR / name / "model"
            model.save(model_dir)
            features.write_input_format(model_dir, input_format)
            tracking.log_finding_model(model_dir)
            # relative to the checkout when inside it (no machine paths in results); quick runs write elsewhere
            results["model_dir"] = str(model_dir.relative_to(ROOT) if model_dir.is_relative_to(ROOT) else model_dir)
    write_results(name, results)
    print_summary(results)
    return results


def score_and_log(split_name: str, split: Split, areas_pred, pols_pred, extra: dict | None = None) -> dict:
    """Sentence-level figures of one evaluation (CIs by report), logged to the active MLflow run with its
    confusion matrices and misclassified sentences; returns the metrics (plus `extra`) for the results file."""
    metrics = evaluate.sentence_level_report(split.texts, split.areas, list(areas_pred), split.polarities,
                                             list(pols_pred), groups=split.report_ids)
    metrics.update(extra or {})
    # The results file's keys with the split in front are the MLflow names (one name a figure), and
    # the same label sets as evaluate.py, so the figures computed on both sides agree.
    tracking.log_evaluation({"area": split.areas, "polarity": split.polarities},
                            {"area": list(areas_pred), "polarity": list(pols_pred)},
                            split.texts, ids=split.ids, metrics={f"{split_name}_{k}": v for k, v in metrics.items()},
                            split=split_name, labels=EVALUATION_LABELS)
    return metrics


def directory_bytes(directory: Path) -> int:
    """Size of every file under `directory`: a saved model's footprint on disk."""
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def write_results(name: str, results: dict) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=1, default=float) + "\n")
    os.replace(tmp, path)


def print_summary(results: dict) -> None:
    t = results["test"]
    print(f"{results['name']}: test area macro-F1 {t['area_macro_f1']:.3f} "
          f"[{t['area_macro_f1_ci_low']:.3f}, {t['area_macro_f1_ci_high']:.3f}], "
          f"polarity macro-F1 {t['polarity_macro_f1']:.3f} "
          f"[{t['polarity_macro_f1_ci_low']:.3f}, {t['polarity_macro_f1_ci_high']:.3f}], "
          f"train {results['train_seconds']} s")
