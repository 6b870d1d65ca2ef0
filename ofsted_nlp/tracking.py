"""Experiment tracking with MLflow: runs, data versions, evaluation artifacts, and models.

The tracking URI is MLFLOW_TRACKING_URI when set, otherwise ``sqlite:///<cwd>/mlflow.db``.
Models are logged as pyfunc through *models-from-code* (``ofsted_nlp/mlflow_model.py``) with the
saved FindingClassifier directory as an artifact: no cloudpickle when logging, no unpickling
when loading.

mlflow and matplotlib are imported inside functions so that ``import ofsted_nlp`` stays fast.
"""
from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import InputError, ModelLoadError, OfstedNLPError

DEFAULT_EXPERIMENT = "ofsted-nlp"
DEFAULT_REGISTERED_MODEL = "ofsted-nlp-finding"
TRACKING_URI_ENV = "MLFLOW_TRACKING_URI"
# Run tag holding the URI of the model logged in the run, so register_best needs no guessing.
MODEL_URI_TAG = "ofsted_nlp.model_uri"
DATA_VERSION_PARAM = "data_version"
EVALUATION_ARTIFACT_DIR = "evaluation"
# setup.cfg extras that a saved model family needs at load time; families not listed need none.
FAMILY_EXTRAS = {
    "embedding": "transformers",
    "finetuned": "transformers",
    "static_embedding": "train",  # model2vec
    "vader_polarity": "baselines",
    "textblob_polarity": "baselines",
}
# One name per figure: ``<split>_<task>_macro_f1``, ``<split>_<task>_accuracy`` and, per class,
# ``<split>_<task>_<label>_f1`` (the keys of evaluate.classification_metrics with the split in front), so
# a figure logged here and the same figure in an experiment's results file share one name.
PER_CLASS_F1 = "{split}_{task}_{label}_f1"
# What register_best ranks runs by (their mean): development figures only, the report validation split and
# the news/letters dev split (`ood_dev`) weighted alike, because the default reads both kinds of text and
# report validation alone cannot see how a model reads news (issue 11). The test splits are for reporting;
# a model chosen on them would make their figures optimistic. experiments/select_default.py uses the same.
SELECTION_SPLITS = ("validation", "ood_dev")
# (split, figure) pairs: the figure as an experiment's results file names it under its split.
SELECTION_FIGURES = tuple((split, f"{task}_macro_f1") for split in SELECTION_SPLITS for task in ("area", "polarity"))
SELECTION_METRICS = tuple(f"{split}_{figure}" for split, figure in SELECTION_FIGURES)
SELECTION_SPLIT_PREFIXES = tuple(f"{split}_" for split in SELECTION_SPLITS)
# Two computations of one figure (sklearn's accuracy vs micro-averaged F1) may differ in the last bits.
METRIC_AGREEMENT_TOLERANCE = 1e-9
CHAMPION_ALIAS = "champion"
MODEL_CARD_ARTIFACT = "MODEL_CARD.md"
# MLflow stores a model version's description in a 5,000-character column.
MAX_DESCRIPTION_CHARS = 5000
EXAMPLE_SENTENCE = (
    "Social workers visit children regularly and know them well, but the quality of "
    "supervision is inconsistent."
)


# --------------------------------------------------------------------------- tracking URI, runs


def tracking_uri() -> str:
    """MLFLOW_TRACKING_URI if set, else a SQLite store ``mlflow.db`` in the working directory."""
    configured = os.environ.get(TRACKING_URI_ENV)
    if configured:
        return configured
    return f"sqlite:///{(Path.cwd() / 'mlflow.db').as_posix()}"


@contextmanager
def start_run(
    experiment_name: str = DEFAULT_EXPERIMENT,
    run_name: str | None = None,
    params: Mapping[str, object] | None = None,
    tags: Mapping[str, str] | None = None,
) -> Iterator[Any]:
    """Open an MLflow run in ``experiment_name`` at ``tracking_uri()``; yields the mlflow Run.

    ``params`` are logged at once (values as strings), ``tags`` are set on the run.
    """
    import mlflow

    _use_tracking_uri(tracking_uri())
    mlflow.set_experiment(experiment_name)
    with mlflow.start_run(run_name=run_name, tags=dict(tags or {})) as run:
        if params:
            mlflow.log_params({str(k): _param_value(v) for k, v in params.items()})
        yield run


