"""What a caller passes, checked in one place: options, texts, lists, sizes and cuts.

Every entry point (``classify``, the CLI) uses these checks, so a bad input gets the same answer
wherever it comes in. Cuts that keep time and memory bounded warn ``InputTruncatedWarning``.
"""
from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable
from pathlib import Path
from types import FrameType

from .errors import InputError
from .results import InputTruncatedWarning

MAX_SENTENCE_CHARS = 1_000
MAX_TEXT_CHARS = 200_000
MAX_SENTENCES = 5_000

ACCEPTED_INPUTS = (
    "a sentence (str; split=True reads it as a document), a list or tuple of sentences, a pathlib.Path to a "
    "report or letter PDF or a .txt, .md or .html file (lines=True: one sentence per line), or an "
    "ofsted_nlp.reading.Document"
)


def _check_options(batch_size, progress, split, top_k) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InputError(f"batch_size must be an int >= 1, got {batch_size!r}")
    if not (progress is None or isinstance(progress, bool) or callable(progress)):
        raise InputError(f"progress must be None, True, False or a callable(done, total), got {progress!r}")
    if not isinstance(split, bool):
        raise InputError(f"split must be True or False, got {split!r}")
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0:
        raise InputError(f"top_k must be an int >= 0, got {top_k!r}")


def _check_text(text: str, what: str) -> None:
    if not text.strip():
        shown = "an empty string" if not text else "only whitespace"
        raise InputError(f"{what} is {shown}; expected a sentence with words in it")
    try:  # lone surrogates (bytes that were not UTF-8, decoded with surrogateescape) break the model's tokenizer
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"{what} holds characters that are not valid Unicode (a lone surrogate at character "
                         f"{exc.start}, e.g. from bytes that were not UTF-8); decode the text as UTF-8 "
                         "or replace them first") from None


def _warn_if_looks_like_a_path(text: str) -> None:
    candidate = text.strip()
    if (len(candidate) < 4096 and "\n" not in candidate and candidate.lower().endswith((".pdf", ".txt"))
            and Path(candidate).is_file()):
        _warn(f"classify() treats a str as text to classify, not as a file name; "
              f"to read the file, pass pathlib.Path({candidate!r})", category=UserWarning)


def _prepare_list(items) -> tuple[list[str], list[bool]]:
    texts, cut = [], []
    for i, item in enumerate(items):
        if isinstance(item, (bytes, bytearray)):
            raise InputError(f"item {i} of the list is {type(item).__name__}; decode it to str first")
        if not isinstance(item, str):
            raise InputError(f"item {i} of the list is {type(item).__name__}, not str ({item!r:.60}); "
                             "every item must be a sentence")
        _check_text(item, f"item {i} of the list")
        text, was_cut = _truncate(item)
        texts.append(text)
        cut.append(was_cut)
    _warn_cut(cut, "item")
    return texts, cut


def _warn_cut(cut: list[bool], what: str, names=None) -> None:
    positions = [i for i, c in enumerate(cut) if c]
    if not positions:
        return
    labels = [str(names[i]) if names is not None else str(i) for i in positions]
    shown = ", ".join(labels[:10]) + (" ..." if len(labels) > 10 else "")
    _warn(f"{len(positions):,} sentence(s) longer than {MAX_SENTENCE_CHARS:,} characters were cut to their "
          f"first {MAX_SENTENCE_CHARS:,} for the model ({what} {shown})")


def _warn(message: str, category=InputTruncatedWarning) -> None:
    warnings.warn(message, category, stacklevel=_caller_stacklevel())


_PACKAGE_DIR = str(Path(__file__).resolve().parent)


def _caller_stacklevel() -> int:
    """The stacklevel that points a warning at the first frame outside ofsted_nlp (the caller)."""
    frame: FrameType | None
    frame, level = sys._getframe(2), 2  # 1 = _warn, 2 = its caller
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    return level


def _truncate(text: str) -> tuple[str, bool]:
    if len(text) <= MAX_SENTENCE_CHARS:
        return text, False
    cut = text[:MAX_SENTENCE_CHARS]
    space = cut.rfind(" ", MAX_SENTENCE_CHARS - 100)
    if space > 0:
        cut = cut[:space]
    return cut.rstrip(), True



def _read_lines(fh, limit: int = MAX_SENTENCE_CHARS) -> Iterable[tuple[int, str, bool]]:
    """(line number, text, was cut) for each non-empty line; reads at most ``limit`` characters of
    a line into memory however long the line is."""
    number = 0
    while True:
        part = fh.readline(limit + 1)
        if not part:
            return
        number += 1
        cut = False
        if len(part) > limit and not part.endswith("\n"):
            cut = True
            while True:  # skip the rest of an over-long line without holding it
                rest = fh.readline(65536)
                if not rest or rest.endswith("\n"):
                    break
        text = part.rstrip("\r\n")
        if not text.strip():
            continue
        if cut:
            text, _ = _truncate(text)
        yield number, text, cut


