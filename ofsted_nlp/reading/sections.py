"""Headings to sections: what a heading is, which section kind and area it opens, and the
grouping of a report's body lines into sections of paragraphs (`build_sections`)."""
from __future__ import annotations

import re

from ..labels import normalise_grade
from .grades import GRADE_CELL_MAX_CHARS, GRADE_WORDS, grade, grade_in_heading, is_grade_only
from .layout import DASHES, NUMBER_ONLY, NUMBERED, ParaBuilder, bullet_marker
from .pdf import Line
from .sentences import END_PUNCT, SENTENCE_CLOSE, norm

# --------------------------------------------------------------------------
# Section headings: what they are and which area they speak for.

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
    h = norm(heading).lower()
    for pattern, kind, area in _HEADING_RULES:
        if pattern.search(h):
            return kind, area
    return None


# --------------------------------------------------------------------------
# Layout thresholds, in points or in multiples of the body font size (`body`).

# A bold line is a heading when its size is at least the body size less this.
BOLD_HEADING_SIZE_TOLERANCE = 0.6
# A regular line is a heading only if at least this much larger than the body text ...
LARGE_HEADING_ABOVE_BODY = 1.5
# ... and it names a section, or is title-sized (this much larger).
TITLE_ABOVE_BODY = 6
# Heading text is shorter than this; longer lines are text however they are set.
MAX_HEADING_CHARS = 160
MAX_LARGE_HEADING_CHARS = 100
MAX_HEADING_CONTINUATION_CHARS = 60
# A large line continues the heading just above it when the gap is within these multiples of its size.
HEADING_CONTINUATION_GAP = (-0.3, 0.6)
# Font sizes closer than this are the same size.
SAME_SIZE = 0.5
# A heading at least this much larger than the body text is a main heading (it may open an unknown section).
BIG_HEADING_ABOVE_BODY = 0.9
# Two heading lines further apart than this many body sizes are two headings.
HEADING_LINE_GAP = 1.2
# A gap of more than this many body sizes between lines starts a new paragraph.
PARAGRAPH_GAP = 0.55
# A paragraph number and its text start within this many body sizes of each other vertically.
NUMBER_BESIDE_TEXT = 0.5
# A numbered paragraph's number stands left of this x (points); further right a number is text.
NUMBER_MAX_X = 100
# A grade alone in the right-hand column (x beyond this) is the grade of the table row beside it.
TABLE_GRADE_MIN_X = 200
# A line ending in a grade word and reaching this far right is a table row's label and grade.
TABLE_ROW_MIN_X1 = 250
# A table row holds at most this many label lines of at most this many characters.
TABLE_ROW_MAX_LINES = 4
TABLE_LINE_MAX_CHARS = 80
# A line back at the margin this far left of a list item's text starts a new paragraph.
MARGIN_BACK = 4
# Where a bulleted item's continuation lines start, right of its marker, when unknown.
BULLET_INDENT = 8
# A run-in heading has at most this many words.
SUBHEADING_MAX_WORDS = 14

# A judgement's own heading, as opposed to a sub-heading that merely names an area.
_JUDGEMENT_TITLE = re.compile(r"^(?:inspection judgements about the local authority )?(?:the )?"
                              r"(?:experiences? and progress of|impact of leaders|graded judgement|"
                              r"leadership, management and governance)")
_SUMMARY_KINDS = ("what_needs_to_improve", "summary", "strengths")