def _use_tracking_uri(uri: str) -> None:
    import mlflow

    had_env, env_value = TRACKING_URI_ENV in os.environ, os.environ.get(TRACKING_URI_ENV)
    mlflow.set_tracking_uri(uri)
    # mlflow.set_tracking_uri also exports MLFLOW_TRACKING_URI; left set, it would pin every
    # later tracking_uri() call to this working directory's store even after a chdir.
    if had_env and env_value is not None:
        os.environ[TRACKING_URI_ENV] = env_value
    else:
        os.environ.pop(TRACKING_URI_ENV, None)


def _param_value(value) -> str:
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _require_active_run():
    import mlflow

    run = mlflow.active_run()
    if run is None:
        raise OfstedNLPError("no active MLflow run: call this inside `with tracking.start_run(...)`")
    return run


# --------------------------------------------------------------------------- data version


def log_data_version(directory: str | Path | None = None, context: str = "training") -> str:
    """Log the labelled data's version on the active run: a param and an MLflow dataset input.

    The version is `data.data_version()` (gold, splits, weak labels, audit, documents): runs on
    different data never share it. The gold table is logged through `mlflow.data` with that digest,
    so the MLflow UI shows which data each run saw.
    """
    import mlflow

    from . import data

    _require_active_run()
    version = data.data_version(directory)
    frame = data.gold_frame(directory)[["id", "text", "area", "polarity", "split"]]
    dataset = mlflow.data.from_pandas(frame, source=str(data.labelled_data_dir() if directory is None  # type: ignore[attr-defined]
                                                        else directory),
                                      name="ofsted-nlp-gold", digest=version)
    mlflow.log_input(dataset, context=context)
    mlflow.log_param(DATA_VERSION_PARAM, version)
    return version


# --------------------------------------------------------------------------- evaluation


def log_evaluation(
    y_true: Mapping[str, Sequence[str]],
    y_pred: Mapping[str, Sequence[str]],
    texts: Sequence[str],
    ids: Sequence[str] | None = None,
    labels: Mapping[str, Sequence[str]] | None = None,
    metrics: Mapping[str, float] | None = None,
    split: str = "test",
) -> dict[str, float]:
    """Log one split's evaluation to the active run and return the metrics logged.

    ``y_true``/``y_pred`` map a task name ("area", "polarity") to label strings, one per text.
    ``labels`` gives each task's label order (default: labels.AREAS / labels.POLARITIES when they
    cover the labels seen, else the sorted labels seen). ``metrics`` is a flat dict (e.g. from
    evaluate.py) logged as is, on top of the accuracy, macro-F1 and per-class F1 computed here
    (``<split>_<task>_accuracy``, ``<split>_<task>_macro_f1``, ``<split>_<task>_<label>_f1``); name its
    keys the same way, so one figure never has two names.

    Artifacts under ``evaluation/``: ``confusion_<split>_<task>.png``,
    ``classification_report_<split>_<task>.json`` and ``.txt``, ``misclassified_<split>.csv``.
    """
    import mlflow

    _require_active_run()
    tasks = _check_evaluation_inputs(y_true, y_pred, texts, ids)
    ids = [str(i) for i in ids] if ids is not None else [str(i) for i in range(len(texts))]
    logged: dict[str, float] = {}
    for task in tasks:
        task_labels = _task_labels(task, y_true[task], y_pred[task], (labels or {}).get(task))
        report = _classification_report(y_true[task], y_pred[task], task_labels)
        logged.update(_summary_metrics(report, split, task))
        _log_task_artifacts(task, split, y_true[task], y_pred[task], task_labels, report)
    _merge_given_metrics(logged, metrics or {})
    mlflow.log_metrics(logged)
    _log_misclassified(tasks, y_true, y_pred, texts, ids, split)
    return logged


def _merge_given_metrics(logged: dict[str, float], given: Mapping[str, float]) -> None:
    """Add the caller's metrics; one that shares a name with a computed figure must agree with it."""
    for name, value in given.items():
        name, value = str(name), float(value)
        if name in logged and abs(logged[name] - value) > METRIC_AGREEMENT_TOLERANCE:
            raise InputError(f"metric {name!r} is given as {value!r} but computed here as {logged[name]!r}: "
                             "one name, two figures; pass labels= so both use the same label set")
        logged[name] = value


def _check_evaluation_inputs(y_true, y_pred, texts, ids) -> list[str]:
    tasks = [task for task in y_true if task in y_pred]
    if not tasks:
        raise InputError("y_true and y_pred share no task name")
    lengths = {"texts": len(texts)}
    lengths.update({f"y_true[{t!r}]": len(y_true[t]) for t in tasks})
    lengths.update({f"y_pred[{t!r}]": len(y_pred[t]) for t in tasks})
    if ids is not None:
        lengths["ids"] = len(ids)
    if len(set(lengths.values())) != 1:
        raise InputError(f"evaluation inputs differ in length: {lengths}")
    if not texts:
        raise InputError("nothing to evaluate: no texts")
    return tasks


