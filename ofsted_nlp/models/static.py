"""Static token embeddings (model2vec) with two logistic-regression heads: the fastest finding model.

A sentence's vector is the normalised mean of its tokens' static vectors (a table lookup, no network),
so it classifies thousands of sentences a second on one core. The vectors are distilled from a MiniLM
encoder (models/static_distill.py: the fine-tuned one, rebuilt from its ONNX export); the heads are
scikit-learn's LogisticRegression, class-balanced as the TF-IDF and embedding families are.

A saved model is ``model.json``, the model2vec files under ``static/`` (safetensors, tokenizer.json,
config.json) and the heads' coefficients in ``heads.npz`` (no pickle). Running one needs the
``model2vec`` package (the ``train`` extra); it is not a shipped ``classify()`` option.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Self

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from ..errors import ModelLoadError
from .base import check_sample_weight, check_texts, load_arrays, read_model_json, register_family, \
    restore_linear_head, save_arrays, write_model_json
from .finding import JointClassifierMixin, finding_targets

STATIC_DIR = "static"
HEADS_FILE = "heads.npz"
STATIC_FILES = ("model.safetensors", "tokenizer.json", "config.json")
TASKS = ("area", "polarity")


@register_family
class StaticFindingClassifier(JointClassifierMixin, BaseEstimator):
    """Area (with `none`) and polarity from model2vec static embeddings and two linear heads.

    ``static_model`` is the directory of a model2vec model (``StaticModel.save_pretrained``);
    ``area_C`` and ``polarity_C`` are the heads' inverse regularisation strengths.
    """

    family = "static_embedding"
    _static: tuple[str, Any] | None = None  # (directory, its loaded StaticModel), on first use

    def __init__(self, static_model: str | None = None, area_C: float = 1.0, polarity_C: float = 1.0,
                 class_weight: str | None = "balanced", max_iter: int = 3000):
        self.static_model = static_model
        self.area_C = area_C
        self.polarity_C = polarity_C
        self.class_weight = class_weight
        self.max_iter = max_iter

    # ------------------------------------------------------------------ embedding

    def embed(self, texts: Any) -> np.ndarray:
        """The texts' L2-normalised static embeddings, float64 (n_texts, dimension)."""
        texts = check_texts(texts)
        model = self._loaded_static()
        if not texts:
            return np.zeros((0, model.dim))
        # in this process: forking workers costs more than it saves on a few thousand short sentences
        return np.asarray(model.encode(texts, use_multiprocessing=False), dtype=np.float64)

    def _loaded_static(self) -> Any:
        if self._static is None or self._static[0] != self.static_model:
            try:
                from model2vec import StaticModel
            except ImportError as exc:
                raise ModelLoadError("static embedding models need the model2vec package: "
                                     "pip install 'ofsted-nlp[train]'") from exc
            if self.static_model is None:
                raise ModelLoadError("no static_model directory given")
            self._static = (self.static_model, StaticModel.from_pretrained(self.static_model))
        return self._static[1]

    # ------------------------------------------------------------------ fitting and predicting

    def fit(self, X: Any, y: Any, polarities: Any = None, sample_weight: Any = None) -> Self:
        """Embed the texts and fit both heads: ``fit(X, y)`` with ``y`` of shape (n, 2), or
        ``fit(X, areas, polarities)``; returns self."""
        return self.fit_embedded(self.embed(X), *finding_targets(check_texts(X), y, polarities),
                                 sample_weight=sample_weight)

    def fit_embedded(self, embeddings: np.ndarray, areas: Any, polarities: Any, sample_weight: Any = None) -> Self:
        """Fit both heads on embeddings already computed by ``embed`` (tuning C without re-embedding)."""
        weights = check_sample_weight(sample_weight, len(embeddings))
        self.heads_ = {}
        for task, labels, C in (("area", areas, self.area_C), ("polarity", polarities, self.polarity_C)):
            head = LogisticRegression(C=C, class_weight=self.class_weight, max_iter=self.max_iter)
            self.heads_[task] = head.fit(embeddings, np.asarray(labels, dtype=str), sample_weight=weights)
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "heads_")

    @property
    def area_classes_(self) -> np.ndarray:
        """Area labels, sorted."""
        return np.asarray(self.heads_["area"].classes_, dtype=str)

    @property
    def polarity_classes_(self) -> np.ndarray:
        """Polarity labels, sorted."""
        return np.asarray(self.heads_["polarity"].classes_, dtype=str)

    def predict_proba_embedded(self, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(area_proba, polarity_proba)`` for embeddings from ``embed``."""
        check_is_fitted(self)
        if not len(embeddings):
            return np.zeros((0, len(self.area_classes_))), np.zeros((0, len(self.polarity_classes_)))
        return self.heads_["area"].predict_proba(embeddings), self.heads_["polarity"].predict_proba(embeddings)

    def predict_proba(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(area_proba, polarity_proba)``, columns in ``area_classes_`` / ``polarity_classes_`` order."""
        check_is_fitted(self)
        return self.predict_proba_embedded(self.embed(X))

    def predict_findings(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(areas, polarities)``: two 1-d arrays of str."""
        area, polarity = self.predict_proba(X)
        return self.area_classes_[area.argmax(axis=1)], self.polarity_classes_[polarity.argmax(axis=1)]

    # ------------------------------------------------------------------ persistence

    def save(self, directory: str | Path) -> Path:
        """Write model.json, the static model's files (``static/``) and the heads (``heads.npz``)."""
        check_is_fitted(self)
        path = Path(directory)
        (path / STATIC_DIR).mkdir(parents=True, exist_ok=True)
        source = Path(str(self.static_model))
        for name in STATIC_FILES:
            if (source / name).resolve() != (path / STATIC_DIR / name).resolve():
                shutil.copy(source / name, path / STATIC_DIR / name)
        save_arrays(path / HEADS_FILE, **{f"{task}_{part}": getattr(self.heads_[task], f"{part}_")
                                          for task in TASKS for part in ("coef", "intercept")})
        write_model_json(path, self.family, area_classes=list(self.area_classes_),
                         polarity_classes=list(self.polarity_classes_),
                         params={"area_C": self.area_C, "polarity_C": self.polarity_C,
                                 "class_weight": self.class_weight, "max_iter": self.max_iter})
        return path

    @classmethod
    def load(cls, directory: str | Path) -> StaticFindingClassifier:
        """A model from a directory written by ``save``; raises ModelLoadError when it is unsafe, of
        another family, lacks a file, or its heads do not fit its classes."""
        path = Path(directory)
        meta = read_model_json(path, expected_family=cls.family)
        for name in STATIC_FILES:
            if not (path / STATIC_DIR / name).is_file():
                raise ModelLoadError(f"{path} has no {STATIC_DIR}/{name}")
        arrays = load_arrays(path / HEADS_FILE)
        model = cls(static_model=str(path / STATIC_DIR), **meta.get("params", {}))
        model.heads_ = {}
        for task in TASKS:
            classes = np.asarray(meta[f"{task}_classes"], dtype=str)
            model.heads_[task] = _head_from_arrays(model, arrays, task, classes, path)
        return model


def _head_from_arrays(model: StaticFindingClassifier, arrays: dict[str, np.ndarray], task: str,
                      classes: np.ndarray, path: Path) -> LogisticRegression:
    """A fitted LogisticRegression from saved coefficients, checked against its classes."""
    head = LogisticRegression(C=getattr(model, f"{task}_C"), class_weight=model.class_weight, max_iter=model.max_iter)
    return restore_linear_head(head, arrays.get(f"{task}_coef"), arrays.get(f"{task}_intercept"), classes,
                               f"{path}: the {task} head")
