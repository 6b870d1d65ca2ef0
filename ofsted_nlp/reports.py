"""Read an Ofsted children's services inspection report PDF into a `Report`.

A Report holds its metadata, the grade of every judgement it states, and its
text as sections, numbered paragraphs and sentences. Every sentence keeps its
provenance (report, page, section, paragraph, character offsets) so that a
finding can always be traced back to the page it came from.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
import re
from pathlib import Path

from .ids import assign_ids
from .errors import ReportError
from .labels import JUDGEMENTS, normalise_grade


def grade_for_area(grades, area: str | None) -> str | None:
    """The grade, in a judgement -> grade mapping, of the judgement that covers `area`.

    ILACS 2018 to 2022 judges children in care and care leavers together, so care
    leavers fall back to the children-in-care grade there. Missing grades (None, NaN) are None.
    """
    def get(judgement):
        value = grades.get(judgement)
        return value if isinstance(value, str) else None

    if area is None:
        return None
    if area == "care_leavers":
        return get("care_leavers") or get("children_in_care")
    return get(area)


@dataclass(frozen=True)
class Sentence:
    """One sentence of a report, with where it came from."""

    id: str  # ids.sentence_id: "<report_id>:<hash of the normalised text>", stable across reader versions
    text: str
    report_id: str
    section: str  # section heading as printed, or a name for unheaded parts
    section_kind: str  # see SECTION_KINDS
    section_area: str | None  # one of labels.AREAS when the heading names an area
    paragraph: int  # index of the paragraph within the report (0-based)
    paragraph_number: int | None  # the number printed beside the paragraph, if any
    page: int  # 1-based page where the sentence starts
    start: int  # character offsets within the paragraph's text
    end: int

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class Paragraph:
    index: int
    number: int | None
    page: int
    text: str
    kind: str  # "numbered", "bullet", "text" or "subheading" (a run-in heading: no sentences)
    sentences: list[Sentence] = field(default_factory=list)


@dataclass
class Section:
    heading: str
    kind: str
    area: str | None
    grade: str | None = None
    paragraphs: list[Paragraph] = field(default_factory=list)


@dataclass
class Report:
    path: str
    report_id: str
    local_authority: str
    publication_date: dt.date | None
    inspection_start: dt.date | None
    inspection_end: dt.date | None
    lead_inspector: str | None
    era: str  # one of labels.ERAS
    grades: dict[str, str]  # judgement (labels.JUDGEMENTS) -> grade (labels.GRADES)
    sections: list[Section]

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [p for s in self.sections for p in s.paragraphs]

    @property
    def sentences(self) -> list[Sentence]:
        return [s for p in self.paragraphs for s in p.sentences]

    def grade_for_area(self, area: str) -> str | None:
        """The grade Ofsted gave the judgement that covers `area` (see `grade_for_area`)."""
        return grade_for_area(self.grades, area)

    def metadata(self) -> dict:
        return {
            "report_id": self.report_id,
            "path": self.path,
            "local_authority": self.local_authority,
            "publication_date": self.publication_date.isoformat() if self.publication_date else None,
            "inspection_start": self.inspection_start.isoformat() if self.inspection_start else None,
            "inspection_end": self.inspection_end.isoformat() if self.inspection_end else None,
            "lead_inspector": self.lead_inspector,
            "era": self.era,
            "n_sentences": len(self.sentences),
            **{f"grade_{j}": self.grades.get(j) for j in JUDGEMENTS},
        }


# --------------------------------------------------------------------------
# Section headings: what they are and which area they speak for.

# Sections whose sentences are findings about practice. The others (contents,
# about the inspection, front matter) hold no findings and yield no sentences.
FINDING_SECTION_KINDS = (
    "headline_summary",
    "summary",
    "what_needs_to_improve",
    "strengths",
    "progress",
    "summary_for_children",
    "judgement",
    "lscb",
    "context",
    "other",
)
SECTION_KINDS = FINDING_SECTION_KINDS + ("front_matter", "contents", "about_inspection")

# Order matters: the first pattern that matches a heading decides it.
_HEADING_RULES: list[tuple[re.Pattern, str, str | None]] = [
    (re.compile(r"^contents\b"), "contents", None),
    # SIF front-page titles name every judgement: they open no judgement section.
    (re.compile(r"inspection of services for children in need|^review of the effectiveness of the local "
                r"safeguarding|^inspection of (?:the )?local authority arrangements|"
                r"^inspection of (?:looked after children|safeguarding)"), "front_matter", None),
    (re.compile(r"summary for children"), "summary_for_children", None),
    (re.compile(r"what the (?:local authority |lscb )?inspection judge?ments mean|"
                r"information about (?:this|the) (?:local authority |lscb )?(?:inspection|review)|"
                r"about this inspection|the inspection judge?ments and what they mean|"
                r"record of main findings|^the inspection team"), "about_inspection", None),
    (re.compile(r"information about (?:this|the) (?:local authority )?area|"
                r"information about (?:this|the) local authority|service information|local authority context|"
                r"^children living in this area|^child protection in this area|"
                r"^children looked after in this area|^other ofsted inspections|"
                r"^other information about this area|previous ofsted inspections|^local leadership"),
     "context", None),
    (re.compile(r"what needs to improve|need to improve\?|^recommendations|^areas for improvement|"
                r"^priority and immediate action"),
     "what_needs_to_improve", None),
    (re.compile(r"local authority.s strengths|local authority has the following strengths"), "strengths", None),
    (re.compile(r"progress since the last inspection"), "progress", None),
    (re.compile(r"local safeguarding children\b|\b[a-z]{0,3}scb\b"), "lscb", "leadership"),
    (re.compile(r"progress of care leavers|experiences? and progress of care leavers|"
                r"graded judgement (?:about|for) (?:the )?(?:experiences? and progress of )?care leavers"),
     "judgement", "care_leavers"),
    (re.compile(r"adoption performance|graded judgement (?:about|for) (?:the )?adoption"), "judgement",
     "children_in_care"),
    (re.compile(r"need (of )?help and|need help\b|help and protection"), "judgement", "help_and_protection"),
    (re.compile(r"children (in care|looked after)|looked after children|achieving permanence|"
                r"overall effectiveness of services for looked|^outcomes for looked|^quality of provision|"
                r"^capacity to improve"),
     "judgement", "children_in_care"),
    (re.compile(r"impact of leaders|leadership,? management|^leadership and management"),
     "judgement", "leadership"),
    (re.compile(r"^executive summary|summary of (?:key )?findings|^summary$|\bbecause:?$"), "summary", None),
]

# A judgement's own heading, as opposed to a sub-heading that merely names an area.
_JUDGEMENT_TITLE = re.compile(r"^(?:inspection judgements about the local authority )?(?:the )?"
                              r"(?:experiences? and progress of|impact of leaders|graded judgement|"
                              r"leadership, management and governance)")

def classify_heading(heading: str) -> tuple[str, str | None] | None:
    """(section kind, area) for a heading, or None when it names no known section."""
    h = _norm(heading).lower()
    for pattern, kind, area in _HEADING_RULES:
        if pattern.search(h):
            return kind, area
    return None


def _norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("’", "'").replace("‘", "'").replace("`", "'").split())


# --------------------------------------------------------------------------
# Sentence splitting.

_ABBREVIATIONS = {
    "e.g", "i.e", "eg", "ie", "etc", "dr", "mr", "mrs", "ms", "prof", "cllr", "st", "no", "nos",
    "vs", "cf", "approx", "para", "paras", "fig", "ref", "sr", "jr", "co", "inc", "ltd", "dept",
    "govt", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "p", "pp", "al", "hmi",
}
_SENTENCE_END = re.compile(r"[.!?][’'\")\]]*(?=\s+[‘'\"(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of one paragraph.

    A full stop ends a sentence only when the next word starts with a capital or
    a digit, and not after an abbreviation ("e.g.", "Dr") or an initial ("J. Smith").
    A reference in brackets after a full stop ("... plans. (Paragraph 30)") stays
    with the sentence before it.
    """
    ends = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end()
        if end <= start:
            continue
        if text[m.start()] == ".":
            word = re.search(r"([A-Za-z.]+)\.$", text[start:m.start() + 1])
            token = word.group(1).lower() if word else ""
            if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                continue
        ref = _TRAILING_REF.match(text, end)
        if ref:
            end = ref.end()
        ends.append(end)
        start = end
    spans = []
    start = 0
    for end in ends + [len(text.rstrip())]:
        seg = text[start:end]
        if seg.strip():
            s = start + (len(seg) - len(seg.lstrip()))
            spans.append((s, end))
        start = end
    return spans


