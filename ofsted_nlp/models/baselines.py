"""Anchors: what a majority vote, a keyword list or an off-the-shelf sentiment lexicon gets.

None of them learns from the text; ``fit`` only records the classes (and, for
the majority baseline, their frequencies). They exist so that every reported
score of a learned model can be read against what public tools already do.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Self

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils.validation import check_is_fitted

from ..errors import DataError
from ..labels import POLARITIES
from .base import (
    TextClassifier,
    check_labels,
    check_sample_weight,
    check_texts,
    register_family,
    sorted_classes,
)


@register_family
class MajorityClassifier(TextClassifier):
    """Predicts the most frequent training class; predict_proba gives the class frequencies."""

    family = "majority"

    def fit(self, X: Iterable[str], y: Iterable[str], sample_weight: ArrayLike | None = None) -> Self:
        """Learn the (weighted) frequency of each class in ``y``; returns self. Raises DataError when
        the weights sum to zero."""
        texts = check_texts(X)
        labels = check_labels(y, len(texts))
        weights = check_sample_weight(sample_weight, len(texts))
        weights = np.ones(len(texts)) if weights is None else weights
        self.classes_ = sorted_classes(labels)
        totals = np.array([weights[labels == c].sum() for c in self.classes_])
        if totals.sum() <= 0:
            raise DataError("sample weights sum to zero")
        self.class_prior_ = totals / totals.sum()
        return self

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """The training class frequencies, the same row for every text: shape (n_texts, n_classes)."""
        check_is_fitted(self, "class_prior_")
        return np.tile(self.class_prior_, (len(check_texts(X)), 1))

    def _save_state(self, directory: Path) -> dict:
        return {"class_prior": self.class_prior_.tolist()}

    def _load_state(self, directory: Path, meta: dict) -> None:
        self.class_prior_ = np.asarray(meta["class_prior"], dtype=float)
        if self.class_prior_.shape != (len(self.classes_),):
            raise ValueError("class_prior does not match classes")


# Taken from the "typical content" column of the annotation guidelines, section 1,
# with the obvious variants a report uses for the same thing. Phrases are matched
# as whole words after normalise_for_keywords(), with an optional plural -s/-es.
DEFAULT_AREA_KEYWORDS: Mapping[str, tuple[str, ...]] = {
    "help_and_protection": (
        "front door", "mash", "multi agency safeguarding hub", "referral", "threshold", "early help",
        "strategy discussion", "strategy meeting", "child protection", "section 47", "children in need",
        "child in need", "assessment", "neglect", "domestic abuse", "domestic violence", "missing from home",
        "go missing", "went missing", "missing children", "exploitation", "exploited", "risk outside the home",
        "extra familial", "county lines", "pre proceedings", "public law outline", "plo", "homeless",
        "homelessness", "disabled children", "private fostering", "privately fostered", "allegations against",
        "lado", "designated officer", "elective home education", "electively home educated",
        "missing education", "out of hours", "emergency duty",
    ),
    "children_in_care": (
        "into care", "enter care", "entering care", "children in care", "child in care", "looked after",
        "placement", "placed", "foster carer", "foster care", "fostering", "childrens home", "residential",
        "permanence", "adoption", "adopted", "adopter", "special guardianship", "sgo", "return home",
        "family time", "independent reviewing officer", "iro", "virtual school", "personal education plan",
        "pep", "health assessment", "life story", "later life letter", "unaccompanied", "asylum seeking",
        "placed at a distance", "out of area", "siblings",
    ),
    "care_leavers": (
        "care leaver", "leaving care", "leave care", "left care", "personal adviser", "personal advisor",
        "pathway plan", "pathway planning", "independence", "independent living", "transition to adulthood",
        "adulthood", "staying put", "staying close", "young adults", "aged 18", "aged 21", "over 18",
        "21 to 25", "local offer", "health history", "health histories", "former unaccompanied",
        "education employment or training", "not in education", "neet", "apprenticeship", "university",
        "semi independent", "supported lodgings", "suitable accommodation", "tenancy",
    ),
    "leadership": (
        "leader", "senior manager", "chief executive", "director of childrens services", "dcs", "lead member",
        "elected member", "councillor", "political", "corporate", "strategy", "strategic", "improvement plan",
        "self evaluation", "self assessment", "quality assurance", "audit", "performance information",
        "performance data", "performance management", "workforce", "recruitment", "retention", "agency staff",
        "caseload", "supervision", "training", "corporate parenting", "corporate parent", "partnership",
        "partner", "safeguarding board", "commissioning", "sufficiency", "budget", "investment", "turnover",
        "vacancy", "vacancies", "services for children", "childrens services", "culture",
    ),
}


def normalise_for_keywords(text: str) -> str:
    """Lower-case, drop apostrophes ("children's" -> "childrens"), everything else not alphanumeric -> space."""
    text = re.sub(r"['’‘]", "", text.lower())
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@register_family
class KeywordAreaClassifier(TextClassifier):
    """Counts keyword hits per area and predicts the area with most hits.

    Overlapping phrases count once, longest first ("health assessment" is a
    children-in-care phrase, not also a help-and-protection "assessment").
    The default area (help_and_protection, the guidelines' fallback for a
    sentence naming no group) wins when nothing matches and any tie it is part
    of; a tie between other areas goes to the one mentioned first, a stand-in
    for the guidelines' "grammatical subject" rule.
    """

    family = "keyword_area"

    def __init__(self, keywords=None, default_area="help_and_protection"):
        self.keywords = keywords
        self.default_area = default_area

    def fit(self, X: Iterable[str], y: Iterable[str], sample_weight: ArrayLike | None = None) -> Self:
        """Check the inputs and take the classes: the labels, the keyword areas and the default area
        (the keywords are fixed, nothing is learnt); returns self."""
        texts = check_texts(X)
        labels = check_labels(y, len(texts))
        check_sample_weight(sample_weight, len(texts))
        self.classes_ = sorted_classes([*labels, *self._keywords(), self.default_area])
        return self

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Keyword hit counts per class, plus one and normalised: shape (n_texts, n_classes)."""
        check_is_fitted(self, "classes_")
        pattern, area_of = self._matcher()
        rows = [self._scores(text, pattern, area_of) for text in check_texts(X)]
        scores = np.array(rows).reshape(-1, len(self.classes_))
        smoothed = scores + 1.0  # keeps every area possible while preserving the argmax
        return smoothed / smoothed.sum(axis=1, keepdims=True)

    def _keywords(self) -> Mapping[str, tuple[str, ...]]:
        return DEFAULT_AREA_KEYWORDS if self.keywords is None else self.keywords

    def _matcher(self) -> tuple[re.Pattern, dict[str, str]]:
        # Built per call rather than cached: keywords is a parameter and may change via set_params.
        area_of = {normalise_for_keywords(p): area for area, phrases in self._keywords().items() for p in phrases}
        alternatives = sorted(area_of, key=len, reverse=True)
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, alternatives)) + r")(?:s|es)?\b")
        return pattern, area_of

    def _scores(self, text: str, pattern: re.Pattern, area_of: dict[str, str]) -> np.ndarray:
        column = {c: i for i, c in enumerate(self.classes_)}
        normalised = normalise_for_keywords(text)
        scores = np.zeros(len(self.classes_))
        first_seen: dict[str, int] = {}
        for match in pattern.finditer(normalised):
            area = area_of[match.group(1)]
            if area in column:
                scores[column[area]] += 1
                first_seen.setdefault(area, match.start())
        # Head start < 1 hit: wins empty rows and ties it is in, never outvotes a real hit.
        scores[column[self.default_area]] += 0.5
        # Earliness bonus < 0.1: only ever separates otherwise tied areas.
        for area, position in first_seen.items():
            scores[column[area]] += 0.09 * (1 - position / max(len(normalised), 1))
        return scores

    def _save_state(self, directory: Path) -> dict:
        # The built-in list may grow between versions; a saved model keeps the one it used.
        return {"keywords_used": {area: list(phrases) for area, phrases in self._keywords().items()}}

    def _load_state(self, directory: Path, meta: dict) -> None:
        used = {area: tuple(phrases) for area, phrases in meta["keywords_used"].items()}
        if self.keywords is None and used != dict(DEFAULT_AREA_KEYWORDS):
            self.keywords = used


