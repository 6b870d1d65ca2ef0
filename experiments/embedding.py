"""Frozen all-MiniLM-L6-v2 sentence embeddings (the packaged weights) with a logistic-regression head.

Run: python experiments/embedding.py [--encoder PATH_OR_ID]
"""
import argparse

from common import run_experiment

from ofsted_nlp import features
from ofsted_nlp.models import FindingClassifier
from ofsted_nlp.models.embedding import EmbeddingClassifier
from ofsted_nlp.models.encoder import SentenceEncoder


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--encoder", default=None, help="local path or model id (default: the packaged MiniLM)")
    ap.add_argument("--C", type=float, default=4.0)
    args = ap.parse_args()
    shared = SentenceEncoder(args.encoder)  # one MiniLM for both heads
    model = FindingClassifier(EmbeddingClassifier(encoder=shared, C=args.C),
                              EmbeddingClassifier(encoder=shared, C=args.C))
    run_experiment("minilm_embedding_context", model, {"encoder": args.encoder or "packaged all-MiniLM-L6-v2",
                                                      "C": args.C},
                   input_format=features.SECTION_CONTEXT,
                   description="frozen MiniLM embeddings + logistic regression with section context, gold only")


if __name__ == "__main__":
    main()
