"""A finding = an area and a polarity per sentence, from two single-task models."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator

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


def check_finding_labels(texts: list[str], areas, polarities) -> tuple[np.ndarray, np.ndarray]:
    """Check both label columns against labels.AREA_CLASSES (the areas and `none`) and POLARITIES."""
    area_labels = check_labels(areas, len(texts), "areas")
    polarity_labels = check_labels(polarities, len(texts), "polarities")
    for name, labels, allowed in (("area", area_labels, AREA_CLASSES), ("polarity", polarity_labels, POLARITIES)):
        unknown = sorted(set(labels) - set(allowed))
        if unknown:
            raise DataError(f"unknown {name} label(s) {unknown}; expected one of {', '.join(allowed)}")
    return area_labels, polarity_labels


@register_family
class FindingClassifier(BaseEstimator):
    """Pairs an area model and a polarity model behind one interface.

    Like a sklearn Pipeline, ``fit`` fits the two given models in place, so a
    FindingClassifier can also be assembled from models fitted elsewhere.
    """

    family = "finding"

    def __init__(self, area_model, polarity_model):
        self.area_model = area_model
        self.polarity_model = polarity_model

    def fit(self, texts, areas, polarities, sample_weight=None):
        texts = check_texts(texts)
        area_labels, polarity_labels = check_finding_labels(texts, areas, polarities)
        weights = check_sample_weight(sample_weight, len(texts))
        self.area_model.fit(texts, area_labels, sample_weight=weights)
        self.polarity_model.fit(texts, polarity_labels, sample_weight=weights)
        return self

    def predict(self, texts) -> tuple[np.ndarray, np.ndarray]:
        texts = check_texts(texts)
        return self.area_model.predict(texts), self.polarity_model.predict(texts)

    def predict_proba(self, texts) -> tuple[np.ndarray, np.ndarray]:
        texts = check_texts(texts)
        return self.area_model.predict_proba(texts), self.polarity_model.predict_proba(texts)

    @property
    def area_classes_(self) -> np.ndarray:
        return self.area_model.classes_

    @property
    def polarity_classes_(self) -> np.ndarray:
        return self.polarity_model.classes_

    def save(self, directory) -> Path:
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
    def load(cls, directory) -> FindingClassifier:
        path = Path(directory)
        read_model_json(path, expected_family=cls.family)
        if not (path / FINDING_MODEL_FILE).exists():
            raise ModelLoadError(f"{path} has no {FINDING_MODEL_FILE}")
        # The sub-directory names are fixed rather than read from the JSON, so a
        # crafted file cannot point the loader outside this directory.
        return cls(area_model=load_model(path / AREA_DIR), polarity_model=load_model(path / POLARITY_DIR))