class LexiconPolarity(TextClassifier):
    """Sentiment lexicon score in [-1, 1] -> positive / negative / neutral by a threshold.

    predict applies the tool's published threshold rule; predict_proba is a
    softmax over logits (score - t)/T, (-score - t)/T and 0, so its argmax agrees
    with predict everywhere except exactly on a threshold.
    """

    inclusive_threshold = False

    def __init__(self, threshold=0.05, temperature=0.1):
        self.threshold = threshold
        self.temperature = temperature

    def fit(self, X: Iterable[str], y: Iterable[str], sample_weight: ArrayLike | None = None) -> Self:
        """Check that the labels are polarities (a lexicon learns nothing); returns self. Raises
        DataError for any other label."""
        texts = check_texts(X)
        labels = check_labels(y, len(texts))
        check_sample_weight(sample_weight, len(texts))
        unknown = sorted(set(labels) - set(POLARITIES))
        if unknown:
            raise DataError(f"a lexicon can only predict {', '.join(POLARITIES)}; got labels {unknown}")
        self.classes_ = sorted_classes(POLARITIES)
        return self

    def scores(self, X: Iterable[str]) -> np.ndarray:
        """The lexicon's raw sentiment score per text, in [-1, 1]."""
        raise NotImplementedError

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """``positive`` above ``threshold``, ``negative`` below ``-threshold``, else ``neutral``."""
        check_is_fitted(self, "classes_")
        s = self.scores(check_texts(X))
        if self.inclusive_threshold:
            positive, negative = s >= self.threshold, s <= -self.threshold
        else:
            positive, negative = s > self.threshold, s < -self.threshold
        return np.where(positive, "positive", np.where(negative, "negative", "neutral")).astype(str)

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """A softmax over the score's distance past each threshold (scaled by ``temperature``), so the
        argmax agrees with ``predict``: shape (n_texts, 3)."""
        check_is_fitted(self, "classes_")
        s = self.scores(check_texts(X))
        logits = {
            "positive": (s - self.threshold) / self.temperature,
            "negative": (-s - self.threshold) / self.temperature,
            "neutral": np.zeros_like(s),
        }
        z = np.stack([logits[c] for c in self.classes_], axis=1)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)


@register_family
class VaderPolarity(LexiconPolarity):
    """VADER compound score: >= 0.05 positive, <= -0.05 negative, else neutral (VADER's own rule)."""

    family = "vader_polarity"
    inclusive_threshold = True

    def scores(self, X: Iterable[str]) -> np.ndarray:
        """VADER's compound score per text, in [-1, 1]."""
        if getattr(self, "_analyzer", None) is None:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            self._analyzer = SentimentIntensityAnalyzer()
        return np.array([self._analyzer.polarity_scores(t)["compound"] for t in check_texts(X)], dtype=float)


@register_family
class TextBlobPolarity(LexiconPolarity):
    """TextBlob (pattern lexicon) polarity: > 0.05 positive, < -0.05 negative, else neutral."""

    family = "textblob_polarity"

    def scores(self, X: Iterable[str]) -> np.ndarray:
        """TextBlob's polarity per text, in [-1, 1]."""
        from textblob import TextBlob

        return np.array([TextBlob(t).sentiment.polarity for t in check_texts(X)], dtype=float)
