"""A report's findings summed up: counts, strongest findings, and a predicted grade per area.

The grade rule (deterministic, documented, reusable by evaluation)
------------------------------------------------------------------
For one area of one report, take the report's findings (non-findings: boilerplate, ``none``
predictions and non-English text, are left out, as annotators leave ``none`` sentences out of
area scores). With ``GradeThresholds.area_weight_power`` unset, the score reads the area's own
findings, those the model puts in it:

    score = mean over the area's findings of  P(positive) - P(negative)          (``area_score``)

With ``area_weight_power = k`` set (the shipped default model's cut points set k = 0.5), every
finding of the report counts toward every area, weighted by how sure the model is that it is
about that area:

    score = sum_i P_i(area)^k (P_i(positive) - P_i(negative)) / sum_i P_i(area)^k
                                                                            (``weighted_area_score``)

Why: Ofsted grades one report's areas together (the overall judgement draws on all of them, and
ILACS 2018-22 reports grade care leavers with children in care), and a sentence the model is
unsure about belongs partly to each area it might be about. k = 1 is the expected score over the
model's uncertainty about areas; smaller k lends more weight to the rest of the report. The power
is chosen by report-grouped cross-validation on training reports (experiments/grade_thresholds.py):
for the data-2.5.0 and 2.6.0 defaults, k = 0.5 tracked Ofsted's grades best (notes/issue10.md, sessions 9
and 10).

Either score lies in [-1, 1]; it is the soft version of "share of positive findings minus share
of negative findings". It maps to Ofsted's four-point scale by three cut points
(``GradeThresholds``, lower bounds, best grade first):

    score >= outstanding            -> outstanding
    score >= good                   -> good
    score >= requires_improvement   -> requires_improvement
    otherwise                       -> inadequate

and an area with fewer than ``min_findings`` findings of its own gets no grade (None): too little
evidence. ``grade_from_score(score, thresholds)`` applies it. Only full inspections get a predicted
grade: letters and news carry no Ofsted grade, and cut points fitted on inspection reports say nothing
about them (their areas keep a score).

The default cut points (0.65 / 0.40 / 0.00, at least 3 findings, no area weighting) were fitted
for the provisional default model (TF-IDF, gold train split) on the 1,290 report-areas of the
corpus reports outside that split: the same three cut points came out of each of 5 report-grouped
folds, exact grade accuracy 0.74 cross-validated (majority grade: 0.36), within one grade 0.996
(notes/issue5.md). A different model scores on a different scale: refit them
(``evaluate.fit_grade_thresholds``) and pass your own ``GradeThresholds`` (``GradeThresholds.coerce``
also takes a dict or any object with the three cut points, such as ``evaluate.GradeThresholds``).

Nothing here imports numpy, pandas or a model at module level.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .labels import AREAS, GRADED_KIND, GRADES, POLARITIES

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from .results import Finding

POSITIVE, NEGATIVE, NEUTRAL = "positive", "negative", "neutral"  # the three of labels.POLARITIES


# --------------------------------------------------------------------------- grade rule


@dataclass(frozen=True)
class GradeThresholds:
    """Cut points of the area score: the lowest score that still earns each grade.

    ``outstanding > good > requires_improvement``; anything below ``requires_improvement`` is
    inadequate. ``min_findings``: an area with fewer findings of its own gets no predicted grade.
    ``area_weight_power``: None scores an area from its own findings (``area_score``); a number k
    scores it from every finding weighted by P(area)^k (``weighted_area_score``). Cut points are
    fitted for one way of scoring: they travel together. ``by_area``: area -> its own three cut points
    (``{"outstanding": .., "good": .., "requires_improvement": ..}``), fitted per area; an area not listed
    uses the three above. ``for_area(area)`` gives the cut points one area is graded by.
    """

    outstanding: float = 0.65
    good: float = 0.40
    requires_improvement: float = 0.00
    min_findings: int = 3
    area_weight_power: float | None = None
    by_area: Mapping[str, Mapping[str, float]] | None = field(default=None, hash=False)

    def __post_init__(self):
        cuts = (self.outstanding, self.good, self.requires_improvement)
        for name, value in zip(("outstanding", "good", "requires_improvement"), cuts):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise InputError(f"GradeThresholds.{name} must be a finite number, got {value!r}")
        if not (self.outstanding > self.good > self.requires_improvement):
            raise InputError(
                "GradeThresholds must decrease: outstanding > good > requires_improvement, got "
                f"{self.outstanding} > {self.good} > {self.requires_improvement}"
            )
        if isinstance(self.min_findings, bool) or not isinstance(self.min_findings, int) or self.min_findings < 0:
            raise InputError(f"GradeThresholds.min_findings must be an int >= 0, got {self.min_findings!r}")
        k = self.area_weight_power
        if k is not None and (isinstance(k, bool) or not isinstance(k, (int, float)) or not math.isfinite(k) or k < 0):
            raise InputError(f"GradeThresholds.area_weight_power must be None or a finite number >= 0, got {k!r}")
        if self.by_area is not None:
            object.__setattr__(self, "by_area", _checked_cuts_by_area(self.by_area))

    def for_area(self, area: str) -> GradeThresholds:
        """The cut points ``area`` is graded by: its own from ``by_area``, else the three shared ones."""
        cuts = (self.by_area or {}).get(area)
        if cuts is None:
            return self
        return replace(self, outstanding=cuts["outstanding"], good=cuts["good"],
                       requires_improvement=cuts["requires_improvement"], by_area=None)

    def grade(self, score: float, n_findings: int | None = None) -> str | None:
        """The grade for ``score`` (None for a NaN score or, given n_findings, too few findings)."""
        return grade_from_score(score, self, n_findings=n_findings)

    def to_dict(self) -> dict:
        """The fields as a dict, which ``from_dict`` (and ``coerce``) read back."""
        return asdict(self)

    @classmethod
    def coerce(cls, value: object) -> GradeThresholds:
        """A GradeThresholds from itself, a mapping (``from_dict``), or any object with the
        attributes outstanding, good and requires_improvement (and optionally min_findings).

        Raises InputError for anything else, or for cut points that are not finite and decreasing."""
        if isinstance(value, cls):
            return value
        if isinstance(value, Mapping):
            return cls.from_dict(value)
        if all(hasattr(value, name) for name in CUT_NAMES):
            values = {name: getattr(value, name) for name in CUT_NAMES}
            values = {k: float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
                      for k, v in values.items()}
            return cls(**values, min_findings=getattr(value, "min_findings", cls.min_findings),
                       area_weight_power=getattr(value, "area_weight_power", cls.area_weight_power),
                       by_area=getattr(value, "by_area", None))
        raise InputError(f"cannot use {type(value).__name__} as grade thresholds; expected a GradeThresholds, "
                         "a dict, or an object with outstanding, good and requires_improvement")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> GradeThresholds:
        """From a dict such as ``to_dict()`` wrote (e.g. thresholds fitted by the experiments)."""
        if not isinstance(values, Mapping):
            raise InputError(f"GradeThresholds.from_dict needs a mapping, got {type(values).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise InputError(f"unknown GradeThresholds field(s) {unknown}; expected some of {sorted(known)}")
        return cls(**dict(values))

    def score_rule(self) -> str:
        """How the area score is computed, in words (``area_weight_power`` decides)."""
        if self.area_weight_power is None:
            return "score = mean P(positive) - P(negative) over the area's findings"
        return (f"score = mean P(positive) - P(negative) over the report's findings, each weighted by "
                f"P(area)^{self.area_weight_power:g}")

    def describe(self) -> str:
        """The rule in words, for reports and logs: each cut point and the minimum number of findings."""
        if self.by_area:
            bands = "; ".join(f"{area.replace('_', ' ')}: {self.for_area(area)._bands()}" for area in self.by_area)
        else:
            bands = self._bands()
        return f"{bands}; no grade with fewer than {self.min_findings} findings"

    def _bands(self) -> str:
        return (f"score >= {self.outstanding:+.2f} outstanding, >= {self.good:+.2f} good, "
                f">= {self.requires_improvement:+.2f} requires improvement, below that inadequate")


CUT_NAMES = ("outstanding", "good", "requires_improvement")  # GradeThresholds' three cut points, best grade first


def _checked_cuts_by_area(by_area) -> dict[str, dict[str, float]]:
    """``by_area`` as a plain dict of dicts, each area's cut points checked as GradeThresholds checks its own."""
    if not isinstance(by_area, Mapping):
        raise InputError(f"GradeThresholds.by_area must be a mapping area -> cut points, got {type(by_area).__name__}")
    checked = {}
    for area, cuts in by_area.items():
        if area not in AREAS:
            raise InputError(f"GradeThresholds.by_area: unknown area {area!r}; expected some of {list(AREAS)}")
        if not isinstance(cuts, Mapping) or set(cuts) != set(CUT_NAMES):
            raise InputError(f"GradeThresholds.by_area[{area!r}] must give exactly {list(CUT_NAMES)}, got {cuts!r}")
        GradeThresholds(**cuts)  # raises InputError for cut points that are not finite and decreasing
        checked[area] = {name: float(cuts[name]) for name in CUT_NAMES}
    return checked


