"""Text lines out of a PDF: the records every reader works on, the file checks and the choice of PDF library.

`read_pdf(path)` checks the file (missing, not a PDF, corrupt, encrypted, empty) and returns a
`PdfText`: each page's plain text and its lines (`Line`: page, box, font size, bold, text) in
reading order. Everything above works on `Line`s and never sees the library.

Two backends produce the same records: `pdfium` (pypdfium2, Apache-2.0/BSD: the base install)
and `pymupdf` (PyMuPDF, AGPL: the optional extra `ofsted-nlp[pymupdf]`). `read_pdf(path, backend=...)`
or the environment variable `OFSTED_NLP_PDF_BACKEND` picks one; the default is `DEFAULT_BACKEND`.
Only `pdf_pdfium.py` and `pdf_mupdf.py` import a PDF library.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, ReportError

# Body text lies between these fractions of the page height; above and below are the
# running header and footer (and the page number).
BODY_TOP = 0.072
BODY_BOTTOM = 0.935
# A heading drawn after the text under it is moved back when it stands at least this many
# points above the first block below it (the block's top) ...
MOVED_HEADING_MIN_RISE = 20
# ... and the blocks it would precede reach this many points below it (a real jump, not a neighbour).
MOVED_HEADING_MIN_SPAN = 40
# A span smaller than this share of its line's main size, raised (superscript), is a footnote marker.
SUPERSCRIPT_SIZE_RATIO = 0.8

# More pages than this is no single publication (the longest of 444 real reports has 58 pages); reading
# one costs about 10 ms and 0.1 MB a page, so the cap keeps a hostile file's cost bounded.
MAX_PDF_PAGES = 1_000
# A whole PDF ends with "%%EOF" within its last KB (readers look there for the trailer); a file cut
# short does not, and both PDF libraries would silently read what is left of it.
EOF_MARKER = b"%%EOF"
EOF_TAIL_BYTES = 1024

BACKENDS = ("pdfium", "pymupdf")
DEFAULT_BACKEND = "pdfium"
BACKEND_ENV = "OFSTED_NLP_PDF_BACKEND"


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


def pdf_backend(backend: str | None = None) -> str:
    """The backend to use: `backend` if given, else $OFSTED_NLP_PDF_BACKEND, else `DEFAULT_BACKEND`."""

    name = (backend or os.environ.get(BACKEND_ENV) or DEFAULT_BACKEND).strip().lower()
    if name not in BACKENDS:
        where = "backend" if backend else f"${BACKEND_ENV}"
        raise InputError(f"unknown PDF backend {name!r} ({where}); choose one of {', '.join(BACKENDS)}")
    return name


def read_pdf(path: str | Path, backend: str | None = None) -> PdfText:
    """The text and lines of every page. Raises ReportError naming the file and the reason."""
    name = pdf_backend(backend)
    path = Path(path)
    if not path.exists():
        raise ReportError(path, "file not found")
    if not path.is_file():
        raise ReportError(path, "not a file")
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if b"%PDF" not in head:
        raise ReportError(path, "not a PDF (no %PDF header)")
    damage = truncation_reason(path)
    if damage is not None:
        raise ReportError(path, damage)
    if name == "pymupdf":
        _require_pymupdf()
        from . import pdf_mupdf

        return PdfText(path, pdf_mupdf.read_pages(path))
    from . import pdf_pdfium

    return PdfText(path, pdf_pdfium.read_pages(path))


def truncation_reason(path: Path) -> str | None:
    """Why a PDF file is cut short, or None: no %%EOF in its last `EOF_TAIL_BYTES` bytes.

    The PDF libraries rebuild a broken file and read what is left, so a report cut short would read as
    a shorter, garbled report (misspelt findings, a grade missing): refused instead.
    """
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        fh.seek(max(0, fh.tell() - EOF_TAIL_BYTES))
        tail = fh.read()
    if EOF_MARKER not in tail:
        return "truncated PDF (no %%EOF at its end: the file is incomplete, e.g. a download cut short)"
    return None


def check_page_count(path: Path, count: int) -> None:
    """Refuse a PDF with no pages or more than `MAX_PDF_PAGES` (checked by each backend before reading)."""
    if count == 0:
        raise ReportError(path, "corrupt PDF (no pages)")
    if count > MAX_PDF_PAGES:
        raise ReportError(path, f"{count:,} pages, more than the {MAX_PDF_PAGES:,} a publication "
                                "may have (not a single report or letter)")


def _require_pymupdf() -> None:
    import importlib.util

    from ..errors import InputError

    if importlib.util.find_spec("pymupdf") is None:
        raise InputError("the 'pymupdf' PDF backend needs PyMuPDF (AGPL): pip install 'ofsted-nlp[pymupdf]'")


def body_size(lines: list[Line]) -> float:
    """The font size (rounded) that carries the most characters: the body text's size."""
    weight: dict[float, int] = {}
    for ln in lines:
        key = round(ln.size)
        weight[key] = weight.get(key, 0) + len(ln.text)
    return float(max(weight, key=weight.__getitem__)) if weight else 12.0
