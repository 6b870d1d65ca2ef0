"""ofsted_nlp: findings, service areas and polarity from Ofsted children's services inspections.

    >>> from ofsted_nlp import classify
    >>> classify("Care leavers are well supported by personal advisers.", model="path/to/model")
    Finding(text=..., area='care_leavers', polarity='positive', ...)

``import ofsted_nlp`` stays fast: ``classify`` and the result types are imported on first use
(PEP 562 module ``__getattr__``), and numpy, pandas, scikit-learn, the PDF library and torch only when
a model is loaded or a report is read.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

# public name -> submodule that defines it
_LAZY = {
    "classify": "api",
    "iter_classify": "api",
    "Finding": "api",
    "Provenance": "api",
    "ReportFindings": "api",
    "DocumentFindings": "api",
    "read_document": "reading",
    "InputTruncatedWarning": "api",
    "clear_model_cache": "api",
    "get_model": "api",
    "GradeThresholds": "summary",
    "area_score": "summary",
    "weighted_area_score": "summary",
    "grade_from_score": "summary",
    "read_report": "reading",
    "table": "tables",
    "timeline": "timeline",
    "OfstedNLPError": "errors",
    "InputError": "errors",
    "ReportError": "errors",
    "ModelLoadError": "errors",
    "DataError": "errors",
}

__all__ = ["__version__", *_LAZY]

if TYPE_CHECKING:  # for type checkers and IDEs; never executed
    from .api import (Finding, InputTruncatedWarning, Provenance, ReportFindings, classify, clear_model_cache,
                      get_model, iter_classify)
    from .errors import DataError, InputError, ModelLoadError, OfstedNLPError, ReportError
    from .reading import read_report
    from .summary import GradeThresholds, area_score, grade_from_score, weighted_area_score


def __getattr__(name: str):
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'ofsted_nlp' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module_name}", __name__), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