DEFAULT_THRESHOLDS = GradeThresholds()


def area_score(polarity_probs: Iterable[Mapping[str, float]] | Iterable[Finding] | np.ndarray,
               classes: Sequence[str] | None = None) -> float:
    """Mean P(positive) - P(negative) over an area's findings; NaN when there are none.

    ``polarity_probs`` is either a sequence of mappings label -> probability (a Finding's
    ``polarity_probs``; Finding objects themselves are accepted too), or an array of shape
    (n_findings, n_classes) with ``classes`` naming its columns (a model's ``polarity_classes_``).
    A model without a positive or negative class counts that probability as 0.
    """
    if hasattr(polarity_probs, "shape") or (classes is not None and not _is_mapping_rows(polarity_probs)):
        return _array_score(polarity_probs, classes)
    total, n = 0.0, 0
    for i, row in enumerate(polarity_probs):
        probs = getattr(row, "polarity_probs", row)
        if not isinstance(probs, Mapping):
            raise InputError(f"polarity_probs[{i}] is {type(row).__name__}; expected a mapping label -> probability "
                             "(or pass an array with classes=)")
        total += float(probs.get(POSITIVE, 0.0)) - float(probs.get(NEGATIVE, 0.0))
        n += 1
    return total / n if n else math.nan


def _is_mapping_rows(rows) -> bool:
    try:
        first = next(iter(rows))
    except (StopIteration, TypeError):
        return False
    return isinstance(getattr(first, "polarity_probs", first), Mapping)


