"""Text lines out of a PDF: the only module that talks to the PDF library (PyMuPDF).

`read_pdf(path)` checks the file (missing, not a PDF, corrupt, truncated or repaired, encrypted, empty,
too many pages) and returns a
`PdfText`: each page's plain text and its lines (`Line`: page, box, font size, bold, text) in
reading order. Everything above works on `Line`s and never sees the library.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ReportError

# Body text lies between these fractions of the page height; above and below are the
# running header and footer (and the page number).
BODY_TOP = 0.072
BODY_BOTTOM = 0.935
# A heading drawn after the text under it is moved back when it stands at least this many
# points above the first block below it (the block's top) ...
MOVED_HEADING_MIN_RISE = 20
# ... and the blocks it would precede reach this many points below it (a real jump, not a neighbour).
MOVED_HEADING_MIN_SPAN = 40
# A span smaller than this share of its line's main size, raised (superscript flag), is a footnote marker.
SUPERSCRIPT_SIZE_RATIO = 0.8
# More pages than this is no single publication (the longest of 444 real reports has 58 pages); reading
# one costs about 10 ms and 0.1 MB a page, so the cap keeps a hostile file's cost bounded.
MAX_PDF_PAGES = 1_000
# A whole PDF ends with "%%EOF" within its last KB (readers look there for the trailer); a file cut
# short does not.
EOF_MARKER = b"%%EOF"
EOF_TAIL_BYTES = 1024
# PyMuPDF's span flags.
_FLAG_SUPERSCRIPT = 1
_FLAG_BOLD = 16


@dataclass
class Line:
    """One line of text as the PDF draws it (coordinates in points, y down the page)."""

    page: int
    x0: float
    x1: float
    y0: float
    y1: float
    size: float
    bold: bool
    text: str
    edge: bool = False  # near the top or bottom edge of its page


@dataclass
class PdfPage:
    """One page: its plain text and its lines with position and font."""

    number: int  # 1-based
    height: float
    text: str
    lines: list[Line] = field(default_factory=list)


@dataclass
class PdfText:
    """What ``read_pdf`` returns: the file and its pages."""

    path: Path
    pages: list[PdfPage]

    @property
    def page_texts(self) -> list[str]:
        """The plain text of each page, in page order."""
        return [p.text for p in self.pages]


def read_pdf(path: str | Path) -> PdfText:
    """The text and lines of every page. Raises ReportError naming the file and the reason."""
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
        doc: Any = pymupdf.open(path)  # Any: PyMuPDF's Document is not typed as iterable
    except Exception as exc:  # pymupdf raises several types for broken files
        raise ReportError(path, f"corrupt PDF ({exc})") from None
    with doc:
        if doc.needs_pass or doc.is_encrypted:
            raise ReportError(path, "encrypted PDF (password protected)")
        if doc.page_count == 0:
            raise ReportError(path, "corrupt PDF (no pages)")
        if doc.page_count > MAX_PDF_PAGES:
            raise ReportError(path, f"{doc.page_count:,} pages, more than the {MAX_PDF_PAGES:,} a publication "
                                    "may have (not a single report or letter)")
        try:
            pages = [PdfPage(i + 1, page.rect.height, page.get_text(), page_lines(page, i + 1))
                     for i, page in enumerate(doc)]
        except Exception as exc:
            raise ReportError(path, f"corrupt PDF ({exc})") from None
        damage = damage_reason(path, doc)
        if damage is not None:
            raise ReportError(path, damage)
    return PdfText(path, pages)


def damage_reason(path: Path, doc) -> str | None:
    """Why a PDF that opened is still not whole, or None: cut short, or repaired by the library.

    PyMuPDF silently rebuilds a broken cross-reference table and reads what is left, so a report cut
    short would read as a shorter, garbled report (misspelt findings, a grade missing). No published
    report needs repair, so one that does is refused. Called after the pages are read: repair can
    happen while a page loads.
    """
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        fh.seek(max(0, fh.tell() - EOF_TAIL_BYTES))
        tail = fh.read()
    if EOF_MARKER not in tail:
        return "truncated PDF (no %%EOF at its end: the file is incomplete, e.g. a download cut short)"
    if doc.is_repaired:
        return "damaged PDF (its structure had to be repaired, so its text cannot be trusted)"
    return None


def _text_top(block) -> float | None:
    """Where a block's first line with text starts (blocks may open with blank lines)."""
    tops = [ln["bbox"][1] for ln in block.get("lines", []) if any(s["text"].strip() for s in ln["spans"])]
    return min(tops) if tops else None