def is_heading_line(ln: Line, body: float, prev_plain_heading: Line | None) -> bool:
    """Whether a line is (part of) a heading: bold body-size text, or larger text that names a section.

    Some layouts set headings in large regular type; large regular type is also
    used for whole paragraphs (the summary for children), so a large regular
    line is a heading only when it names a known section, is title-sized, or
    continues the heading line just above it.
    """
    text = ln.text
    if len(text) >= MAX_HEADING_CHARS or NUMBERED.match(text) or NUMBER_ONLY.match(text) or text.isdigit() or \
            bullet_marker(text):
        return False
    if ln.bold and ln.size >= body - BOLD_HEADING_SIZE_TOLERANCE:
        return True
    if ln.size < body + LARGE_HEADING_ABOVE_BODY or len(text) >= MAX_LARGE_HEADING_CHARS or \
            re.search(r"[.;]\s+\S", text):
        return False
    if (ln.size >= body + TITLE_ABOVE_BODY or classify_heading(text) is not None) and not text[0].islower() \
            and not text.endswith((".", ",")):
        return True
    p = prev_plain_heading
    low, high = HEADING_CONTINUATION_GAP
    return p is not None and p.page == ln.page and low * ln.size <= ln.y0 - p.y1 < high * ln.size and \
        abs(p.size - ln.size) < SAME_SIZE and len(text) < MAX_HEADING_CONTINUATION_CHARS and not text.endswith(",")


def is_subheading(b: ParaBuilder) -> bool:
    """A one-line paragraph of a few words with no closing punctuation: a run-in heading."""
    if b.kind != "text" or len(b.parts) != 1:
        return False
    text = b.parts[0].strip()
    return bool(text) and len(text.split()) <= SUBHEADING_MAX_WORDS and not END_PUNCT.search(text) \
        and not text[0].islower() and not re.search(r"\d{2,}", text)


def build_sections(lines: list[Line], body: float, era: str) -> list[tuple[str, str, str | None, str | None, list]]:
    """Group lines into sections of paragraphs. Returns (heading, kind, area, grade, [ParaBuilder])."""
    return _SectionBuilder(lines, body, era).build()


