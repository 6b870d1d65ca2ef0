"""``classify()``: the library's public face.

What goes in and what comes out
-------------------------------
======================================  ==================================================
``classify("One sentence.")``           one ``Finding`` for the whole text
``classify([s1, s2, ...])`` (or tuple)  a list of ``Finding``, same order; ``[]`` for ``[]``
``classify(text, split=True)``          a list of ``Finding``, one per sentence of ``text``
``classify(Path("report.pdf"))``        a ``ReportFindings`` (findings with provenance + summary)
``classify(report)`` (a reports.Report) a ``ReportFindings`` (context sections are skipped)
``classify(Path("sentences.txt"))``     a list of ``Finding``, one per non-empty line
======================================  ==================================================

A ``str`` is always text, never a file name: pass ``pathlib.Path`` to read a file.

Sizes (bounded time and memory, never a crash; each cut is reported with ``warnings.warn``
of category ``InputTruncatedWarning``):

- a single text or sentence longer than ``MAX_SENTENCE_CHARS`` (1,000) characters is cut to
  its first 1,000 characters for the model (at a word boundary); ``Finding.truncated`` says so;
- ``split=True`` reads at most ``MAX_TEXT_CHARS`` (200,000) characters and classifies at most
  ``MAX_SENTENCES`` (5,000) sentences of them; the warning says how much was dropped.

Out of domain
-------------
Every finding carries ``out_of_domain`` and ``domain_score``. The check is a word list, so it
works with any model family:

- ``domain_score`` = share of the text's content words (words that are not English function
  words) that are children's-services terms: a prefix from ``DOMAIN_STEMS`` ("safeguard",
  "foster", "personal advis"...) or a word of ``DOMAIN_WORDS`` (acronyms: "iro", "mash", "pa").
- the text is taken as *not English* when more than 30% of its letters are non-ASCII, or when
  it holds at least two common French/German/Spanish/Italian/Portuguese function words and more
  of them than English ones.
- ``out_of_domain`` is True when the text is not English, when it holds no children's-services
  term at all, or when the share is weak (< ``WEAK_DOMAIN_SHARE``) *and* the model is unsure
  (``confidence`` < ``LOW_CONFIDENCE``).

On a sample of 20,000 sentences of the 443 real reports about 1% are flagged, mostly one-line
context ("In the last 12 months:", "This is a 16% decrease from 2,067 at 31 March 2013");
see notes/issue5.md. Report summaries leave out-of-domain findings out of counts and grades.

Models
------
``model=None`` loads the default model: ``$OFSTED_NLP_MODEL`` when set, else the directory
``ofsted_nlp/default_model/`` shipped in the package. ``model`` may also be a saved model
directory (``FindingClassifier.save``), an MLflow model URI (``models:/name/1``,
``runs:/<run id>/model``, ``file:///...``, ``mlflow-artifacts:/...``), or a loaded model object
with ``predict_proba(texts) -> (area_proba, polarity_proba)``, ``area_classes_`` and
``polarity_classes_``. Loading is lazy and cached per process (``clear_model_cache()``).
"""
from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .features import PLAIN, compose, read_input_format
from .errors import InputError, ModelLoadError, OfstedNLPError, ReportError
from .labels import AREAS, POLARITIES
from .summary import DEFAULT_THRESHOLDS, GradeThresholds, ReportSummary, summarise

MAX_SENTENCE_CHARS = 1_000
MAX_TEXT_CHARS = 200_000
MAX_SENTENCES = 5_000
# split=True hands split_sentences pieces of at most this many characters, which keeps its
# cost linear on pathological text (thousands of "e.g." in one paragraph).
_SPLIT_CHUNK_CHARS = 2_000
# progress=None shows a bar only on a terminal and only for at least this many sentences.
AUTO_PROGRESS_MIN = 2_000

# Report sections whose sentences are not findings about practice: "Information about this local
# authority" and the like state numbers and context. They are not classified (the report-level
# evaluation in experiments/report_level.py leaves them out too).
REPORT_SKIPPED_SECTION_KINDS = ("context",)

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "default_model"
MODEL_ENV = "OFSTED_NLP_MODEL"
MLFLOW_SCHEMES = ("models", "runs", "file", "mlflow-artifacts", "s3", "gs", "wasbs", "abfss", "hdfs", "dbfs",
                  "http", "https", "ftp", "sftp")
