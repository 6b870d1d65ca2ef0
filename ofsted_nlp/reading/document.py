"""The typed document every reader returns, whatever it read (report, letter, news, pasted text).

A `Document` is made of `Section`s (a heading and what follows it) holding `Element`s in
reading order; an element is a heading, a paragraph, a list item, a title or boilerplate
(letterhead, address, date line, salutation, sign-off, byline, link...), with its page and
position, and the `Sentence`s read from it. Every sentence keeps its provenance (document,
page, section, element, character offsets) and says whether it can be a finding:
boilerplate sentences are `is_finding=False`.

`Report` is the name the library has always used for a full inspection report: it is a
`Document` of kind "inspection", and `Paragraph` is an `Element`.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from ..labels import DOCUMENT_KINDS, JUDGEMENTS
from .grades import grade_for_area

# Kinds of publication (labels.DOCUMENT_KINDS; "inspection" is a full report, its era says which
# framework) that are Ofsted letters.
LETTER_KINDS = ("monitoring_visit", "focused_visit", "jtai", "other_letter")

# What an element is. A report's paragraphs keep their layout kind: "numbered" (a numbered
# paragraph), "text" (an unnumbered paragraph), "bullet" (a list item) and "subheading" (a
# run-in heading in body type).
ELEMENT_KINDS = ("title", "heading", "subheading", "text", "numbered", "bullet", "table", "boilerplate")
# What a boilerplate element is.
BOILERPLATE_ROLES = ("letterhead", "address", "date", "salutation", "sign_off", "page_header", "page_footer",
                     "about_visit", "byline", "link", "caption")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a document, with where it came from."""

    id: str  # ids.sentence_id: "<report_id>:<hash of the normalised text>", stable across reader versions
    text: str
    report_id: str  # the document's id (file stem), named as the corpus has always named it
    section: str  # section heading as printed, or a name for unheaded parts
    section_kind: str  # see sections.SECTION_KINDS
    section_area: str | None  # one of labels.AREAS when the heading (or a letter's focus) names an area
    paragraph: int  # index of the element (paragraph) within the document (0-based)
    paragraph_number: int | None  # the number printed beside the paragraph, if any
    page: int | None  # 1-based page where the sentence starts (None for text without pages)
    start: int  # character offsets within the element's text
    end: int
    is_finding: bool = True  # False for boilerplate (letterhead, sign-off, byline...)
    element_kind: str = "text"
    role: str | None = None  # the boilerplate role, when not a finding

    def to_dict(self) -> dict:
        """Every field by name (a row of the corpus sentence table)."""
        return dataclasses.asdict(self)


@dataclass
class Element:
    """A heading, paragraph, list item, title or piece of boilerplate."""

    index: int  # position among the document's elements (reports: paragraph index)
    number: int | None  # the number printed beside a paragraph
    page: int | None
    text: str
    kind: str  # ELEMENT_KINDS
    sentences: list[Sentence] = field(default_factory=list)
    role: str | None = None  # BOILERPLATE_ROLES, for kind "boilerplate"
    y: float | None = None  # top of its first line on the page (points), when read from a PDF
    line: int | None = None  # 1-based line where it starts, when read from text

    @property
    def is_boilerplate(self) -> bool:
        """True for letterhead, address, sign-off and the like (kind ``boilerplate``)."""
        return self.kind == "boilerplate"


Paragraph = Element


@dataclass
class Section:
    """A part of a document under one heading: its kind (SECTION_KINDS), the area and grade it is
    about when it names them, and its elements."""

    heading: str
    kind: str
    area: str | None
    grade: str | None = None
    paragraphs: list[Element] = field(default_factory=list)

    @property
    def elements(self) -> list[Element]:
        """The section's elements (``paragraphs``, the older name, is the same list)."""
        return self.paragraphs


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


