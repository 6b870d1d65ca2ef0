"""``classify()``: the library's public face, and the classification of a document.

What goes in and what comes out
-------------------------------
==========================================  ==================================================
``classify("One sentence.")``               one ``Finding`` for the whole text
``classify([s1, s2, ...])`` (or tuple)      a list of ``Finding``, same order; ``[]`` for ``[]``
``classify(text, split=True)``              a list of ``Finding``: the text read as a document
                                            (paragraphs, bullets, pysbd sentences; a letter's
                                            letterhead and sign-off marked ``is_finding=False``)
``classify(Path("report.pdf"))``            a ``DocumentFindings``: findings with provenance,
``classify(Path("letter.pdf"|.txt|.md|.html))``  the document's kind and metadata, and a summary
``classify(document)`` (a reading.Document) a ``DocumentFindings`` (report context sections skipped)
``classify(Path("x.txt"), lines=True)``     a list of ``Finding``, one per non-empty line
==========================================  ==================================================

A ``str`` is always text, never a file name: pass ``pathlib.Path`` to read a file.

Sizes (bounded time and memory, never a crash; each cut is reported with ``warnings.warn``
of category ``InputTruncatedWarning``): a sentence longer than ``MAX_SENTENCE_CHARS`` (1,000)
characters is cut for the model (``Finding.truncated``); ``split=True`` reads at most
``MAX_TEXT_CHARS`` (200,000) characters and classifies at most ``MAX_SENTENCES`` (5,000) sentences.

Findings and not-findings
-------------------------
Every finding carries ``is_finding``. It is False for boilerplate (letterhead, address,
salutation, sign-off, byline, the sentences that describe the visit itself), for text that
lingua reads as another language than English (a warning says so), and, when the model has
learnt the ``none`` area class (``"none" in model.area_classes_``), for every sentence it
predicts ``none``. Summaries leave non-findings out of area scores and strongest findings.

Models: see ``ofsted_nlp.loading`` (``model=None`` is ``$OFSTED_NLP_MODEL`` or the shipped default).
"""
from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from .errors import InputError, ModelLoadError, ReportError
from .features import PLAIN, compose
from .inputs import (ACCEPTED_INPUTS, MAX_SENTENCE_CHARS, MAX_SENTENCES, MAX_TEXT_CHARS, _check_options,
                     _check_text, _prepare_list, _read_lines, _truncate, _warn, _warn_cut,
                     _warn_if_looks_like_a_path)
from .labels import AREAS, NOT_A_FINDING
from .loading import DEFAULT_MODEL_DIR, MODEL_ENV, clear_model_cache, get_model
from .results import (PROVENANCE_FIELDS, DocumentFindings, Finding, InputTruncatedWarning, Provenance,
                      ReportFindings)
from .summary import DEFAULT_THRESHOLDS, GradeThresholds, summarise

if TYPE_CHECKING:
    from .reading.document import Document

__all__ = ["classify", "classify_document", "get_model", "clear_model_cache", "Finding", "Provenance",
           "DocumentFindings", "ReportFindings", "InputTruncatedWarning", "PROVENANCE_FIELDS", "DEFAULT_MODEL_DIR",
           "MODEL_ENV", "MAX_SENTENCE_CHARS", "MAX_TEXT_CHARS", "MAX_SENTENCES"]

# progress=None shows a bar only on a terminal and only for at least this many sentences.
AUTO_PROGRESS_MIN = 2_000
# Report sections whose sentences are not findings about practice: "Information about this local
# authority" and the like state numbers and context. They are not classified (the report-level
# evaluation in experiments/report_level.py leaves them out too).
REPORT_SKIPPED_SECTION_KINDS = ("context",)


# The result's type follows from the input's and from split/lines (see the table above).
@overload
def classify(inputs: str, model: Any = None, *, batch_size: int = 256,
             progress: bool | Callable[[int, int], None] | None = None,
             split: Literal[False] = False, lines: bool = False,
             thresholds: GradeThresholds | Mapping[str, float] | None = None, top_k: int = 3) -> Finding: ...


