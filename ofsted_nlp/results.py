"""What ``classify`` returns: ``Finding`` (one classified sentence, with its ``Provenance``) and
``DocumentFindings`` (a document's findings, its kind, metadata and summary)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from .summary import ReportSummary

if TYPE_CHECKING:
    import pandas as pd

class InputTruncatedWarning(UserWarning):
    """Part of the input was cut or dropped to keep time and memory bounded."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Provenance:
    """Where a finding's sentence came from. Fields that do not apply are None."""

    sentence_id: str | None = None  # documents: ids.sentence_id; lines of a .txt: "<stem>:<line>"
    report_id: str | None = None
    section: str | None = None
    section_kind: str | None = None
    section_area: str | None = None
    paragraph: int | None = None  # paragraph index within the report (0-based)
    paragraph_number: int | None = None  # the number printed beside the paragraph
    page: int | None = None  # 1-based
    source: str | None = None  # the file read
    line: int | None = None  # 1-based line of a .txt file or stdin
    element_kind: str | None = None  # reading.ELEMENT_KINDS: text, numbered, bullet, title, boilerplate...
    role: str | None = None  # why a sentence is not a finding: letterhead, sign_off, about_visit, byline...

    def to_dict(self) -> dict:
        """Every field by name (None where unknown)."""
        return asdict(self)

    def __repr__(self) -> str:  # the fields that apply (most are None for any one source)
        shown = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items() if v is not None)
        return f"Provenance({shown})"


# What a repr shows of a text: enough to recognise it, short enough to print lists of results.
REPR_TEXT_CHARS = 60


def _short(text: str, limit: int = REPR_TEXT_CHARS) -> str:
    return repr(text if len(text) <= limit else text[:limit - 1] + "…")


PROVENANCE_FIELDS = tuple(Provenance.__dataclass_fields__)


@dataclass(frozen=True, slots=True)  # slots: a corpus holds millions
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
    is_finding: bool = True  # False: boilerplate, the model's "none" area, or not English
    kind: str | None = None  # the document's kind (reading.DOCUMENT_KINDS); None for bare sentences
    language: str | None = None  # lingua's reading, when checked ("english", "french"...)
    truncated: bool = False
    provenance: Provenance | None = None

    def __repr__(self) -> str:
        where = self.provenance.page if self.provenance is not None else None
        return (f"Finding(area={self.area!r}, polarity={self.polarity!r}, confidence={self.confidence:.2f}, "
                + ("" if self.is_finding else "is_finding=False, ")
                + (f"page={where}, " if where is not None else "") + f"text={_short(self.text)})")

    @property
    def area_confidence(self) -> float:
        """The probability of the predicted area."""
        return float(self.area_probs[self.area])

    @property
    def polarity_confidence(self) -> float:
        """The probability of the predicted polarity."""
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
            "is_finding": self.is_finding,
            "kind": self.kind,
            "language": self.language,
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
            "is_finding": self.is_finding,
            "kind": self.kind,
            "language": self.language,
            "truncated": self.truncated,
        }
        row.update({f"p_{label}": float(p) for label, p in self.area_probs.items()})
        row.update({f"p_{label}": float(p) for label, p in self.polarity_probs.items()})
        prov = self.provenance.to_dict() if self.provenance is not None else dict.fromkeys(PROVENANCE_FIELDS)
        row.update(prov)
        return row


@dataclass(frozen=True)
class DocumentFindings:
    """A document's findings (reading order, with provenance), its kind and metadata, and their summary.

    Boilerplate and other non-findings are included, marked ``is_finding=False``; ``findings_only()``
    leaves them out. ``metadata`` is ``Document.metadata()``: authority, dates, era, grades (None for
    letters and text), visit focus, which visit, previous judgement.

    Iterating, ``len()`` and indexing go over the findings.
    """

    report_id: str
    metadata: dict = field(hash=False)  # reading.Document.metadata()
    findings: tuple = ()
    summary: ReportSummary | None = None
    report: object = field(default=None, repr=False, compare=False, hash=False)  # the reading.Document
    kind: str = "inspection"  # reading.DOCUMENT_KINDS

    def __repr__(self) -> str:
        counted = sum(f.is_finding for f in self.findings)
        grades = ""
        if self.summary is not None:
            grades = ", predicted={" + ", ".join(f"{a}: {g or '-'}" for a, g in self.predicted_grades.items()) + "}"
        authority = self.metadata.get("local_authority") if isinstance(self.metadata, dict) else None
        return (f"DocumentFindings(report_id={_short(self.report_id)}, kind={self.kind!r}, "
                f"local_authority={authority!r}, {len(self.findings)} sentences, {counted} findings{grades})")

    @property
    def document(self) -> object:
        """The ``reading.Document`` the findings were read from (None when not kept)."""
        return self.report

    def findings_only(self) -> list:
        """The findings without the non-findings (``is_finding`` False), in reading order."""
        return [f for f in self.findings if f.is_finding]

    def __len__(self) -> int:
        return len(self.findings)

    def __iter__(self):
        return iter(self.findings)

    def __getitem__(self, index):
        return self.findings[index]

    @property
    def predicted_grades(self) -> dict[str, str | None]:
        """Area -> the grade the findings point to (``ReportSummary.predicted_grades``)."""
        assert self.summary is not None, "DocumentFindings without a summary"
        return self.summary.predicted_grades

    @property
    def ofsted_grades(self) -> dict[str, str | None]:
        """The grade the report itself gives each area (None where it gives none)."""
        assert self.summary is not None, "DocumentFindings without a summary"
        return {area: s.ofsted_grade for area, s in self.summary.areas.items()}

    def to_frame(self) -> pd.DataFrame:
        """One row per finding (pandas DataFrame), columns as ``Finding.to_frame_row``."""
        import pandas as pd

        rows = [f.to_frame_row() for f in self.findings]
        if rows:
            return pd.DataFrame(rows)
        return pd.DataFrame(columns=["text", "area", "polarity", "confidence", "is_finding", "kind",
                                     *PROVENANCE_FIELDS])

    def summary_frame(self) -> pd.DataFrame:
        """One row per area (pandas DataFrame): counts, shares, score, predicted and Ofsted grade."""
        assert self.summary is not None, "DocumentFindings without a summary"
        return self.summary.to_frame()

    def to_dict(self) -> dict:
        """JSON-ready: kind, the document's metadata as ``report``, the summary and every finding."""
        assert self.summary is not None, "DocumentFindings without a summary"
        return {
            "kind": self.kind,
            "report": dict(self.metadata),
            "summary": self.summary.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
        }


ReportFindings = DocumentFindings  # the name for a full report's findings, kept
