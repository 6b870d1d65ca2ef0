"""Grades: as a report prints them, and the grade that covers a service area.

Only inspection reports carry grades; letters and news never do (their `grades` is None and no
grade is ever inferred from findings).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import cast

from ..labels import normalise_grade
from .sentences import norm

GRADE_WORDS = r"(outstanding|good|requires? improvement(?: to be good)?|inadequate|adequate)"
# A line this short that names a grade is a grade cell, not a sentence that mentions one.
GRADE_CELL_MAX_CHARS = 45


def grade_for_area(grades: Mapping[str, object] | None, area: str | None) -> str | None:
    """The grade, in a judgement -> grade mapping, of the judgement that covers `area`.

    ILACS 2018 to 2022 judges children in care and care leavers together, so care
    leavers fall back to the children-in-care grade there. Missing grades (None, NaN) are None.
    """
    if grades is None or area is None:
        return None

    def get(judgement):
        value = grades.get(judgement)
        return value if isinstance(value, str) else None

    if area == "care_leavers":
        return get("care_leavers") or get("children_in_care")
    return get(area)


def grade(word: str) -> str | None:
    """A grade word as printed -> labels.GRADES."""
    # The 2013 looked-after-children framework's "adequate" is the grade that
    # "requires improvement" replaced: both mean "not yet good".
    if word.lower().startswith("adequate"):
        return "requires_improvement"
    return normalise_grade(word)


def grade_after(label: str, text: str) -> str | None:
    """The grade named right after the regex ``label`` in ``text`` ("... help and protection: good"), or None."""
    m = re.search(label + r"[\s:.]*" + GRADE_WORDS, text, re.I)
    return grade(m.group(cast(int, m.lastindex))) if m else None  # GRADE_WORDS is a group, so lastindex is set


def grade_in_heading(text: str) -> str | None:
    """The grade a heading ends with or states ("Overall effectiveness: Good"), or None."""
    text = re.sub(r"\s+(?:executive )?summary:?$", "", text, flags=re.I)  # "... Good Summary"
    g = re.search(GRADE_WORDS + r"\)?\.?\s*$", text, re.I) or re.search(r":\s*" + GRADE_WORDS, text, re.I) or \
        re.search(r"is that (?:it|they) (?:is |are )?" + GRADE_WORDS, text, re.I)
    return grade(g.group(1)) if g else None


def is_grade_only(text: str) -> bool:
    """True for a short cell that is nothing but a grade ("Good", "Requires improvement:")."""
    return len(text) < GRADE_CELL_MAX_CHARS and normalise_grade(text.strip(" :.")) is not None


def parse_grades(front: str, full: str, era: str) -> dict[str, str | None]:
    """Judgement grades as the report states them on its front page (and SIF's sub-judgements)."""
    f = norm(front)
    if era in ("ilacs", "ilacs_2026"):
        return _ilacs_grades(f)
    if era == "sif":
        return _sif_grades(f, norm(full))
    if era == "pre_sif":
        return _pre_sif_grades(f, norm(full))
    return {}


def _ilacs_grades(f: str) -> dict[str, str | None]:
    rules = {
        "leadership": r"impact of leaders on (?:social work )?practice with children and families",
        "help_and_protection": r"children who need help and protection",
        "overall_effectiveness": r"overall effectiveness",
    }
    # From 2023 ILACS judges care leavers apart from children in care.
    if not re.search(r"progress of (?:children )?care leavers", f, re.I):
        rules["children_in_care"] = r"children in care and care\s+leavers"
    else:
        rules["children_in_care"] = r"experiences and progress of children in care(?! and)"
        rules["care_leavers"] = r"experiences and progress of (?:children )?care leavers"
    grades: dict[str, str | None] = {}
    for judgement, label in rules.items():
        g = grade_after(label, f)
        if g:
            grades[judgement] = g
    return grades


def _sif_grades(f: str, n: str) -> dict[str, str | None]:
    grades: dict[str, str | None] = {}
    m = re.search(r"(?:overall judgement is (?:that )?(?:children's services? (?:in [^.]{2,60}? )?)?|"
                  r"children's services in [^.]{2,60}? )(?:are |is )?" + GRADE_WORDS, f, re.I)
    if m:
        grades["overall_effectiveness"] = grade(m.group(1))
    for judgement, label in {
        "help_and_protection": r"children who need help and protection",
        "children_in_care": r"children looked after and achieving permanence",
        "adoption": r"adoption performance",
        "care_leavers": r"experiences and progress of care leavers",
        "leadership": r"leadership, management and governance",
    }.items():
        g = grade_after(label, f)
        if g:
            grades[judgement] = g
    m = re.search(r"(?:local safeguarding children board|lscb)\)?\s+(?:is |are )?(?:judged to be )?"
                  + GRADE_WORDS, n, re.I)
    if m:
        grades["lscb"] = grade(m.group(1))
    return grades


def _pre_sif_grades(f: str, n: str) -> dict[str, str | None]:
    # The 2012-13 inspections of looked after children services: their overall
    # effectiveness is the children-in-care judgement, beside leadership and management.
    grades: dict[str, str | None] = {}
    m = re.search(r"overall effectiveness[^.]{0,120}?grade\s*\d\s*\(" + GRADE_WORDS, n, re.I)
    if m:
        grades["overall_effectiveness"] = grade(m.group(1))
        if re.search(r"inspection of looked after children", f, re.I):
            grades["children_in_care"] = grades["overall_effectiveness"]
    m = re.search(r"leadership and management\s*(?:grade\s*\d\s*\()?" + GRADE_WORDS, n, re.I)
    if m:
        grades["leadership"] = grade(m.group(1))
    return grades