def _array_score(proba, classes) -> float:
    import numpy as np

    if classes is None:
        raise InputError("area_score: an array of probabilities needs classes= (the model's polarity_classes_)")
    proba = np.asarray(proba, dtype=float)
    classes = [str(c) for c in classes]
    if proba.ndim != 2 or proba.shape[1] != len(classes):
        raise InputError(f"area_score: probabilities of shape {proba.shape} do not match {len(classes)} classes")
    if proba.shape[0] == 0:
        return math.nan
    pos = proba[:, classes.index(POSITIVE)] if POSITIVE in classes else np.zeros(len(proba))
    neg = proba[:, classes.index(NEGATIVE)] if NEGATIVE in classes else np.zeros(len(proba))
    return float(np.mean(pos - neg))


def area_weight(finding: Finding, area: str, power: float) -> float:
    """How much ``finding`` counts toward ``area``'s weighted score: P(area)^power."""
    return float(finding.area_probs.get(area, 0.0)) ** power


def weighted_area_score(findings: Iterable[Finding], area: str, power: float) -> float:
    """Mean P(positive) - P(negative) over all ``findings``, each weighted by P(area)^power (the
    module's grade rule with ``area_weight_power`` set); NaN when no finding weighs anything."""
    total = weight = 0.0
    for f in findings:
        w = area_weight(f, area, power)
        total += w * finding_score(f)
        weight += w
    return total / weight if weight > 0 else math.nan