# "(Outcome one, National Framework)", "(Paragraph 30 and 112)", "(Recommendation)"
_TRAILING_REF = re.compile(r"\s*\((?:paragraphs?|paras?\.?|outcome|recommendations?|see)\b[^()]{0,80}\)[.;]?(?=\s|$)",
                           re.I)


# --------------------------------------------------------------------------
# PDF layout: lines with their font, filtered of headers, footers and footnotes.

_BULLETS = "◼•▪●■◆➢➤"
_DASHES = "–-−―—"  # dashes mark list items in the statistics of the SIF context sections
# "36. Early help ..." (but not "49.4% of children", a figure that begins a line)
_NUMBERED = re.compile(r"^(\d{1,3})\.(?:\s+|(?=[A-Z‘'\"]))(?=\S)")
_NUMBER_ONLY = re.compile(r"^(\d{1,3})\.$")


@dataclass
class _Line:
    page: int
    x0: float
    x1: float
    y0: float
    y1: float
    size: float
    bold: bool
    text: str
    edge: bool = False  # near the top or bottom edge of its page


def _is_bullet_char(ch: str) -> bool:
    return ch in _BULLETS or "\uf000" <= ch <= "\uf0ff"


def _bullet_marker(text: str) -> bool:
    """Whether a line starts with a list marker: a bullet glyph, or a dash standing alone."""
    if not text:
        return False
    return _is_bullet_char(text[0]) or (text[0] in _DASHES and (len(text) == 1 or text[1].isspace()))