@overload
def classify(inputs: str, model: Any = None, *, batch_size: int = 256,
             progress: bool | Callable[[int, int], None] | None = None,
             split: Literal[True], lines: bool = False,
             thresholds: GradeThresholds | Mapping[str, float] | None = None, top_k: int = 3) -> list[Finding]: ...


@overload
def classify(inputs: list[str] | tuple[str, ...], model: Any = None, *, batch_size: int = 256,
             progress: bool | Callable[[int, int], None] | None = None,
             split: bool = False, lines: bool = False,
             thresholds: GradeThresholds | Mapping[str, float] | None = None, top_k: int = 3) -> list[Finding]: ...


@overload
def classify(inputs: os.PathLike | Document, model: Any = None, *, batch_size: int = 256,
             progress: bool | Callable[[int, int], None] | None = None,
             split: bool = False, lines: Literal[False] = False,
             thresholds: GradeThresholds | Mapping[str, float] | None = None, top_k: int = 3) -> DocumentFindings: ...


@overload
def classify(inputs: os.PathLike, model: Any = None, *, batch_size: int = 256,
             progress: bool | Callable[[int, int], None] | None = None,
             split: bool = False, lines: Literal[True],
             thresholds: GradeThresholds | Mapping[str, float] | None = None, top_k: int = 3) -> list[Finding]: ...


@overload
def classify(inputs: str | Sequence[str] | os.PathLike | Document, model: Any = None, *, batch_size: int = 256,
             progress: bool | Callable[[int, int], None] | None = None,
             split: bool = False, lines: bool = False,
             thresholds: GradeThresholds | Mapping[str, float] | None = None, top_k: int = 3) -> Finding | list[Finding] | DocumentFindings: ...


def classify(inputs: str | Sequence[str] | os.PathLike | Document, model: Any = None, *, batch_size: int = 256,
             progress: bool | Callable[[int, int], None] | None = None, split: bool = False,
             lines: bool = False, thresholds: GradeThresholds | Mapping[str, float] | None = None,
             top_k: int = 3) -> Finding | list[Finding] | DocumentFindings:
    """Classify sentences into a service area and a polarity.

    inputs:     see the module docstring (str, list/tuple of str, Path to .pdf/.txt/.md/.html, Document).
    model:      None (default model), a model directory, an MLflow model URI, or a loaded model.
    batch_size: sentences per call to the model.
    progress:   None (a tqdm bar on stderr for long inputs when stderr is a terminal), True
                (always a bar), False (never), or a callable ``progress(done, total)``.
    split:      for a str only: read it as a document and return a list of findings, one a sentence.
    lines:      for a text file: one finding per non-empty line (no sentence splitting).
    thresholds, top_k: for documents: the grade cut points (``summary.GradeThresholds``, or a dict /
                object that ``GradeThresholds.coerce`` takes) and how many strongest findings per
                area and polarity the summary keeps.

    Raises InputError (bad input), ReportError (a PDF that cannot be read as an Ofsted children's
    services publication), ModelLoadError (no such model). Warns InputTruncatedWarning when it cuts input.
    """
    _check_options(batch_size, progress, split, top_k)
    if not isinstance(lines, bool):
        raise InputError(f"lines must be True or False, got {lines!r}")
    if thresholds is not None:
        thresholds = GradeThresholds.coerce(thresholds)
    from .reading.document import Document

    if inputs is None:
        raise InputError(f"classify() got None; expected {ACCEPTED_INPUTS}")
    if isinstance(inputs, Document):
        return classify_document(inputs, model, batch_size=batch_size, progress=progress, thresholds=thresholds,
                                 top_k=top_k)
    if isinstance(inputs, (bytes, bytearray, memoryview)):
        raise InputError(f"classify() got {type(inputs).__name__}; decode it to str first (e.g. "
                         f"data.decode('utf-8')) or pass a pathlib.Path to the file; expected {ACCEPTED_INPUTS}")
    if isinstance(inputs, str):
        return _classify_str(inputs, model, batch_size, progress, split)
    if split:
        raise InputError("split=True applies to a single str only")
    if isinstance(inputs, os.PathLike):
        return _classify_path(Path(inputs), model, batch_size, progress, thresholds, top_k, lines)
    if isinstance(inputs, (list, tuple)):
        texts, cut = _prepare_list(inputs)
        return _classify_texts(texts, model, batch_size, progress, truncated=cut, check_language=True)
    hint = ""
    if isinstance(inputs, Iterable) and not isinstance(inputs, (Mapping, set, frozenset)):
        hint = " (convert it with list(...) first)"
    raise InputError(f"classify() got {type(inputs).__name__}{hint}; expected {ACCEPTED_INPUTS}")