def grade_from_score(score: float, thresholds: GradeThresholds | None = None,
                     n_findings: int | None = None) -> str | None:
    """Map an area score to a labels.GRADES value with ``thresholds`` (default DEFAULT_THRESHOLDS).

    Returns None for a NaN/None score, or when ``n_findings`` is given and below
    ``thresholds.min_findings``.
    """
    t = DEFAULT_THRESHOLDS if thresholds is None else GradeThresholds.coerce(thresholds)
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return None
    if n_findings is not None and n_findings < t.min_findings:
        return None
    if score >= t.outstanding:
        return GRADES[0]
    if score >= t.good:
        return GRADES[1]
    if score >= t.requires_improvement:
        return GRADES[2]
    return GRADES[3]


def format_score(score: float | None, thresholds: GradeThresholds | Mapping[str, Any] | None = None,
                 digits: int = 2) -> str:
    """``score`` as text ("+0.45") with at least ``digits`` decimals, and more where fewer would
    put it on or across a cut point: grades are mapped from the unrounded score, so 0.448 under
    a 0.45 cut-off shows as "+0.448", never as "+0.45" beside "requires improvement"."""
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return "-"
    t = DEFAULT_THRESHOLDS if thresholds is None else GradeThresholds.coerce(thresholds)
    cuts = (t.outstanding, t.good, t.requires_improvement)
    for places in range(digits, 10):
        shown = round(score, places)
        if all((shown >= cut) == (score >= cut) and (shown != cut or score == cut) for cut in cuts):
            return f"{score:+.{places}f}"
    return f"{score:+.10f}"


# --------------------------------------------------------------------------- summaries


def finding_score(finding: Finding) -> float:
    """One finding's pull on its area score: P(positive) - P(negative)."""
    p = finding.polarity_probs
    return float(p.get(POSITIVE, 0.0)) - float(p.get(NEGATIVE, 0.0))


@dataclass(frozen=True)
class AreaSummary:
    """One area of one report: what the findings say and the grade they point to.

    ``evidence`` holds the findings that drove the grade: the most positive ones for
    outstanding/good, the most negative ones for requires improvement/inadequate.
    """

    area: str
    n_findings: int
    counts: dict = field(hash=False)  # polarity -> number of findings
    share_positive: float
    share_negative: float
    share_neutral: float
    score: float  # NaN when the area has no findings
    predicted_grade: str | None
    ofsted_grade: str | None  # the grade the report states, when known
    reason: str
    top_positive: tuple = ()  # strongest positive findings, by P(positive)
    top_negative: tuple = ()  # strongest negative findings, by P(negative)
    evidence: tuple = ()

    def __repr__(self) -> str:
        return (f"AreaSummary(area={self.area!r}, n_findings={self.n_findings}, score={self.score:.2f}, "
                f"predicted_grade={self.predicted_grade!r}, ofsted_grade={self.ofsted_grade!r})")

    def to_dict(self, with_findings: bool = True) -> dict:
        """JSON-ready (a NaN score as None); with ``with_findings``, the strongest findings and the
        evidence as short dicts (text, probabilities, page)."""
        out = {
            "area": self.area,
            "n_findings": self.n_findings,
            "counts": dict(self.counts),
            "share_positive": self.share_positive,
            "share_negative": self.share_negative,
            "share_neutral": self.share_neutral,
            "score": None if math.isnan(self.score) else self.score,
            "predicted_grade": self.predicted_grade,
            "ofsted_grade": self.ofsted_grade,
            "reason": self.reason,
        }
        if with_findings:
            out["top_positive"] = [_brief(f, POSITIVE) for f in self.top_positive]
            out["top_negative"] = [_brief(f, NEGATIVE) for f in self.top_negative]
            out["evidence"] = [_brief(f, None) for f in self.evidence]
        return out