def _reading_order(blocks: list[dict], height: float) -> list[dict]:
    """pymupdf's block order, except that a heading it gives far below where it stands is put back in place.

    The content stream usually runs down the page, but now and then a heading is drawn after the text
    under it ("Recommendations" last on its page). Such a heading (one bold line, the last block of the
    page), in the column of the blocks before it and well above them, moves before the first of them
    that starts below it. Other
    blocks keep pymupdf's order: table cells beside each other (the grade after its label), margins.
    """
    def text_top(block):  # where its first line with text starts (blocks may open with blank lines)
        tops = [ln["bbox"][1] for ln in block.get("lines", []) if any(s["text"].strip() for s in ln["spans"])]
        return min(tops) if tops else None

    def is_heading(block):  # one line of bold text
        lines = [ln for ln in block.get("lines", []) if any(s["text"].strip() for s in ln["spans"])]
        return len(lines) == 1 and all(s["flags"] & 16 or "bold" in s["font"].lower()
                                       for s in lines[0]["spans"] if s["text"].strip())

    def in_body(block):
        top = text_top(block)
        return top is not None and 0.072 * height < top and block["bbox"][3] < 0.935 * height

    last_body = max((i for i, b in enumerate(blocks) if in_body(b)), default=None)
    out: list[dict] = []
    for k, block in enumerate(blocks):
        x0, _, x1, y1 = block["bbox"]
        y0 = block["_top"] = text_top(block)
        body = in_body(block)
        if body and k == last_body and is_heading(block):  # the page's last block, drawn after the rest
            above = [i for i, b in enumerate(out) if b.get("_body") and b["_top"] > y0 + 20
                     and b["bbox"][0] < x1 and x0 < b["bbox"][2]]
            if above and max(out[i]["bbox"][3] for i in above) > y1 + 40:
                block["_body"] = True
                out.insert(above[0], block)
                continue
        block["_body"] = bool(body)
        out.append(block)
    return out


def _page_lines(page, page_no: int) -> list[_Line]:
    lines = []
    for block in _reading_order(page.get_text("dict", sort=False)["blocks"], page.rect.height):
        for line in block.get("lines", []):
            spans = [s for s in line["spans"] if s["text"].strip()]
            if not spans:
                continue
            # a bullet glyph is often set larger than its text
            main = max((s["size"] for s in spans if any(c.isalnum() for c in s["text"])),
                       default=max(s["size"] for s in spans))
            # superscript footnote markers ("improve?1") are small raised spans
            kept = [s for s in spans if not (s["flags"] & 1 and s["size"] < 0.8 * main)]
            text = "".join(s["text"] for s in line["spans"] if s in kept or not s["text"].strip())
            text = text.replace("\u00a0", " ").strip()
            if not text:
                continue
            bold = all((s["flags"] & 16) or "bold" in s["font"].lower() for s in kept)
            lines.append(_Line(page_no, line["bbox"][0], line["bbox"][2], line["bbox"][1], line["bbox"][3], main, bold,
                               text))
    return lines


def _body_size(lines: list[_Line]) -> float:
    weight: dict[float, int] = {}
    for ln in lines:
        key = round(ln.size)
        weight[key] = weight.get(key, 0) + len(ln.text)
    return float(max(weight, key=weight.get)) if weight else 12.0


# Ofsted's boilerplate: the inside front cover and the back cover. From the first
# of these lines to the end of its page, nothing is report text.
_BOILERPLATE = re.compile(
    r"^(?:The Office for Standards in Education, Children.s Services and Skills(?: \(Ofsted\))?(?: regulates.*)?$|"
    r"If you would like a copy of this document in a different format|© Crown copyright|"
    r"You may reuse this information|This document may be reproduced|Piccadilly Gate$)")


def _content_lines(doc) -> tuple[list[_Line], float]:
    raw = []
    band: dict[str, set[int]] = {}  # text near the top or bottom edge -> pages it is on
    for i, page in enumerate(doc):
        h = page.rect.height
        in_boilerplate = False
        for ln in _page_lines(page, i + 1):
            # running headers and footers, and the page number, sit in the margins
            if ln.y1 < 0.072 * h or ln.y0 > 0.935 * h:
                continue
            in_boilerplate = in_boilerplate or bool(_BOILERPLATE.match(ln.text))
            if in_boilerplate:
                continue
            ln.edge = ln.y0 < 0.09 * h or ln.y1 > 0.92 * h
            if ln.edge:
                band.setdefault(_running_key(ln.text), set()).add(i)
            raw.append(ln)
    body = _body_size(raw)
    # a line repeated near the edge of several pages is a running header or footer
    running = {k for k, pages in band.items() if len(pages) >= 3 and len(k) > 3}
    out = []
    for ln in raw:
        if ln.size < body - 1.2:  # footnotes, small print and the back cover
            continue
        if re.fullmatch(r"\d{1,3}", ln.text) and (ln.size > body + 2 or ln.x0 > 400):
            continue
        if ln.edge and _running_key(ln.text) in running and not (ln.bold and ln.size >= body - 0.6):
            continue  # (a heading that happens to open several pages stays)
        out.append(ln)
    return out, body