def _is_bold_span(span) -> bool:
    return bool(span["flags"] & _FLAG_BOLD) or "bold" in span["font"].lower()


def _is_heading_block(block) -> bool:
    """One line of bold text."""
    lines = [ln for ln in block.get("lines", []) if any(s["text"].strip() for s in ln["spans"])]
    return len(lines) == 1 and all(_is_bold_span(s) for s in lines[0]["spans"] if s["text"].strip())


def reading_order(blocks: list[dict], height: float) -> list[dict]:
    """PyMuPDF's block order, except that a heading it gives far below where it stands is put back in place.

    The content stream usually runs down the page, but now and then a heading is drawn after the text
    under it ("Recommendations" last on its page). Such a heading (one bold line, the last block of the
    page), in the column of the blocks before it and well above them, moves before the first of them
    that starts below it. Other blocks keep PyMuPDF's order: table cells beside each other (the grade
    after its label), margins.
    """
    def in_body(block):
        top = _text_top(block)
        return top is not None and BODY_TOP * height < top and block["bbox"][3] < BODY_BOTTOM * height

    last_body = max((i for i, b in enumerate(blocks) if in_body(b)), default=None)
    out: list[dict] = []
    for k, block in enumerate(blocks):
        x0, _, x1, y1 = block["bbox"]
        y0 = block["_top"] = _text_top(block)
        body = in_body(block)
        if body and k == last_body and _is_heading_block(block):  # the page's last block, drawn after the rest
            assert y0 is not None  # in_body() is False for a block without a top
            above = [i for i, b in enumerate(out) if b.get("_body") and b["_top"] > y0 + MOVED_HEADING_MIN_RISE
                     and b["bbox"][0] < x1 and x0 < b["bbox"][2]]
            if above and max(out[i]["bbox"][3] for i in above) > y1 + MOVED_HEADING_MIN_SPAN:
                block["_body"] = True
                out.insert(above[0], block)
                continue
        block["_body"] = bool(body)
        out.append(block)
    return out


def page_lines(page: Any, page_no: int) -> list[Line]:
    """The lines of one PyMuPDF page, in reading order, footnote markers dropped."""
    lines = []
    for block in reading_order(page.get_text("dict", sort=False)["blocks"], page.rect.height):
        for line in block.get("lines", []):
            spans = [s for s in line["spans"] if s["text"].strip()]
            if not spans:
                continue
            # a bullet glyph is often set larger than its text
            main = max((s["size"] for s in spans if any(c.isalnum() for c in s["text"])),
                       default=max(s["size"] for s in spans))
            # superscript footnote markers ("improve?1") are small raised spans
            kept = [s for s in spans if not (s["flags"] & _FLAG_SUPERSCRIPT and s["size"] < SUPERSCRIPT_SIZE_RATIO * main)]
            text = "".join(s["text"] for s in line["spans"] if s in kept or not s["text"].strip())
            text = text.replace("\u00a0", " ").strip()
            if not text:
                continue
            bold = all(_is_bold_span(s) for s in kept)
            lines.append(Line(page_no, line["bbox"][0], line["bbox"][2], line["bbox"][1], line["bbox"][3], main, bold,
                              text))
    return lines


def body_size(lines: list[Line]) -> float:
    """The font size (rounded) that carries the most characters: the body text's size."""
    weight: dict[float, int] = {}
    for ln in lines:
        key = round(ln.size)
        weight[key] = weight.get(key, 0) + len(ln.text)
    return float(max(weight, key=weight.__getitem__)) if weight else 12.0
