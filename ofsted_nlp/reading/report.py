"""Read an Ofsted children's services inspection report PDF into a `Report` (a `Document` of kind
"inspection"): metadata, the grade of every judgement it states, and its text as sections,
numbered paragraphs and sentences with provenance.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import ReportError
from .document import Paragraph, Report, Section, Sentence, finish
from .grades import parse_grades
from .layout import content_lines, merge_lists
from .metadata import detect_era, lead_inspector, local_authority, parse_inspection_dates, publication_date
from .pdf import PdfText, read_pdf
from .sections import FINDING_SECTION_KINDS, build_sections
from .sentences import looks_like_finding, split_sentences

# Pages whose text decides the era, the authority, the dates and the grades.
FRONT_PAGES = 2


def read_report(path: str | Path) -> Report:
    """Read one inspection report PDF.

    Raises ReportError (naming the file and the reason) for a missing file, a
    file that is not a PDF, a corrupt or encrypted PDF, and a PDF that is not
    an Ofsted inspection of local authority children's services.
    """
    return report_from_pdf(read_pdf(path))


def report_from_pdf(pdf: PdfText) -> Report:
    """The report in a PDF already opened with `pdf.read_pdf`."""
    path = pdf.path
    front = "\n".join(pdf.page_texts[:FRONT_PAGES])
    era = detect_era(front)
    if era is None:
        raise ReportError(path, "not an Ofsted inspection of local authority children's services "
                                "(no inspection title or judgements found)")
    try:
        lines, body = content_lines(pdf.pages)
    except Exception as exc:
        raise ReportError(path, f"corrupt PDF ({exc})") from None
    report_id = path.stem
    full = "\n".join(pdf.page_texts)
    start, end = parse_inspection_dates(front)
    report = Report(
        path=str(path), report_id=report_id, local_authority=local_authority(front, report_id),
        publication_date=publication_date(front, report_id), inspection_start=start, inspection_end=end,
        lead_inspector=lead_inspector(full), era=era, grades=parse_grades(front, full, era),
        sections=_sections(build_sections(lines, body, era), report_id), kind="inspection")
    return finish(report)  # (paragraph indices are already in reading order)


def _sections(built, report_id: str) -> list[Section]:
    sections = []
    para_index = 0
    for heading, kind, area, grade, builders in built:
        section = Section(heading=heading, kind=kind, area=area, grade=grade)
        for b in merge_lists(builders):
            text = b.text()
            if not text:
                continue
            para = Paragraph(index=para_index, number=b.number, page=b.page, text=text, kind=b.kind, y=b.y0)
            para_area = area or b.sub_area
            if kind in FINDING_SECTION_KINDS and b.kind != "subheading":
                for s, e in split_sentences(text):
                    sent = text[s:e]
                    if not looks_like_finding(sent):
                        continue
                    para.sentences.append(Sentence(
                        id="", text=sent, report_id=report_id,
                        section=heading, section_kind=kind, section_area=para_area, paragraph=para_index,
                        paragraph_number=b.number, page=b.page, start=s, end=e, element_kind=b.kind))
            section.paragraphs.append(para)
            para_index += 1
        sections.append(section)
    return sections


