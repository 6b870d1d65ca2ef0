"""Read an Ofsted children's services inspection report PDF into a `Report`.

A Report holds its metadata, the grade of every judgement it states, and its
text as sections, numbered paragraphs and sentences. Every sentence keeps its
provenance (report, page, section, paragraph, character offsets) so that a
finding can always be traced back to the page it came from.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

# (parser code follows the data model below)


@dataclass(frozen=True)
class Sentence:
    """One sentence of a report, with where it came from."""

    id: str  # "<report_id>:<paragraph index>:<sentence index>", stable across runs
    text: str
    report_id: str
    section: str  # section heading as printed, or a name for unheaded parts
    section_kind: str  # see SECTION_KINDS
    section_area: str | None  # one of labels.AREAS when the heading names an area
    paragraph: int  # index of the paragraph within the report (0-based)
    paragraph_number: int | None  # the number printed beside the paragraph, if any
    page: int  # 1-based page where the sentence starts
    start: int  # character offsets within the paragraph's text
    end: int

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class Paragraph:
    index: int
    number: int | None
    page: int
    text: str
    kind: str  # "numbered", "bullet" or "text"
    sentences: list[Sentence] = field(default_factory=list)


@dataclass
class Section:
    heading: str
    kind: str
    area: str | None
    grade: str | None = None
    paragraphs: list[Paragraph] = field(default_factory=list)


@dataclass
class Report:
    path: str
    report_id: str
    local_authority: str
    publication_date: dt.date | None
    inspection_start: dt.date | None
    inspection_end: dt.date | None
    lead_inspector: str | None
    era: str  # one of labels.ERAS
    grades: dict[str, str]  # judgement (labels.JUDGEMENTS) -> grade (labels.GRADES)
    sections: list[Section]

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [p for s in self.sections for p in s.paragraphs]

    @property
    def sentences(self) -> list[Sentence]:
        return [s for p in self.paragraphs for s in p.sentences]

    def grade_for_area(self, area: str) -> str | None:
        """The grade Ofsted gave the judgement that covers `area`.

        ILACS 2018 to March 2026 judges children in care and care leavers together,
        so care leavers fall back to the children-in-care grade there.
        """
        if area == "care_leavers":
            return self.grades.get("care_leavers") or self.grades.get("children_in_care")
        return self.grades.get(area)

    def metadata(self) -> dict:
        return {
            "report_id": self.report_id,
            "path": self.path,
            "local_authority": self.local_authority,
            "publication_date": self.publication_date.isoformat() if self.publication_date else None,
            "inspection_start": self.inspection_start.isoformat() if self.inspection_start else None,
            "inspection_end": self.inspection_end.isoformat() if self.inspection_end else None,
            "lead_inspector": self.lead_inspector,
            "era": self.era,
            "n_sentences": len(self.sentences),
            **{f"grade_{j}": self.grades.get(j) for j in JUDGEMENTS},
        }
