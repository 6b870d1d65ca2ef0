"""The pypdfium2 backend of `pdf.read_pdf` (PDFium: Apache-2.0/BSD; the base install).

PDFium's text page gives every character with its box, baseline, font size, weight and font name,
in content-stream order. Lines are grouped from the characters by geometry, with the tolerances
below fitted so that the lines are PyMuPDF's: a new line where the baseline moves, where the pen
jumps far along the line (a table's next cell, a page number after a contents entry) or goes back;
a space where a gap is wider than a space's fraction of the size; superscript footnote markers are
dropped. On the 444 readable shared reports both backends give the same sentences, ids and grades
(benchmarks/bench_pdf_backends.py).
"""
from __future__ import annotations

import ctypes
import functools
import math
import sys
from array import array
from dataclasses import dataclass
from pathlib import Path

from ..errors import ReportError
from .pdf import (BODY_BOTTOM, BODY_TOP, MOVED_HEADING_MIN_RISE, MOVED_HEADING_MIN_SPAN, SUPERSCRIPT_SIZE_RATIO, Line,
                  PdfPage, check_page_count)

# A gap along the line wider than this many times the font size starts a new line, as PyMuPDF splits
# them: the next cell of a table row, the page number of a contents entry (fitted on 30 reports' lines:
# 0.8 splits "10.  The ..." where PyMuPDF does not, 1.2 joins "100." to the text after it where it splits).
LINE_SPLIT_GAP = 1.1
# A baseline this many times its font size above or below the last character's starts a new line
# (a raised footnote marker stays on its line; the next line is 1.2 sizes down or more).
LINE_BASELINE_SHIFT = 0.8
# A character this many points left of where the line started starts a new line (the pen went back).
LINE_BACKWARDS = 1.0
# A small character whose baseline stands this share of the line's size above the line's baseline
# is raised: a superscript.
SUPERSCRIPT_MIN_RISE = 0.15
# Fonts of at least this weight are bold (CSS weights: 400 regular, 700 bold).
BOLD_WEIGHT = 600
# A gap along the line wider than this many times the font size is a space when the PDF draws none
# ("10." then "The" 1.2 points on; fitted like LINE_SPLIT_GAP: 0.1 misses such spaces, 0.04 adds false ones).
SPACE_GAP = 0.08
# Boxes of neighbouring characters overlapping by more than this many points mean that the font's widths
# are unusable (a font the PDF does not embed, drawn with another's widths): PDFium's inferred spaces are
# trusted there instead of the gap rule.
WIDTHS_OVERLAP = 0.5
# A line's box runs from this many font sizes above its baseline (the em box's top, where PyMuPDF puts
# it for Ofsted's fonts: the paragraph and heading gaps of the layout rules were measured on those boxes)
# down to the font's descent.
LINE_TOP_ABOVE_BASELINE = 1.0
# Characters PDFium reports that are no text: NUL, unmapped glyphs.
_NOT_TEXT = {0x00, 0xFFFE, 0xFFFF}
# PDFium only ever infers spaces and line breaks.
_MAYBE_GENERATED = {0x20, 0x0D, 0x0A}
# PDFium reports a hyphen that ends a line as 0x02; PyMuPDF keeps it as the hyphen it is.
_HYPHEN = {0x02: "-"}
_FONT_NAME_CHARS = 128


@dataclass
class _Char:
    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    base: float  # baseline, y down the page
    size: float
    bold: bool


def read_pages(path: Path) -> list[PdfPage]:
    """Every page of a file already known to exist and to start like a PDF."""
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ReportError(path, "encrypted PDF (password protected)") from None
        raise ReportError(path, f"corrupt PDF ({exc})") from None
    try:
        check_page_count(path, len(doc))
        pages = []
        for i in range(len(doc)):
            page = doc[i]
            try:
                lines, height = _page_lines(page, i + 1)
            finally:
                page.close()
            pages.append(PdfPage(i + 1, height, "".join(ln.text + "\n" for ln in lines), reading_order(lines, height)))
        return pages
    except ReportError:
        raise
    except Exception as exc:
        raise ReportError(path, f"corrupt PDF ({exc})") from None
    finally:
        doc.close()


