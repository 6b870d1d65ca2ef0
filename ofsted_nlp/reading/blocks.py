"""Blocks: the pieces of a publication before it is known what they are (a heading, a paragraph, a
list item), with where they stand. Letters and text are read from blocks, whether the blocks came
from PDF lines (`pdf_blocks`) or from plain text, Markdown or HTML (`text.text_blocks`)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .layout import bullet_marker
from .metadata import DATE
from .pdf import Line
from .sentences import SENTENCE_CLOSE, norm

# A vertical gap of more than this many body sizes between two lines starts a new block.
BLOCK_GAP = 0.55
# A line starting this many points left or right of the line before it is in another column
# (the letterhead at the top right, the date and address at the left).
COLUMN_JUMP = 100
# A line at most this far right of a finished list item's marker is the paragraph after the list.
LIST_MARGIN = 2
# A bold line at least this size (body size less this) is a heading.
BOLD_HEADING_SIZE_TOLERANCE = 0.6


@dataclass
class Block:
    """A heading, run of text or list item of a letter or text document, before it becomes an Element."""

    kind: str  # "heading", "text" or "bullet"
    text: str
    page: int | None = None
    y: float | None = None
    line: int | None = None  # 1-based line of a text file
    level: int | None = None  # a Markdown heading's level


def pdf_blocks(lines: list[Line], body: float) -> list[Block]:
    """Blocks of a letter's body lines: bold lines are headings, bullet lines list items, and a
    gap, a page turn after a finished sentence or a line starting 'Dear'/'Yours' starts a block."""
    blocks: list[Block] = []
    parts: list[str] = []
    prev: Line | None = None
    block_x0 = 0.0

    def flush():
        if parts and blocks:
            blocks[-1].text = norm(" ".join(parts))
        parts.clear()

    for ln in lines:
        text = ln.text
        heading = ln.bold and ln.size >= body - BOLD_HEADING_SIZE_TOLERANCE and not bullet_marker(text)
        bullet = bullet_marker(text)
        new = prev is None or bullet or heading != (blocks[-1].kind == "heading") or \
            _date_line(text) or (bool(parts) and _date_line(parts[-1])) or \
            re.match(r"(?:Dear|Yours)\b", text) or (bool(parts) and re.match(r"(?:Dear|Yours)\b", parts[0])) or \
            (ln.page != prev.page and SENTENCE_CLOSE.search(parts[-1] if parts else ".") and not text[:1].islower()) or \
            (ln.page == prev.page and ln.y0 - prev.y1 > BLOCK_GAP * body) or \
            (ln.page == prev.page and abs(ln.x0 - prev.x0) > COLUMN_JUMP) or \
            (blocks[-1].kind == "bullet" and bool(parts) and SENTENCE_CLOSE.search(parts[-1])
             and ln.x0 <= block_x0 + LIST_MARGIN)
        if new:
            flush()
            kind = "heading" if heading else "bullet" if bullet else "text"
            blocks.append(Block(kind, "", ln.page, ln.y0))
            block_x0 = ln.x0
            if bullet:
                text = text[1:].strip()
        if text:
            parts.append(text)
        prev = ln
    flush()
    return [b for b in blocks if b.text]


def _date_line(text: str) -> bool:
    """A line that is only a date (a letter's date line) stands as a block of its own."""
    return DATE.fullmatch(text.strip(" .")) is not None
