"""The library's own exception types: callers catch these, not library internals."""
from __future__ import annotations


class OfstedNLPError(Exception):
    """Base class of every error ofsted_nlp raises on purpose."""


class ReportError(OfstedNLPError, ValueError):
    """A file could not be read as a children's services inspection report.

    ``path`` is the file and ``reason`` says why, so a batch job can list both.
    """

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class InputError(OfstedNLPError, ValueError):
    """Text or arguments given to classify() or a model are not acceptable."""


class ModelLoadError(OfstedNLPError):
    """A model could not be found or loaded (unknown URI, missing files, unsafe format)."""


class DataError(OfstedNLPError, ValueError):
    """Labelled data is missing or invalid."""