def _running_key(text: str) -> str:
    return re.sub(r"[\d\s]+", " ", text).strip().lower()


# --------------------------------------------------------------------------
# Metadata and grades from the front page.

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(rf"(\d{{1,2}})\s*(?:st|nd|rd|th)?\s+({_MONTHS})\s+(\d{{4}})", re.I)
_GRADE_WORDS = r"(outstanding|good|requires? improvement(?: to be good)?|inadequate|adequate)"


def _parse_date(day, month, year) -> dt.date | None:
    try:
        return dt.datetime.strptime(f"{int(day)} {month.title()} {year}", "%d %B %Y").date()
    except ValueError:
        return None


def parse_inspection_dates(text: str) -> tuple[dt.date | None, dt.date | None]:
    """Start and end dates from 'Inspection dates: 9 May to 20 May 2022' and its variants."""
    m = re.search(r"inspection dates?:?\s*(.{6,80}?\d{4})(?:\s*(?:to|–|-)\s*(.{4,40}?\d{4}))?", text, re.I)
    if not m:
        return None, None
    span = _norm(m.group(0).split(":", 1)[-1] if ":" in m.group(0) else m.group(0))
    parts = re.split(r"\s+(?:to|–|-|and)\s+|\s*[–-]\s*", span, maxsplit=1)
    end_m = list(_DATE.finditer(span))
    if not end_m:
        return None, None
    end = _parse_date(*end_m[-1].groups())
    first = parts[0]
    d1 = _DATE.search(first)
    if d1:
        start = _parse_date(*d1.groups())
    else:
        dm = re.match(r"\s*(\d{1,2})\s*(?:st|nd|rd|th)?\s*(" + _MONTHS + r")?", first, re.I)
        if not dm:
            return None, end
        month = dm.group(2) or end_m[-1].group(2)
        start = _parse_date(dm.group(1), month, end_m[-1].group(3))
    return start, end


def _grade_after(label: str, text: str) -> str | None:
    m = re.search(label + r"[\s:.]*" + _GRADE_WORDS, text, re.I)
    return _grade(m.group(m.lastindex)) if m else None


def _grade(word: str) -> str | None:
    # The 2013 looked-after-children framework's "adequate" is the grade that
    # "requires improvement" replaced: both mean "not yet good".
    if word.lower().startswith("adequate"):
        return "requires_improvement"
    return normalise_grade(word)


def parse_grades(front: str, full: str, era: str) -> dict[str, str]:
    """Judgement grades as the report states them on its front page (and SIF's sub-judgements)."""
    f = _norm(front)
    grades: dict[str, str] = {}
    if era in ("ilacs", "ilacs_2026"):
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
        for judgement, label in rules.items():
            g = _grade_after(label, f)
            if g:
                grades[judgement] = g
    elif era == "sif":
        m = re.search(r"(?:overall judgement is (?:that )?(?:children's services? (?:in [^.]{2,60}? )?)?|"
                      r"children's services in [^.]{2,60}? )(?:are |is )?" + _GRADE_WORDS, f, re.I)
        if m:
            grades["overall_effectiveness"] = _grade(m.group(1))
        for judgement, label in {
            "help_and_protection": r"children who need help and protection",
            "children_in_care": r"children looked after and achieving permanence",
            "adoption": r"adoption performance",
            "care_leavers": r"experiences and progress of care leavers",
            "leadership": r"leadership, management and governance",
        }.items():
            g = _grade_after(label, f)
            if g:
                grades[judgement] = g
        n = _norm(full)
        m = re.search(r"(?:local safeguarding children board|lscb)\)?\s+(?:is |are )?(?:judged to be )?"
                      + _GRADE_WORDS, n, re.I)
        if m:
            grades["lscb"] = _grade(m.group(1))
    elif era == "pre_sif":
        # The 2012-13 inspections of looked after children services: their overall
        # effectiveness is the children-in-care judgement, beside leadership and management.
        n = _norm(full)
        m = re.search(r"overall effectiveness[^.]{0,120}?grade\s*\d\s*\(" + _GRADE_WORDS, n, re.I)
        if m:
            grades["overall_effectiveness"] = _grade(m.group(1))
            if re.search(r"inspection of looked after children", f, re.I):
                grades["children_in_care"] = grades["overall_effectiveness"]
        m = re.search(r"leadership and management\s*(?:grade\s*\d\s*\()?" + _GRADE_WORDS, n, re.I)
        if m:
            grades["leadership"] = _grade(m.group(1))
    return grades


def detect_era(front: str) -> str | None:
    f = _norm(front).lower()
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
        if re.search(r"overall effectiveness\s*:?\s*" + _GRADE_WORDS, f):
            return "ilacs"
        return "ilacs_2026"
    return None


def _lead_inspector(text: str) -> str | None:
    m = re.search(r"(?i:lead|reporting) (?i:inspector):?\s+([A-Z][^\n,]{2,60}?)(?:,|\n|\s+(?:Her|His) Majesty|\s+HMI\b)",
                  text)
    return _norm(m.group(1)) if m else None