@dataclass
class Document:
    """A publication read into sections of elements, with what it states about itself.

    `grades` is None for anything but a full inspection report: grades are never inferred.
    """

    path: str
    report_id: str
    local_authority: str | None
    publication_date: dt.date | None
    inspection_start: dt.date | None  # the inspection's or the visit's first day
    inspection_end: dt.date | None
    lead_inspector: str | None
    era: str | None  # labels.ERAS for a full inspection; None otherwise
    grades: dict[str, str | None] | None  # judgement (labels.JUDGEMENTS) -> grade (labels.GRADES)
    sections: list[Section]
    kind: str = "inspection"  # DOCUMENT_KINDS
    urn: str | None = None
    letter_date: dt.date | None = None  # the date line of a letter
    visit_focus: str | None = None  # "Areas covered by the visit" / "The focus of the visit"
    focus_area: str | None = None  # the area the focus names (the context of sentences naming none)
    visit_number: int | None = None  # the 5 of "the fifth monitoring visit since ..."
    previous_judgement: str | None = None  # the grade quoted: "judged inadequate in March 2022"
    previous_judgement_date: str | None = None
    title: str | None = None
    language: str | None = "english"  # what lingua found (None: not checked)
    warnings: list[str] = field(default_factory=list)

    @property
    def doc_id(self) -> str:
        """The publication's id (``report_id``)."""
        return self.report_id

    @property
    def paragraphs(self) -> list[Element]:
        """Every element of every section, in reading order."""
        return [p for s in self.sections for p in s.paragraphs]

    @property
    def elements(self) -> list[Element]:
        """The same as ``paragraphs``."""
        return self.paragraphs

    @property
    def sentences(self) -> list[Sentence]:
        """Every sentence of every element, in reading order."""
        return [s for p in self.paragraphs for s in p.sentences]

    @property
    def finding_sentences(self) -> list[Sentence]:
        """The sentences that can be findings (``is_finding``: not boilerplate, not about the visit itself)."""
        return [s for s in self.sentences if s.is_finding]

    def grade_for_area(self, area: str) -> str | None:
        """The grade Ofsted gave the judgement that covers `area` (see `grades.grade_for_area`)."""
        return grade_for_area(self.grades, area)

    def metadata(self) -> dict:
        """What the document states about itself, JSON-ready: id, path, authority, dates (ISO), lead
        inspector, era, number of sentences and a ``grade_<judgement>`` per judgement; other kinds
        than inspection reports add ``document_metadata()``."""
        meta = {
            "report_id": self.report_id,
            "path": self.path,
            "local_authority": self.local_authority,
            "publication_date": _iso(self.publication_date),
            "inspection_start": _iso(self.inspection_start),
            "inspection_end": _iso(self.inspection_end),
            "lead_inspector": self.lead_inspector,
            "era": self.era,
            "n_sentences": len(self.sentences),
            **{f"grade_{j}": (self.grades or {}).get(j) for j in JUDGEMENTS},
        }
        if self.kind != "inspection":
            meta.update(self.document_metadata())
        return meta

    def document_metadata(self) -> dict:
        """What every kind states: kind, URN, letter date, focus, which visit, previous judgement."""
        return {
            "kind": self.kind, "urn": self.urn, "letter_date": _iso(self.letter_date), "title": self.title,
            "visit_focus": self.visit_focus, "focus_area": self.focus_area, "visit_number": self.visit_number,
            "previous_judgement": self.previous_judgement, "previous_judgement_date": self.previous_judgement_date,
            "language": self.language, "grades": dict(self.grades) if self.grades is not None else None,
            "warnings": list(self.warnings),
        }

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(kind={self.kind!r}, report_id={self.report_id!r}, "
                f"local_authority={self.local_authority!r}, era={self.era!r}, "
                f"{len(self.sections)} sections, {len(self.sentences)} sentences)")


Report = Document


def fill_sentences(element: Element, section: Section, report_id: str, *, finding: bool,
                   area: str | None, not_finding: Callable[[str], str | None] | None = None) -> None:
    """Split an element of a letter or text into sentences (pysbd) with provenance.

    Boilerplate keeps every piece (each is returned, marked not a finding); other elements keep
    the pieces long enough to be a sentence. `not_finding(text)` names the sentences of a finding
    element that are about the publication itself ("This letter summarises ...") and returns
    their role, or None.
    """
    from .sentences import looks_like_finding, sentence_spans

    text = element.text
    for s, e in sentence_spans(text):
        sent = text[s:e]
        role = element.role
        is_finding = finding
        if is_finding:
            if not looks_like_finding(sent):
                continue
            role = not_finding(sent) if not_finding is not None else None
            is_finding = role is None
        elif not any(c.isalnum() for c in sent):
            continue
        element.sentences.append(Sentence(
            id="", text=sent, report_id=report_id, section=section.heading, section_kind=section.kind,
            section_area=area, paragraph=element.index, paragraph_number=element.number, page=element.page,
            start=s, end=e, is_finding=is_finding, element_kind=element.kind, role=role))


def finish(document: Document) -> Document:
    """Number the elements in reading order and give every sentence its stable id
    (`ids.assign_ids` over the document's sentences in reading order, as for reports)."""
    from ..ids import assign_ids

    for i, element in enumerate(document.paragraphs):
        element.index = i
        element.sentences[:] = [dataclasses.replace(s, paragraph=i) for s in element.sentences]
    ids = iter(assign_ids(document.report_id, [s.text for s in document.sentences]))
    for element in document.paragraphs:
        element.sentences[:] = [dataclasses.replace(s, id=next(ids)) for s in element.sentences]
    return document
