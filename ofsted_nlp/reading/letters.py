"""Ofsted's letters: monitoring visits, focused visits, joint targeted area inspections (JTAI) and
other letters, read from blocks (PDF lines or text) into a `Document`.

A letter is: letterhead, date and addressee (boilerplate), "Dear ..." (salutation), a title
("Monitoring visit to X children's services"), the opening "This letter summarises the findings of
..." (about the visit), headed sections ("Headline findings", "Areas covered by the visit",
"Findings and evaluation of progress", "What needs to improve ..."), then "Yours sincerely" and the
inspector's name and title (sign-off). Letters carry no grades. The visit's focus names the area
that sentences naming no group of children speak for, as a section heading does in a report.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .blocks import Block
from .document import Document, Element, Section, fill_sentences
from .metadata import DATE, parse_date, urn, visit_summary, which_visit
from .sections import classify_heading
from .sentences import norm

if TYPE_CHECKING:
    from .pdf import Line

# Letter headings -> section kind. Sections of kind about_inspection describe the visit itself.
LETTER_HEADINGS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^(?:headline findings|summary of findings|main findings|key findings)", re.I), "summary"),
    (re.compile(r"^(?:areas covered by the (?:visit|inspection)|the focus of the (?:visit|inspection)|"
                r"scope of the (?:visit|inspection)|introduction|about this (?:visit|inspection)|"
                r"the (?:visit|inspection) team)", re.I), "about_inspection"),
    (re.compile(r"^(?:findings and evaluation of progress|findings|evaluation of progress|"
                r"key strengths|strengths|context|case stud)", re.I), "progress"),
    (re.compile(r"^(?:what needs to improve|areas for (?:further )?improvement|next steps|"
                r"areas for development|recommendations)", re.I), "what_needs_to_improve"),
    (re.compile(r"^(?:lead inspector|yours sincerely|yours faithfully)", re.I), "sign_off"),
]
NOT_FINDING_SECTION_KINDS = ("front_matter", "about_inspection", "sign_off")

# The letterhead: Ofsted's addresses, phone, email and web site.
_LETTERHEAD = re.compile(r"piccadilly gate|store street|manchester m1|agora|clive house|royal exchange|"
                         r"0300 ?123|0300 ?013|enquiries@ofsted|www\.gov\.uk/ofsted|@ofsted\.gov\.uk|^ofsted$|"
                         r"^(?:t|tel|telephone|e|email|w)\s*[:.]?\s|^(?:direct )?(?:t|tel)\s*\d", re.I)
# Sentences of a letter's body that are about the visit itself, not findings.
_ABOUT_VISIT = re.compile(
    r"^(?:This letter summarises|This (?:visit|inspection) was (?:carried out|conducted)|The visit was carried out|"
    r"This (?:was|is) the \w+ (?:monitoring |focused )?visit|The local authority (?:was|has been) judged|"
    r"Inspectors (?:considered|reviewed) (?:a range of evidence|the progress)|Ofsted will take|"
    r"I am copying this letter|If you have any questions|"
    r"(?:His|Her) Majesty's Inspectors?,? .{0,60}(?:carried out|visited)|"
    r"Between .{0,40}\d{4},? Ofsted,)", re.I)
_SIGN_OFF = re.compile(r"^Yours (?:sincerely|faithfully)\b", re.I)
_INSPECTOR_TITLE = re.compile(r",?\s*(?:(?:His|Her) Majesty's Inspector(?:s)?(?: \(HMI\))?|HMI|Ofsted Inspector|"
                              r"Senior HMI|Regional Director|Lead inspector)\b.*$", re.I)
# Words naming a group of children, for the area a visit's focus speaks for (first match wins).
_FOCUS_AREAS = [
    ("care_leavers", re.compile(r"care leavers?|leaving care|personal advisers|pathway plan", re.I)),
    ("children_in_care", re.compile(r"children in care|looked after|permanence|fostering|placement|adoption|"
                                    r"corporate parent", re.I)),
    ("help_and_protection", re.compile(r"help and protection|front door|child protection|children in need|"
                                       r"contact(?:s)? and referral|referrals|early help|MASH|safeguarding hub|"
                                       r"assessment|exploitation|neglect|domestic abuse|disabled children|"
                                       r"missing|risk outside the home|pre-proceedings|public law outline|"
                                       r"strategy discussion|thresholds?|need help", re.I)),
    ("leadership", re.compile(r"leadership|leaders|workforce|quality assurance|performance management", re.I)),
]


def letter_kind(text: str) -> str | None:
    """The kind of letter a text is, or None when it is not one of Ofsted's letters."""
    t = norm(text).lower()
    if not (re.search(r"\bdear\b", t) and (re.search(r"yours (?:sincerely|faithfully)", t)
                                           or "this letter" in t)):
        return None
    names = {"jtai": r"joint targeted area inspection|\(jtai\)", "focused_visit": r"focused visit",
             "monitoring_visit": r"monitoring visit"}
    found = [(m.start(), kind) for kind, pattern in names.items() if (m := re.search(pattern, t))]
    return min(found)[1] if found else "other_letter"


def focus_area(focus: str | None) -> str | None:
    """The area (labels.AREAS) a visit's focus names, or None when it names none."""
    if not focus:
        return None
    for area, pattern in _FOCUS_AREAS:
        if pattern.search(focus):
            return area
    return None