def _local_authority(front: str, report_id: str) -> str:
    f = _norm(front)
    m = re.search(r"Inspection of (?:the )?(.{3,80}?) (?:local authority )?children's services", f)
    if m and "social care" not in m.group(1):
        return m.group(1).strip()
    m = re.search(r"^\s*(?:\d+\s+)?(.{3,70}?)\s+(?:Inspection of|Re-inspection of)", f)
    if m:
        return m.group(1).strip()
    parts = report_id.split("_")
    return parts[1].replace("-", " ").title() if len(parts) >= 2 else report_id


def _publication_date(front: str, report_id: str) -> dt.date | None:
    m = re.search(r"(?:Report published|Published):?\s*" + _DATE.pattern, _norm(front), re.I)
    if m:
        return _parse_date(*m.groups()[-3:])
    # The corpus names files <publication date>_<authority>_<urn>.pdf.
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})_", report_id)
    if m:
        try:
            return dt.date(*map(int, m.groups()))
        except ValueError:
            return None
    return None


# --------------------------------------------------------------------------
# Paragraphs and sections from the content lines.

@dataclass
class _ParaBuilder:
    page: int
    number: int | None
    kind: str
    parts: list[str]
    last_y1: float
    sub_area: str | None = None
    x_first: float = 0.0  # where its first line starts
    x_cont: float | None = None  # where its continuation lines start
    marker_in_line: bool = False  # its number or bullet starts its first line (continuations may hang)

    def text(self) -> str:
        out = ""
        for part in self.parts:
            if not out:
                out = part
            elif out.endswith("-") and len(out) > 1 and out[-2].isalpha():
                out += part  # "child-" + "protection": keep the hyphen, no space
            else:
                out += " " + part
        return _norm(out)


_END_PUNCT = re.compile(r"[.!?:;][’'\")\]]*$")
_SENTENCE_CLOSE = re.compile(r"[.!?][’'\")\]]*$")


def _grade_in_heading(text: str) -> str | None:
    text = re.sub(r"\s+(?:executive )?summary:?$", "", text, flags=re.I)  # "... Good Summary"
    g = re.search(_GRADE_WORDS + r"\)?\.?\s*$", text, re.I) or re.search(r":\s*" + _GRADE_WORDS, text, re.I) or \
        re.search(r"is that (?:it|they) (?:is |are )?" + _GRADE_WORDS, text, re.I)
    return _grade(g.group(1)) if g else None


def _is_grade_only(text: str) -> bool:
    return len(text) < 45 and normalise_grade(text.strip(" :.")) is not None


def _is_heading_line(ln: _Line, body: float, prev_plain_heading: _Line | None) -> bool:
    """Whether a line is (part of) a heading: bold body-size text, or larger text that names a section.

    Some layouts set headings in large regular type; large regular type is also
    used for whole paragraphs (the summary for children), so a large regular
    line is a heading only when it names a known section, is title-sized, or
    continues the heading line just above it.
    """
    text = ln.text
    if len(text) >= 160 or _NUMBERED.match(text) or _NUMBER_ONLY.match(text) or text.isdigit() or \
            _bullet_marker(text):
        return False
    if ln.bold and ln.size >= body - 0.6:
        return True
    if ln.size < body + 1.5 or len(text) >= 100 or re.search(r"[.;]\s+\S", text):
        return False
    if (ln.size >= body + 6 or classify_heading(text) is not None) and not text[0].islower() \
            and not text.endswith((".", ",")):
        return True
    p = prev_plain_heading
    return p is not None and p.page == ln.page and -0.3 * ln.size <= ln.y0 - p.y1 < 0.6 * ln.size and \
        abs(p.size - ln.size) < 0.5 and len(text) < 60 and not text.endswith(",")


def _is_subheading(b: "_ParaBuilder") -> bool:
    """A one-line paragraph of a few words with no closing punctuation: a run-in heading."""
    if b.kind != "text" or len(b.parts) != 1:
        return False
    text = b.parts[0].strip()
    return bool(text) and len(text.split()) <= 14 and not _END_PUNCT.search(text) and not text[0].islower() \
        and not re.search(r"\d{2,}", text)


