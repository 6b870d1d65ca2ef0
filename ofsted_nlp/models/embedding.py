"""Frozen all-MiniLM-L6-v2 sentence embeddings with a logistic-regression head.

The encoder is not trained, so a saved model is only the head's coefficients
plus the name of the encoder; the encoder itself is resolved again on load.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Self

import numpy as np
from numpy.typing import ArrayLike
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from .base import (
    TextClassifier,
    check_fit_inputs,
    check_texts,
    load_arrays,
    params_to_json,
    register_family,
    restore_linear_head,
    save_arrays,
)
from .encoder import SentenceEncoder, encoder_reference

HEAD_FILE = "head.npz"


@register_family
class EmbeddingClassifier(TextClassifier):
    """Logistic regression on L2-normalised mean-pooled MiniLM embeddings.

    ``encoder`` is None (the packaged all-MiniLM-L6-v2), a local model directory
    or cached model id, or a SentenceEncoder instance, which lets an area and a
    polarity model share one loaded encoder and its last embeddings.
    """

    family = "embedding"

    def __init__(self, encoder=None, C=10.0, class_weight="balanced", max_iter=2000, batch_size=32,
                 max_length=128, num_threads=1):
        self.encoder = encoder
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.max_length = max_length
        self.num_threads = num_threads

    def fit(self, X: Iterable[str], y: Iterable[str], sample_weight: ArrayLike | None = None) -> Self:
        """Embed the texts and fit the logistic regression head on them; returns self. Raises
        InputError for bad inputs, DataError for fewer than two classes."""
        texts, labels, weights = check_fit_inputs(X, y, sample_weight)
        self.head_ = self._new_head()
        self.head_.fit(self._features(texts), labels, sample_weight=weights)
        self.classes_ = np.asarray(self.head_.classes_, dtype=str)
        return self

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Class probabilities of the head on the texts' embeddings: shape (n_texts, n_classes)."""
        check_is_fitted(self, "head_")
        texts = check_texts(X)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        return self.head_.predict_proba(self._features(texts))

    def _features(self, texts: list[str]) -> np.ndarray:
        # float64 so probabilities sum to 1 to double precision, as every other family's do.
        return self.sentence_encoder.encode(texts).astype(np.float64)

    @property
    def sentence_encoder(self) -> SentenceEncoder:
        """The encoder instance in use, created on first use from the ``encoder`` parameter."""
        if isinstance(self.encoder, SentenceEncoder):
            return self.encoder
        current = getattr(self, "_sentence_encoder", None)
        wanted = dict(name_or_path=self.encoder, batch_size=self.batch_size, max_length=self.max_length,
                      num_threads=self.num_threads)
        if current is None or any(getattr(current, k) != v for k, v in wanted.items()):
            current = self._sentence_encoder = SentenceEncoder(**wanted)
        return current

    def _new_head(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter)

    def _params_for_json(self) -> dict:
        params = params_to_json(self)
        name = self.encoder.name_or_path if isinstance(self.encoder, SentenceEncoder) else self.encoder
        params["encoder"] = encoder_reference(name)
        return params

    def _save_state(self, directory: Path) -> dict:
        save_arrays(directory / HEAD_FILE, coef=self.head_.coef_, intercept=self.head_.intercept_)
        return {"files": [HEAD_FILE], "embedding_dimension": int(self.head_.coef_.shape[1])}

    def _load_state(self, directory: Path, meta: dict) -> None:
        arrays = load_arrays(directory / HEAD_FILE)
        self.head_ = restore_linear_head(self._new_head(), arrays.get("coef"), arrays.get("intercept"),
                                         self.classes_, f"{directory} head")