def _page_lines(page, page_no: int) -> tuple[list[Line], float]:
    """The lines of one page in content-stream order (the page's plain text), and the page height."""
    left, _, _, top = page.get_cropbox()
    height = page.get_height()
    textpage = page.get_textpage()
    try:
        runs = _char_runs(textpage, left, top)
    finally:
        textpage.close()
    return [ln for ln in (_line(run, page_no) for run in runs) if ln is not None], height


def _page_codes(tp, n: int) -> list[int]:
    """Every character's code point in one call (PDFium's bulk text; its 0xFFFE may be a line-end hyphen)."""
    import pypdfium2.raw as raw

    buf = ctypes.create_string_buffer((n + 1) * 2)
    got = raw.FPDFText_GetText(tp, 0, n, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)))
    units = array("H", buf.raw[:max(got - 1, 0) * 2])  # UTF-16LE, less the closing NUL
    if sys.byteorder == "big":
        units.byteswap()
    if len(units) != n:  # (characters outside the BMP come as pairs: ask one by one)
        return [raw.FPDFText_GetUnicode(tp, i) for i in range(n)]
    return [raw.FPDFText_GetUnicode(tp, i) if u == 0xFFFE else u for i, u in enumerate(units)]


class _Api:
    """The PDFium calls made once per character, bound with plain pointer types (much faster than the
    generated bindings' argument conversion, which dominated the reading time)."""

    @classmethod
    @functools.cache
    def get(cls) -> _Api:
        return cls()

    def __init__(self):
        import pypdfium2.raw as raw

        def bind(name, restype, *argtypes):
            address = ctypes.cast(getattr(raw, name), ctypes.c_void_p).value
            assert address is not None, f"PDFium has no {name}"
            return ctypes.CFUNCTYPE(restype, *argtypes)(address)

        ptr, idx = ctypes.c_void_p, ctypes.c_int
        self.text_object = bind("FPDFText_GetTextObject", ptr, ptr, idx)
        self.loose_box = bind("FPDFText_GetLooseCharBox", ctypes.c_int, ptr, idx, ptr)
        self.is_generated = bind("FPDFText_IsGenerated", ctypes.c_int, ptr, idx)


def _char_runs(textpage, left: float, top: float) -> list[list[_Char | None]]:
    """The page's characters cut into lines; None marks a space inferred from a gap between characters."""
    import pypdfium2.raw as raw

    api = _Api.get()
    tp = ctypes.cast(textpage.raw, ctypes.c_void_p).value
    rect = raw.FS_RECTF()
    prect = ctypes.addressof(rect)
    ox, oy = ctypes.c_double(), ctypes.c_double()
    matrix = raw.FS_MATRIX()
    name, flags = ctypes.create_string_buffer(_FONT_NAME_CHARS), ctypes.c_int()
    # text object -> (size, bold, baseline below the loose box's bottom): one font and rise an object
    fonts: dict[int | None, tuple[float, bool, float]] = {}
    runs: list[list[_Char | None]] = []
    run: list[_Char | None] = []
    last: _Char | None = None  # the run's last character with ink
    inferred_space = False  # PDFium inferred a space after it
    bad_widths = False  # the last character's box overlaps the one before it
    for i, code in enumerate(_page_codes(textpage.raw, raw.FPDFText_CountChars(textpage.raw))):
        if code in _NOT_TEXT:
            continue
        if code in _MAYBE_GENERATED and api.is_generated(tp, i):
            # PDFium's inferred line breaks are not used (it joins the lines of a hyphenated word and
            # breaks a line after a raised footnote marker), nor its spaces, but where a font's widths
            # are unusable (the boxes overlap): the geometry below decides, as PyMuPDF's does
            inferred_space = code == 0x20
            continue
        key = api.text_object(tp, i)
        api.loose_box(tp, i, prect)
        font = fonts.get(key)
        if font is None:
            raw.FPDFText_GetFontInfo(textpage.raw, i, name, _FONT_NAME_CHARS, flags)
            weight = raw.FPDFText_GetFontWeight(textpage.raw, i)
            raw.FPDFText_GetCharOrigin(textpage.raw, i, ox, oy)
            raw.FPDFText_GetMatrix(textpage.raw, i, matrix)
            # the size set with the font times the text and page matrices' scale (some PDFs set
            # size 1 and scale the text to 14 points), as PyMuPDF gives it
            scale = math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c)) or 1.0
            font = fonts[key] = (raw.FPDFText_GetFontSize(textpage.raw, i) * scale,
                                 weight >= BOLD_WEIGHT or b"bold" in name.value.lower(), rect.bottom - oy.value)
        size, bold, below = font
        base = top - rect.bottom + below
        ch = _Char(_HYPHEN.get(code, chr(code)), rect.left - left, rect.right - left,
                   base - LINE_TOP_ABOVE_BASELINE * size, top - rect.bottom, base, size, bold)
        new_line = last is not None and (ch.x0 - last.x1 > LINE_SPLIT_GAP * min(size, last.size)
                                         or (run[0] is not None and ch.x0 < run[0].x0 - LINE_BACKWARDS)
                                         or abs(ch.base - last.base) > LINE_BASELINE_SHIFT * size)
        if ch.text.isspace():  # a space the PDF draws: kept inside its line, never opening one
            if run and run[-1] is not None and not new_line:
                run.append(ch)
            continue
        if last is not None:
            gap = ch.x0 - last.x1
            if new_line:
                runs.append(run)
                run = []
            elif run[-1] is last and (gap > SPACE_GAP * size or (inferred_space and (gap < 0 or bad_widths))):
                run.append(None)
        # a font whose widths are unusable (a substituted font: its boxes overlap)
        bad_widths = bool(run) and last is not None and ch.x0 < last.x1 - WIDTHS_OVERLAP
        run.append(ch)
        last, inferred_space = ch, False
    if run:
        runs.append(run)
    return runs