class _SectionBuilder:
    """Reads a report's body lines one by one into sections of paragraphs.

    The state it carries from line to line: the open section (heading, kind, area, grade, its
    paragraphs), heading lines not yet placed, a judgement table row being read, a paragraph
    number or bullet glyph standing on a line of its own, and the area a run-in sub-heading names.
    """

    def __init__(self, lines: list[Line], body: float, era: str):
        self.lines, self.body = lines, body
        self.sections: list[tuple] = []
        self.area: str | None
        self.grade: str | None
        self.heading, self.kind, self.area, self.grade = "Front matter", "front_matter", None, None
        self.section_size, self.section_page = body, 1
        self.paras: list[ParaBuilder] = []
        self.pending_heading: list[Line] = []
        self.sub_area: str | None = None
        # SIF reports of 2014-15 print each judgement's title in a two-column table
        # ("Key judgement | Judgement grade") in body text, with the grade beside it.
        self.table_row: list[Line] | None = None
        self.await_grade = False
        self.last_judgement: tuple[str, str, str | None, str | None] | None = None  # (heading, kind, area, grade) of the last judgement or LSCB section
        self.pending_number: int | None = None
        self.last_number: int | None = None
        self.pending_bullet = False
        self.last_plain_heading: Line | None = None
        self.last_grade_line_idx = self._last_front_grade(lines) if era in ("ilacs", "ilacs_2026") else None

    @staticmethod
    def _last_front_grade(lines: list[Line]) -> int | None:
        """ILACS: the headline summary starts after the grade table on page 1."""
        last = None
        for i, ln in enumerate(lines):
            if ln.page > 1:
                break
            if len(ln.text) < GRADE_CELL_MAX_CHARS and normalise_grade(ln.text) and not ln.text.lower().startswith("good practice") \
                    and not ln.bold:  # (a judgement heading's grade, on page 1 of a short report, is bold)
                last = i
        return last

    def build(self) -> list[tuple]:
        for i, ln in enumerate(self.lines):
            self._line(i, ln)
        self._flush_heading()
        self._close_section()
        return self.sections

    # ---------------------------------------------------------------- sections

    def _close_section(self) -> None:
        if self.paras and is_subheading(self.paras[-1]):
            self.paras[-1].kind = "subheading"
        if self.paras:
            self.sections.append((self.heading, self.kind, self.area, self.grade, self.paras))
        self.paras = []

    def _open_section(self, text, new_kind, new_area, new_grade, size, page) -> None:
        self._close_section()
        self.heading, self.kind, self.area, self.grade = text, new_kind, new_area, new_grade
        if new_kind in ("judgement", "lscb"):
            self.last_judgement = (text, new_kind, new_area, new_grade)
        self.section_size, self.section_page = size, page
        self.sub_area = None
        self.await_grade = new_kind == "judgement" and new_grade is None

    def _flush_heading(self) -> None:
        if not self.pending_heading:
            return
        text = norm(" ".join(l.text for l in self.pending_heading))
        size = max(l.size for l in self.pending_heading)
        page = self.pending_heading[0].page
        self.pending_heading = []
        low = text.lower().replace("’", "'")
        m_table = re.search(r"(?:^|\s)key judgements?(?: judgement| inspection)?(?: grade)?$", low)
        if m_table:  # the table's header row, perhaps after the judgement's own heading
            self.table_row = []
            text, low = text[:m_table.start()].strip(), low[:m_table.start()].strip()
            if not text or re.fullmatch(r"inspection judgements about the local authority", low):
                return
        self._place_heading(text, low, size, page)

    def _place_heading(self, text: str, low: str, size: float, page: int) -> None:
        """Open the section a heading starts, or take it as a sub-heading, or ignore it."""
        big = size > self.body + BIG_HEADING_ABOVE_BODY
        found = classify_heading(text)
        kind = self.kind
        # The contents page lists every heading; the boilerplate on what the
        # judgements mean has its own sub-headings.
        if kind == "contents" and page == self.section_page:
            return
        if kind == "about_inspection" and size < self.section_size - SAME_SIZE and (
                found is None or found[0] not in ("about_inspection", "contents")):
            return
        if found is None or found[0] == "front_matter":
            if re.fullmatch(r"(?:inspection )?findings:?", low):
                # SIF: "Summary" then "Inspection findings" within one judgement; the
                # LSCB review puts its recommendations between the two.
                if kind in ("judgement", "lscb"):
                    return
                if self.last_judgement is not None:
                    self._open_section(f"{self.last_judgement[0]}: {text}", *self.last_judgement[1:], size, page)
                    return
            if big and kind != "front_matter" and found is None:
                self._open_section(text, "other", None, None, size, page)
            self.sub_area = None
            return
        new_kind, new_area = found
        if kind == "front_matter" and page == 1 and new_kind in ("judgement", "lscb"):
            # the front page's table of judgements; a review of the LSCB alone goes on
            # to its "Inspection findings" with no other heading naming the board
            if new_kind == "lscb":
                self.last_judgement = (text, new_kind, new_area, grade_in_heading(text))
            return
        new_grade = grade_in_heading(text)
        # Inside a summary or a list of recommendations, a body-size heading that
        # names an area ("Leadership, management and governance") is a sub-heading;
        # a judgement's own title, or a heading carrying a grade, starts that judgement.
        if kind in _SUMMARY_KINDS and not big and new_kind == "judgement" \
                and new_grade is None and not _JUDGEMENT_TITLE.match(low):
            self.sub_area = new_area
            return
        if kind == "judgement" and new_kind == "judgement" and new_area == self.area and not big and new_grade is None:
            return
        # SIF judgement and LSCB sections open with a "Summary" or "Executive summary".
        if kind in ("judgement", "lscb") and new_kind == "summary":
            return
        self._open_section(text, new_kind, new_area, new_grade, size, page)

    def _take_table_line(self, ln: Line) -> bool:
        """Read `ln` as part of a judgement-table row; False when the table has ended."""
        table_row = self.table_row
        assert table_row is not None  # called only inside a table
        label, row_grade = None, None
        if is_grade_only(ln.text) and ln.x0 > TABLE_GRADE_MIN_X and table_row:
            label, row_grade = norm(" ".join(l.text for l in table_row)), ln.text
        elif (m := re.search(r"\s" + GRADE_WORDS + r"\s*$", ln.text, re.I)) and ln.x1 > TABLE_ROW_MIN_X1:
            # the title's last line and the grade read as one line
            label, row_grade = norm(" ".join([l.text for l in table_row] + [ln.text[:m.start()]])), m.group(1)
        if label is not None:
            assert row_grade is not None  # set together with label
            found = classify_heading(label)
            if found and found[0] == "judgement":
                if self.kind == "judgement" and self.area == found[1] and not self.paras:
                    self.grade = grade(row_grade.strip(" :."))  # the table under the judgement's own heading
                else:
                    self._open_section(label, "judgement", found[1], grade(row_grade.strip(" :.")), ln.size, ln.page)
            self.table_row = None
            return True
        if len(table_row) < TABLE_ROW_MAX_LINES and not NUMBERED.match(ln.text) and \
                len(ln.text) < TABLE_LINE_MAX_CHARS and not ln.bold and \
                (not table_row or ln.page == table_row[-1].page):
            table_row.append(ln)
            return True
        self.table_row = None
        for back in table_row:  # not a table after all: read its lines as text
            self.paras.append(ParaBuilder(back.page, None, "text", [back.text], back.y1, y0=back.y0))
        return False

    # ---------------------------------------------------------------- lines

    def _line(self, i: int, ln: Line) -> None:
        if self.last_grade_line_idx is not None and i == self.last_grade_line_idx + 1 and self.kind == "front_matter":
            self._close_section()
            self.heading, self.kind, self.area, self.grade = "Headline summary", "headline_summary", None, None
        if self.table_row is not None and self._take_table_line(ln):
            return
        # a bold word in lower case continues a heading, or a sentence ("... are" / "inadequate.")
        heading = is_heading_line(ln, self.body, self.last_plain_heading) and (
            bool(self.pending_heading) or not ln.text[0].islower())
        self.last_plain_heading = ln if heading and not ln.bold else None
        if heading:
            last = self.pending_heading[-1] if self.pending_heading else None
            if last is not None and (ln.y0 - last.y1 > self.body * HEADING_LINE_GAP if ln.page == last.page else
                                     not re.match(r"(?:grade \d\s*\()?" + GRADE_WORDS + r"\)?\.?$", ln.text, re.I)):
                self._flush_heading()  # a grade alone at the top of a page belongs to the heading before it
            self.pending_heading.append(ln)
            return
        self._flush_heading()
        if self.table_row is not None and self._take_table_line(ln):
            return
        self._text_line(i, ln)

    def _text_line(self, i: int, ln: Line) -> None:
        text = ln.text
        if self.await_grade:
            self.await_grade = False
            if is_grade_only(text):  # "The experiences ... protection:" then the grade on its own line
                self.grade = grade(text.strip(" :."))
                return
        if len(text) == 1 and bullet_marker(text):  # the glyph on a line of its own, its item after it
            self.pending_bullet = True
            return
        paras = self.paras
        dash_in_prose = text[0] in DASHES and paras and paras[-1].kind != "bullet" and \
            paras[-1].page == ln.page and paras[-1].parts and not END_PUNCT.search(paras[-1].parts[-1])
        m_only = NUMBER_ONLY.match(text)
        nxt = self.lines[i + 1] if i + 1 < len(self.lines) else None
        # "12." alone is a paragraph number only when its paragraph starts beside it;
        # otherwise it ends a sentence ("... at the age of" / "17.")
        if m_only and nxt is not None and nxt.page == ln.page and abs(nxt.y0 - ln.y0) < NUMBER_BESIDE_TEXT * self.body \
                and nxt.x0 >= ln.x1 - 1:
            self.pending_number = int(m_only.group(1))
            return
        new_para, text = self._paragraph_start(ln, text, bool(dash_in_prose))
        self._add(ln, text, new_para)

    def _paragraph_start(self, ln: Line, text: str, dash_in_prose: bool) -> tuple[ParaBuilder | None, str]:
        """The paragraph `ln` starts (None when it continues the last one), and its text less any marker."""
        paras = self.paras
        m_num = NUMBERED.match(text) if ln.x0 < NUMBER_MAX_X else None
        prev = paras[-1] if paras else None
        unfinished = prev is not None and bool(prev.parts) and not END_PUNCT.search(prev.parts[-1]) \
            and not is_subheading(prev)
        pending = self.pending_number
        number = pending if pending is not None else int(m_num.group(1)) if m_num else None
        if number is not None and unfinished and self.last_number is not None and number != self.last_number + 1:
            # "... from Key Stage 2 to Key Stage" / "4. Children placed ..." continues the sentence
            if pending is not None:
                text = f"{pending}. {text}"
            self.pending_number, m_num = None, None
        if self.pending_number is not None:
            self.last_number, self.pending_number = self.pending_number, None
            return ParaBuilder(ln.page, self.last_number, "numbered", [], ln.y1), text
        if m_num:
            self.last_number = int(m_num.group(1))
            return ParaBuilder(ln.page, self.last_number, "numbered", [], ln.y1, marker_in_line=True), \
                text[m_num.end():]
        if (bullet_marker(text) and not dash_in_prose) or self.pending_bullet:
            self.pending_bullet = False
            marker = bullet_marker(text)
            return ParaBuilder(ln.page, None, "bullet", [], ln.y1, marker_in_line=marker), \
                text[1:].strip() if marker else text
        if not paras:
            return ParaBuilder(ln.page, None, "text", [], ln.y1), text
        assert prev is not None  # paras is not empty
        if prev.kind in ("numbered", "bullet") and ln.page == prev.page and prev.parts and \
                SENTENCE_CLOSE.search(prev.parts[-1]) and ln.x0 < (
                    prev.x_cont if prev.x_cont is not None else prev.x_first + BULLET_INDENT * prev.marker_in_line
                ) - MARGIN_BACK:
            # a line back at the margin after a finished list item starts a new paragraph
            return ParaBuilder(ln.page, None, "text", [], ln.y1), text
        if ln.page != prev.page:
            # a paragraph broken by a page ends without a full stop (perhaps with a
            # semicolon), and the line that continues it starts in lower case
            if SENTENCE_CLOSE.search(prev.parts[-1] if prev.parts else ".") and not text[:1].islower():
                return ParaBuilder(ln.page, None, "text", [], ln.y1), text
        elif ln.y0 - prev.last_y1 > PARAGRAPH_GAP * self.body:
            return ParaBuilder(ln.page, None, "text", [], ln.y1), text
        return None, text

    def _add(self, ln: Line, text: str, new_para: ParaBuilder | None) -> None:
        paras = self.paras
        if new_para is not None:
            if paras and is_subheading(paras[-1]):
                # a one-line run-in heading in body type ("Quality of practice"): no
                # sentence; where it names an area, the items after it speak for that area
                paras[-1].kind = "subheading"
                found = classify_heading(paras[-1].text())
                if self.kind in _SUMMARY_KINDS:
                    self.sub_area = found[1] if found and found[0] == "judgement" else None
            new_para.sub_area = self.sub_area
            new_para.x_first = ln.x0
            new_para.y0 = ln.y0
            paras.append(new_para)
        elif paras[-1].x_cont is None:
            paras[-1].x_cont = ln.x0
        cur = paras[-1]
        if text:
            cur.parts.append(text)
        cur.last_y1 = ln.y1
        cur.page = cur.page if cur.parts[:-1] else ln.page