@dataclass(frozen=True)
class ReportSummary:
    """Counts by area and polarity, and an AreaSummary for every area of labels.AREAS."""

    n_findings: int  # findings counted
    n_not_findings: int  # sentences left out as not findings (is_finding False)
    counts: dict = field(hash=False)  # area -> polarity -> n
    areas: dict = field(hash=False)  # area -> AreaSummary
    thresholds: GradeThresholds = DEFAULT_THRESHOLDS
    graded: bool = True  # False for a publication Ofsted does not grade (a letter, news): scores, no grades

    def __repr__(self) -> str:
        return (f"ReportSummary(n_findings={self.n_findings}, n_not_findings={self.n_not_findings}, "
                f"predicted_grades={self.predicted_grades!r})")

    @property
    def predicted_grades(self) -> dict[str, str | None]:
        """Area -> predicted grade (None where the area has too few findings)."""
        return {area: s.predicted_grade for area, s in self.areas.items()}

    def rule_text(self) -> str:
        """How the scores were computed and graded, in words, for the CLI, the HTML view and JSON."""
        if not self.graded:
            return ("No predicted grade: only full inspections are graded, by Ofsted and by cut points fitted on them; "
                    f"{self.thresholds.score_rule()}.")
        return f"Predicted grade: {self.thresholds.score_rule()}; {self.thresholds.describe()}."

    def to_dict(self, with_findings: bool = True) -> dict:
        """JSON-ready: counts, every area's ``AreaSummary.to_dict``, the thresholds and the grade rule in words."""
        return {
            "n_findings": self.n_findings,
            "n_not_findings": self.n_not_findings,
            "counts": {a: dict(c) for a, c in self.counts.items()},
            "areas": {a: s.to_dict(with_findings) for a, s in self.areas.items()},
            "thresholds": self.thresholds.to_dict(),
            "grade_rule": self.rule_text(),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per area (pandas DataFrame)."""
        import pandas as pd

        rows = []
        for s in self.areas.values():
            row = s.to_dict(with_findings=False)
            counts = row.pop("counts")
            rows.append({**row, **{f"n_{p}": counts[p] for p in POLARITIES}})
        return pd.DataFrame(rows)


def _brief(finding, polarity: str | None) -> dict:
    prov = getattr(finding, "provenance", None)
    out = {
        "text": finding.text,
        "polarity": finding.polarity,
        "score": finding_score(finding),
    }
    if polarity is not None:
        out["probability"] = float(finding.polarity_probs.get(polarity, 0.0))
    if prov is not None:
        out["sentence_id"] = prov.sentence_id
        out["page"] = prov.page
        out["paragraph_number"] = prov.paragraph_number
    return out


def summarise(
    findings: Iterable,
    thresholds: GradeThresholds | None = None,
    top_k: int = 3,
    ofsted_grades: Mapping[str, str | None] | None = None,
    kind: str | None = None,
) -> ReportSummary:
    """Summarise findings (objects with area, polarity, polarity_probs, is_finding).

    Every area of labels.AREAS gets an AreaSummary, with no grade when it has fewer than
    ``thresholds.min_findings`` findings, or when ``kind`` (the publication's, labels.DOCUMENT_KINDS)
    is not a full inspection: letters and news carry no Ofsted grade, and cut points fitted on
    inspection reports say nothing about them, so their areas get a score and no predicted grade.
    Ties between equally strong findings keep report order, so the summary is deterministic.
    """
    t = DEFAULT_THRESHOLDS if thresholds is None else GradeThresholds.coerce(thresholds)
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0:
        raise InputError(f"top_k must be an int >= 0, got {top_k!r}")
    by_area: dict[str, list] = {area: [] for area in AREAS}
    counted = []
    n_not = 0
    for f in findings:
        if not getattr(f, "is_finding", True):
            n_not += 1
            continue
        counted.append(f)
        by_area.setdefault(f.area, []).append(f)
    counts = {area: {p: sum(1 for f in fs if f.polarity == p) for p in POLARITIES} for area, fs in by_area.items()}
    areas = {
        area: _area_summary(area, fs, counts[area], t, top_k, (ofsted_grades or {}).get(area),
                            rule_score(area, fs, counted, t.area_weight_power), kind)
        for area, fs in by_area.items()
    }
    return ReportSummary(n_findings=sum(len(fs) for fs in by_area.values()), n_not_findings=n_not,
                         counts=counts, areas=areas, thresholds=t, graded=_is_graded(kind))


def rule_score(area: str, own: Sequence[Finding], counted: Iterable[Finding], power: float | None) -> float:
    """The area's score under the grade rule (``GradeThresholds.area_weight_power`` = ``power``): from its
    ``own`` findings when ``power`` is None, else from every ``counted`` finding weighted by P(area)^power;
    NaN when the area has no findings of its own."""
    if not own:
        return math.nan
    if power is None:
        return area_score(own)
    return weighted_area_score(counted, area, power)


def _area_summary(area, fs, counts, t: GradeThresholds, top_k, ofsted_grade, score: float,
                  kind: str | None) -> AreaSummary:
    n = len(fs)
    t = t.for_area(area)
    graded = _is_graded(kind)
    grade = grade_from_score(score, t, n_findings=n) if graded else None
    share = {p: (counts[p] / n if n else 0.0) for p in POLARITIES}

    def strongest(polarity):
        chosen = [f for f in fs if f.polarity == polarity]
        # sorted() is stable: equal probabilities keep report order.
        return tuple(sorted(chosen, key=lambda f: -float(f.polarity_probs.get(polarity, 0.0)))[:top_k])

    if grade in GRADES[:2]:
        evidence = tuple(sorted(fs, key=lambda f: -finding_score(f))[:top_k])
    elif grade in GRADES[2:]:
        evidence = tuple(sorted(fs, key=finding_score)[:top_k])
    else:
        evidence = ()
    return AreaSummary(
        area=area, n_findings=n, counts=counts,
        share_positive=share[POSITIVE], share_negative=share[NEGATIVE], share_neutral=share[NEUTRAL],
        score=score, predicted_grade=grade, ofsted_grade=ofsted_grade,
        reason=_reason(score, n, counts, grade, t) if graded else _ungraded_reason(score, n, counts, kind, t),
        top_positive=strongest(POSITIVE), top_negative=strongest(NEGATIVE), evidence=evidence,
    )


def _is_graded(kind: str | None) -> bool:
    """Whether a publication of ``kind`` gets predicted grades (None: a caller that does not say)."""
    return kind in (None, GRADED_KIND)


def _shares(counts, n, t: GradeThresholds) -> str:
    """The area's own findings in words, and, under a weighted rule, that the rest of the report counts too
    (so that "8 of 9 positive" beside a negative score reads as the rule, not as an error)."""
    own = (f"{counts[POSITIVE]} positive, {counts[NEGATIVE]} negative, {counts[NEUTRAL]} neutral "
           f"of {n} finding{'s' if n != 1 else ''}")
    if t.area_weight_power is None:
        return own
    return f"{own}, with the report's other findings weighted by P(area)^{t.area_weight_power:g}"


def _ungraded_reason(score, n, counts, kind, t: GradeThresholds) -> str:
    if n == 0:
        return "no findings in this area"
    return (f"score {format_score(score, t)} ({_shares(counts, n, t)}); no grade: this publication ({kind}) is not "
            "a full inspection, which is what Ofsted grades and the cut points were fitted on")


def _reason(score, n, counts, grade, t: GradeThresholds) -> str:
    if n == 0:
        return "no findings in this area"
    shares = _shares(counts, n, t)
    if grade is None:
        return f"score {format_score(score, t)} ({shares}); fewer than {t.min_findings} findings, so no grade"
    bands = {
        GRADES[0]: f">= {t.outstanding:+.2f}",
        GRADES[1]: f">= {t.good:+.2f} and < {t.outstanding:+.2f}",
        GRADES[2]: f">= {t.requires_improvement:+.2f} and < {t.good:+.2f}",
        GRADES[3]: f"< {t.requires_improvement:+.2f}",
    }
    return f"score {format_score(score, t)} ({shares}) is {bands[grade]}: {grade.replace('_', ' ')}"
