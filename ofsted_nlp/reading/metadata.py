"""Dates, local authority, era, inspector and visit details, as a publication states them."""
from __future__ import annotations

import datetime as dt
import re
from typing import cast

from .grades import GRADE_WORDS, grade
from .sentences import norm

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
DATE = re.compile(rf"(\d{{1,2}})\s*(?:st|nd|rd|th)?\s+({MONTHS})\s+(\d{{4}})", re.I)
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
            "eleventh", "twelfth")


def parse_date(day: str | int, month: str, year: str | int) -> dt.date | None:
    """The date of a day, a month name and a year as printed ("9", "May", "2022"); None when it is no date."""
    try:
        return dt.datetime.strptime(f"{int(day)} {month.title()} {year}", "%d %B %Y").date()
    except ValueError:
        return None


def parse_date_span(span: str) -> tuple[dt.date | None, dt.date | None]:
    """(start, end) of '9 May to 20 May 2022', '14 and 15 March 2023', '28 February - 1 March 2023',
    '2 March 2023'."""
    span = norm(span)
    end_m = list(DATE.finditer(span))
    if not end_m:
        return None, None
    end = parse_date(*end_m[-1].groups())
    first = re.split(r"\s+(?:to|–|-|and)\s+|\s*[–-]\s*", span, maxsplit=1)[0]
    d1 = DATE.search(first)
    if d1:
        return parse_date(*d1.groups()), end
    dm = re.match(r"\s*(\d{1,2})\s*(?:st|nd|rd|th)?\s*(" + MONTHS + r")?", first, re.I)
    if not dm:
        return None, end
    month = dm.group(2) or end_m[-1].group(2)
    return parse_date(dm.group(1), month, end_m[-1].group(3)), end


def parse_inspection_dates(text: str) -> tuple[dt.date | None, dt.date | None]:
    """Start and end dates from 'Inspection dates: 9 May to 20 May 2022' and its variants."""
    m = re.search(r"inspection dates?:?\s*(.{6,80}?\d{4})(?:\s*(?:to|–|-)\s*(.{4,40}?\d{4}))?", text, re.I)
    if not m:
        return None, None
    return parse_date_span(m.group(0).split(":", 1)[-1] if ":" in m.group(0) else m.group(0))


def detect_era(front: str) -> str | None:
    """The inspection framework a full report was written under, or None for anything else."""
    f = norm(front).lower()
    if "children in need of help and protection, children looked after and care leavers" in f or (
        "children looked after and achieving permanence" in f
    ):
        return "sif"
    # Under the SIF an LSCB review was sometimes published on its own.
    if re.search(r"review of the effectiveness of the local safeguarding children board", f):
        return "sif"
    if "inspection of looked after children" in f or "inspection of safeguarding" in f:
        return "pre_sif"
    if re.search(r"children's social care services|local authority children's services|"
                 r"children's services inspection|impact of leaders on social work practice", f):
        # after April 2026 reports still mention an earlier overall effectiveness grade, but do not give one
        if re.search(r"overall effectiveness\s*:?\s*" + GRADE_WORDS, f):
            return "ilacs"
        return "ilacs_2026"
    return None


def lead_inspector(text: str) -> str | None:
    """The name after "Lead inspector" (or "Reporting inspector") in a report, or None."""
    m = re.search(r"(?i:lead|reporting) (?i:inspector):?\s+([A-Z][^\n,]{2,60}?)(?:,|\n|\s+(?:Her|His) Majesty|\s+HMI\b)",
                  text)
    return norm(m.group(1)) if m else None


def local_authority(front: str, report_id: str) -> str:
    """The authority a report's front page names ("Inspection of York local authority children's
    services"); failing that, the name in its file name ``DATE_NAME_URN``, or the id itself."""
    f = norm(front)
    m = re.search(r"Inspection of (?:the )?(.{3,80}?) (?:local authority )?children's services", f)
    if m and "social care" not in m.group(1):
        return m.group(1).strip()
    m = re.search(r"^\s*(?:\d+\s+)?(.{3,70}?)\s+(?:Inspection of|Re-inspection of)", f)
    if m:
        return m.group(1).strip()
    parts = report_id.split("_")
    return parts[1].replace("-", " ").title() if len(parts) >= 2 else report_id


