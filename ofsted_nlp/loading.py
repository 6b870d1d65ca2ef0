"""Models by name: the default model, a saved directory, an MLflow URI or a loaded object.

``get_model(model)`` resolves what ``classify(model=...)`` is given and caches each loaded model
per process (``clear_model_cache()``); nothing a user passes is unpickled by ofsted_nlp itself.
"""
from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .errors import ModelLoadError, OfstedNLPError
from .features import read_input_format
from .labels import AREAS, POLARITIES

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "default_model"
# Models shipped in the package, by name (experiments/select_default.py writes them).
NAMED_MODELS = {"default": DEFAULT_MODEL_DIR, "tfidf": Path(__file__).resolve().parent / "tfidf_model"}
MODEL_ENV = "OFSTED_NLP_MODEL"
MLFLOW_SCHEMES = ("models", "runs", "file", "mlflow-artifacts", "s3", "gs", "wasbs", "abfss", "hdfs", "dbfs")
# Plain web and FTP addresses are not model stores MLflow can list a model directory from.
WEB_SCHEMES = ("http", "https", "ftp", "sftp")
# URIs that are looked up in a tracking store (the others name artifacts directly).
REGISTRY_SCHEMES = ("models", "runs")
_MODEL_FILES = ("finding_model.json", "model.json")
# Key of the saved FindingClassifier directory among a pyfunc's artifacts (mlflow_model.py).
_FINDING_ARTIFACT = "finding_model"
_FINDING_INTERFACE = ("predict_proba", "area_classes_", "polarity_classes_")
# What ofsted_nlp logs: a model from code (our mlflow_model.py), never a cloudpickled python_model.
CODE_MODEL_LOADER = "mlflow.pyfunc.loaders.code_model"
OUR_MODEL_CODE = Path(__file__).resolve().parent / "mlflow_model.py"

ACCEPTED_MODELS = (
    "None (the default model: $OFSTED_NLP_MODEL or ofsted_nlp/default_model/), "
    "a shipped model's name ('default', 'tfidf'), "
    "a directory saved by FindingClassifier.save(), "
    "an MLflow model URI (models:/<name>/<version or @alias>, runs:/<run id>/<path>, file:///<path>, "
    "mlflow-artifacts:/<path>, s3://..., gs://...), "
    "or a loaded model with predict_proba(), area_classes_ and polarity_classes_"
)


def get_model(model: Any = None) -> Any:
    """The model ``classify(model=...)`` would use: loaded once per process and cached.

    ``model``: None (``$OFSTED_NLP_MODEL``, else the shipped default), a model directory, an MLflow
    model URI, or a loaded model (a finding model is returned as it is). Raises ModelLoadError when no
    model is found there, or for an MLflow model that ofsted_nlp did not log (refused before unpickling).
    """
    if model is None:
        configured = os.environ.get(MODEL_ENV)
        if configured:
            return get_model(configured)
        if not any((DEFAULT_MODEL_DIR / name).is_file() for name in _MODEL_FILES):
            raise ModelLoadError(
                f"no default model is installed (nothing at {DEFAULT_MODEL_DIR}); pass model= one of: "
                f"a directory saved by FindingClassifier.save(), an MLflow model URI, or a loaded model "
                f"(or set ${MODEL_ENV})")
        return _load_directory(str(DEFAULT_MODEL_DIR), _mtime(DEFAULT_MODEL_DIR))
    if isinstance(model, (str, os.PathLike)):
        return _load_named(os.fspath(model))
    if all(hasattr(model, name) for name in _FINDING_INTERFACE):
        return model
    if hasattr(model, "unwrap_python_model") or type(model).__name__ == "PyFuncModel":
        return _from_pyfunc(model, repr(model))
    raise ModelLoadError(f"cannot use {type(model).__name__} {model!r:.80} as a model; accepted: {ACCEPTED_MODELS}")


def clear_model_cache() -> None:
    """Forget loaded models (the next classify() loads again)."""
    _load_directory.cache_clear()
    _load_uri.cache_clear()


def _load_named(name: str):
    if not name.strip():
        raise ModelLoadError(f"model is an empty string; accepted: {ACCEPTED_MODELS}")
    if name in NAMED_MODELS:
        directory = DEFAULT_MODEL_DIR if name == "default" else NAMED_MODELS[name]
        return _load_directory(str(directory), _mtime(directory))
    scheme = _uri_scheme(name)
    if scheme is not None:
        if scheme == "file":
            local = _file_uri_path(name)
            if local.is_dir() and _is_model_dir(local):
                return _load_directory(str(local.resolve()), _mtime(local))
        if scheme in WEB_SCHEMES:
            raise ModelLoadError(
                f"{name!r} is a web address: ofsted_nlp does not load models from {scheme}:// URLs. Download the "
                "model directory and pass its path, or pass an MLflow URI (models:/<name>/<version>, runs:/<run id>/"
                "<path>) with MLFLOW_TRACKING_URI set to the tracking server's http(s) address")
        if scheme not in MLFLOW_SCHEMES:
            raise ModelLoadError(f"unknown model URI scheme {scheme + ':'!r} in {name!r}; accepted: {ACCEPTED_MODELS}")
        return _load_uri(name)
    path = Path(name).expanduser()
    if not path.exists():
        raise ModelLoadError(f"model {name!r} not found: no such directory, and not an MLflow URI; "
                             f"accepted: {ACCEPTED_MODELS}")
    if not path.is_dir():
        raise ModelLoadError(f"model {name!r} is a file, not a model directory; accepted: {ACCEPTED_MODELS}")
    if _is_model_dir(path):
        return _load_directory(str(path.resolve()), _mtime(path))
    if (path / "MLmodel").is_file():
        return _load_uri(path.resolve().as_uri())
    raise ModelLoadError(f"{name!r} is a directory but holds no saved model ({' or '.join(_MODEL_FILES)}, or an "
                         f"MLflow MLmodel); accepted: {ACCEPTED_MODELS}")


