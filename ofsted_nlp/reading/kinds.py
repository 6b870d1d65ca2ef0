"""Which kind of publication a source is, and the reader for it: `read_document`.

- a PDF: an Ofsted letter (it opens "Dear ..." and ends "Yours sincerely") is read by
  `letters`; a full inspection report (its front page names the framework) by `report`;
  any other PDF (a school report, an unrelated file) raises ReportError saying what it looks like;
- `.txt`, `.md`, `.html`/`.htm` files, stdin and `str`: blocks of text (HTML's main content by
  trafilatura), then a letter when it reads as one, else news or other text.

Non-English text is detected with lingua and reported: the document's `language` is set, a
warning is added, and none of its sentences is a finding.
"""
from __future__ import annotations

import dataclasses
import functools
import re
import os
import warnings
from pathlib import Path

from ..errors import InputError, ReportError
from .blocks import pdf_blocks
from .document import Document, finish
from .layout import content_lines
from .letters import letter_kind, letter_document
from .metadata import detect_era, publication_date
from .pdf import read_pdf
from .report import FRONT_PAGES, report_from_pdf
from .text import html_to_markdown, lines_blocks, news_document, text_blocks

TEXT_SUFFIXES = (".txt", ".text", ".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
# The most characters of a text file read as a document; the rest is dropped with a warning.
MAX_FILE_CHARS = 2_000_000
# The largest text input accepted at all (a file, or stdin): bigger or endless input (a link to
# /dev/zero, a pipe that never closes) is refused rather than read (tens of MB is far beyond any
# publication: the longest report's text is about 0.3 MB).
MAX_INPUT_BYTES = 50_000_000
# Languages lingua chooses between (a few, for speed); text in any other is taken as the nearest.
LANGUAGES = ("ENGLISH", "FRENCH", "GERMAN", "SPANISH", "ITALIAN", "PORTUGUESE", "POLISH", "DUTCH", "WELSH")
# Characters of a document's finding text that lingua reads, and the words it needs to judge.
LANGUAGE_SAMPLE_CHARS = 3_000
LANGUAGE_MIN_WORDS = 4
# A text is read as another language only when lingua gives English less than this confidence. Its fast
# (trigram) mode names another language for about 1 in 400 English report sentences ("Not all professional
# contacts provide sufficient information ..." as French), but with English still at 0.001-0.06; a text
# really in another language leaves English at 0.0. On the 12,953 gold sentences of 4+ words this floor
# flags none (the fast mode alone flagged 32); French, German, Spanish, Italian, Portuguese, Polish, Dutch
# and Welsh sentences are all still flagged.
ENGLISH_CONFIDENCE_FLOOR = 1e-3


class DocumentWarning(UserWarning):
    """A document was read, but something about it needs the reader's attention (e.g. not English)."""


def read_document(source: str | os.PathLike[str], *, lines: bool = False, doc_id: str | None = None) -> Document:
    """Read a publication: a `pathlib.Path` to a .pdf, .txt, .md, .html or .htm file, or a `str` of text.

    `lines=True` reads each non-empty line of a text as one item (no sentence splitting).
    Raises ReportError for a PDF that cannot be read or is no Ofsted children's services
    publication, InputError for other files that cannot be read.
    """
    if isinstance(source, str):
        return read_text(source, doc_id=doc_id or "text", lines=lines)
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix == ".pdf" or has_pdf_header(path):
        return read_pdf_document(path)
    if suffix in TEXT_SUFFIXES + HTML_SUFFIXES:
        text = _read_file(path)
        if suffix in HTML_SUFFIXES:
            text = html_to_markdown(text)
            if not text.strip():
                raise InputError(f"{path}: no main text found in the HTML page")
        return read_text(text, doc_id=doc_id or path.stem, path=str(path), lines=lines)
    raise InputError(f"{path}: unsupported file type {path.suffix or '(no suffix)'!r}; expected .pdf, .txt, .md, "
                     ".html or .htm")


def read_pdf_document(path: Path) -> Document:
    """A PDF as the document of its kind: a letter (focused or monitoring visit, JTAI...), or else a
    full inspection report. Raises ReportError for a PDF that is neither."""
    pdf = read_pdf(path)
    full = "\n".join(pdf.page_texts)
    kind = letter_kind("\n".join(pdf.page_texts[:1]) + "\n" + "\n".join(pdf.page_texts[-2:]))
    if kind is not None:
        margins: list = []
        lines, body = content_lines(pdf.pages, back_cover=False, letter=True, margins=margins)
        doc = letter_document(pdf_blocks(lines, body), path=str(path), report_id=path.stem, kind=kind,
                              margins=margins)
        doc.publication_date = publication_date("", path.stem)
        return _checked(finish(doc))
    if detect_era("\n".join(pdf.page_texts[:FRONT_PAGES])) is not None:
        return report_from_pdf(pdf)
    raise ReportError(path, _wrong_kind(full))


def _wrong_kind(text: str) -> str:
    t = " ".join(text.split()).lower()
    if "ofsted" in t and re.search(r"\b(?:pupils|headteacher|school inspection|this school|the school)\b", t):
        return ("not an Ofsted inspection report or visit letter about local authority children's services: "
                "it reads as a school inspection report")
    return ("not an Ofsted inspection report or visit letter about local authority children's services "
            "(no inspection title, judgements or letter found)")


def read_text(text: str, *, doc_id: str = "text", path: str | None = None, lines: bool = False) -> Document:
    """A str of text (plain, Markdown or extracted HTML) as a letter or news/other text."""
    if not text.strip():
        raise InputError(f"{path or 'the text'} has no non-empty line; expected text with words in it")
    blocks = lines_blocks(text) if lines else text_blocks(text)
    kind = None if lines else letter_kind(text)
    if kind is not None:
        doc = letter_document(blocks, path=path or "", report_id=doc_id, kind=kind)
    else:
        doc = news_document(blocks, path=path or "", report_id=doc_id)
    doc.publication_date = publication_date("", doc_id)
    return _checked(finish(doc))


def _checked(doc: Document) -> Document:
    """Set the document's language; a document not in English has no findings and says so."""
    sample = " ".join(s.text for s in doc.sentences if s.is_finding)[:LANGUAGE_SAMPLE_CHARS]
    language = detect_language(sample)
    doc.language = language
    if language not in (None, "english"):
        message = f"{doc.report_id}: the text reads as {language}, not English; its sentences are not classified as findings"
        doc.warnings.append(message)
        warnings.warn(message, DocumentWarning, stacklevel=3)
        for element in doc.paragraphs:

            element.sentences[:] = [dataclasses.replace(s, is_finding=False, role=s.role or "not_english")
                                    for s in element.sentences]
    return doc


def detect_language(text: str) -> str | None:
    """The language of a text as lingua names it in lower case ("english"), or None when too short to tell."""
    return detect_languages([text])[0]


def detect_languages(texts: list[str]) -> list[str | None]:
    """`detect_language` for many texts at once (lingua works through them on all cores)."""
    long_enough = [i for i, t in enumerate(texts) if len(t.split()) >= LANGUAGE_MIN_WORDS]
    out: list[str | None] = [None] * len(texts)
    if long_enough:
        from lingua import Language

        detector = _detector()
        found = detector.detect_languages_in_parallel_of([texts[i] for i in long_enough])
        for i, language in zip(long_enough, found):
            if language is not None and language != Language.ENGLISH and \
                    detector.compute_language_confidence(texts[i], Language.ENGLISH) >= ENGLISH_CONFIDENCE_FLOOR:
                language = Language.ENGLISH  # the fast mode's near miss: English is still plausible
            out[i] = language.name.lower() if language is not None else None
    return out


@functools.lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    # Low-accuracy mode (trigrams only): builds in 0.1 s and 30 MB instead of 1.6 s and ~400 MB, and still
    # tells English from the other languages listed, which is all the check needs.
    return (LanguageDetectorBuilder.from_languages(*(getattr(Language, name) for name in LANGUAGES))
            .with_low_accuracy_mode().build())


def has_pdf_header(path: Path) -> bool:
    """Whether the file starts like a PDF (its header within the first KB), whatever its suffix."""
    if not path.is_file():  # opening a pipe would wait for a writer
        return False
    try:
        with open(path, "rb") as fh:
            return b"%PDF" in fh.read(1024)
    except OSError:
        return False


def check_text_file(path: Path) -> None:
    """InputError unless ``path`` is a regular file of at most MAX_INPUT_BYTES (a device, a pipe or a
    socket could be endless or wait forever for a writer)."""
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if path.is_dir():
        raise InputError(f"{path} is a directory; pass one file")
    if not path.is_file():
        raise InputError(f"{path}: not a regular file (a device, pipe or socket); pass a PDF, .txt, .md or "
                         ".html file")
    size = path.stat().st_size
    if size > MAX_INPUT_BYTES:
        raise InputError(f"{path}: {size:,} bytes, more than the {MAX_INPUT_BYTES:,} a text input may have")


def _read_file(path: Path) -> str:
    check_text_file(path)
    try:
        with open(path, encoding="utf-8-sig", newline=None) as fh:
            text = fh.read(MAX_FILE_CHARS + 1)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if "\x00" in text[:4096]:
        raise InputError(f"{path}: binary data, not text")
    if len(text) > MAX_FILE_CHARS:
        warnings.warn(f"{path}: read only its first {MAX_FILE_CHARS:,} characters", DocumentWarning, stacklevel=3)
        text = text[:MAX_FILE_CHARS]
    return text
