"""TF-IDF features with a logistic-regression head: the fast, CPU-only workhorse.

Word 1-2-grams catch the phrases the guidelines list ("not always", "too long",
"personal advisers"); character 2-5-grams within word boundaries catch
inflections and the spelling noise of PDF extraction.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Self

import numpy as np
from numpy.typing import ArrayLike
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from sklearn.utils.validation import check_is_fitted

from .base import (
    TextClassifier,
    check_fit_inputs,
    check_texts,
    load_arrays,
    read_json,
    register_family,
    restore_linear_head,
    save_arrays,
    write_json,
)

WEIGHTS_FILE = "weights.npz"
VOCABULARY_FILE = "vocabulary.json"


@register_family
class TfidfClassifier(TextClassifier):
    """Word + character TF-IDF features, class-balanced logistic regression."""

    family = "tfidf"

    def __init__(
        self,
        word_ngram_range=(1, 2),
        char_ngram_range=(2, 5),
        min_df=2,
        max_df=1.0,
        max_features=None,
        sublinear_tf=True,
        C=5.0,
        class_weight="balanced",
        max_iter=2000,
    ):
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter

    def fit(self, X: Iterable[str], y: Iterable[str], sample_weight: ArrayLike | None = None) -> Self:
        """Fit the TF-IDF vocabulary and the logistic regression on the texts; returns self. Raises
        InputError for bad inputs, DataError for fewer than two classes."""
        texts, labels, weights = check_fit_inputs(X, y, sample_weight)
        self.features_ = self._new_features()
        matrix = self.features_.fit_transform(texts)
        self.classifier_ = self._new_classifier()
        self.classifier_.fit(matrix, labels, sample_weight=weights)
        self.classes_ = np.asarray(self.classifier_.classes_, dtype=str)
        return self

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Class probabilities of the logistic regression: shape (n_texts, n_classes)."""
        check_is_fitted(self, "classifier_")
        texts = check_texts(X)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        return self.classifier_.predict_proba(self.features_.transform(texts))

    def _new_features(self) -> FeatureUnion:
        common = dict(min_df=self.min_df, max_df=self.max_df, max_features=self.max_features,
                      sublinear_tf=self.sublinear_tf, lowercase=True, strip_accents="unicode")
        return FeatureUnion([
            ("word", TfidfVectorizer(analyzer="word", ngram_range=tuple(self.word_ngram_range), **common)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(self.char_ngram_range), **common)),
        ])

    def _new_classifier(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter)

    # Persistence: the vocabularies go to JSON and the numbers to a numpy archive,
    # so loading rebuilds sklearn objects from plain values, with no code deserialised.

    def _save_state(self, directory: Path) -> dict:
        vocabularies, arrays = {}, {}
        for name, vectorizer in self.features_.transformer_list:
            terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
            vocabularies[name] = terms
            arrays[f"{name}_idf"] = vectorizer.idf_
        write_json(directory / VOCABULARY_FILE, vocabularies)
        save_arrays(directory / WEIGHTS_FILE, coef=self.classifier_.coef_,
                    intercept=self.classifier_.intercept_, **arrays)
        return {"files": [VOCABULARY_FILE, WEIGHTS_FILE]}

    def _load_state(self, directory: Path, meta: dict) -> None:
        vocabularies = read_json(directory / VOCABULARY_FILE)
        arrays = load_arrays(directory / WEIGHTS_FILE)
        self.features_ = self._new_features()
        for name, vectorizer in self.features_.transformer_list:
            terms = vocabularies[name]
            vectorizer.vocabulary_ = {term: i for i, term in enumerate(terms)}
            vectorizer.idf_ = arrays[f"{name}_idf"]  # the setter checks it matches the vocabulary
        n_features = sum(len(vocabularies[name]) for name, _ in self.features_.transformer_list)
        self.classifier_ = restore_linear_head(self._new_classifier(), arrays.get("coef"), arrays.get("intercept"),
                                               self.classes_, str(directory), n_features)