def letter_document(blocks: list[Block], *, path: str, report_id: str, kind: str,
                    margins: Sequence[Line] = ()) -> Document:
    """A letter's document from its blocks (see the module docstring); `margins` are a PDF's running
    header and footer lines, kept as boilerplate."""
    reader = _LetterReader(report_id)
    for b in blocks:
        reader.add(b)
    if margins:
        reader.phase = "margins"
        reader._open("Page headers and footers", "front_matter", None)
        for ln in margins:
            role = "page_header" if ln.y0 < 421 else "page_footer"
            reader._element(Block("text", ln.text, ln.page, ln.y0), "boilerplate", role)
    return reader.document(path, kind, blocks)


class _LetterReader:
    """Places a letter's blocks, in order, into sections: before the salutation everything is
    letterhead and address; from "Yours sincerely" on, everything is the sign-off."""

    def __init__(self, report_id: str):
        self.report_id = report_id
        self.section = Section(heading="Letterhead", kind="front_matter", area=None)
        self.sections = [self.section]
        self.phase = "head"  # head -> body -> sign_off
        self.title: str | None = None
        self.letter_date: dt.date | None = None
        self.focus_parts: list[str] = []
        self.signers: list[str] = []

    def add(self, b: Block) -> None:
        text = b.text
        if self.phase == "head" and re.match(r"Dear\b", text):
            self.phase = "body"
            self._element(b, "boilerplate", "salutation")
            self._open("Letter", "other", None)
            return
        if self.phase != "sign_off" and _SIGN_OFF.match(text):
            self.phase = "sign_off"
            self._open("Sign-off", "sign_off", None)
        if self.phase == "head":
            self._head_block(b)
        elif self.phase == "sign_off":
            self._element(b, "boilerplate", "sign_off")
            if not _SIGN_OFF.match(text):
                self.signers.append(text)
        elif b.kind == "heading":
            self._heading(b)
        else:
            if self.section.kind == "about_inspection" and not re.match(r"lead inspector", self.section.heading, re.I):
                self.focus_parts.append(text)
            self._element(b, b.kind, None)

    def _head_block(self, b: Block) -> None:
        text = b.text
        m = DATE.fullmatch(text.strip(" ."))
        if m and self.letter_date is None:
            self.letter_date = parse_date(*m.groups())
            role = "date"
        elif _LETTERHEAD.search(text):
            role = "letterhead"
        else:
            role = "address"
        self._element(b, "boilerplate", role)

    def _heading(self, b: Block) -> None:
        if self.title is None and not any(p.kind != "boilerplate" for s in self.sections for p in s.paragraphs) \
                and not _letter_heading(b.text):
            self.title = b.text
            self._element(b, "title", None)
            return
        kind = _letter_heading(b.text)
        if kind is None:
            found = classify_heading(b.text)
            kind = "other"
            area = found[1] if found else None
        else:
            area = None
        self._open(b.text, kind, area)

    def _open(self, heading: str, kind: str, area: str | None) -> None:
        self.section = Section(heading=heading, kind=kind, area=area)
        self.sections.append(self.section)

    def _element(self, b: Block, kind: str, role: str | None) -> None:
        self.section.paragraphs.append(Element(index=-1, number=None, page=b.page, text=b.text, kind=kind,
                                               role=role, y=b.y, line=b.line))

    def document(self, path: str, kind: str, blocks: list[Block]) -> Document:
        full = "\n".join(b.text for b in blocks)
        summary = visit_summary(full)
        visit = which_visit(full) if kind == "monitoring_visit" or "judged" in full else {}
        focus = " ".join(self.focus_parts) or _focus_sentence(full)
        area = focus_area(focus)
        doc = Document(
            path=path, report_id=self.report_id, local_authority=summary.get("local_authority"),
            publication_date=None, inspection_start=summary.get("visit_start"),
            inspection_end=summary.get("visit_end"), lead_inspector=_inspector(self.signers), era=None,
            grades=None, sections=[s for s in self.sections if s.paragraphs], kind=kind, urn=urn(full),
            letter_date=self.letter_date, visit_focus=focus or None, focus_area=area,
            visit_number=visit.get("visit_number"), previous_judgement=visit.get("previous_judgement"),
            previous_judgement_date=visit.get("previous_judgement_date"), title=self.title)
        for section in doc.sections:
            finding_section = section.kind not in NOT_FINDING_SECTION_KINDS
            context = section.area or area
            for element in section.paragraphs:
                finding = finding_section and element.kind not in ("boilerplate", "title")
                if not finding and element.role is None and element.kind != "title":
                    element.role = "about_visit" if section.kind == "about_inspection" else element.role
                fill_sentences(element, section, self.report_id, finding=finding, area=context,
                               not_finding=_about_visit)
        return doc


def _letter_heading(text: str) -> str | None:
    for pattern, kind in LETTER_HEADINGS:
        if pattern.search(text):
            return kind
    return None


def _about_visit(sentence: str) -> str | None:
    return "about_visit" if _ABOUT_VISIT.match(sentence) else None


def _focus_sentence(text: str) -> str | None:
    m = re.search(r"(?:The focus of (?:the|this) visit was|multi-agency response to|This visit focused on|The visit focused on|"
                  r"Inspectors (?:looked at|evaluated|reviewed)) ([^.]{10,300}\.)", norm(text))
    return m.group(1) if m else None


def _inspector(signers: list[str]) -> str | None:
    for text in signers:
        name = _INSPECTOR_TITLE.sub("", text).strip(" ,")
        if name and len(name.split()) <= 5 and not re.search(r"\d|@", name):
            return name
    return None