def _build_sections(lines: list[_Line], body: float, era: str) -> list[tuple[str, str, str | None, str | None, list]]:
    """Group lines into sections of paragraphs. Returns (heading, kind, area, grade, [_ParaBuilder])."""
    sections = []
    heading, kind, area, grade = "Front matter", "front_matter", None, None
    section_size, section_page = body, 1
    paras: list[_ParaBuilder] = []
    pending_heading: list[_Line] = []
    sub_area: str | None = None
    # SIF reports of 2014-15 print each judgement's title in a two-column table
    # ("Key judgement | Judgement grade") in body text, with the grade beside it.
    table_row: list[_Line] | None = None
    await_grade = False
    last_judgement: tuple | None = None  # (heading, kind, area, grade) of the last judgement or LSCB section
    last_grade_line_idx = None
    if era in ("ilacs", "ilacs_2026"):
        # the headline summary starts after the grade table on page 1
        for i, ln in enumerate(lines):
            if ln.page > 1:
                break
            if len(ln.text) < 45 and normalise_grade(ln.text) and not ln.text.lower().startswith("good practice") \
                    and not ln.bold:  # (a judgement heading's grade, on page 1 of a short report, is bold)
                last_grade_line_idx = i

    def close_section():
        nonlocal paras
        if paras and _is_subheading(paras[-1]):
            paras[-1].kind = "subheading"
        if paras:
            sections.append((heading, kind, area, grade, paras))
        paras = []

    def open_section(text, new_kind, new_area, new_grade, size, page):
        nonlocal heading, kind, area, grade, sub_area, section_size, section_page, await_grade, last_judgement
        close_section()
        heading, kind, area, grade = text, new_kind, new_area, new_grade
        if new_kind in ("judgement", "lscb"):
            last_judgement = (text, new_kind, new_area, new_grade)
        section_size, section_page = size, page
        sub_area = None
        await_grade = new_kind == "judgement" and new_grade is None

    def flush_heading():
        nonlocal sub_area, pending_heading, table_row, last_judgement
        if not pending_heading:
            return
        text = _norm(" ".join(l.text for l in pending_heading))
        size = max(l.size for l in pending_heading)
        page = pending_heading[0].page
        big = size > body + 0.9
        pending_heading = []
        low = text.lower().replace("’", "'")
        m_table = re.search(r"(?:^|\s)key judgements?(?: judgement| inspection)?(?: grade)?$", low)
        if m_table:  # the table's header row, perhaps after the judgement's own heading
            table_row = []
            text, low = text[:m_table.start()].strip(), low[:m_table.start()].strip()
            if not text or re.fullmatch(r"inspection judgements about the local authority", low):
                return
        found = classify_heading(text)
        # The contents page lists every heading; the boilerplate on what the
        # judgements mean has its own sub-headings.
        if kind == "contents" and page == section_page:
            return
        if kind == "about_inspection" and size < section_size - 0.5 and (
                found is None or found[0] not in ("about_inspection", "contents")):
            return
        if found is None or found[0] == "front_matter":
            if re.fullmatch(r"(?:inspection )?findings:?", low):
                # SIF: "Summary" then "Inspection findings" within one judgement; the
                # LSCB review puts its recommendations between the two.
                if kind in ("judgement", "lscb"):
                    return
                if last_judgement is not None:
                    open_section(f"{last_judgement[0]}: {text}", *last_judgement[1:], size, page)
                    return
            if big and kind != "front_matter" and found is None:
                open_section(text, "other", None, None, size, page)
            sub_area = None
            return
        new_kind, new_area = found
        if kind == "front_matter" and page == 1 and new_kind in ("judgement", "lscb"):
            # the front page's table of judgements; a review of the LSCB alone goes on
            # to its "Inspection findings" with no other heading naming the board
            if new_kind == "lscb":
                last_judgement = (text, new_kind, new_area, _grade_in_heading(text))
            return
        new_grade = _grade_in_heading(text)
        # Inside a summary or a list of recommendations, a body-size heading that
        # names an area ("Leadership, management and governance") is a sub-heading;
        # a judgement's own title, or a heading carrying a grade, starts that judgement.
        if kind in ("what_needs_to_improve", "summary", "strengths") and not big and new_kind == "judgement" \
                and new_grade is None and not _JUDGEMENT_TITLE.match(low):
            sub_area = new_area
            return
        if kind == "judgement" and new_kind == "judgement" and new_area == area and not big and new_grade is None:
            return
        # SIF judgement and LSCB sections open with a "Summary" or "Executive summary".
        if kind in ("judgement", "lscb") and new_kind == "summary":
            return
        open_section(text, new_kind, new_area, new_grade, size, page)

    def take_table_line(ln) -> bool:
        """Read `ln` as part of a judgement-table row; False when the table has ended."""
        nonlocal table_row, grade
        label, row_grade = None, None
        if _is_grade_only(ln.text) and ln.x0 > 200 and table_row:
            label, row_grade = _norm(" ".join(l.text for l in table_row)), ln.text
        elif (m := re.search(r"\s" + _GRADE_WORDS + r"\s*$", ln.text, re.I)) and ln.x1 > 250:
            # the title's last line and the grade read as one line
            label, row_grade = _norm(" ".join([l.text for l in table_row] + [ln.text[:m.start()]])), m.group(1)
        if label is not None:
            found = classify_heading(label)
            if found and found[0] == "judgement":
                if kind == "judgement" and area == found[1] and not paras:
                    grade = _grade(row_grade.strip(" :."))  # the table under the judgement's own heading
                else:
                    open_section(label, "judgement", found[1], _grade(row_grade.strip(" :.")), ln.size, ln.page)
            table_row = None
            return True
        if len(table_row) < 4 and not _NUMBERED.match(ln.text) and len(ln.text) < 80 and not ln.bold and \
                (not table_row or ln.page == table_row[-1].page):
            table_row.append(ln)
            return True
        lines_back, table_row = table_row, None
        for back in lines_back:  # not a table after all: read its lines as text
            paras.append(_ParaBuilder(back.page, None, "text", [back.text], back.y1))
        return False

    pending_number: int | None = None
    last_number: int | None = None
    pending_bullet = False
    last_plain_heading: _Line | None = None
    for i, ln in enumerate(lines):
        if last_grade_line_idx is not None and i == last_grade_line_idx + 1 and kind == "front_matter":
            close_section()
            heading, kind, area, grade = "Headline summary", "headline_summary", None, None
        if table_row is not None and take_table_line(ln):
            continue
        # a bold word in lower case continues a heading, or a sentence ("... are" / "inadequate.")
        is_heading = _is_heading_line(ln, body, last_plain_heading) and (
            bool(pending_heading) or not ln.text[0].islower())
        last_plain_heading = ln if is_heading and not ln.bold else None
        if is_heading:
            last = pending_heading[-1] if pending_heading else None
            if last is not None and (ln.y0 - last.y1 > body * 1.2 if ln.page == last.page else
                                     not re.match(r"(?:grade \d\s*\()?" + _GRADE_WORDS + r"\)?\.?$", ln.text, re.I)):
                flush_heading()  # a grade alone at the top of a page belongs to the heading before it
            pending_heading.append(ln)
            continue
        flush_heading()
        if table_row is not None and take_table_line(ln):
            continue
        text = ln.text
        if await_grade:
            await_grade = False
            if _is_grade_only(text):  # "The experiences ... protection:" then the grade on its own line
                grade = _grade(text.strip(" :."))
                continue
        if len(text) == 1 and _bullet_marker(text):  # the glyph on a line of its own, its item after it
            pending_bullet = True
            continue
        dash_in_prose = text[0] in _DASHES and paras and paras[-1].kind != "bullet" and \
            paras[-1].page == ln.page and paras[-1].parts and not _END_PUNCT.search(paras[-1].parts[-1])
        m_only = _NUMBER_ONLY.match(text)
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        # "12." alone is a paragraph number only when its paragraph starts beside it;
        # otherwise it ends a sentence ("... at the age of" / "17.")
        if m_only and nxt is not None and nxt.page == ln.page and abs(nxt.y0 - ln.y0) < 0.5 * body \
                and nxt.x0 >= ln.x1 - 1:
            pending_number = int(m_only.group(1))
            continue
        new_para = None
        m_num = _NUMBERED.match(text) if ln.x0 < 100 else None
        prev = paras[-1] if paras else None
        unfinished = prev is not None and bool(prev.parts) and not _END_PUNCT.search(prev.parts[-1]) \
            and not _is_subheading(prev)
        number = pending_number if pending_number is not None else int(m_num.group(1)) if m_num else None
        if number is not None and unfinished and last_number is not None and number != last_number + 1:
            # "... from Key Stage 2 to Key Stage" / "4. Children placed ..." continues the sentence
            if pending_number is not None:
                text = f"{pending_number}. {text}"
            pending_number, m_num = None, None
        if pending_number is not None:
            new_para = _ParaBuilder(ln.page, pending_number, "numbered", [], ln.y1)
            last_number = pending_number
            pending_number = None
        elif m_num:
            last_number = int(m_num.group(1))
            new_para = _ParaBuilder(ln.page, int(m_num.group(1)), "numbered", [], ln.y1, marker_in_line=True)
            text = text[m_num.end():]
        elif (_bullet_marker(text) and not dash_in_prose) or pending_bullet:
            new_para = _ParaBuilder(ln.page, None, "bullet", [], ln.y1, marker_in_line=_bullet_marker(text))
            text = text[1:].strip() if _bullet_marker(text) else text
            pending_bullet = False
        elif not paras:
            new_para = _ParaBuilder(ln.page, None, "text", [], ln.y1)
        else:
            if prev.kind in ("numbered", "bullet") and ln.page == prev.page and prev.parts and \
                    _SENTENCE_CLOSE.search(prev.parts[-1]) and \
                    ln.x0 < (prev.x_cont if prev.x_cont is not None else prev.x_first + 8 * prev.marker_in_line) - 4:
                # a line back at the margin after a finished list item starts a new paragraph
                new_para = _ParaBuilder(ln.page, None, "text", [], ln.y1)
            elif ln.page != prev.page:
                # a paragraph broken by a page ends without a full stop (perhaps with a
                # semicolon), and the line that continues it starts in lower case
                if _SENTENCE_CLOSE.search(prev.parts[-1] if prev.parts else ".") and not text[:1].islower():
                    new_para = _ParaBuilder(ln.page, None, "text", [], ln.y1)
            elif ln.y0 - prev.last_y1 > 0.55 * body:
                new_para = _ParaBuilder(ln.page, None, "text", [], ln.y1)
        if new_para is not None:
            if paras and _is_subheading(paras[-1]):
                # a one-line run-in heading in body type ("Quality of practice"): no
                # sentence; where it names an area, the items after it speak for that area
                paras[-1].kind = "subheading"
                found = classify_heading(paras[-1].text())
                if kind in ("what_needs_to_improve", "summary", "strengths"):
                    sub_area = found[1] if found and found[0] == "judgement" else None
            new_para.sub_area = sub_area
            new_para.x_first = ln.x0
            paras.append(new_para)
        elif paras[-1].x_cont is None:
            paras[-1].x_cont = ln.x0
        cur = paras[-1]
        if text:
            cur.parts.append(text)
        cur.last_y1 = ln.y1
        cur.page = cur.page if cur.parts[:-1] else ln.page
    flush_heading()
    close_section()
    return sections