_MODEL_FILES = ("finding_model.json", "model.json")
# Key of the saved FindingClassifier directory among a pyfunc's artifacts (mlflow_model.py).
_FINDING_ARTIFACT = "finding_model"
_FINDING_INTERFACE = ("predict_proba", "area_classes_", "polarity_classes_")

ACCEPTED_INPUTS = (
    "a sentence (str), a list or tuple of sentences, a pathlib.Path to a report PDF or a .txt file "
    "(one sentence per line), or an ofsted_nlp.reports.Report"
)
ACCEPTED_MODELS = (
    "None (the default model: $OFSTED_NLP_MODEL or ofsted_nlp/default_model/), "
    "a directory saved by FindingClassifier.save(), "
    "an MLflow model URI (models:/<name>/<version or @alias>, runs:/<run id>/<path>, file:///<path>, "
    "mlflow-artifacts:/<path>, s3://..., gs://...), "
    "or a loaded model with predict_proba(), area_classes_ and polarity_classes_"
)


class InputTruncatedWarning(UserWarning):
    """Part of the input was cut or dropped to keep time and memory bounded."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Provenance:
    """Where a finding's sentence came from. Fields that do not apply are None."""

    sentence_id: str | None = None  # reports: "<report_id>:<paragraph>:<sentence>"; .txt: "<stem>:<line>"
    report_id: str | None = None
    section: str | None = None
    section_kind: str | None = None
    section_area: str | None = None
    paragraph: int | None = None  # paragraph index within the report (0-based)
    paragraph_number: int | None = None  # the number printed beside the paragraph
    page: int | None = None  # 1-based
    source: str | None = None  # the file read
    line: int | None = None  # 1-based line of a .txt file or stdin

    def to_dict(self) -> dict:
        return asdict(self)


PROVENANCE_FIELDS = tuple(Provenance.__dataclass_fields__)


@dataclass(frozen=True)
class Finding:
    """One classified sentence.

    ``confidence`` is the smaller of the two predicted labels' probabilities.
    ``text`` is what the model read (cut to MAX_SENTENCE_CHARS when ``truncated``).
    """

    text: str
    area: str
    polarity: str
    area_probs: dict = field(hash=False)  # area label -> probability
    polarity_probs: dict = field(hash=False)  # polarity label -> probability
    confidence: float
    out_of_domain: bool = False
    domain_score: float = 1.0
    truncated: bool = False
    provenance: Provenance | None = None

    @property
    def area_confidence(self) -> float:
        return float(self.area_probs[self.area])

    @property
    def polarity_confidence(self) -> float:
        return float(self.polarity_probs[self.polarity])

    def to_dict(self) -> dict:
        """JSON-ready: probabilities as dicts, provenance as a dict or None."""
        return {
            "text": self.text,
            "area": self.area,
            "polarity": self.polarity,
            "confidence": self.confidence,
            "area_probs": dict(self.area_probs),
            "polarity_probs": dict(self.polarity_probs),
            "out_of_domain": self.out_of_domain,
            "domain_score": self.domain_score,
            "truncated": self.truncated,
            "provenance": self.provenance.to_dict() if self.provenance is not None else None,
        }

    def to_frame_row(self) -> dict:
        """A flat dict (one DataFrame/CSV row): a ``p_<label>`` column per class, provenance fields
        as columns (None when absent)."""
        row = {
            "text": self.text,
            "area": self.area,
            "polarity": self.polarity,
            "confidence": self.confidence,
            "area_confidence": self.area_confidence,
            "polarity_confidence": self.polarity_confidence,
            "out_of_domain": self.out_of_domain,
            "domain_score": self.domain_score,
            "truncated": self.truncated,
        }
        row.update({f"p_{label}": float(p) for label, p in self.area_probs.items()})
        row.update({f"p_{label}": float(p) for label, p in self.polarity_probs.items()})
        prov = self.provenance.to_dict() if self.provenance is not None else dict.fromkeys(PROVENANCE_FIELDS)
        row.update(prov)
        return row


