"""A finding = an area and a polarity per sentence, from two single-task models.

The joint classifiers (``FindingClassifier`` here, ``FineTunedClassifier`` in finetune.py) follow
scikit-learn's multi-output conventions (as ``MultiOutputClassifier`` does), so ``clone``,
``cross_val_score`` and ``GridSearchCV`` work on them:

- ``fit(X, y)`` with ``y`` of shape (n, 2): columns area and polarity (``fit(X, areas, polarities)``,
  the older form, still works);
- ``predict(X)`` -> array of str of shape (n, 2), columns area and polarity;
  ``predict_findings(X)`` -> ``(areas, polarities)``, two 1-d arrays;
- ``predict_proba(X)`` -> ``[area_proba, polarity_proba]`` (a list of two arrays, one per output);
- ``score(X, y)`` -> the mean of the area and polarity macro-F1 (the figure the project reports;
  ``area_macro_f1`` and ``polarity_macro_f1`` below are scorers for one task);
- ``predict`` before ``fit`` raises ``sklearn.exceptions.NotFittedError``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Self

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from ..errors import DataError, ModelLoadError
from ..labels import AREA_CLASSES, POLARITIES
from .base import (
    FINDING_MODEL_FILE,
    FORMAT_VERSION,
    check_labels,
    check_sample_weight,
    check_texts,
    load_model,
    read_model_json,
    register_family,
    write_json,
)

AREA_DIR = "area"
POLARITY_DIR = "polarity"


def check_finding_labels(texts: list[str], areas: Any, polarities: Any) -> tuple[np.ndarray, np.ndarray]:
    """Check both label columns against labels.AREA_CLASSES (the areas and `none`) and POLARITIES."""
    area_labels = check_labels(areas, len(texts), "areas")
    polarity_labels = check_labels(polarities, len(texts), "polarities")
    for name, labels, allowed in (("area", area_labels, AREA_CLASSES), ("polarity", polarity_labels, POLARITIES)):
        unknown = sorted(set(labels) - set(allowed))
        if unknown:
            raise DataError(f"unknown {name} label(s) {unknown}; expected one of {', '.join(allowed)}")
    return area_labels, polarity_labels


def finding_targets(texts: list[str], y: Any, polarities: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Area and polarity labels from ``y`` of shape (n, 2) (``polarities`` None), or from ``y``
    (the areas) and ``polarities``; checked as ``check_finding_labels`` checks them."""
    from ..errors import InputError

    if polarities is None:
        if isinstance(y, (str, bytes)):
            raise InputError("expected y of shape (n, 2) (area, polarity), got a single string")
        target = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else list(y), dtype=object)
        if target.ndim != 2 or target.shape[1] != 2:
            raise InputError(f"expected y of shape (n, 2): an area and a polarity per sentence, got shape "
                             f"{target.shape}; or call fit(X, areas, polarities)")
        return check_finding_labels(texts, target[:, 0], target[:, 1])
    return check_finding_labels(texts, y, polarities)


def _macro_f1(true: np.ndarray, predicted: np.ndarray, sample_weight=None) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(true, predicted, average="macro", sample_weight=sample_weight, zero_division=0))


def area_macro_f1(estimator: Any, X: Any, y: Any) -> float:
    """Scorer (``scoring=area_macro_f1``): macro-F1 of the area column of a joint classifier."""
    areas, _ = finding_targets(check_texts(X), y)
    return _macro_f1(areas, estimator.predict_findings(X)[0])


def polarity_macro_f1(estimator: Any, X: Any, y: Any) -> float:
    """Scorer (``scoring=polarity_macro_f1``): macro-F1 of the polarity column of a joint classifier."""
    _, polarities = finding_targets(check_texts(X), y)
    return _macro_f1(polarities, estimator.predict_findings(X)[1])