# Sentences classified at a time by iter_classify: big enough for the model's batches, small enough that
# a stream of millions holds only this many texts and findings at once (about 1 KB each).
STREAM_CHUNK_SIZE = 4_096


def iter_classify(texts: Iterable[str], model: Any = None, *, chunk_size: int = STREAM_CHUNK_SIZE,
                  batch_size: int = 256) -> Iterator[Finding]:
    """Classify a stream of sentences (any iterable of str: a file's lines, a DataFrame column, a
    generator), yielding one Finding per sentence in order, ``chunk_size`` at a time.

    For corpora too large to hold every Finding at once: memory stays bounded by ``chunk_size``
    whatever the stream's length. Each chunk is checked as ``classify`` checks a list, so a bad item
    raises InputError when its chunk is reached, after the findings of earlier chunks were yielded.
    """
    if isinstance(texts, (str, bytes, bytearray)) or not isinstance(texts, Iterable):
        raise InputError(f"iter_classify() takes an iterable of str, got {type(texts).__name__}")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise InputError(f"chunk_size must be a positive int, got {chunk_size!r}")
    finding_model = get_model(model)  # loaded once, not per chunk
    chunk: list[str] = []
    for text in texts:
        chunk.append(text)
        if len(chunk) == chunk_size:
            yield from classify(chunk, finding_model, batch_size=batch_size, progress=False)
            chunk = []
    if chunk:
        yield from classify(chunk, finding_model, batch_size=batch_size, progress=False)


def _classify_str(text: str, model, batch_size, progress, split: bool):
    _check_text(text, "the text")
    _warn_if_looks_like_a_path(text)
    if not split:
        short, cut = _truncate(text)
        if cut:
            _warn(f"the text has {len(text):,} characters; classified its first {len(short):,} "
                  f"(limit {MAX_SENTENCE_CHARS:,}); pass split=True to classify it sentence by sentence")
        return _classify_texts([short], model, batch_size, progress, truncated=[cut], check_language=True)[0]
    from .reading.kinds import read_text

    if len(text) > MAX_TEXT_CHARS:
        _warn(f"the text has {len(text):,} characters; read only the first {MAX_TEXT_CHARS:,} "
              f"({len(text) - MAX_TEXT_CHARS:,} characters dropped)")
        text = text[:MAX_TEXT_CHARS]
    document = read_text(text)
    sentences = document.sentences
    if not sentences:
        raise InputError("the text holds no sentence")
    if len(sentences) > MAX_SENTENCES:
        _warn(f"the text has {len(sentences):,} sentences; classified the first {MAX_SENTENCES:,} "
              f"and dropped the other {len(sentences) - MAX_SENTENCES:,}")
        sentences = sentences[:MAX_SENTENCES]
    return _classify_sentences(document, sentences, model, batch_size, progress, source=None)


# --------------------------------------------------------------------------- files and documents


