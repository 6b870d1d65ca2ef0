"""What every model family shares: input checks, the family registry, and safe save/load.

A saved model is a directory holding ``model.json`` ({"family": ..., ...}) and
files in formats that cannot run code when read: JSON, numpy arrays read with
``allow_pickle=False``, safetensors, tokenizer files. Loaders build objects
from those values; nothing is ever unpickled.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, cast

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from ..errors import DataError, InputError, ModelLoadError

MODEL_FILE = "model.json"
FINDING_MODEL_FILE = "finding_model.json"
FORMAT_VERSION = 1

# Formats that can execute code when read. Our loaders never open them, but a
# directory holding one was not written by this library (or was tampered with),
# so refusing it early gives a clearer message than a missing-file error later.
UNSAFE_SUFFIXES = frozenset(
    {".pkl", ".pickle", ".joblib", ".jbl", ".dill", ".cloudpickle", ".sav", ".pt", ".pth", ".bin", ".ckpt"}
)

# family name -> class; filled by @register_family as each family module is imported.
FAMILIES: dict[str, Any] = {}


def register_family(cls: type) -> type:
    """Class decorator: record ``cls`` under its ``family`` name so ``load_model`` can dispatch to it.

    Raises RuntimeError when another class already holds that name.
    """
    family = cast(Any, cls).family
    if family in FAMILIES and FAMILIES[family] is not cls:
        raise RuntimeError(f"model family {family!r} registered twice")
    FAMILIES[family] = cls
    return cls


# ---------------------------------------------------------------- input checks


def check_texts(X: Any) -> list[str]:
    """Return X as a list of str, refusing a bare string (a classic slip) and non-text items."""
    if isinstance(X, (str, bytes)):
        raise InputError("expected a sequence of sentences, got a single string; wrap it in a list")
    if hasattr(X, "ndim") and getattr(X, "ndim") != 1:
        raise InputError(f"expected a 1-d sequence of sentences, got an array of shape {X.shape}")
    if not isinstance(X, Iterable):
        raise InputError(f"expected a sequence of sentences, got {type(X).__name__}")
    texts = list(X)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise InputError(f"item {i} is {type(text).__name__}, not str: {text!r:.60}")
    return texts


def check_labels(y: Any, n: int, what: str = "labels") -> np.ndarray:
    """``y`` as an array of str, one per sentence (``n``); raises InputError for a bare string, a
    length other than ``n``, a label that is not a str, or no sentences at all."""
    if isinstance(y, (str, bytes)):
        raise InputError(f"expected a sequence of {what}, got a single string")
    labels = np.asarray(list(y), dtype=object)
    if len(labels) != n:
        raise InputError(f"got {n} sentences but {len(labels)} {what}")
    for i, label in enumerate(labels):
        if not isinstance(label, str):
            raise InputError(f"{what}[{i}] is {type(label).__name__}, not str: {label!r:.60}")
    if n == 0:
        raise InputError("cannot fit on zero sentences")
    return labels.astype(str)


def check_sample_weight(sample_weight: Any, n: int) -> np.ndarray | None:
    """``sample_weight`` as a float array of shape (n,), or None when not given; raises InputError
    for another shape or a negative or non-finite weight."""
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight, dtype=float)
    if weights.shape != (n,):
        raise InputError(f"sample_weight has shape {weights.shape}, expected ({n},)")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise InputError("sample_weight must be finite and non-negative")
    return weights


def check_fit_inputs(X: Any, y: Any, sample_weight: Any = None) -> tuple[list[str], np.ndarray, np.ndarray | None]:
    """Texts, labels and weights of a discriminative fit, with at least two classes among the labels."""
    texts = check_texts(X)
    labels = check_labels(y, len(texts))
    weights = check_sample_weight(sample_weight, len(texts))
    if len(set(labels)) < 2:
        raise DataError(f"need at least two classes to fit, got only {sorted(set(labels))}")
    return texts, labels, weights


def sorted_classes(labels: Iterable[str]) -> np.ndarray:
    """The distinct labels, sorted, as a str array (a model's ``classes_``)."""
    return np.array(sorted(set(labels)), dtype=str)


# ---------------------------------------------------------------- estimator base


class TextClassifier(ClassifierMixin, BaseEstimator):
    """Base of the single-task families: texts in, one label per text out.

    Subclasses set ``family``, implement fit, predict_proba, and the two halves
    of persistence: ``_save_state(directory) -> dict`` (extra model.json fields)
    and ``_load_state(directory, meta)``.
    """

    family: ClassVar[str]

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each text in ``X`` (a sequence of str)."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def save(self, directory: str | Path) -> Path:
        """Write the fitted model into ``directory`` (created if needed) as JSON and numpy files;
        return its path. Raises NotFittedError before ``fit``."""
        check_is_fitted(self, "classes_")
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        extra = self._save_state(path)
        write_model_json(path, self.family, params=self._params_for_json(), classes=list(self.classes_), **extra)
        return path

    @classmethod
    def load(cls, directory: str | Path) -> Any:
        """A model of this family from a directory written by ``save``; raises ModelLoadError when the
        directory is unsafe, of another family, or incomplete."""
        path = Path(directory)
        meta = read_model_json(path, expected_family=cls.family)
        try:
            model = cls(**params_from_json(meta.get("params", {})))
            model.classes_ = np.array(meta["classes"], dtype=str)
            model._load_state(path, meta)
        except ModelLoadError:
            raise
        except (KeyError, TypeError, ValueError, OSError) as exc:
            raise ModelLoadError(f"{path}: {cls.family} model files are incomplete or invalid: {exc}") from exc
        return model

    def _params_for_json(self) -> dict:
        return params_to_json(self)

    def _save_state(self, directory: Path) -> dict:
        return {}

    def _load_state(self, directory: Path, meta: dict) -> None:
        pass

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


def params_to_json(estimator: BaseEstimator) -> dict:
    """get_params(deep=False) in a form JSON holds; tuples (ngram ranges) become lists."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in estimator.get_params(deep=False).items()}


def params_from_json(params: dict) -> dict:
    """Undo params_to_json: no parameter of ours is a top-level list, so lists were tuples."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}


# ---------------------------------------------------------------- safe files


def write_json(path: Path, obj: Any) -> None:
    """``obj`` as indented, key-sorted UTF-8 JSON at ``path``."""
    Path(path).write_text(json.dumps(obj, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


def read_json(path: Path) -> Any:
    """The JSON at ``path``; raises ModelLoadError when it is missing or not valid JSON."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelLoadError(f"{path} is missing") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"{path} is not valid JSON: {exc}") from exc


def save_arrays(path: Path, **arrays: np.ndarray) -> None:
    """The named arrays into one compressed ``.npz`` file (plain arrays: ``load_arrays`` refuses pickles)."""
    plain: dict[str, Any] = {name: np.asarray(value) for name, value in arrays.items()}
    np.savez_compressed(path, **plain)


def restore_linear_head(head: Any, coef: np.ndarray | None, intercept: np.ndarray | None, classes: np.ndarray,
                        where: str, n_features: int | None = None) -> Any:
    """Make the unfitted linear classifier ``head`` (e.g. LogisticRegression) the one saved as ``coef`` and
    ``intercept``; raises ModelLoadError naming ``where`` when their shapes do not fit ``classes`` (and
    ``n_features``, when given)."""
    n_rows = 1 if len(classes) == 2 else len(classes)  # scikit-learn keeps one row for a binary head
    if coef is None or intercept is None or coef.ndim != 2 or coef.shape[0] != n_rows \
            or intercept.shape != (n_rows,) or (n_features is not None and coef.shape[1] != n_features):
        shape = None if coef is None else coef.shape
        features = "" if n_features is None else f" and {n_features} features"
        raise ModelLoadError(f"{where}: weights of shape {shape} do not fit {len(classes)} classes{features}")
    head.coef_, head.intercept_, head.classes_, head.n_features_in_ = coef, intercept, classes, coef.shape[1]
    return head


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a ``.npz`` file by name, never unpickling; raises ModelLoadError when it is
    missing, unreadable, or holds object arrays."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except FileNotFoundError as exc:
        raise ModelLoadError(f"{path} is missing") from exc
    except (OSError, ValueError) as exc:
        # ValueError is what numpy raises for an object array when allow_pickle=False.
        raise ModelLoadError(f"{path} is not a plain numpy archive: {exc}") from exc


def write_model_json(directory: Path, family: str, **fields: Any) -> None:
    """Write the directory's model.json: the family, the format version and ``fields``."""
    write_json(Path(directory) / MODEL_FILE, {"family": family, "format_version": FORMAT_VERSION, **fields})


def check_safe_directory(directory: str | Path) -> None:
    """Raise ModelLoadError unless ``directory`` exists, is a directory, and holds no file in a format
    that can run code when loaded (pickle, joblib and the like: ``UNSAFE_SUFFIXES``)."""
    path = Path(directory)
    if not path.exists():
        raise ModelLoadError(f"model directory {path} does not exist")
    if not path.is_dir():
        raise ModelLoadError(f"{path} is not a directory; a saved model is a directory holding {MODEL_FILE}")
    unsafe = sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.suffix.lower() in UNSAFE_SUFFIXES)
    if unsafe:
        raise ModelLoadError(
            f"{path} holds files in formats that can run code when loaded ({', '.join(unsafe)}); "
            "ofsted_nlp only loads JSON, numpy (no pickle) and safetensors files"
        )


def read_model_json(directory: str | Path, expected_family: str | None = None) -> dict:
    """Read a model directory's description, checking the directory is safe to load first."""
    path = Path(directory)
    check_safe_directory(path)
    meta_path = path / MODEL_FILE
    if not meta_path.exists() and (path / FINDING_MODEL_FILE).exists():
        meta_path = path / FINDING_MODEL_FILE
    if not meta_path.exists():
        raise ModelLoadError(f"{path} has no {MODEL_FILE}; it is not a saved ofsted_nlp model")
    meta = read_json(meta_path)
    family = meta.get("family") if isinstance(meta, dict) else None
    if not isinstance(family, str):
        raise ModelLoadError(f"{meta_path} does not name a model family")
    if expected_family is not None and family != expected_family:
        raise ModelLoadError(f"{path} holds a {family!r} model, not {expected_family!r}")
    version = meta.get("format_version", FORMAT_VERSION)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelLoadError(f"{meta_path} has format_version {version!r}; this ofsted_nlp reads up to {FORMAT_VERSION}")
    return meta


def load_model(directory: str | Path) -> Any:
    """Load any saved model, dispatching on the family named in its model.json."""
    meta = read_model_json(directory)
    family = meta["family"]
    cls = FAMILIES.get(family)
    if cls is None:
        known = ", ".join(sorted(FAMILIES))
        raise ModelLoadError(f"{directory}: unknown model family {family!r}; known families: {known}")
    return cls.load(directory)