def _task_labels(task, y_true, y_pred, given) -> list[str]:
    from . import labels as label_sets

    seen = {str(label) for label in (*y_true, *y_pred)}
    if given is not None:
        unknown = seen - {str(label) for label in given}
        if unknown:
            raise InputError(f"{task}: labels {sorted(unknown)} are not in the given label list")
        return [str(label) for label in given]
    for known in (label_sets.AREAS, label_sets.POLARITIES):
        if seen <= set(known):
            return list(known)
    return sorted(seen)


def _classification_report(y_true, y_pred, task_labels) -> dict:
    from sklearn.metrics import classification_report

    return classification_report(
        [str(y) for y in y_true],
        [str(y) for y in y_pred],
        labels=task_labels,
        output_dict=True,
        zero_division=0,
    )


def _summary_metrics(report: dict, split: str, task: str) -> dict[str, float]:
    metrics = {f"{split}_{task}_macro_f1": float(report["macro avg"]["f1-score"])}
    # classification_report reports "micro avg" instead of "accuracy" when labels= differs from
    # the labels seen; over all labels micro-averaged F1 is the accuracy.
    accuracy = report.get("accuracy", report.get("micro avg", {}).get("f1-score"))
    if accuracy is not None:
        metrics[f"{split}_{task}_accuracy"] = float(accuracy)
    for label in report:
        if label not in ("accuracy", "macro avg", "weighted avg", "micro avg"):
            metrics[PER_CLASS_F1.format(split=split, task=task, label=label)] = float(report[label]["f1-score"])
    return metrics


def _log_task_artifacts(task, split, y_true, y_pred, task_labels, report) -> None:
    import mlflow
    from sklearn.metrics import classification_report, confusion_matrix

    name = f"{split}_{task}"
    mlflow.log_dict(report, f"{EVALUATION_ARTIFACT_DIR}/classification_report_{name}.json")
    text = classification_report(
        [str(y) for y in y_true], [str(y) for y in y_pred], labels=task_labels, zero_division=0, digits=3
    )
    mlflow.log_text(text, f"{EVALUATION_ARTIFACT_DIR}/classification_report_{name}.txt")
    matrix = confusion_matrix([str(y) for y in y_true], [str(y) for y in y_pred], labels=task_labels)
    figure = confusion_matrix_figure(matrix, task_labels, title=f"{task} ({split})")
    mlflow.log_figure(figure, f"{EVALUATION_ARTIFACT_DIR}/confusion_{name}.png")


def confusion_matrix_figure(matrix: Any, label_names: Sequence[str], title: str = "") -> Any:
    """A matplotlib Figure of a confusion matrix: rows true, columns predicted.

    Colour is the row-normalised rate (so rare classes are readable), text the raw count.
    Built on ``matplotlib.figure.Figure`` (Agg canvas), never pyplot: no global backend or
    figure state is touched, which keeps it safe in servers and threads.
    """
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    matrix = np.asarray(matrix)
    row_totals = matrix.sum(axis=1, keepdims=True)
    rates = np.divide(matrix, row_totals, out=np.zeros(matrix.shape, dtype=float), where=row_totals > 0)
    size = 2.5 + 0.9 * len(label_names)
    figure = Figure(figsize=(size, size), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.imshow(rates, cmap="Blues", vmin=0.0, vmax=1.0)
    ticks = range(len(label_names))
    axes.set_xticks(ticks, labels=label_names, rotation=45, ha="right")
    axes.set_yticks(ticks, labels=label_names)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title)
    for row in ticks:
        for col in ticks:
            colour = "white" if rates[row, col] > 0.5 else "black"
            axes.text(col, row, str(matrix[row, col]), ha="center", va="center", color=colour)
    return figure


