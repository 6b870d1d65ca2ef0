"""MLflow pyfunc definition of a saved FindingClassifier (a *models-from-code* file).

``tracking.log_finding_model`` passes the path of this file as ``python_model=``. MLflow copies the
file into the logged model and executes it when the model is loaded; ``set_model`` at the bottom
names the model object. The learned weights travel as the saved FindingClassifier directory (an
MLflow artifact written by ``FindingClassifier.save``, safe formats only), so logging cloudpickles
nothing and loading unpickles nothing.

MLflow runs this file outside the package, so it uses absolute imports only. It is frozen into
each logged model, so it keeps to the stable FindingClassifier contract (DESIGN.md).
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import mlflow
import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.pyfunc.model import PythonModelContext

# Key of the saved FindingClassifier directory in the pyfunc ``artifacts`` mapping.
FINDING_MODEL_ARTIFACT = "finding_model"
TEXT_COLUMN = "text"
PROBABILITY_PREFIX = "p_"
TASKS = ("area", "polarity")
FINDING_INTERFACE = ("predict_proba", "area_classes_", "polarity_classes_")
# Caps on one request, so a served model answers a hostile or mistaken payload quickly with a 400
# instead of working for minutes and echoing megabytes. classify() reads up to MAX_SENTENCE_CHARS
# of a sentence too (it cuts, with a warning; a server refuses and says why).
MAX_SENTENCE_CHARS = 1_000
MAX_ROWS = 5_000


class FindingPyfuncModel(mlflow.pyfunc.PythonModel):  # type: ignore[name-defined]
    """Serves a FindingClassifier: one row per sentence in, area and polarity out."""

    def load_context(self, context: PythonModelContext) -> None:
        """Load the finding model from the logged ``finding_model`` artifact (safe loaders only)."""
        self.finding_model = load_finding_model(context.artifacts[FINDING_MODEL_ARTIFACT])

    # pd.DataFrame is what MLflow hands over once it has enforced the logged signature; MLflow
    # treats this hint as "no type-hint validation", so the logged signature stays in charge.
    # Called directly (unwrap_python_model()), predict also takes lists and Series.
    def predict(self, context: PythonModelContext | None, model_input: pd.DataFrame,
                params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Findings for the sentences in ``model_input``; bad input raises MlflowException
        (INVALID_PARAMETER_VALUE), which the scoring server answers with a 400 and the message
        only (any other exception would be answered with the server's stack trace)."""
        from ofsted_nlp.errors import InputError

        try:
            texts = texts_from_input(model_input)
        except InputError as exc:
            raise mlflow.exceptions.MlflowException.invalid_parameter_value(str(exc)) from None
        return predict_frame(self.finding_model, texts)


def load_finding_model(directory: str | Path) -> Any:
    """Load a saved finding model with the library's safe loaders (``models.load_model``).

    Any family with the FindingClassifier interface will do (a joint fine-tuned model too).
    Raises ModelLoadError when the directory holds no such model.
    """
    from ofsted_nlp.errors import ModelLoadError
    from ofsted_nlp.models import load_model

    from ofsted_nlp.features import read_input_format

    model = load_model(Path(directory))
    missing = [name for name in FINDING_INTERFACE if not hasattr(model, name)]
    if missing:
        raise ModelLoadError(f"{directory}: {type(model).__name__} is not a finding model (lacks {missing})")
    # How the model was trained to read a sentence, as classify() reads it (api._load_directory).
    if getattr(model, "input_format_", None) is None:
        model.input_format_ = read_input_format(directory)
    return model