def _uri_scheme(name: str) -> str | None:
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", name)
    if not m or len(m.group(1)) == 1:  # "C:\\models" is a Windows path
        return None
    return m.group(1).lower()


def _file_uri_path(uri: str) -> Path:
    from urllib.parse import unquote, urlparse

    parsed = urlparse(uri)
    return Path(unquote(parsed.path if parsed.netloc in ("", "localhost") else f"//{parsed.netloc}{parsed.path}"))


def _is_model_dir(path: Path) -> bool:
    return any((path / name).is_file() for name in _MODEL_FILES)


def _mtime(path: Path) -> int:
    """Part of the cache key, so a model re-saved at the same path is loaded again."""
    stamps = [(path / name).stat().st_mtime_ns for name in _MODEL_FILES if (path / name).is_file()]
    return max(stamps, default=0)


@functools.lru_cache(maxsize=8)
def _load_directory(directory: str, mtime: int):
    from .models import load_model

    try:
        model = load_model(Path(directory))
    except OfstedNLPError as exc:
        if isinstance(exc, ModelLoadError):
            raise
        raise ModelLoadError(f"{directory}: cannot load model ({exc})") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(f"{directory}: cannot load model ({type(exc).__name__}: {exc})") from exc
    model = _check_finding_model(model, directory)
    # how the model was trained to read a sentence (with or without its section's area)
    model.input_format_ = read_input_format(directory)
    model.grade_thresholds_ = _read_grade_thresholds(Path(directory))
    return model


GRADE_THRESHOLDS_FILE = "grade_thresholds.json"  # written by experiments/grade_thresholds.py --write


def _read_grade_thresholds(directory: Path):
    """The score-to-grade cut points fitted for this model, or None (then the summary's defaults apply)."""
    import json

    from .summary import GradeThresholds

    path = directory / GRADE_THRESHOLDS_FILE
    if not path.is_file():
        return None
    try:
        return GradeThresholds.coerce(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, OfstedNLPError) as exc:
        raise ModelLoadError(f"{path}: not valid grade cut points ({exc})") from None


def _check_finding_model(model, where: str):
    missing = [name for name in _FINDING_INTERFACE if not hasattr(model, name)]
    if missing:
        family = getattr(model, "family", type(model).__name__)
        raise ModelLoadError(f"{where} holds a {family!r} model, not a finding model (area and polarity): it "
                             f"lacks {', '.join(missing)}; save a FindingClassifier there")
    return model


_DOWNLOADS: list[str] = []


@atexit.register
def _remove_downloads() -> None:
    for path in _DOWNLOADS:
        shutil.rmtree(path, ignore_errors=True)


@functools.lru_cache(maxsize=8)
def _load_uri(uri: str):
    """An MLflow model: the FindingClassifier directory logged with it when there is one (full
    probabilities, safe loaders), else the pyfunc itself."""
    try:
        import mlflow
        import mlflow.artifacts
    except ImportError:
        raise ModelLoadError(f"loading {uri!r} needs MLflow: pip install 'ofsted_nlp[tracking]'") from None
    from .tracking import tracking_uri

    store = os.environ.get("MLFLOW_TRACKING_URI") or _explicit_mlflow_uri() or tracking_uri()
    _refuse_missing_store(uri, store)
    destination = tempfile.mkdtemp(prefix="ofsted_nlp_model_")
    _DOWNLOADS.append(destination)
    try:
        local = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=destination,
                                                         tracking_uri=store, registry_uri=store))
    except Exception as exc:  # MlflowException, OSError, botocore errors...: all mean "cannot fetch"
        message = " ".join(str(exc).split())[:300]
        raise ModelLoadError(f"cannot fetch MLflow model {uri!r} (tracking store {store}): {message}; "
                             f"accepted: {ACCEPTED_MODELS}") from None
    if local.is_dir() and _is_model_dir(local):
        return _load_directory(str(local), _mtime(local))
    mlmodel = local / "MLmodel"
    if not mlmodel.is_file():
        raise ModelLoadError(f"{uri!r} is neither an MLflow model (no MLmodel) nor a saved ofsted_nlp model")
    artifact = refuse_foreign_mlflow_model(local, uri)
    return _load_directory(str(artifact), _mtime(artifact))