@dataclass(frozen=True)
class ReportFindings:
    """A report's findings (report order, with provenance) and their summary.

    Iterating, ``len()`` and indexing go over the findings.
    """

    report_id: str
    metadata: dict = field(hash=False)  # reports.Report.metadata(): authority, dates, era, Ofsted's grades
    findings: tuple = ()
    summary: ReportSummary | None = None
    report: object = field(default=None, repr=False, compare=False, hash=False)  # the reports.Report

    def __len__(self) -> int:
        return len(self.findings)

    def __iter__(self):
        return iter(self.findings)

    def __getitem__(self, index):
        return self.findings[index]

    @property
    def predicted_grades(self) -> dict[str, str | None]:
        return self.summary.predicted_grades

    @property
    def ofsted_grades(self) -> dict[str, str | None]:
        """The grade the report itself gives each area (None where it gives none)."""
        return {area: s.ofsted_grade for area, s in self.summary.areas.items()}

    def to_frame(self):
        """One row per finding (pandas DataFrame), columns as ``Finding.to_frame_row``."""
        import pandas as pd

        rows = [f.to_frame_row() for f in self.findings]
        if rows:
            return pd.DataFrame(rows)
        return pd.DataFrame(columns=["text", "area", "polarity", "confidence", "out_of_domain", *PROVENANCE_FIELDS])

    def summary_frame(self):
        """One row per area (pandas DataFrame): counts, shares, score, predicted and Ofsted grade."""
        return self.summary.to_frame()

    def to_dict(self) -> dict:
        return {
            "report": dict(self.metadata),
            "summary": self.summary.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
        }


# --------------------------------------------------------------------------- classify


def classify(inputs, model=None, *, batch_size: int = 256, progress=None, split: bool = False,
             thresholds: GradeThresholds | None = None, top_k: int = 3):
    """Classify sentences into a service area and a polarity.

    inputs:     see the module docstring (str, list/tuple of str, Path to .pdf/.txt, Report).
    model:      None (default model), a model directory, an MLflow model URI, or a loaded model.
    batch_size: sentences per call to the model.
    progress:   None (a tqdm bar on stderr for long inputs when stderr is a terminal), True
                (always a bar), False (never), or a callable ``progress(done, total)``.
    split:      for a str only: split it into sentences and return a list of findings.
    thresholds, top_k: for reports: the grade cut points (``summary.GradeThresholds``, or a dict /
                object that ``GradeThresholds.coerce`` takes) and how many strongest findings per
                area and polarity the summary keeps.

    Raises InputError (bad input), ReportError (a PDF that cannot be read as a report),
    ModelLoadError (no such model). Warns InputTruncatedWarning when it cuts input.
    """
    _check_options(batch_size, progress, split, top_k)
    if thresholds is not None:
        thresholds = GradeThresholds.coerce(thresholds)
    from .reports import Report

    if inputs is None:
        raise InputError(f"classify() got None; expected {ACCEPTED_INPUTS}")
    if isinstance(inputs, Report):
        return _classify_report(inputs, model, batch_size, progress, thresholds, top_k)
    if isinstance(inputs, (bytes, bytearray, memoryview)):
        raise InputError(f"classify() got {type(inputs).__name__}; decode it to str first (e.g. "
                         f"data.decode('utf-8')) or pass a pathlib.Path to the file; expected {ACCEPTED_INPUTS}")
    if isinstance(inputs, str):
        _check_text(inputs, "the text")
        _warn_if_looks_like_a_path(inputs)
        if split:
            texts = _split_text(inputs)
            return _classify_texts(texts, model, batch_size, progress)
        text, cut = _truncate(inputs)
        if cut:
            _warn(f"the text has {len(inputs):,} characters; classified its first {len(text):,} "
                  f"(limit {MAX_SENTENCE_CHARS:,}); pass split=True to classify it sentence by sentence")
        return _classify_texts([text], model, batch_size, progress, truncated=[cut])[0]
    if split:
        raise InputError("split=True applies to a single str only")
    if isinstance(inputs, os.PathLike):
        return _classify_path(Path(inputs), model, batch_size, progress, thresholds, top_k)
    if isinstance(inputs, (list, tuple)):
        texts, cut = _prepare_list(inputs)
        return _classify_texts(texts, model, batch_size, progress, truncated=cut)
    hint = ""
    if isinstance(inputs, Iterable) and not isinstance(inputs, (Mapping, set, frozenset)):
        hint = " (convert it with list(...) first)"
    raise InputError(f"classify() got {type(inputs).__name__}{hint}; expected {ACCEPTED_INPUTS}")


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


