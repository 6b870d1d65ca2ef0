"""The label sets of ofsted_nlp, defined once.

Areas are the four ILACS judgements (annotation guidelines, section 1);
polarities are section 2. ``none`` (NOT_A_FINDING) is the area of a sentence that
says nothing about practice (letterheads, sign-offs, how the visit was done): the
models learn and predict it, and such sentences are returned as not findings.
"""
from __future__ import annotations

AREAS: tuple[str, ...] = ("help_and_protection", "children_in_care", "care_leavers", "leadership")
POLARITIES: tuple[str, ...] = ("positive", "negative", "neutral")
NOT_A_FINDING = "none"
AREA_CLASSES: tuple[str, ...] = AREAS + (NOT_A_FINDING,)  # what an area model predicts

# What a publication is. Inspections carry grades; letters and news never do.
DOCUMENT_KINDS: tuple[str, ...] = (
    "inspection", "monitoring_visit", "focused_visit", "jtai", "other_letter", "news_or_text",
)
GRADED_KIND = "inspection"  # the one kind Ofsted grades, and so the one kind a grade is predicted for

# Ofsted's four-point scale, best first. Score 1 = outstanding ... 4 = inadequate,
# as Ofsted numbers them.
GRADES: tuple[str, ...] = ("outstanding", "good", "requires_improvement", "inadequate")
GRADE_SCORE: dict[str, int] = {g: i + 1 for i, g in enumerate(GRADES)}

# Judgements a report may grade. SIF's adoption and care-leaver judgements are
# sub-judgements of children looked after; ILACS after April 2026 grades care
# leavers separately and drops overall effectiveness.
JUDGEMENTS: tuple[str, ...] = (
    "overall_effectiveness",
    "help_and_protection",
    "children_in_care",
    "care_leavers",
    "leadership",
    "adoption",
    "lscb",
)

ERAS: tuple[str, ...] = ("pre_sif", "sif", "ilacs", "ilacs_2026")

GUIDELINE_VERSION = "1.1"  # 1.1: `none` became a class the models predict


def normalise_grade(text: str) -> str | None:
    """Map a grade as printed ("Requires improvement to be good") to a GRADES value."""
    t = " ".join(text.lower().replace("’", "'").split())
    if t.startswith("outstanding"):
        return "outstanding"
    if t.startswith(("requires improvement", "require improvement")):
        return "requires_improvement"
    if t.startswith("inadequate"):
        return "inadequate"
    if t.startswith("good"):
        return "good"
    return None


def check_area(label: str) -> str:
    """``label`` itself when it is one of ``AREAS``; raises ValueError naming the expected areas otherwise."""
    if label not in AREAS:
        raise ValueError(f"unknown area {label!r}; expected one of {', '.join(AREAS)}")
    return label


def check_polarity(label: str) -> str:
    """``label`` itself when it is one of ``POLARITIES``; raises ValueError naming them otherwise."""
    if label not in POLARITIES:
        raise ValueError(f"unknown polarity {label!r}; expected one of {', '.join(POLARITIES)}")
    return label
