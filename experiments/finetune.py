"""all-MiniLM-L6-v2 fine-tuned end to end on CPU, one encoder with an area head and a polarity head.

Run: python experiments/finetune.py [--epochs 4] [--encoder PATH_OR_ID]
"""
import argparse

from common import run_experiment

from ofsted_nlp import features
from ofsted_nlp.models.finetune import FineTunedClassifier


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--encoder", default=None)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--max-length", type=int, default=96)
    ap.add_argument("--batch-size", type=int, default=32)
    args = ap.parse_args()
    params = {"encoder": args.encoder or "packaged all-MiniLM-L6-v2", "epochs": args.epochs, "lr": args.lr,
              "max_length": args.max_length, "batch_size": args.batch_size}
    model = FineTunedClassifier(encoder=args.encoder, epochs=args.epochs, lr=args.lr, max_length=args.max_length,
                                batch_size=args.batch_size, seed=0)
    run_experiment("minilm_finetuned_context", model, params, input_format=features.SECTION_CONTEXT,
                   description="MiniLM fine-tuned end to end on CPU with the section's area as context, gold only")


if __name__ == "__main__":
    main()
