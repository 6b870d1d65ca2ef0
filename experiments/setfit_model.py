"""SetFit from all-MiniLM-L6-v2: the sentence encoder fine-tuned contrastively on pairs of gold train
sentences, then one logistic-regression head per task (area incl. `none`, polarity) on its embeddings.

One shared body, two heads: the area and polarity models read the same fine-tuned MiniLM, so training
costs one contrastive phase and inference one encoding per sentence (two SetFit models would double
both). The pairs are labelled by `--pairs-on`: `joint` (a pair is positive when both the area and the
polarity agree, so the body learns both distinctions), `polarity` (the weaker task only) or `area`.
Inputs carry the section context as in the other runs (a quarter of training sentences without it).

The `setfit` package (its Trainer, pair sampler and CosineSimilarityLoss) trains the body; the heads
are the project's `EmbeddingClassifier` (logistic regression on the normalised mean-pooled embeddings,
as SetFit's default head), with C per task chosen on validation. Saved under runs/<name>/model: the
body as a sentence-transformers folder in safetensors, the heads as arrays (no pickle), loadable with
`ofsted_nlp.models.load_model` without setfit.

Run: python experiments/setfit_model.py --pairs-on joint --steps 800   (needs `pip install 'ofsted-nlp[setfit]'`;
nothing is fetched from the Hub)
"""
import argparse
import os
import time
from pathlib import Path

import numpy as np
from common import (MODELS_DIR, QUICK, Split, directory_bytes, load_gold, run_experiment, seed_everything,
                    write_results)
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from ofsted_nlp import features
from ofsted_nlp.models import FindingClassifier
from ofsted_nlp.models.embedding import EmbeddingClassifier
from ofsted_nlp.models.encoder import SentenceEncoder, resolve_encoder

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the base model is the packaged copy; nothing is downloaded

DROP_CONTEXT = 0.25  # as run_experiment does for gold
C_GRID = (0.25, 1.0, 4.0, 16.0, 64.0)  # head regularisation tried on validation, per task
BODY_DIR = "body"  # the fine-tuned encoder, inside the model directory
ENCODE_BATCH = 64
THREADS = 2  # the machine's two cores, as benchmarks/bench_models.py times models


def pair_labels(split: Split, pairs_on: str) -> list[int]:
    """Integer labels that decide which training pairs are positive (same label) for the contrastive phase."""
    keys = {"joint": list(zip(split.areas, split.polarities)), "polarity": split.polarities,
            "area": split.areas}[pairs_on]
    index = {key: i for i, key in enumerate(sorted(set(keys)))}
    return [index[key] for key in keys]


def train_body(inputs: list[str], labels: list[int], out_dir: Path, steps: int, batch_size: int, lr: float,
               seed: int) -> dict:
    """Fine-tune the packaged MiniLM on `steps` batches of sentence pairs (SetFit's embedding phase, one
    epoch, half positive and half negative pairs) and save it to `out_dir` in safetensors form."""
    import torch
    from datasets import Dataset
    from setfit import SetFitModel, Trainer, TrainingArguments

    torch.set_num_threads(THREADS)
    model = SetFitModel.from_pretrained(str(resolve_encoder(None)), local_files_only=True)
    args = TrainingArguments(batch_size=batch_size, num_epochs=1, max_steps=steps, body_learning_rate=lr,
                             seed=seed, report_to="none", save_strategy="no", logging_steps=50,
                             show_progress_bar=False)
    trainer = Trainer(model=model, args=args, train_dataset=Dataset.from_dict({"text": inputs, "label": labels}))
    t0 = time.perf_counter()
    trainer.train_embeddings(inputs, labels)
    seconds = time.perf_counter() - t0
    out_dir.mkdir(parents=True, exist_ok=True)
    model.model_body.save(str(out_dir), safe_serialization=True)
    return {"body_seconds": round(seconds, 1), "pairs": steps * batch_size, "steps_per_second": steps / seconds}


def choose_c(train_x: np.ndarray, train_y: list[str], valid_x: np.ndarray, valid_y: list[str]) -> tuple[float, dict]:
    """The C of C_GRID with the best validation macro-F1 (ties: the smaller C), and every C's score."""
    scores = {}
    for c in C_GRID:
        head = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(train_x, train_y)
        scores[c] = float(f1_score(valid_y, head.predict(valid_x), average="macro"))
    best = max(C_GRID, key=lambda c: (scores[c], -c))
    return best, scores