def _split_text(text: str) -> list[str]:
    """Sentences of a long text, within MAX_TEXT_CHARS and MAX_SENTENCES (warning on each cut)."""
    from .reports import split_sentences

    original_length = len(text)
    if len(text) > MAX_TEXT_CHARS:
        _warn(f"the text has {len(text):,} characters; read only the first {MAX_TEXT_CHARS:,} "
              f"({len(text) - MAX_TEXT_CHARS:,} characters dropped)")
        text = text[:MAX_TEXT_CHARS]
    sentences: list[str] = []
    ends: list[int] = []  # where each sentence ends in ``text``
    for offset, chunk in _chunks(text):
        for s, e in split_sentences(chunk):
            sentence = " ".join(chunk[s:e].split())
            if sentence:
                sentences.append(sentence)
                ends.append(offset + e)
        if len(sentences) > MAX_SENTENCES:
            break
    if len(sentences) > MAX_SENTENCES:
        kept_end = ends[MAX_SENTENCES - 1]
        _warn(f"the text has more than {MAX_SENTENCES:,} sentences; classified the first {MAX_SENTENCES:,} "
              f"and dropped the rest of the text from character {kept_end:,} "
              f"({original_length - kept_end:,} characters dropped)")
        sentences = sentences[:MAX_SENTENCES]
    if not sentences:
        raise InputError("the text holds no sentence")
    out, cut = [], []
    for s in sentences:
        t, c = _truncate(s)
        out.append(t)
        cut.append(c)
    _warn_cut(cut, "sentence")
    return out


def _chunks(text: str) -> Iterable[tuple[int, str]]:
    """(offset, piece) of the text: its paragraphs (split at blank lines), and paragraphs longer
    than _SPLIT_CHUNK_CHARS cut at a sentence end (else a space) near the limit."""
    for m in re.finditer(r"\S(?:.(?!\n[ \t\r\f\v]*\n))*\S?", text, re.S):
        start, paragraph = m.start(), m.group()
        while len(paragraph) > _SPLIT_CHUNK_CHARS:
            head = paragraph[:_SPLIT_CHUNK_CHARS]
            cut = max(head.rfind(". "), head.rfind("? "), head.rfind("! "))
            if cut > _SPLIT_CHUNK_CHARS // 2:
                cut += 1
            else:
                cut = head.rfind(" ")
                if cut <= 0:
                    cut = len(head)
            yield start, paragraph[:cut]
            rest = paragraph[cut:]
            start += cut + (len(rest) - len(rest.lstrip()))
            paragraph = rest.lstrip()
        if paragraph:
            yield start, paragraph


# --------------------------------------------------------------------------- files and reports


def _classify_path(path: Path, model, batch_size, progress, thresholds, top_k):
    suffix = path.suffix.lower()
    if not path.exists():
        if suffix == ".pdf":
            raise ReportError(path, "file not found")
        raise InputError(f"{path}: file not found; expected a report PDF or a .txt file")
    if path.is_dir():
        raise InputError(f"{path} is a directory; pass one report PDF or .txt file "
                         "(for a folder of reports use `ofsted-nlp corpus`)")
    if suffix == ".pdf" or _has_pdf_header(path):
        from .reports import read_report

        report = read_report(path)
        return _classify_report(report, model, batch_size, progress, thresholds, top_k)
    if suffix in (".txt", ".text"):
        try:
            with open(path, encoding="utf-8-sig", newline=None) as fh:
                return _classify_lines(fh, model, source=str(path), stem=path.stem,
                                       batch_size=batch_size, progress=progress)
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    raise InputError(f"{path}: unsupported file type {path.suffix or '(no suffix)'!r}; "
                     "expected a report PDF (.pdf) or a text file with one sentence per line (.txt)")