class JointClassifierMixin(ClassifierMixin):
    """scikit-learn's multi-output face of a joint area + polarity classifier (module docstring).

    Subclasses implement ``predict_findings(X) -> (areas, polarities)``.
    """

    def predict_findings(self, X: Any) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - abstract
        """``(areas, polarities)`` for the sentences ``X``: two 1-d arrays of str."""
        raise NotImplementedError

    def predict(self, X: Any) -> np.ndarray:
        """Array of str of shape (n, 2): the predicted area and polarity of each sentence."""
        areas, polarities = self.predict_findings(X)
        return np.column_stack([np.asarray(areas, dtype=str), np.asarray(polarities, dtype=str)]).reshape(-1, 2)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Mean of the area and the polarity macro-F1 on ``X`` against ``y`` of shape (n, 2)."""
        texts = check_texts(X)
        areas, polarities = finding_targets(texts, y)
        weights = check_sample_weight(sample_weight, len(texts))
        predicted_areas, predicted_polarities = self.predict_findings(texts)
        return (_macro_f1(areas, predicted_areas, weights) + _macro_f1(polarities, predicted_polarities, weights)) / 2

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        return tags


@register_family
class FindingClassifier(JointClassifierMixin, BaseEstimator):
    """Pairs an area model and a polarity model behind one interface.

    Like a sklearn Pipeline, ``fit`` fits the two given models in place, so a
    FindingClassifier can also be assembled from models fitted elsewhere.
    Nested parameters (``area_model__C``) work with ``GridSearchCV``.
    """

    family = "finding"

    def __init__(self, area_model, polarity_model):
        self.area_model = area_model
        self.polarity_model = polarity_model

    def fit(self, X: Any, y: Any, polarities: Any = None, sample_weight: Any = None) -> Self:
        """Fit both models: ``fit(X, y)`` with ``y`` of shape (n, 2), or ``fit(X, areas, polarities)``."""
        texts = check_texts(X)
        area_labels, polarity_labels = finding_targets(texts, y, polarities)
        weights = check_sample_weight(sample_weight, len(texts))
        self.area_model.fit(texts, area_labels, sample_weight=weights)
        self.polarity_model.fit(texts, polarity_labels, sample_weight=weights)
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return all(hasattr(model, "classes_") for model in (self.area_model, self.polarity_model))

    def predict_findings(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(areas, polarities)``: two 1-d arrays of str."""
        check_is_fitted(self)
        texts = check_texts(X)
        return self.area_model.predict(texts), self.polarity_model.predict(texts)

    def predict_proba(self, X: Any) -> list[np.ndarray]:
        """``[area_proba, polarity_proba]``, columns in ``area_classes_`` / ``polarity_classes_`` order."""
        check_is_fitted(self)
        texts = check_texts(X)
        return [self.area_model.predict_proba(texts), self.polarity_model.predict_proba(texts)]

    @property
    def area_classes_(self) -> np.ndarray:
        """Area labels, sorted (the area model's ``classes_``)."""
        return self.area_model.classes_

    @property
    def polarity_classes_(self) -> np.ndarray:
        """Polarity labels, sorted (the polarity model's ``classes_``)."""
        return self.polarity_model.classes_

    def save(self, directory: str | Path) -> Path:
        """Write both models under ``directory`` (``area/``, ``polarity/``, ``finding_model.json``)."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        self.area_model.save(path / AREA_DIR)
        self.polarity_model.save(path / POLARITY_DIR)
        write_json(path / FINDING_MODEL_FILE, {
            "family": self.family,
            "format_version": FORMAT_VERSION,
            "area": AREA_DIR,
            "polarity": POLARITY_DIR,
            "area_family": self.area_model.family,
            "polarity_family": self.polarity_model.family,
        })
        return path

    @classmethod
    def load(cls, directory: str | Path) -> FindingClassifier:
        """Load a directory written by ``save`` (safe formats only)."""
        path = Path(directory)
        read_model_json(path, expected_family=cls.family)
        if not (path / FINDING_MODEL_FILE).exists():
            raise ModelLoadError(f"{path} has no {FINDING_MODEL_FILE}")
        # The sub-directory names are fixed rather than read from the JSON, so a
        # crafted file cannot point the loader outside this directory.
        return cls(area_model=load_model(path / AREA_DIR), polarity_model=load_model(path / POLARITY_DIR))
