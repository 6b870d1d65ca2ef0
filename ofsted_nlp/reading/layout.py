"""Page layout: body lines without running headers, footers and back covers; bullets; paragraphs.

`content_lines` keeps the lines of the body text; `ParaBuilder` gathers lines into a paragraph;
`merge_lists` joins a lead-in ending in a colon with the fragment items of its list.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from .pdf import BODY_BOTTOM, BODY_TOP, Line, PdfPage, body_size
from .sentences import END_PUNCT, SENTENCE_CLOSE, norm

BULLETS = "◼•▪●■◆➢➤"
DASHES = "–-−―—"  # dashes mark list items in the statistics of the SIF context sections
# "36. Early help ..." (but not "49.4% of children", a figure that begins a line)
NUMBERED = re.compile(r"^(\d{1,3})\.(?:\s+|(?=[A-Z‘'\"]))(?=\S)")
NUMBER_ONLY = re.compile(r"^(\d{1,3})\.$")

# A line this close to the top or bottom of its page (share of the height) may be a running
# header or footer; it is one when its text recurs there on RUNNING_MIN_PAGES pages or more.
EDGE_TOP = 0.09
EDGE_BOTTOM = 0.92
RUNNING_MIN_PAGES = 3
RUNNING_MIN_CHARS = 3  # shorter repeated text (a page number) is not taken as a running line
# Lines this many points smaller than the body text are footnotes, small print or the back cover.
SMALL_PRINT_BELOW_BODY = 1.2
# A bold line within this many points of the body size is a heading that may open several pages.
HEADING_SIZE_TOLERANCE = 0.6
# A bare number this much larger than the body text, or this far right, is a page number.
PAGE_NUMBER_SIZE_ABOVE_BODY = 2
PAGE_NUMBER_MIN_X = 400
# List items shorter than this many words may close a list that a lead-in opened.
LAST_ITEM_MAX_WORDS = 30

# Ofsted's boilerplate: the inside front cover and the back cover of a report. From the first
# of these lines to the end of its page, nothing is report text.
BACK_COVER = re.compile(
    r"^(?:The Office for Standards in Education, Children.s Services and Skills(?: \(Ofsted\))?(?: regulates.*)?$|"
    r"If you would like a copy of this document in a different format|© Crown copyright|"
    r"You may reuse this information|This document may be reproduced|Piccadilly Gate$)")


def is_bullet_char(ch: str) -> bool:
    """True for a bullet glyph, including the private-use symbols that Symbol and Wingdings fonts map bullets to."""
    return ch in BULLETS or "\uf000" <= ch <= "\uf0ff"


def bullet_marker(text: str) -> bool:
    """Whether a line starts with a list marker: a bullet glyph, or a dash standing alone."""
    if not text:
        return False
    return is_bullet_char(text[0]) or (text[0] in DASHES and (len(text) == 1 or text[1].isspace()))


def running_key(text: str) -> str:
    """A header or footer line without its digits, spaces collapsed and lower case, so every page's
    copy ("Page 3 of 12") has the same key."""
    return re.sub(r"[\d\s]+", " ", text).strip().lower()


def content_lines(pages: list[PdfPage], *, back_cover: bool = True, letter: bool = False,
                  margins: list[Line] | None = None) -> tuple[list[Line], float]:
    """The body lines of a document and the body font size.

    Dropped: lines in the top and bottom margins, running headers and footers (a line near
    the edge repeated on several pages), small print and footnotes, page numbers and, when
    `back_cover`, everything from an Ofsted cover line to the end of its page. A `letter` keeps
    its margins and small print (its letterhead stands there) but not its running lines. Dropped
    margin and running lines are appended to `margins` when given.
    """
    raw = []
    band: dict[str, set[int]] = {}  # text near the top or bottom edge -> pages it is on
    for i, page in enumerate(pages):
        h = page.height
        in_cover = False
        for ln in page.lines:
            ln = dataclasses.replace(ln)
            if not letter and (ln.y1 < BODY_TOP * h or ln.y0 > BODY_BOTTOM * h):
                if margins is not None:
                    margins.append(ln)
                continue
            in_cover = in_cover or (back_cover and bool(BACK_COVER.match(ln.text)))
            if in_cover:
                continue
            ln.edge = ln.y0 < EDGE_TOP * h or ln.y1 > EDGE_BOTTOM * h
            if ln.edge:
                band.setdefault(running_key(ln.text), set()).add(i)
            raw.append(ln)
    body = body_size(raw)
    running = {k for k, on in band.items() if len(on) >= RUNNING_MIN_PAGES and len(k) > RUNNING_MIN_CHARS}
    out = []
    for ln in raw:
        if ln.size < body - SMALL_PRINT_BELOW_BODY and not letter:
            continue
        if re.fullmatch(r"\d{1,3}", ln.text) and (ln.size > body + PAGE_NUMBER_SIZE_ABOVE_BODY
                                                  or ln.x0 > PAGE_NUMBER_MIN_X):
            continue
        if ln.edge and running_key(ln.text) in running and not (ln.bold and ln.size >= body - HEADING_SIZE_TOLERANCE):
            if margins is not None:
                margins.append(ln)
            continue  # (a heading that happens to open several pages stays)
        out.append(ln)
    return out, body


@dataclass
class ParaBuilder:
    """A paragraph being gathered from lines."""

    page: int
    number: int | None
    kind: str
    parts: list[str]
    last_y1: float
    sub_area: str | None = None
    x_first: float = 0.0  # where its first line starts
    x_cont: float | None = None  # where its continuation lines start
    marker_in_line: bool = False  # its number or bullet starts its first line (continuations may hang)
    y0: float | None = None  # top of its first line

    def text(self) -> str:
        """The paragraph's lines joined by spaces, normalised; after a line ending in a letter and a hyphen
        ("child-") the next follows with no space."""
        out = ""
        for part in self.parts:
            if not out:
                out = part
            elif out.endswith("-") and len(out) > 1 and out[-2].isalpha():
                out += part  # "child-" + "protection": keep the hyphen, no space
            else:
                out += " " + part
        return norm(out)


def is_fragment_item(b: ParaBuilder) -> bool:
    """A list item that continues its lead-in rather than standing as a sentence."""
    text = b.text()
    if not text or b.kind not in ("bullet", "text"):
        return False
    if b.kind == "text" and not (text[0].islower() or text[0].isdigit()):
        return False
    return text[0].islower() or text[0].isdigit() or not END_PUNCT.search(text)


def merge_lists(builders: list[ParaBuilder]) -> list[ParaBuilder]:
    """Join a lead-in ending in a colon with the fragment items of its list.

    "The proportion of children entitled to free school meals:" followed by the
    items "in primary schools is 18%" and "in secondary schools is 12%." reads as
    one sentence; items that are sentences in their own right stay apart.
    """
    out: list[ParaBuilder] = []
    i = 0
    while i < len(builders):
        b = builders[i]
        i += 1
        if b.kind in ("subheading",) or not b.text().endswith(":"):
            out.append(b)
            continue
        merged = dataclasses.replace(b, parts=list(b.parts))
        taken = 0
        while i < len(builders) and (is_fragment_item(builders[i]) or (
                # the list's last item, closed with a full stop
                taken and builders[i].kind == "bullet" and len(builders[i].text().split()) < LAST_ITEM_MAX_WORDS
                and not SENTENCE_CLOSE.search(merged.text()))):
            item = builders[i].text()
            taken += 1
            prev = merged.text()
            if not prev.endswith((":", ";", ",")) and not re.search(r"\b(?:and|or)$", prev):
                merged.parts[-1] = merged.parts[-1].rstrip(".") + ";"
            merged.parts.append(item)
            i += 1
        out.append(merged)
    return out
