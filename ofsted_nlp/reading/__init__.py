"""Reading publications into typed documents: PDF reports and letters, text, Markdown and HTML.

    read_document(source)  # a Path (.pdf, .txt, .md, .html) or a str of text -> Document
    read_report(path)      # a full inspection report PDF -> Report (a Document of kind "inspection")

Nothing here imports from the rest of ofsted_nlp but `labels`, `errors` and `ids`.
"""
from __future__ import annotations

from .document import (BOILERPLATE_ROLES, DOCUMENT_KINDS, ELEMENT_KINDS, LETTER_KINDS, Document, Element,
                       Paragraph, Report, Section, Sentence)
from .grades import grade_for_area, parse_grades
from .metadata import detect_era, parse_inspection_dates
from .report import read_report
from .sections import FINDING_SECTION_KINDS, SECTION_KINDS, classify_heading
from .sentences import sentence_spans, split_sentences

__all__ = ["BOILERPLATE_ROLES", "DOCUMENT_KINDS", "ELEMENT_KINDS", "LETTER_KINDS", "Document", "Element",
           "FINDING_SECTION_KINDS", "Paragraph", "Report", "SECTION_KINDS", "Section", "Sentence", "classify_heading",
           "detect_era", "grade_for_area", "parse_grades", "parse_inspection_dates", "read_document", "read_report",
           "sentence_spans", "split_sentences"]


def __getattr__(name: str):
    if name == "read_document":
        from .kinds import read_document

        return read_document
    raise AttributeError(f"module 'ofsted_nlp.reading' has no attribute {name!r}")
