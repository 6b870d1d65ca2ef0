"""The PyMuPDF backend of `pdf.read_pdf` (AGPL: installed with the `pymupdf` extra).

PyMuPDF groups characters into spans, lines and blocks itself; this module turns its blocks into
`Line`s in reading order. It is the reference the permissive backend (`pdf_pdfium`) is measured
against (benchmarks/bench_pdf_backends.py).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ReportError
from .pdf import (BODY_BOTTOM, BODY_TOP, MOVED_HEADING_MIN_RISE, MOVED_HEADING_MIN_SPAN, SUPERSCRIPT_SIZE_RATIO, Line,
                  PdfPage, check_page_count)

# PyMuPDF's span flags.
_FLAG_SUPERSCRIPT = 1
_FLAG_BOLD = 16


def read_pages(path: Path) -> list[PdfPage]:
    """Every page of a file already known to exist and to start like a PDF."""
    import pymupdf

    try:
        doc: Any = pymupdf.open(path)  # Any: PyMuPDF's Document is not typed as iterable
    except Exception as exc:  # pymupdf raises several types for broken files
        raise ReportError(path, f"corrupt PDF ({exc})") from None
    with doc:
        if doc.needs_pass or doc.is_encrypted:
            raise ReportError(path, "encrypted PDF (password protected)")
        check_page_count(path, doc.page_count)
        try:
            pages = [PdfPage(i + 1, page.rect.height, page.get_text(), page_lines(page, i + 1))
                     for i, page in enumerate(doc)]
        except Exception as exc:
            raise ReportError(path, f"corrupt PDF ({exc})") from None
        # PyMuPDF rebuilds a broken cross-reference table while pages load; no published report needs it
        if doc.is_repaired:
            raise ReportError(path, "damaged PDF (its structure had to be repaired, so its text cannot be trusted)")
        return pages


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