def _classify_path(path: Path, model, batch_size, progress, thresholds, top_k, lines: bool):
    from .reading.kinds import HTML_SUFFIXES, TEXT_SUFFIXES, check_text_file, has_pdf_header, read_document

    suffix = path.suffix.lower()
    if not path.exists():
        if suffix == ".pdf":
            raise ReportError(path, "file not found")
        raise InputError(f"{path}: file not found; expected a PDF, .txt, .md or .html file")
    if path.is_dir():
        raise InputError(f"{path} is a directory; pass one PDF, .txt, .md or .html file "
                         "(for a folder of reports use `ofsted-nlp corpus`)")
    if not path.is_file():  # /dev/zero never ends; a pipe waits for a writer
        if suffix == ".pdf":
            raise ReportError(path, "not a regular file (a device, pipe or socket)")
        check_text_file(path)
    if lines:
        if suffix not in TEXT_SUFFIXES:
            raise InputError(f"{path}: lines=True applies to a text file (.txt, .md), not {suffix or 'this file'}")
        check_text_file(path)
        try:
            with open(path, encoding="utf-8-sig", newline=None) as fh:
                if "\x00" in fh.read(4096):
                    raise InputError(f"{path}: binary data, not text")
                fh.seek(0)
                return _classify_lines(fh, model, source=str(path), stem=path.stem,
                                       batch_size=batch_size, progress=progress)
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if suffix not in (".pdf",) + TEXT_SUFFIXES + HTML_SUFFIXES and not has_pdf_header(path):
        raise InputError(f"{path}: unsupported file type {path.suffix or '(no suffix)'!r}; "
                         "expected a PDF (.pdf), text (.txt), Markdown (.md) or HTML (.html, .htm)")
    document = read_document(path)
    return classify_document(document, model, batch_size=batch_size, progress=progress, thresholds=thresholds,
                             top_k=top_k)


def _classify_lines(fh, model=None, *, source: str | None, stem: str | None, batch_size: int = 256,
                    progress=None) -> list[Finding]:
    """One finding per non-empty line of an open text file (``lines=True``; also the CLI's ``--lines``)."""
    numbers, texts, cut = [], [], []
    for number, text, was_cut in _read_lines(fh):
        numbers.append(number)
        texts.append(text)
        cut.append(was_cut)
    if not texts:
        raise InputError(f"{source or 'the input'} has no non-empty line; expected one sentence per line")
    _warn_cut(cut, "line", names=numbers)
    provenance = [Provenance(sentence_id=f"{stem}:{n}" if stem else str(n), source=source, line=n) for n in numbers]
    return _classify_texts(texts, model, batch_size, progress, truncated=cut, provenance=provenance,
                           check_language=True)


def classify_document(document: Document, model: Any = None, *, batch_size: int = 256,
                      progress: bool | Callable[[int, int], None] | None = None,
                      thresholds: GradeThresholds | None = None, top_k: int = 3) -> DocumentFindings:
    """Classify every sentence of a ``reading.Document`` (report, letter, news or text): its findings
    with provenance, kind and metadata, and the summary of its findings (non-findings left out)."""
    sentences = [s for s in document.sentences if s.section_kind not in REPORT_SKIPPED_SECTION_KINDS
                 or document.kind != "inspection"]
    findings = _classify_sentences(document, sentences, model, batch_size, progress, source=document.path)
    ofsted = {area: document.grade_for_area(area) for area in AREAS}
    # A model scores on its own scale: cut points fitted for it ship in its directory (loading.py).
    thresholds = thresholds or getattr(get_model(model), "grade_thresholds_", None) or DEFAULT_THRESHOLDS
    summary = summarise(findings, thresholds=thresholds, top_k=top_k, ofsted_grades=ofsted, kind=document.kind)
    return DocumentFindings(report_id=document.report_id, metadata=document.metadata(), findings=tuple(findings),
                            summary=summary, report=document, kind=document.kind)


def _classify_sentences(document, sentences, model, batch_size, progress, source) -> list[Finding]:
    texts, cut, provenance, boilerplate = [], [], [], []
    for s in sentences:
        text, was_cut = _truncate(s.text)
        texts.append(text)
        cut.append(was_cut)
        boilerplate.append(not s.is_finding)
        provenance.append(Provenance(
            sentence_id=s.id, report_id=s.report_id, section=s.section, section_kind=s.section_kind,
            section_area=s.section_area, paragraph=s.paragraph, paragraph_number=s.paragraph_number,
            page=s.page, source=source or None, element_kind=s.element_kind, role=s.role))
    _warn_cut(cut, "sentence", names=[s.id for s in sentences])
    if not texts:
        return []
    return _classify_texts(texts, model, batch_size, progress, truncated=cut, provenance=provenance,
                           not_finding=boilerplate, kind=document.kind)


# Keep the old name: a report is a document.
_classify_report = classify_document


# --------------------------------------------------------------------------- prediction