def _has_pdf_header(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return b"%PDF" in fh.read(1024)
    except OSError:
        return False


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


def _classify_lines(fh, model=None, *, source: str | None, stem: str | None, batch_size: int = 256,
                    progress=None) -> list[Finding]:
    """One finding per non-empty line of an open text file (also the CLI's stdin)."""
    numbers, texts, cut = [], [], []
    for number, text, was_cut in _read_lines(fh):
        numbers.append(number)
        texts.append(text)
        cut.append(was_cut)
    if not texts:
        raise InputError(f"{source or 'the input'} has no non-empty line; expected one sentence per line")
    _warn_cut(cut, "line", names=numbers)
    provenance = [Provenance(sentence_id=f"{stem}:{n}" if stem else str(n), source=source, line=n) for n in numbers]
    return _classify_texts(texts, model, batch_size, progress, truncated=cut, provenance=provenance)


def _classify_report(report, model, batch_size, progress, thresholds, top_k) -> ReportFindings:
    sentences = [s for s in report.sentences if s.section_kind not in REPORT_SKIPPED_SECTION_KINDS]
    texts, cut, provenance = [], [], []
    for s in sentences:
        text, was_cut = _truncate(s.text)
        texts.append(text)
        cut.append(was_cut)
        provenance.append(Provenance(
            sentence_id=s.id, report_id=s.report_id, section=s.section, section_kind=s.section_kind,
            section_area=s.section_area, paragraph=s.paragraph, paragraph_number=s.paragraph_number,
            page=s.page, source=report.path))
    _warn_cut(cut, "sentence", names=[s.id for s in sentences])
    findings = _classify_texts(texts, model, batch_size, progress, truncated=cut, provenance=provenance) \
        if texts else []
    ofsted = {area: report.grade_for_area(area) for area in AREAS}
    summary = summarise(findings, thresholds=thresholds or DEFAULT_THRESHOLDS, top_k=top_k, ofsted_grades=ofsted)
    return ReportFindings(report_id=report.report_id, metadata=report.metadata(), findings=tuple(findings),
                          summary=summary, report=report)


# --------------------------------------------------------------------------- prediction


def _classify_texts(texts: list[str], model, batch_size: int, progress, truncated=None,
                    provenance=None) -> list[Finding]:
    if not texts:
        return []
    finding_model = get_model(model)
    area_classes = [str(c) for c in finding_model.area_classes_]
    polarity_classes = [str(c) for c in finding_model.polarity_classes_]
    section_areas = [p.section_area if p is not None else None for p in provenance] if provenance else None
    inputs = compose(texts, section_areas, getattr(finding_model, "input_format_", PLAIN))
    area_proba, polarity_proba = _predict(finding_model, inputs, batch_size, progress,
                                          len(area_classes), len(polarity_classes))
    area_idx = area_proba.argmax(axis=1)
    polarity_idx = polarity_proba.argmax(axis=1)
    findings = []
    for i, text in enumerate(texts):
        a_probs = dict(zip(area_classes, map(float, area_proba[i])))
        p_probs = dict(zip(polarity_classes, map(float, polarity_proba[i])))
        a_conf = float(area_proba[i, area_idx[i]])
        p_conf = float(polarity_proba[i, polarity_idx[i]])
        confidence = min(a_conf, p_conf)
        score, english = domain_check(text)
        findings.append(Finding(
            text=text, area=area_classes[area_idx[i]], polarity=polarity_classes[polarity_idx[i]],
            area_probs=a_probs, polarity_probs=p_probs, confidence=confidence,
            out_of_domain=is_out_of_domain(score, english, confidence), domain_score=score,
            truncated=bool(truncated[i]) if truncated is not None else False,
            provenance=provenance[i] if provenance is not None else None))
    return findings


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


# --------------------------------------------------------------------------- domain check

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
ENGLISH_FUNCTION_WORDS = frozenset("""
a about above across after again against all also although am among an and any are as at be because been before
being below between both but by can cannot could did do does doing done down during each either enough even every
few for from further had has have having he her here hers him his how however i if in into is it its itself just
least less many may me might more most much must my never no nor not now of off often on once only or other others
our out over own rather same several shall she should since so some still such than that the their theirs them
themselves then there these they this those though through throughout thus to too toward towards under until up
upon us very was we were what whatever when where whether which while who whom whose why will with within without
would yet you your
""".split())
# Function words of other languages written in Latin letters, less any English homograph.
FOREIGN_FUNCTION_WORDS = frozenset("""
der das und ist nicht mit von zu des ein eine einer eines sind für auf im dem werden wird sich auch bei nach oder
aber wie zum zur über sehr wir sie ihr ihre unser haben hat war waren kann können
le la les et est des une du pour dans pas que qui sur avec sont ce cette aux au ne il elle nous vous ils très
el los las es por para con una del y lo su sus como muy está están son
di che della delle degli gli sono è em os uma não são
""".split()) - ENGLISH_FUNCTION_WORDS
# Children's-services vocabulary (Ofsted reports and the annotation guidelines): word prefixes...
DOMAIN_STEMS = tuple(sorted(set("""
child kid famil parent mother father sibling brother sister carer foster adopt guardian kinship care looked leav
social worker practitioner practice professional manager managem leader lead senior director councillor member
corporate partner agenc police health school educat teacher nurse court judge legal safeguard protect risk harm
abuse neglect exploit missing trafficking radicali domestic violence self-harm assess referr thresh contact front
door early plan review conference meeting strategy enquir investigat section placement placed home residential
accommodat housing homeless hostel permanen stabil relationship visit supervis oversight caseload workload workforce
staff recruit retent audit quality assur improv performance inspect judgement outstanding inadequate requir
effectiv strength weakness progress outcome experienc wellbeing well-being emotional mental disab special virtual
attain attend exclu employment training apprentice universit college adviser advisor pathway independen
transition adult offer entitle staying young youth teen adolescen unaccompan asylum proceeding pre-proceeding
guardianship reviewing allegation private custody offend justice service provision commission sufficien budget
resource funding council authorit local area borough county government board panel partnership multi-agency
inter-agency serious learn voice views wishes feelings direct life-story participat advocacy advocate respon
timely delay drift consistent inconsisten variable robust thorough purposeful record chronolog case decision
escalat challeng therap counsel substance alcohol drug support help need concern action impact focus inform
interven opportunit analys increas reduc measure monitor oversee govern accountab interim pledge consent matching
linking identif address understand evaluat report recommend vulnerab priorit ensur embed establish appropriat
relevant develop underdevelop complet resolv dispute notification
""".split())))
# ...and whole words (acronyms and words too short to use as a prefix).
DOMAIN_WORDS = frozenset("""
pa pas sw sws cp cpp cin cla lac iro iros sgo sgos plo dcs gp gps yot send sen neet mash marac mappa ehcp ehcps sdq
camhs lscb lscp lado ofsted ilacs sif ssw asye nqsw cse cce fgm uasc
""".split())
WEAK_DOMAIN_SHARE = 0.15
LOW_CONFIDENCE = 0.4


def domain_check(text: str) -> tuple[float, bool]:
    """(domain_score, looks English) for a text; see the module docstring."""
    words = [w.lower() for w in _WORD.findall(text)]
    english = foreign = 0
    content = []
    for w in words:
        if w in ENGLISH_FUNCTION_WORDS:
            english += 1
        else:
            content.append(w)
            if w in FOREIGN_FUNCTION_WORDS:
                foreign += 1
    looks_english = bool(words) and not (foreign >= 2 and foreign > english) and not _mostly_non_ascii(text)
    if not content:
        return 0.0, looks_english
    hits = sum(1 for w in content if _is_domain_word(w))
    return hits / len(content), looks_english


def _mostly_non_ascii(text: str) -> bool:
    if text.isascii():
        return False
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(1 for c in letters if not c.isascii()) / len(letters) > 0.3


@functools.lru_cache(maxsize=65536)
def _is_domain_word(word: str) -> bool:
    return word in DOMAIN_WORDS or word.startswith(DOMAIN_STEMS)


def is_out_of_domain(domain_score: float, looks_english: bool, confidence: float) -> bool:
    if not looks_english or domain_score <= 0.0:
        return True
    return domain_score < WEAK_DOMAIN_SHARE and confidence < LOW_CONFIDENCE


# --------------------------------------------------------------------------- models


def get_model(model=None):
    """The model ``classify(model=...)`` would use: loaded once per process and cached."""
    if model is None:
        configured = os.environ.get(MODEL_ENV)
        if configured:
            return get_model(configured)
        if not any((DEFAULT_MODEL_DIR / name).is_file() for name in _MODEL_FILES):
            raise ModelLoadError(
                f"no default model is installed (nothing at {DEFAULT_MODEL_DIR}); pass model= one of: "
                f"a directory saved by FindingClassifier.save(), an MLflow model URI, or a loaded model "
                f"(or set ${MODEL_ENV})")
        return _load_directory(str(DEFAULT_MODEL_DIR), _mtime(DEFAULT_MODEL_DIR))
    if isinstance(model, (str, os.PathLike)):
        return _load_named(os.fspath(model))
    if all(hasattr(model, name) for name in _FINDING_INTERFACE):
        return model
    if hasattr(model, "unwrap_python_model") or type(model).__name__ == "PyFuncModel":
        return _from_pyfunc(model, repr(model))
    raise ModelLoadError(f"cannot use {type(model).__name__} {model!r:.80} as a model; accepted: {ACCEPTED_MODELS}")


def clear_model_cache() -> None:
    """Forget loaded models (the next classify() loads again)."""
    _load_directory.cache_clear()
    _load_uri.cache_clear()


def _load_named(name: str):
    if not name.strip():
        raise ModelLoadError(f"model is an empty string; accepted: {ACCEPTED_MODELS}")
    scheme = _uri_scheme(name)
    if scheme is not None:
        if scheme == "file":
            local = _file_uri_path(name)
            if local.is_dir() and _is_model_dir(local):
                return _load_directory(str(local.resolve()), _mtime(local))
        if scheme not in MLFLOW_SCHEMES:
            raise ModelLoadError(f"unknown model URI scheme {scheme + ':'!r} in {name!r}; accepted: {ACCEPTED_MODELS}")
        return _load_uri(name)
    path = Path(name).expanduser()
    if not path.exists():
        raise ModelLoadError(f"model {name!r} not found: no such directory, and not an MLflow URI; "
                             f"accepted: {ACCEPTED_MODELS}")
    if not path.is_dir():
        raise ModelLoadError(f"model {name!r} is a file, not a model directory; accepted: {ACCEPTED_MODELS}")
    if _is_model_dir(path):
        return _load_directory(str(path.resolve()), _mtime(path))
    if (path / "MLmodel").is_file():
        return _load_uri(path.resolve().as_uri())
    raise ModelLoadError(f"{name!r} is a directory but holds no saved model ({' or '.join(_MODEL_FILES)}, or an "
                         f"MLflow MLmodel); accepted: {ACCEPTED_MODELS}")


def _uri_scheme(name: str) -> str | None:
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", name)
    if not m or len(m.group(1)) == 1:  # "C:\\models" is a Windows path
        return None
    return m.group(1).lower()


def _file_uri_path(uri: str) -> Path:
    from urllib.parse import unquote, urlparse

    parsed = urlparse(uri)
    return Path(unquote(parsed.path if parsed.netloc in ("", "localhost") else f"//{parsed.netloc}{parsed.path}"))


def _is_model_dir(path: Path) -> bool:
    return any((path / name).is_file() for name in _MODEL_FILES)


def _mtime(path: Path) -> int:
    """Part of the cache key, so a model re-saved at the same path is loaded again."""
    stamps = [(path / name).stat().st_mtime_ns for name in _MODEL_FILES if (path / name).is_file()]
    return max(stamps, default=0)


@functools.lru_cache(maxsize=8)
def _load_directory(directory: str, mtime: int):
    from .models import load_model

    try:
        model = load_model(Path(directory))
    except OfstedNLPError as exc:
        if isinstance(exc, ModelLoadError):
            raise
        raise ModelLoadError(f"{directory}: cannot load model ({exc})") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(f"{directory}: cannot load model ({type(exc).__name__}: {exc})") from exc
    model = _check_finding_model(model, directory)
    # how the model was trained to read a sentence (with or without its section's area)
    model.input_format_ = read_input_format(directory)
    return model


def _check_finding_model(model, where: str):
    missing = [name for name in _FINDING_INTERFACE if not hasattr(model, name)]
    if missing:
        family = getattr(model, "family", type(model).__name__)
        raise ModelLoadError(f"{where} holds a {family!r} model, not a finding model (area and polarity): it "
                             f"lacks {', '.join(missing)}; save a FindingClassifier there")
    return model


_DOWNLOADS: list[str] = []


@atexit.register
def _remove_downloads() -> None:
    for path in _DOWNLOADS:
        shutil.rmtree(path, ignore_errors=True)


@functools.lru_cache(maxsize=8)
def _load_uri(uri: str):
    """An MLflow model: the FindingClassifier directory logged with it when there is one (full
    probabilities, safe loaders), else the pyfunc itself."""
    try:
        import mlflow
        import mlflow.artifacts
    except ImportError:
        raise ModelLoadError(f"loading {uri!r} needs MLflow: pip install 'ofsted_nlp[tracking]'") from None
    from .tracking import tracking_uri

    store = os.environ.get("MLFLOW_TRACKING_URI") or _explicit_mlflow_uri() or tracking_uri()
    destination = tempfile.mkdtemp(prefix="ofsted_nlp_model_")
    _DOWNLOADS.append(destination)
    try:
        local = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=destination,
                                                         tracking_uri=store, registry_uri=store))
    except Exception as exc:  # MlflowException, OSError, botocore errors...: all mean "cannot fetch"
        message = " ".join(str(exc).split())[:300]
        raise ModelLoadError(f"cannot fetch MLflow model {uri!r} (tracking store {store}): {message}; "
                             f"accepted: {ACCEPTED_MODELS}") from None
    if local.is_dir() and _is_model_dir(local):
        return _load_directory(str(local), _mtime(local))
    mlmodel = local / "MLmodel"
    if not mlmodel.is_file():
        raise ModelLoadError(f"{uri!r} is neither an MLflow model (no MLmodel) nor a saved ofsted_nlp model")
    artifact = _logged_finding_dir(local)
    if artifact is not None:
        return _load_directory(str(artifact), _mtime(artifact))
    try:
        pyfunc = mlflow.pyfunc.load_model(str(local))
    except Exception as exc:
        raise ModelLoadError(f"cannot load MLflow model {uri!r}: {' '.join(str(exc).split())[:300]}") from None
    return _from_pyfunc(pyfunc, uri)


