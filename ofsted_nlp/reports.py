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

from .errors import ReportError
from .labels import JUDGEMENTS, normalise_grade


@dataclass(frozen=True)
class Sentence:
    """One sentence of a report, with where it came from."""

    id: str  # "<report_id>:<paragraph index>:<sentence index>", stable across runs
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
    kind: str  # "numbered", "bullet" or "text"
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
        """The grade Ofsted gave the judgement that covers `area`.

        ILACS 2018 to March 2026 judges children in care and care leavers together,
        so care leavers fall back to the children-in-care grade there.
        """
        if area == "care_leavers":
            return self.grades.get("care_leavers") or self.grades.get("children_in_care")
        return self.grades.get(area)

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
    (re.compile(r"summary for children"), "summary_for_children", None),
    (re.compile(r"what the inspection judgements mean|information about this inspection|"
                r"about this inspection|the inspection judgements and what they mean|"
                r"record of main findings|^the inspection team"), "about_inspection", None),
    (re.compile(r"information about this local authority|service information|"
                r"^children living in this area|^child protection in this area|"
                r"^children looked after in this area|^other ofsted inspections|"
                r"^other information about this area|^previous ofsted inspections|^local leadership"),
     "context", None),
    (re.compile(r"what needs to improve|need to improve\?|^recommendations|^areas for improvement"),
     "what_needs_to_improve", None),
    (re.compile(r"local authority.s strengths"), "strengths", None),
    (re.compile(r"progress since the last inspection"), "progress", None),
    (re.compile(r"local safeguarding children board|\blscb\b"), "lscb", "leadership"),
    (re.compile(r"progress of care leavers|experiences? and progress of care leavers|"
                r"judgement about the experience and progress of care leavers"),
     "judgement", "care_leavers"),
    (re.compile(r"adoption performance"), "judgement", "children_in_care"),
    (re.compile(r"need (of )?help and|need help\b|help and protection"), "judgement", "help_and_protection"),
    (re.compile(r"children (in care|looked after)|looked after children|achieving permanence|"
                r"overall effectiveness of services for looked|^outcomes for looked|^quality of provision|"
                r"^capacity to improve"),
     "judgement", "children_in_care"),
    (re.compile(r"impact of leaders|leadership,? management|^leadership and management"),
     "judgement", "leadership"),
    (re.compile(r"^executive summary|^summary of findings|^summary$"), "summary", None),
]

_JUDGEMENT_OF_AREA_HEADING = {
    "help_and_protection": "help_and_protection",
    "children_in_care": "children_in_care",
    "care_leavers": "care_leavers",
    "leadership": "leadership",
}


def classify_heading(heading: str) -> tuple[str, str | None] | None:
    """(section kind, area) for a heading, or None when it names no known section."""
    h = _norm(heading).lower()
    for pattern, kind, area in _HEADING_RULES:
        if pattern.search(h):
            return kind, area
    return None