def _log_misclassified(tasks, y_true, y_pred, texts, ids, split) -> None:
    """CSV of every sentence wrong on at least one task, with gold and predicted labels."""
    import mlflow
    import pandas as pd

    frame = pd.DataFrame({"id": ids, "text": list(texts)})
    wrong = pd.Series(False, index=frame.index)
    for task in tasks:
        frame[f"{task}_true"] = [str(y) for y in y_true[task]]
        frame[f"{task}_pred"] = [str(y) for y in y_pred[task]]
        wrong |= frame[f"{task}_true"] != frame[f"{task}_pred"]
    frame["wrong_tasks"] = [
        ";".join(t for t in tasks if frame.at[i, f"{t}_true"] != frame.at[i, f"{t}_pred"]) for i in frame.index
    ]
    buffer = io.StringIO()
    frame[wrong].to_csv(buffer, index=False)
    mlflow.log_text(buffer.getvalue(), f"{EVALUATION_ARTIFACT_DIR}/misclassified_{split}.csv")


# --------------------------------------------------------------------------- models


def model_code_path() -> Path:
    """The models-from-code file MLflow copies into every logged FindingClassifier."""
    return Path(__file__).with_name("mlflow_model.py")


def log_finding_model(
    model_dir: str | Path,
    artifact_path: str = "model",
    registered_model_name: str | None = None,
    input_example: Any = None,
    pip_requirements: Sequence[str] | None = None,
    extra_pip_requirements: Sequence[str] | None = None,
) -> Any:
    """Log a saved FindingClassifier directory to the active run as an MLflow pyfunc model.

    The pyfunc is ``mlflow_model.py`` (models-from-code) plus ``model_dir`` as the artifact
    ``finding_model``; the signature is a string column ``text`` in, and text, area, polarity,
    confidences and one ``p_<label>`` column per class out. ``pip_requirements`` default to
    ``default_pip_requirements(model_dir)``. With ``registered_model_name`` the model is also registered.

    Returns mlflow's ModelInfo: ``.model_uri`` (``models:/<model id>``) and, when registered,
    ``.registered_model_version``.
    """
    import mlflow

    from .mlflow_model import FINDING_MODEL_ARTIFACT

    _require_active_run()
    model_dir = Path(model_dir)
    finding_model = _load_for_logging(model_dir)
    if input_example is None:
        input_example = _default_input_example()
    info = mlflow.pyfunc.log_model(
        name=artifact_path,
        python_model=str(model_code_path()),
        artifacts={FINDING_MODEL_ARTIFACT: str(model_dir.resolve())},
        signature=finding_signature(finding_model.area_classes_, finding_model.polarity_classes_),
        input_example=input_example,
        pip_requirements=(
            list(pip_requirements) if pip_requirements is not None else default_pip_requirements(model_dir)
        ),
        extra_pip_requirements=list(extra_pip_requirements) if extra_pip_requirements else None,
        registered_model_name=registered_model_name,
    )
    mlflow.set_tag(MODEL_URI_TAG, info.model_uri)
    return info


def _load_for_logging(model_dir: Path):
    """Load the directory before logging: a broken model fails here, not at serving time."""
    from .mlflow_model import load_finding_model

    try:
        return load_finding_model(model_dir)
    except ModelLoadError:
        raise
    except Exception as error:  # the loaders' own errors, wrapped so callers catch one type
        raise ModelLoadError(f"{model_dir}: cannot load as a FindingClassifier ({error})") from error


def _default_input_example():
    import pandas as pd

    return pd.DataFrame({"text": [EXAMPLE_SENTENCE]})


def finding_signature(area_classes: Sequence[str], polarity_classes: Sequence[str]) -> Any:
    """Model signature: ``text`` (string) in; predict_frame's columns out."""
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    from .mlflow_model import TASKS, TEXT_COLUMN, output_columns

    def col_type(name: str) -> str:
        return "string" if name in (TEXT_COLUMN, *TASKS) else "double"

    columns = output_columns([str(c) for c in area_classes], [str(c) for c in polarity_classes])
    return ModelSignature(
        inputs=Schema([ColSpec("string", TEXT_COLUMN)]),
        outputs=Schema([ColSpec(col_type(name), name) for name in columns]),
    )


def default_pip_requirements(model_dir: str | Path | None = None) -> list[str]:
    """What a serving environment needs: ofsted_nlp itself plus the libraries its models load with.

    ofsted_nlp is pinned to this version, with the extras the families in ``model_dir`` need
    (e.g. ``ofsted_nlp[transformers]`` for a fine-tuned model). Install ofsted_nlp (wheel or
    index) before serving with a non-local env manager, or pass ``pip_requirements`` naming
    where it comes from.
    """
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__

    extras = sorted(_extras_for_families(_saved_families(Path(model_dir)))) if model_dir else []
    extras_spec = f"[{','.join(extras)}]" if extras else ""
    requirements = [f"ofsted_nlp{extras_spec}=={__version__}"]
    # Pinned to what trained the model: the loaders rebuild sklearn objects from raw arrays,
    # which is only exact for the same library versions.
    for package in ("mlflow", "numpy", "pandas", "scikit-learn"):
        try:
            requirements.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            requirements.append(package)
    return requirements


