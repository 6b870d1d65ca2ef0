"""Fine-tuned multi-task MiniLM (area incl. `none`, polarity), trained with the transformers Trainer,
exported to ONNX and quantised to int8: what is evaluated is the graph that would ship.

Section context as in the TF-IDF default (a quarter of training sentences shown without it, so that
loose sentences are read well too). `--layers` keeps the first N encoder layers (a layer-dropped
student); validation decides, never test.

Run: python experiments/transformer.py --layers 4 --epochs 3
"""
import argparse

from common import QUICK, load_gold, run_experiment, seed_everything

from ofsted_nlp import features
from ofsted_nlp.models import TransformerFindingTrainer


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--epochs", type=float, default=0.3 if QUICK else 3.0)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-length", type=int, default=80)
    ap.add_argument("--fp32", action="store_true", help="evaluate the fp32 export instead of int8")
    args = ap.parse_args(argv)
    seed_everything(args.seed)
    model = TransformerFindingTrainer(keep_layers=args.layers, epochs=args.epochs, lr=args.lr, seed=args.seed,
                                      max_length=args.max_length, quantise=not args.fp32)
    name = f"minilm_l{args.layers}_{'fp32' if args.fp32 else 'int8'}_seed{args.seed}"
    params = {"layers": args.layers, "epochs": args.epochs, "lr": args.lr, "seed": args.seed,
              "max_length": args.max_length, "precision": "fp32" if args.fp32 else "int8",
              "trainer": "transformers.Trainer", "loss": "sqrt-balanced CE + label smoothing 0.05"}
    run_experiment(name, model, params, splits=load_gold(), input_format=features.SECTION_CONTEXT,
                   description=f"MiniLM first {args.layers} layers, multi-task, Trainer, ONNX "
                               f"{'fp32' if args.fp32 else 'int8'}")


if __name__ == "__main__":
    main()