def _norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("’", "'").replace("‘", "'").split())


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
    """
    spans = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end()
        if text[m.start()] == ".":
            word = re.search(r"([A-Za-z.]+)\.$", text[start:m.start() + 1])
            token = word.group(1).lower() if word else ""
            if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                continue
        seg = text[start:end].strip()
        if seg:
            s = start + (len(text[start:end]) - len(text[start:end].lstrip()))
            spans.append((s, end))
        start = end
    if text[start:].strip():
        s = start + (len(text[start:]) - len(text[start:].lstrip()))
        spans.append((s, len(text.rstrip())))
    return spans


# --------------------------------------------------------------------------
# PDF layout: lines with their font, filtered of headers, footers and footnotes.

_BULLETS = "◼•▪●■◆➢➤–"
_NUMBERED = re.compile(r"^(\d{1,3})\.\s*(?=\S)")
_NUMBER_ONLY = re.compile(r"^(\d{1,3})\.$")


@dataclass
class _Line:
    page: int
    x0: float
    y0: float
    y1: float
    size: float
    bold: bool
    text: str


def _is_bullet_char(ch: str) -> bool:
    return ch in _BULLETS or "\uf000" <= ch <= "\uf0ff"


def _page_lines(page, page_no: int) -> list[_Line]:
    lines = []
    for block in page.get_text("dict", sort=False)["blocks"]:
        for line in block.get("lines", []):
            spans = [s for s in line["spans"] if s["text"].strip()]
            if not spans:
                continue
            main = max(s["size"] for s in spans)
            # superscript footnote markers ("improve?1") are small raised spans
            kept = [s for s in spans if not (s["flags"] & 1 and s["size"] < 0.8 * main)]
            text = "".join(s["text"] for s in line["spans"] if s in kept or not s["text"].strip())
            text = text.replace("\u00a0", " ").strip()
            if not text:
                continue
            bold = all((s["flags"] & 16) or "bold" in s["font"].lower() for s in kept)
            lines.append(_Line(page_no, line["bbox"][0], line["bbox"][1], line["bbox"][3], main, bold, text))
    return lines


def _body_size(lines: list[_Line]) -> float:
    weight: dict[float, int] = {}
    for ln in lines:
        key = round(ln.size)
        weight[key] = weight.get(key, 0) + len(ln.text)
    return float(max(weight, key=weight.get)) if weight else 12.0


def _content_lines(doc) -> list[_Line]:
    raw = []
    for i, page in enumerate(doc):
        h = page.rect.height
        for ln in _page_lines(page, i + 1):
            # running headers and footers, and the page number, sit in the margins
            if ln.y1 < 0.072 * h or ln.y0 > 0.935 * h:
                continue
            raw.append(ln)
    body = _body_size(raw)
    out = []
    for ln in raw:
        if ln.size < body - 1.2:  # footnotes, small print and the back cover
            continue
        if re.fullmatch(r"\d{1,3}", ln.text) and (ln.size > body + 2 or ln.x0 > 400):
            continue
        out.append(ln)
    return out, body


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
        if not re.search(r"progress of care leavers", f, re.I):
            rules["children_in_care"] = r"children in care and care\s+leavers"
        else:
            rules["children_in_care"] = r"experiences and progress of children in care(?! and)"
            rules["care_leavers"] = r"experiences and progress of care leavers"
        for judgement, label in rules.items():
            g = _grade_after(label, f)
            if g:
                grades[judgement] = g
    elif era == "sif":
        m = re.search(r"(?:overall judgement is (?:that )?(?:children's services (?:in [^.]{2,60}? )?)?|"
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
        n = _norm(full)
        m = re.search(r"overall effectiveness[^.]{0,120}?grade\s*\d\s*\(" + _GRADE_WORDS, n, re.I)
        if m:
            grades["overall_effectiveness"] = _grade(m.group(1))
    return grades


def detect_era(front: str) -> str | None:
    f = _norm(front).lower()
    if "children in need of help and protection, children looked after and care leavers" in f or (
        "children looked after and achieving permanence" in f
    ):
        return "sif"
    if "inspection of looked after children" in f or "inspection of safeguarding" in f:
        return "pre_sif"
    if re.search(r"children's social care services|local authority children's services|"
                 r"children's services inspection|impact of leaders on social work practice", f):
        if "overall effectiveness" in f:
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


def _build_sections(lines: list[_Line], body: float, era: str) -> list[tuple[str, str, str | None, str | None, list]]:
    """Group lines into sections of paragraphs. Returns (heading, kind, area, grade, [_ParaBuilder])."""
    sections = []
    heading, kind, area, grade = "Front matter", "front_matter", None, None
    paras: list[_ParaBuilder] = []
    pending_heading: list[_Line] = []
    sub_area: str | None = None
    last_grade_line_idx = None
    if era in ("ilacs", "ilacs_2026"):
        # the headline summary starts after the grade table on page 1
        for i, ln in enumerate(lines):
            if ln.page > 1:
                break
            if len(ln.text) < 45 and normalise_grade(ln.text) and not ln.text.lower().startswith("good practice"):
                last_grade_line_idx = i

    def close_section():
        nonlocal paras
        if paras:
            sections.append((heading, kind, area, grade, paras))
        paras = []

    def flush_heading():
        nonlocal heading, kind, area, grade, sub_area, pending_heading
        if not pending_heading:
            return
        text = _norm(" ".join(l.text for l in pending_heading))
        big = max(l.size for l in pending_heading) > body + 0.9
        pending_heading = []
        found = classify_heading(text)
        if found is None:
            if big and kind not in ("front_matter",):
                close_section()
                heading, kind, area, grade = text, "other", None, None
            sub_area = None
            return
        new_kind, new_area = found
        # Inside a summary or a list of recommendations, a body-size heading that
        # names an area ("Leadership, management and governance") is a sub-heading.
        if kind in ("what_needs_to_improve", "summary", "strengths") and not big and new_kind == "judgement":
            sub_area = new_area
            return
        if kind == "judgement" and new_kind == "judgement" and new_area == area and not big:
            return
        # SIF judgement sections open with a body-size "Summary" sub-heading.
        if kind in ("judgement", "lscb") and new_kind == "summary" and not big:
            return
        close_section()
        heading, kind, area = text, new_kind, new_area
        sub_area = None
        g = re.search(_GRADE_WORDS + r"\s*$", text, re.I) or re.search(r":\s*" + _GRADE_WORDS, text, re.I) or \
            re.search(r"is that it (?:is )?" + _GRADE_WORDS, text, re.I)
        grade = _grade(g.group(1)) if g else None

    pending_number: int | None = None
    for i, ln in enumerate(lines):
        if last_grade_line_idx is not None and i == last_grade_line_idx + 1 and kind == "front_matter":
            close_section()
            heading, kind, area, grade = "Headline summary", "headline_summary", None, None
        is_heading = ln.bold and ln.size >= body - 0.6 and not _NUMBERED.match(ln.text) and len(ln.text) < 160
        if is_heading:
            if pending_heading and (ln.page != pending_heading[-1].page or ln.y0 - pending_heading[-1].y1 > body * 1.2):
                flush_heading()
            pending_heading.append(ln)
            continue
        flush_heading()
        text = ln.text
        m_only = _NUMBER_ONLY.match(text)
        if m_only:
            pending_number = int(m_only.group(1))
            continue
        new_para = None
        m_num = _NUMBERED.match(text)
        if pending_number is not None:
            new_para = _ParaBuilder(ln.page, pending_number, "numbered", [], ln.y1)
            pending_number = None
        elif m_num and ln.x0 < 100:
            new_para = _ParaBuilder(ln.page, int(m_num.group(1)), "numbered", [], ln.y1)
            text = text[m_num.end():]
        elif _is_bullet_char(text[0]):
            new_para = _ParaBuilder(ln.page, None, "bullet", [], ln.y1)
            text = text[1:].strip()
        elif not paras:
            new_para = _ParaBuilder(ln.page, None, "text", [], ln.y1)
        else:
            prev = paras[-1]
            if ln.page != prev.page:
                # a paragraph broken by a page ends without punctuation
                if _END_PUNCT.search(prev.parts[-1] if prev.parts else "."):
                    new_para = _ParaBuilder(ln.page, None, "text", [], ln.y1)
            elif ln.y0 - prev.last_y1 > 0.55 * body:
                new_para = _ParaBuilder(ln.page, None, "text", [], ln.y1)
        if new_para is not None:
            new_para.sub_area = sub_area
            paras.append(new_para)
        cur = paras[-1]
        if text:
            cur.parts.append(text)
        cur.last_y1 = ln.y1
        cur.page = cur.page if cur.parts[:-1] else ln.page
    flush_heading()
    close_section()
    return sections


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
        for b in builders:
            text = b.text()
            if not text:
                continue
            para = Paragraph(index=para_index, number=b.number, page=b.page, text=text, kind=b.kind)
            para_area = area or getattr(b, "sub_area", None)
            if kind in FINDING_SECTION_KINDS:
                for k, (s, e) in enumerate(split_sentences(text)):
                    sent = text[s:e]
                    if not _looks_like_finding(sent):
                        continue
                    para.sentences.append(Sentence(
                        id=f"{report_id}:{para_index:03d}:{k:02d}", text=sent, report_id=report_id,
                        section=heading, section_kind=kind, section_area=para_area, paragraph=para_index,
                        paragraph_number=b.number, page=b.page, start=s, end=e))
            section.paragraphs.append(para)
            para_index += 1
        sections.append(section)
    return Report(
        path=str(path), report_id=report_id, local_authority=_local_authority(front, report_id),
        publication_date=_publication_date(front, report_id), inspection_start=start, inspection_end=end,
        lead_inspector=_lead_inspector(full), era=era, grades=parse_grades(front, full, era), sections=sections)
