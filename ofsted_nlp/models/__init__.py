"""Model families for sentence area and polarity; one module per family.

Every family is a scikit-learn style estimator that saves to a directory of
safe files (see base.py). ``load_model(directory)`` loads any of them.
Importing this package does not import torch or transformers.
"""
from .base import FAMILIES, load_model
from .baselines import KeywordAreaClassifier, MajorityClassifier, TextBlobPolarity, VaderPolarity
from .embedding import EmbeddingClassifier
from .encoder import SentenceEncoder, resolve_encoder
from .finding import FindingClassifier
from .finetune import FineTunedClassifier
from .onnx_finding import OnnxFindingClassifier, TransformerFindingTrainer
from .static import StaticFindingClassifier
from .tfidf import TfidfClassifier

__all__ = [
    "EmbeddingClassifier",
    "FAMILIES",
    "FindingClassifier",
    "FineTunedClassifier",
    "KeywordAreaClassifier",
    "MajorityClassifier",
    "OnnxFindingClassifier",
    "SentenceEncoder",
    "StaticFindingClassifier",
    "TextBlobPolarity",
    "TfidfClassifier",
    "TransformerFindingTrainer",
    "VaderPolarity",
    "load_model",
    "resolve_encoder",
]
