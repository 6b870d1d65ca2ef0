"""Former home of the report reader, kept so that `from ofsted_nlp.reports import ...` goes on working.

The reader is the package `ofsted_nlp.reading` (see its modules); nothing is defined here.
"""
from __future__ import annotations

from .reading.document import Paragraph, Report, Section, Sentence
from .reading.grades import grade_for_area, parse_grades
from .reading.metadata import detect_era, parse_inspection_dates
from .reading.report import read_report
from .reading.sections import FINDING_SECTION_KINDS, SECTION_KINDS, classify_heading
from .reading.sentences import split_sentences

__all__ = ["FINDING_SECTION_KINDS", "Paragraph", "Report", "SECTION_KINDS", "Section", "Sentence", "classify_heading",
           "detect_era", "grade_for_area", "parse_grades", "parse_inspection_dates", "read_report", "split_sentences"]