def texts_from_input(model_input: object) -> list[str]:
    """Sentences from what pyfunc callers send: a DataFrame with a ``text`` column, a
    Series, a list/array of strings, a ``{"text": [...]}`` dict or one string.

    Raises InputError naming the row for a missing column, too many rows, or a row that is not a
    non-empty str of at most MAX_SENTENCE_CHARS characters."""
    from ofsted_nlp.errors import InputError

    if isinstance(model_input, pd.DataFrame):
        values = _text_column(model_input)
    elif isinstance(model_input, dict):
        if TEXT_COLUMN not in model_input:
            raise InputError(f"input dict has no {TEXT_COLUMN!r} key")
        values = model_input[TEXT_COLUMN]
    elif isinstance(model_input, str):
        values = [model_input]
    else:
        values = model_input
    if isinstance(values, str):
        values = [values]
    values = list(np.asarray(values, dtype=object).reshape(-1))
    if len(values) > MAX_ROWS:
        raise InputError(f"{len(values):,} sentences in one request; the limit is {MAX_ROWS:,}: "
                         "send them in several requests")
    for position, value in enumerate(values):
        if not isinstance(value, str):
            raise InputError(f"row {position}: expected a sentence (str), got {type(value).__name__}")
        if not value.strip():
            raise InputError(f"row {position}: empty sentence; every row must hold a sentence to classify")
        if len(value) > MAX_SENTENCE_CHARS:
            raise InputError(f"row {position}: {len(value):,} characters; a sentence may have at most "
                             f"{MAX_SENTENCE_CHARS:,}: split the text into sentences first")
    return values


def _text_column(frame: pd.DataFrame):
    from ofsted_nlp.errors import InputError

    if TEXT_COLUMN in frame.columns:
        return frame[TEXT_COLUMN]
    # A single unnamed column (e.g. the "inputs" request form) is taken as the text.
    if frame.shape[1] == 1:
        return frame.iloc[:, 0]
    raise InputError(f"input has no {TEXT_COLUMN!r} column (columns: {list(frame.columns)})")


def output_columns(area_classes: Sequence[str], polarity_classes: Sequence[str]) -> list[str]:
    """Column order of ``predict_frame``; tracking.py builds the logged signature from it."""
    return [
        TEXT_COLUMN,
        "area",
        "polarity",
        "area_confidence",
        "polarity_confidence",
        *probability_columns(area_classes),
        *probability_columns(polarity_classes),
    ]


def probability_columns(classes: Sequence[str]) -> list[str]:
    """``p_<label>`` column names, one per class, in ``classes`` order."""
    return [f"{PROBABILITY_PREFIX}{label}" for label in classes]


def predict_frame(finding_model: Any, texts: list[str]) -> pd.DataFrame:
    """One row per text: predicted area and polarity, their confidences, every class probability."""
    area_classes = [str(c) for c in finding_model.area_classes_]
    polarity_classes = [str(c) for c in finding_model.polarity_classes_]
    columns = output_columns(area_classes, polarity_classes)
    if not texts:
        # Estimators reject zero-row input; an empty request deserves an empty answer.
        return pd.DataFrame({name: pd.Series(dtype=_column_dtype(name)) for name in columns})

    from ofsted_nlp.features import PLAIN, compose

    # The same model input as classify() composes for a bare sentence (no report section).
    inputs = compose(texts, None, getattr(finding_model, "input_format_", PLAIN))
    area_proba, polarity_proba = (np.asarray(p, dtype=float) for p in finding_model.predict_proba(inputs))
    # Labels are the most probable class, as in FindingClassifier.predict; taking them from the
    # probabilities costs one forward pass instead of two.
    data = {
        TEXT_COLUMN: list(texts),
        "area": [area_classes[i] for i in area_proba.argmax(axis=1)],
        "polarity": [polarity_classes[i] for i in polarity_proba.argmax(axis=1)],
        "area_confidence": area_proba.max(axis=1),
        "polarity_confidence": polarity_proba.max(axis=1),
    }
    data.update(zip(probability_columns(area_classes), area_proba.T))
    data.update(zip(probability_columns(polarity_classes), polarity_proba.T))
    return pd.DataFrame(data, columns=columns)


def _column_dtype(name: str) -> str:
    return "object" if name in (TEXT_COLUMN, *TASKS) else "float64"


# MLflow executes this file under a generated module name and reads the model set here. A plain
# import (tracking.py uses the helpers above) must not register a model as a side effect.
if __name__ != "ofsted_nlp.mlflow_model":
    mlflow.models.set_model(FindingPyfuncModel())