def _saved_families(model_dir: Path) -> set[str]:
    """Family names in a saved model's description files (a finding model nests two)."""
    families = set()
    for name in ("model.json", "finding_model.json"):
        for path in model_dir.rglob(name):
            try:
                meta = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # the loader reports broken files; here they just add no extra
            if isinstance(meta, dict) and isinstance(meta.get("family"), str):
                families.add(meta["family"])
    return families


def _extras_for_families(families: set[str]) -> set[str]:
    return {FAMILY_EXTRAS[f] for f in families if f in FAMILY_EXTRAS}


def register_best(
    experiment_name: str = DEFAULT_EXPERIMENT,
    metric: str | Sequence[str] = SELECTION_METRICS,
    registered_model_name: str = DEFAULT_REGISTERED_MODEL,
    higher_is_better: bool = True,
) -> Any:
    """Register the model of the run in ``experiment_name`` with the best validation figure.

    ``metric`` is one metric name or several, whose mean ranks the runs (default: mean of the area and
    polarity macro-F1 on the report validation and news dev splits, as experiments/select_default.py
    chooses). Only validation metrics are accepted: selecting on the test split would make the reported
    test figures optimistic.
    Only runs that logged a model with ``log_finding_model`` and every metric are considered; ties go to
    the earliest run. Returns mlflow's ModelVersion (``.name``, ``.version``, ``.run_id``).
    """
    import mlflow

    metrics = [metric] if isinstance(metric, str) else list(metric)
    not_validation = [m for m in metrics if not m.startswith(SELECTION_SPLIT_PREFIXES)]
    if not metrics or not_validation:
        raise InputError(f"register_best selects on validation metrics only "
                         f"({', '.join(p + '...' for p in SELECTION_SPLIT_PREFIXES)}), "
                         f"got {not_validation or metrics}: the test split is for reporting, never for choosing")
    _use_tracking_uri(tracking_uri())
    experiment = mlflow.get_experiment_by_name(experiment_name)
    if experiment is None:
        raise OfstedNLPError(f"no experiment named {experiment_name!r} at {tracking_uri()}")
    runs = mlflow.search_runs(
        experiment_ids=[experiment.experiment_id],
        filter_string=f"tags.`{MODEL_URI_TAG}` != ''",
        order_by=["attributes.start_time ASC"],
        output_format="list",
    )
    scored = [(sum(run.data.metrics[m] for m in metrics) / len(metrics), run) for run in runs
              if all(m in run.data.metrics for m in metrics)]
    if not scored:
        raise OfstedNLPError(f"no run in {experiment_name!r} has both a logged model and metrics {metrics}")
    sign = 1.0 if higher_is_better else -1.0
    # max() keeps the first of equal scores: the earliest run.
    _, best = max(scored, key=lambda pair: sign * pair[0])
    return mlflow.register_model(best.data.tags[MODEL_URI_TAG], registered_model_name)


def register_with_card(
    model_dir: str | Path,
    model_card: str,
    registered_model_name: str = DEFAULT_REGISTERED_MODEL,
    alias: str | None = CHAMPION_ALIAS,
) -> Any:
    """Inside an active run: log ``model_dir`` (``log_finding_model``: signature, input example),
    register it as a new version of ``registered_model_name``, attach ``model_card`` (Markdown) as the
    version's description and as the run artifact ``MODEL_CARD.md``, and point ``alias`` at the version.

    Returns mlflow's ModelVersion as it stands after the update.
    """
    import mlflow
    from mlflow import MlflowClient

    _require_active_run()
    if not model_card.strip():
        raise InputError("model card is empty: a registered model version needs its card")
    if len(model_card) > MAX_DESCRIPTION_CHARS:
        raise InputError(f"model card has {len(model_card):,} characters; MLflow keeps at most "
                         f"{MAX_DESCRIPTION_CHARS:,} in a version description: shorten it")
    mlflow.log_text(model_card, MODEL_CARD_ARTIFACT)
    info = log_finding_model(model_dir, registered_model_name=registered_model_name)
    version = str(info.registered_model_version)
    client = MlflowClient()
    client.update_model_version(registered_model_name, version, description=model_card)
    if alias:
        client.set_registered_model_alias(registered_model_name, alias, version)
    return client.get_model_version(registered_model_name, version)