def publication_date(front: str, report_id: str) -> dt.date | None:
    """The "Report published" date of the front page; failing that, the date its file name starts with."""
    m = re.search(r"(?:Report published|Published):?\s*" + DATE.pattern, norm(front), re.I)
    if m:
        return parse_date(*m.groups()[-3:])
    # The corpus names files <publication date>_<authority>_<urn>.pdf.
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})_", report_id)
    if m:
        try:
            return dt.date(*map(int, m.groups()))
        except ValueError:
            return None
    return None


def urn(text: str) -> str | None:
    """The Ofsted unique reference number printed in ``text`` ("URN: 80526"), or None."""
    m = re.search(r"\b(?:URN|Unique reference number)\s*:?\s*([A-Z]{0,3}\d{5,8})\b", text)
    return m.group(1) if m else None


# --------------------------------------------------------------------------- letters

_VISIT_NAMES = r"(monitoring visit|focused visit|joint targeted area inspection(?: \(JTAI\))?|visit|inspection)"
# "This letter summarises the findings of the focused visit to Exampleshire children's services on 4 and 5 May 2023."
_SUMMARY = re.compile(
    r"(?:this letter summarises the findings of|findings of) (?:the |a |an )?(?:(\w+) )?" + _VISIT_NAMES +
    r"\s+(?:to|of)\s+(.{3,200}?)(?:\s+(?:on|from|between)\s+(.{4,60}?\d{4})|[.])", re.I)


def visit_summary(text: str) -> dict:
    """Local authority and visit dates from the sentence that opens an Ofsted letter."""
    t = norm(text)
    m = _SUMMARY.search(t)
    if not m:
        return {}
    target = m.group(3)
    la = _authority_in(target)
    start, end = parse_date_span(m.group(4)) if m.group(4) else (None, None)
    if start is None:  # "Between 4 and 8 December 2023, Ofsted, the CQC and HMICFRS carried out ..."
        d = re.search(r"\b(?:between|from|on) (\d{1,2}(?: \w+)?(?: \d{4})? (?:and|to|-|–) \d{1,2} \w+ \d{4}|"
                      r"\d{1,2} \w+ \d{4})", t[m.start():m.start() + 1500], re.I)
        if d:
            start, end = parse_date_span(d.group(1))
    return {"local_authority": la, "visit_start": start, "visit_end": end}


def _authority_in(target: str) -> str | None:
    """'Exampleshire children's services' -> Exampleshire; '... response to X in Exampleshire' -> Exampleshire."""
    m = re.search(r"\bin ((?:the )?[A-Z][\w'&,-]*(?: (?:[A-Z][\w'&-]*|and|upon|on|of|the))*)\s*$", target)
    if m and not re.search(r"children's services", target, re.I):
        return m.group(1).strip(" ,")
    m = re.match(r"(?:the )?(.{2,80}?)(?:'s)? (?:local authority )?children's (?:social care )?services", target, re.I)
    if m:
        return re.sub(r"^(?:the )?(?:London Borough of )?", "", m.group(1)).strip() or m.group(1)
    return target.strip() or None


def which_visit(text: str) -> dict:
    """'the fifth monitoring visit since the local authority was judged inadequate in March 2022'."""
    t = norm(text)
    out: dict = {}
    m = re.search(r"\b(" + "|".join(ORDINALS) + r"|\d{1,2}(?:st|nd|rd|th)) monitoring visit\b", t, re.I)
    if m:
        word = m.group(1).lower()
        out["visit_number"] = ORDINALS.index(word) + 1 if word in ORDINALS else int(cast(re.Match, re.match(r"\d+", word)).group())
    m = re.search(r"(?:was|were|being|been) judged (?:to be |as )?" + GRADE_WORDS +
                  r"(?:\s+for (?:its )?overall effectiveness)?(?:\s+(?:in|at its last inspection in)\s+(" +
                  MONTHS + r")\s+(\d{4}))?", t, re.I)
    if m:
        out["previous_judgement"] = grade(m.group(1))
        if m.group(2):
            out["previous_judgement_date"] = f"{m.group(2).title()} {m.group(3)}"
    return out