def _is_fragment_item(b: "_ParaBuilder") -> bool:
    """A list item that continues its lead-in rather than standing as a sentence."""
    text = b.text()
    if not text or b.kind not in ("bullet", "text"):
        return False
    if b.kind == "text" and not (text[0].islower() or text[0].isdigit()):
        return False
    return text[0].islower() or text[0].isdigit() or not _END_PUNCT.search(text)


def _merge_lists(builders: list["_ParaBuilder"]) -> list["_ParaBuilder"]:
    """Join a lead-in ending in a colon with the fragment items of its list.

    "The proportion of children entitled to free school meals:" followed by the
    items "in primary schools is 18%" and "in secondary schools is 12%." reads as
    one sentence; items that are sentences in their own right stay apart.
    """
    out: list[_ParaBuilder] = []
    i = 0
    while i < len(builders):
        b = builders[i]
        i += 1
        if b.kind in ("subheading",) or not b.text().endswith(":"):
            out.append(b)
            continue
        merged = dataclasses.replace(b, parts=list(b.parts))
        taken = 0
        while i < len(builders) and (_is_fragment_item(builders[i]) or (
                # the list's last item, closed with a full stop
                taken and builders[i].kind == "bullet" and len(builders[i].text().split()) < 30
                and not _SENTENCE_CLOSE.search(merged.text()))):
            item = builders[i].text()
            taken += 1
            prev = merged.text()
            if not prev.endswith((":", ";", ",")) and not re.search(r"\b(?:and|or)$", prev):
                merged.parts[-1] = merged.parts[-1].rstrip(".") + ";"
            merged.parts.append(item)
            i += 1
        out.append(merged)
    return out