def _classify_texts(texts: list[str], model, batch_size: int, progress, truncated=None, provenance=None,
                    not_finding=None, kind: str | None = None, check_language: bool = False) -> list[Finding]:
    """The model's area and polarity for each text. ``is_finding`` is False where ``not_finding`` says
    so (boilerplate), where the model predicts its learnt ``none`` area, and (``check_language``)
    where lingua reads the text as another language than English."""
    if not texts:
        return []
    finding_model = get_model(model)
    area_classes = [str(c) for c in finding_model.area_classes_]
    polarity_classes = [str(c) for c in finding_model.polarity_classes_]
    section_areas = [p.section_area if p is not None else None for p in provenance] if provenance else None
    inputs = compose(texts, section_areas, getattr(finding_model, "input_format_", PLAIN), [kind] * len(texts))
    area_proba, polarity_proba = _predict(finding_model, inputs, batch_size, progress,
                                          len(area_classes), len(polarity_classes))
    area_idx = area_proba.argmax(axis=1)
    polarity_idx = polarity_proba.argmax(axis=1)
    languages = _languages(texts) if check_language else [None] * len(texts)
    findings = []
    for i, text in enumerate(texts):
        area = area_classes[area_idx[i]]
        is_finding = area != NOT_A_FINDING and not (not_finding is not None and not_finding[i]) and \
            languages[i] in (None, "english")
        findings.append(Finding(
            text=text, area=area, polarity=polarity_classes[polarity_idx[i]],
            area_probs=dict(zip(area_classes, map(float, area_proba[i]))),
            polarity_probs=dict(zip(polarity_classes, map(float, polarity_proba[i]))),
            confidence=min(float(area_proba[i, area_idx[i]]), float(polarity_proba[i, polarity_idx[i]])),
            is_finding=is_finding, kind=kind, language=languages[i],
            truncated=bool(truncated[i]) if truncated is not None else False,
            provenance=provenance[i] if provenance is not None else None))
    return findings


def _languages(texts: list[str]) -> list[str | None]:
    """lingua's language for each text (None when too short to tell); warns once for non-English texts."""
    from .reading.kinds import detect_languages

    languages = detect_languages(texts)
    other = [i for i, lang in enumerate(languages) if lang not in (None, "english")]
    if other:
        shown = ", ".join(f"{i} ({languages[i]})" for i in other[:10]) + (" ..." if len(other) > 10 else "")
        _warn(f"{len(other):,} text(s) read as another language than English and are marked is_finding=False: "
              f"{shown}", category=UserWarning)
    return languages


def _predict(model, texts, batch_size, progress, n_area, n_polarity):
    import numpy as np

    bar = _Progress(len(texts), progress)
    area_parts, polarity_parts = [], []
    try:
        for start in range(0, len(texts), batch_size):
            batch = texts[start:start + batch_size]
            area_p, polarity_p = model.predict_proba(batch)
            area_p, polarity_p = np.asarray(area_p, dtype=float), np.asarray(polarity_p, dtype=float)
            if area_p.shape != (len(batch), n_area) or polarity_p.shape != (len(batch), n_polarity):
                raise ModelLoadError(
                    f"{type(model).__name__}.predict_proba returned shapes {area_p.shape} and {polarity_p.shape} "
                    f"for {len(batch)} sentences; expected ({len(batch)}, {n_area}) and ({len(batch)}, {n_polarity})")
            area_parts.append(area_p)
            polarity_parts.append(polarity_p)
            bar.update(len(batch))
    finally:
        bar.close()
    return np.concatenate(area_parts), np.concatenate(polarity_parts)


class _Progress:
    def __init__(self, total: int, progress):
        self.total, self.done = total, 0
        self.callback, self.bar = None, None
        if callable(progress) and not isinstance(progress, bool):
            self.callback = progress
        elif progress is True or (progress is None and total >= AUTO_PROGRESS_MIN and _stderr_is_tty()):
            try:
                from tqdm.auto import tqdm

                self.bar = tqdm(total=total, unit="sentence", file=sys.stderr, desc="classifying",
                                leave=False, dynamic_ncols=True)
            except ImportError:
                self.bar = None

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        if self.callback is not None:
            self.callback(self.done, self.total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