def _refuse_missing_store(uri: str, store: str) -> None:
    """ModelLoadError when a models:/ or runs:/ URI would be looked up in a SQLite store that does not
    exist: MLflow would create an empty ``mlflow.db`` (in the working directory, by default) only to
    find nothing in it."""
    from urllib.parse import unquote

    if _uri_scheme(uri) not in REGISTRY_SCHEMES or not store.startswith("sqlite:///"):
        return
    database = Path(unquote(store[len("sqlite:///"):]).split("?")[0])
    if not database.is_file():
        raise ModelLoadError(
            f"cannot look up {uri!r}: there is no MLflow tracking store at {database} (no such file). Run from "
            "the folder holding mlflow.db, or set MLFLOW_TRACKING_URI to your tracking store or server")


def refuse_foreign_mlflow_model(local: Path, uri: str) -> Path:
    """The saved finding-model directory of an ofsted_nlp MLflow model, or ModelLoadError.

    Only ofsted_nlp's own logged models (models from code, plus a `finding_model` artifact of safe files)
    are accepted. Any other pyfunc is loaded by MLflow from cloudpickle (python_model.pkl, loader
    modules), which runs its code, so it is refused rather than tried as a fallback. A caller who trusts
    it can load it with mlflow.pyfunc.load_model() and pass the loaded object to classify(model=...).
    """
    import yaml

    artifact = _logged_finding_dir(local)
    try:
        flavor = yaml.safe_load((local / "MLmodel").read_text(encoding="utf-8"))["flavors"]["python_function"]
    except (KeyError, TypeError, OSError, yaml.YAMLError):
        flavor = {}
    from_code = (flavor.get("loader_module") == CODE_MODEL_LOADER and "python_model" not in flavor
                 and Path(str(flavor.get("model_code_path", ""))).name == OUR_MODEL_CODE.name)
    if artifact is None or not from_code:
        raise ModelLoadError(
            f"{uri!r} is an MLflow model but not one logged by ofsted_nlp (no '{_FINDING_ARTIFACT}' artifact "
            "logged from code); ofsted_nlp does not load other pyfunc models because loading them can run code "
            "(pickles). If you trust it, load it yourself with mlflow.pyfunc.load_model() and pass the loaded model")
    return artifact


def _explicit_mlflow_uri() -> str | None:
    try:
        from mlflow.tracking._tracking_service.utils import is_tracking_uri_set

        if is_tracking_uri_set():
            import mlflow

            return mlflow.get_tracking_uri()
    except Exception:
        pass
    return None


def _logged_finding_dir(local: Path) -> Path | None:
    """The saved FindingClassifier that ofsted_nlp.tracking logs as the pyfunc artifact 'finding_model'."""
    import yaml

    try:
        meta = yaml.safe_load((local / "MLmodel").read_text(encoding="utf-8")) or {}
        relative = meta["flavors"]["python_function"]["artifacts"][_FINDING_ARTIFACT]["path"]
    except (KeyError, TypeError, OSError, yaml.YAMLError):
        return None
    candidate = (local / relative).resolve()
    if local.resolve() not in candidate.parents or not _is_model_dir(candidate):
        return None
    return candidate


def _from_pyfunc(pyfunc, where: str):
    """A loaded MLflow PyFuncModel: its FindingClassifier when it wraps one, else an adapter."""
    try:
        inner = pyfunc.unwrap_python_model()
    except Exception:
        inner = None
    finding = getattr(inner, "finding_model", None)
    if finding is not None and all(hasattr(finding, name) for name in _FINDING_INTERFACE):
        return finding
    return _PyfuncFindingModel(pyfunc, where)


class _PyfuncFindingModel:
    """Adapts any pyfunc returning columns area, polarity and optionally p_<label> probabilities."""

    def __init__(self, pyfunc, where: str):
        self.pyfunc, self.where = pyfunc, where
        labels = []
        try:
            labels = [name[2:] for name in pyfunc.metadata.get_output_schema().input_names() if name.startswith("p_")]
        except Exception:
            pass
        self.area_classes_ = [a for a in AREAS if a in labels] or list(AREAS)
        self.polarity_classes_ = [p for p in POLARITIES if p in labels] or list(POLARITIES)

    def predict_proba(self, texts):
        import numpy as np
        import pandas as pd

        try:
            out = self.pyfunc.predict(pd.DataFrame({"text": list(texts)}))
        except Exception as exc:
            raise ModelLoadError(f"MLflow model {self.where} failed to predict: {exc}") from exc
        if not isinstance(out, pd.DataFrame) or not {"area", "polarity"} <= set(out.columns):
            raise ModelLoadError(f"MLflow model {self.where} does not return the columns 'area' and 'polarity'")
        result = []
        for task, classes in (("area", self.area_classes_), ("polarity", self.polarity_classes_)):
            columns = [f"p_{c}" for c in classes]
            if set(columns) <= set(out.columns):
                result.append(out[columns].to_numpy(dtype=float))
            else:  # labels only: all the probability on the predicted label
                labels = out[task].astype(str).to_numpy()
                result.append(np.array([[1.0 if label == c else 0.0 for c in classes] for label in labels]))
        return result[0], result[1]