def _explicit_mlflow_uri() -> str | None:
    try:
        from mlflow.tracking._tracking_service.utils import is_tracking_uri_set

        if is_tracking_uri_set():
            import mlflow

            return mlflow.get_tracking_uri()
    except Exception:
        pass
    return None


def _logged_finding_dir(local: Path) -> Path | None:
    """The saved FindingClassifier that ofsted_nlp.tracking logs as the pyfunc artifact 'finding_model'."""
    import yaml

    try:
        meta = yaml.safe_load((local / "MLmodel").read_text(encoding="utf-8")) or {}
        relative = meta["flavors"]["python_function"]["artifacts"][_FINDING_ARTIFACT]["path"]
    except (KeyError, TypeError, OSError, yaml.YAMLError):
        return None
    candidate = (local / relative).resolve()
    if local.resolve() not in candidate.parents or not _is_model_dir(candidate):
        return None
    return candidate


def _from_pyfunc(pyfunc, where: str):
    """A loaded MLflow PyFuncModel: its FindingClassifier when it wraps one, else an adapter."""
    try:
        inner = pyfunc.unwrap_python_model()
    except Exception:
        inner = None
    finding = getattr(inner, "finding_model", None)
    if finding is not None and all(hasattr(finding, name) for name in _FINDING_INTERFACE):
        return finding
    return _PyfuncFindingModel(pyfunc, where)