def _looks_like_finding(text: str) -> bool:
    words = text.split()
    return len(words) >= 3 and sum(c.isalpha() for c in text) >= 12


def read_report(path: str | Path) -> Report:
    """Read one inspection report PDF.

    Raises ReportError (naming the file and the reason) for a missing file, a
    file that is not a PDF, a corrupt or encrypted PDF, and a PDF that is not
    an Ofsted inspection of local authority children's services.
    """
    import pymupdf

    path = Path(path)
    if not path.exists():
        raise ReportError(path, "file not found")
    if not path.is_file():
        raise ReportError(path, "not a file")
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if b"%PDF" not in head:
        raise ReportError(path, "not a PDF (no %PDF header)")
    try:
        doc = pymupdf.open(path)
    except Exception as exc:  # pymupdf raises several types for broken files
        raise ReportError(path, f"corrupt PDF ({exc})") from None
    with doc:
        if doc.needs_pass or doc.is_encrypted:
            raise ReportError(path, "encrypted PDF (password protected)")
        if doc.page_count == 0:
            raise ReportError(path, "corrupt PDF (no pages)")
        try:
            page_texts = [p.get_text() for p in doc]
            lines, body = _content_lines(doc)
        except Exception as exc:
            raise ReportError(path, f"corrupt PDF ({exc})") from None
    report_id = path.stem
    front = "\n".join(page_texts[:2])
    full = "\n".join(page_texts)
    era = detect_era(front)
    if era is None:
        raise ReportError(path, "not an Ofsted inspection of local authority children's services "
                                "(no inspection title or judgements found)")
    start, end = parse_inspection_dates(front)
    sections = []
    para_index = 0
    for heading, kind, area, grade, builders in _build_sections(lines, body, era):
        section = Section(heading=heading, kind=kind, area=area, grade=grade)
        for b in _merge_lists(builders):
            text = b.text()
            if not text:
                continue
            para = Paragraph(index=para_index, number=b.number, page=b.page, text=text, kind=b.kind)
            para_area = area or b.sub_area
            if kind in FINDING_SECTION_KINDS and b.kind != "subheading":
                for k, (s, e) in enumerate(split_sentences(text)):
                    sent = text[s:e]
                    if not _looks_like_finding(sent):
                        continue
                    para.sentences.append(Sentence(
                        id="", text=sent, report_id=report_id,
                        section=heading, section_kind=kind, section_area=para_area, paragraph=para_index,
                        paragraph_number=b.number, page=b.page, start=s, end=e))
            section.paragraphs.append(para)
            para_index += 1
        sections.append(section)
    report = Report(
        path=str(path), report_id=report_id, local_authority=_local_authority(front, report_id),
        publication_date=_publication_date(front, report_id), inspection_start=start, inspection_end=end,
        lead_inspector=_lead_inspector(full), era=era, grades=parse_grades(front, full, era), sections=sections)
    ids = iter(assign_ids(report_id, [s.text for s in report.sentences]))
    for para in report.paragraphs:
        para.sentences[:] = [dataclasses.replace(s, id=next(ids)) for s in para.sentences]
    return report