def _line(run: list[_Char | None], page_no: int) -> Line | None:
    """One line from its characters: footnote markers dropped, bold when every letter is."""
    chars = [c for c in run if c is not None]
    ink = [c for c in chars if not c.text.isspace()]
    if not ink:
        return None
    main = max((c.size for c in ink if c.text.isalnum()), default=max(c.size for c in ink))
    baseline = max(c.base for c in ink if c.size == main) if any(c.size == main for c in ink) else ink[0].base
    # (a marker that opens the line is kept, as PyMuPDF keeps it: "2 The local authority ..." in a footnote)
    first = next(i for i, c in enumerate(ink) if not _is_raised(c, main, baseline))
    raised = {id(c) for c in ink[first:] if _is_raised(c, main, baseline)}
    text = "".join(" " if c is None else c.text for c in run if c is None or id(c) not in raised)
    text = text.replace("\u00a0", " ").strip()
    if not text:
        return None
    kept = [c for c in ink if id(c) not in raised]
    return Line(page_no, min(c.x0 for c in chars), max(c.x1 for c in chars), min(c.y0 for c in chars),
                max(c.y1 for c in chars), main, all(c.bold for c in kept), text)


def _is_raised(c: _Char, main: float, baseline: float) -> bool:
    return c.size < SUPERSCRIPT_SIZE_RATIO * main and c.base < baseline - SUPERSCRIPT_MIN_RISE * main


def reading_order(lines: list[Line], height: float) -> list[Line]:
    """Content-stream order, except that a heading drawn after the text under it is put back in place.

    The line-level counterpart of `pdf_mupdf.reading_order`: when the page's last body line is a
    bold line standing well above the body lines before it in its column, it moves before the first
    of them that starts below it.
    """
    def in_body(ln: Line) -> bool:
        return BODY_TOP * height < ln.y0 and ln.y1 < BODY_BOTTOM * height

    body = [i for i, ln in enumerate(lines) if in_body(ln)]
    if not body or not lines[body[-1]].bold:
        return lines
    k = body[-1]
    head = lines[k]
    if k > 0 and lines[k - 1].bold and abs(lines[k - 1].y1 - head.y0) < head.size:
        return lines  # the last line of a heading of several lines, not a heading of its own
    rest = lines[:k] + lines[k + 1:]
    above = [i for i, ln in enumerate(rest) if i < k and in_body(ln) and ln.y0 > head.y0 + MOVED_HEADING_MIN_RISE
             and ln.x0 < head.x1 and head.x0 < ln.x1]
    if above and max(rest[i].y1 for i in above) > head.y1 + MOVED_HEADING_MIN_SPAN:
        rest.insert(above[0], head)
        return rest
    return lines