class _PyfuncFindingModel:
    """Adapts any pyfunc returning columns area, polarity and optionally p_<label> probabilities."""

    def __init__(self, pyfunc, where: str):
        self.pyfunc, self.where = pyfunc, where
        labels = []
        try:
            labels = [name[2:] for name in pyfunc.metadata.get_output_schema().input_names() if name.startswith("p_")]
        except Exception:
            pass
        self.area_classes_ = [a for a in AREAS if a in labels] or list(AREAS)
        self.polarity_classes_ = [p for p in POLARITIES if p in labels] or list(POLARITIES)

    def predict_proba(self, texts):
        import numpy as np
        import pandas as pd

        try:
            out = self.pyfunc.predict(pd.DataFrame({"text": list(texts)}))
        except Exception as exc:
            raise ModelLoadError(f"MLflow model {self.where} failed to predict: {exc}") from exc
        if not isinstance(out, pd.DataFrame) or not {"area", "polarity"} <= set(out.columns):
            raise ModelLoadError(f"MLflow model {self.where} does not return the columns 'area' and 'polarity'")
        result = []
        for task, classes in (("area", self.area_classes_), ("polarity", self.polarity_classes_)):
            columns = [f"p_{c}" for c in classes]
            if set(columns) <= set(out.columns):
                result.append(out[columns].to_numpy(dtype=float))
            else:  # labels only: all the probability on the predicted label
                labels = out[task].astype(str).to_numpy()
                result.append(np.array([[1.0 if label == c else 0.0 for c in classes] for label in labels]))
        return result[0], result[1]