def make_fit(args, splits: dict[str, Split], body_dir: Path, chosen: dict):
    """run_experiment's `fit`: the contrastive body, then heads with C chosen on validation."""

    def fit(model: FindingClassifier, train: Split) -> None:
        inputs = train.inputs(features.SECTION_CONTEXT, DROP_CONTEXT, seed=args.seed)
        if args.steps:
            chosen.update(train_body(inputs, pair_labels(train, args.pairs_on), body_dir, args.steps,
                                     args.batch_size, args.lr, args.seed))
        # --steps 0: the packaged MiniLM as it is, the same heads (what the contrastive phase adds)
        encoder = SentenceEncoder(str(body_dir) if args.steps else None, batch_size=ENCODE_BATCH, num_threads=THREADS)
        valid = splits["validation"]
        valid_x = encoder.encode(valid.inputs(features.SECTION_CONTEXT)).astype(np.float64)
        train_x = encoder.encode(inputs).astype(np.float64)  # last, so the heads' fit reuses these
        for task, head, train_y, valid_y in (("area", model.area_model, train.areas, valid.areas),
                                             ("polarity", model.polarity_model, train.polarities, valid.polarities)):
            best, scores = choose_c(train_x, train_y, valid_x, valid_y)
            chosen[f"{task}_C"] = best
            chosen[f"{task}_validation_f1_by_C"] = scores
            head.set_params(encoder=encoder, C=best, batch_size=ENCODE_BATCH, num_threads=THREADS)
            head.fit(inputs, train_y)  # the encoder returns the embeddings it just made

    return fit


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs-on", choices=("joint", "polarity", "area"), default="joint")
    ap.add_argument("--steps", type=int, default=10 if QUICK else 800,
                    help="contrastive batches (one epoch); 0: no contrastive phase, frozen MiniLM")
    ap.add_argument("--batch-size", type=int, default=16, help="sentence pairs a batch")
    ap.add_argument("--lr", type=float, default=2e-5, help="body learning rate (SetFit's default)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--name", default=None, help="run name (default setfit_minilm_l6_<pairs-on>_seed<seed>)")
    args = ap.parse_args(argv)
    seed_everything(args.seed)
    name = args.name or f"setfit_minilm_l6_{args.pairs_on if args.steps else 'frozen'}_seed{args.seed}"
    splits = load_gold()
    model_dir = MODELS_DIR / name / "model"
    body_dir = model_dir / BODY_DIR
    chosen: dict = {}
    model = FindingClassifier(EmbeddingClassifier(), EmbeddingClassifier())
    params = {"method": "setfit", "setfit_version": _version("setfit"), "base": "packaged all-MiniLM-L6-v2",
              "pairs_on": args.pairs_on, "steps": args.steps, "batch_size": args.batch_size,
              "pairs": args.steps * args.batch_size, "epochs": 1, "lr": args.lr, "seed": args.seed,
              "loss": "CosineSimilarityLoss", "head": "logistic regression, balanced, C per task on validation",
              "c_grid": list(C_GRID), "drop_context": DROP_CONTEXT}
    results = run_experiment(name, model, params, splits=splits, fit=make_fit(args, splits, body_dir, chosen),
                             input_format=features.SECTION_CONTEXT, drop_context=DROP_CONTEXT,
                             description=f"SetFit: MiniLM-L6 body fine-tuned on {args.steps * args.batch_size} "
                                         f"{args.pairs_on} pairs, logistic heads per task, torch fp32")
    results["setfit"] = chosen
    # with --steps 0 the body is the packaged MiniLM, outside the model directory, but still part of the model
    model_bytes = directory_bytes(model_dir) + (0 if args.steps else directory_bytes(resolve_encoder(None)))
    results["model_mb"] = round(model_bytes / 1e6, 1)
    write_results(name, results)
    _log_extras(results["run_id"], chosen, results["model_mb"])
    print(f"{name}: validation area {results['validation']['area_macro_f1']:.3f}, polarity "
          f"{results['validation']['polarity_macro_f1']:.3f}; C {chosen.get('area_C')} / {chosen.get('polarity_C')}; "
          f"{results['model_mb']} MB; test {results['test']['sentences_per_second']:.0f} sentences/s")


def _version(package: str) -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _log_extras(run_id: str, chosen: dict, mb: float) -> None:
    """What is known only after training (the chosen Cs, the body's speed, the model's size) into the run."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    client.log_metric(run_id, "model_mb", mb)
    for key in ("body_seconds", "steps_per_second"):
        if key in chosen:
            client.log_metric(run_id, key, chosen[key])
    for task in ("area", "polarity"):
        if f"{task}_C" in chosen:
            client.log_param(run_id, f"{task}_C", chosen[f"{task}_C"])
            for c, f1 in chosen[f"{task}_validation_f1_by_C"].items():
                client.log_metric(run_id, f"validation_{task}_macro_f1_C{c:g}", f1)


if __name__ == "__main__":
    main()
