"""Model families for sentence area and polarity; one module per family.

Every family is a scikit-learn style estimator that saves to a directory of
safe files (see base.py). ``load_model(directory)`` loads any of them.
Importing this package does not import torch or transformers.
"""
from .base import FAMILIES, load_model
from .finding import FindingClassifier
from .tfidf import TfidfClassifier

__all__ = ["FAMILIES", "FindingClassifier", "TfidfClassifier", "load_model"]
