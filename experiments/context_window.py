"""Context as a second segment: the MiniLM-L4 multi-task student reading its neighbours (issue 10).

Segment A is what the shipped models read (section context + sentence, `section_context_v1`); segment B
(token type 1) is the end of the previous sentence and the start of the next one in the publication's
reading order (experiments/neighbours.py). Pooling is over segment A only, so the neighbours inform the
sentence's representation through attention without being averaged into it. A share of training rows
has segment B blanked (a loose sentence then reads exactly as in `section_context_v1`), and a quarter
are shown without their section, as in the gold-only run. Everything else is the gold-only run
`minilm_l4_int8_seed0` (experiments/transformer.py --layers 4): epochs, learning rate, seed, loss, Trainer.

The evaluated model is the int8 ONNX graph (three inputs: ids, mask, token types), one sentence a run.
Figures: validation, test and the out-of-domain splits with neighbours; `*_no_neighbours` with segment B
blank (what a caller with loose sentences gets); `test_no_context`: neither section nor neighbours.

With `--budget-minutes` (the shared CPU lock's slot) training stops at a saved checkpoint after that
long and the script exits with status 3; run it again and it resumes there. Only the run that finishes
training logs to MLflow.

Run: python experiments/context_window.py [--blank 0.2] [--budget-minutes 19]
  in lock-sized slots: until flock /tmp/ofsted_cpu.lock python experiments/context_window.py \
                             --budget-minutes 19; [ $? -ne 3 ]; do :; done
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from common import (EXPERIMENT, MODELS_DIR, QUICK, REPORTS, RESULTS_DIR, ROOT, SEED, Split, ensure_corpus,
                    load_gold, print_summary, score_and_log, seed_everything, write_results)
from neighbours import Neighbours, gold_neighbours

from ofsted_nlp import data, features, tracking

INPUT_FORMAT = "neighbour_context_v1"
NEIGHBOUR_WORDS = 12  # words kept of each neighbour, those nearest the sentence: B stays ~35 tokens
BLANK_NEIGHBOURS = 0.2  # share of training rows shown without segment B
DROP_SECTION = 0.25  # share of training rows shown without their section (as the gold-only run)
MAX_LENGTH = 128  # the gold-only run's 80 for segment A, plus room for segment B
EXIT_UNFINISHED = 3  # training stopped at a checkpoint; run again to resume


def segment_b(previous: str | None, following: str | None, words: int = NEIGHBOUR_WORDS) -> str | None:
    """``"previous: <its last words> next: <its first words>"``; None when there is neither."""
    parts = []
    if previous:
        parts.append("previous: " + " ".join(previous.split()[-words:]))
    if following:
        parts.append("next: " + " ".join(following.split()[:words]))
    return " ".join(parts) or None


def second_segments(split: Split, neighbours: Neighbours, blank: float = 0.0, seed: int = SEED) -> list[str | None]:
    """Segment B of each row of `split` (None: not placed, or blanked for a `blank` share of rows)."""
    rng = np.random.default_rng(seed + 1)
    out = []
    for sid in split.ids:
        drop = bool(blank) and rng.random() < blank
        out.append(None if drop else segment_b(*neighbours.get(sid, (None, None))))
    return out


# ------------------------------------------------------------------ torch side (training, export)


def pair_encodings(tokenizer, firsts: list[str], seconds: list[str | None], max_length: int) -> dict[str, list]:
    """Token ids, mask and token types; rows without segment B are single-segment encodings."""
    out: dict[str, list] = {"input_ids": [None] * len(firsts), "token_type_ids": [None] * len(firsts),
                            "attention_mask": [None] * len(firsts)}
    paired = [i for i, s in enumerate(seconds) if s]
    single = [i for i, s in enumerate(seconds) if not s]
    for rows, encoded in ((paired, tokenizer([firsts[i] for i in paired], [seconds[i] for i in paired],
                                             truncation=True, max_length=max_length) if paired else None),
                          (single, tokenizer([firsts[i] for i in single], truncation=True, max_length=max_length)
                           if single else None)):
        for key in out:
            for j, i in enumerate(rows):
                out[key][i] = encoded[key][j]
    return out


def build_network(config, n_areas: int, n_polarities: int):
    """(tokenizer, MultiTaskNetwork that reads token types and pools over segment A only)."""
    import torch

    from ofsted_nlp.models.encoder import mean_pool
    from ofsted_nlp.models.multitask import MultiTaskNetwork, load_encoder

    class PairNetwork(MultiTaskNetwork):
        def forward(self, input_ids, attention_mask, token_type_ids=None, area_labels=None, polarity_labels=None):
            if token_type_ids is None:
                token_type_ids = torch.zeros_like(input_ids)
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            pooled = self.dropout(mean_pool(hidden, attention_mask * (token_type_ids == 0).to(attention_mask)))
            out = {"area_logits": self.area_head(pooled), "polarity_logits": self.polarity_head(pooled)}
            if area_labels is not None and polarity_labels is not None:
                out["loss"] = (self._task_loss("area", out["area_logits"], area_labels)
                               + self._task_loss("polarity", out["polarity_logits"], polarity_labels))
            return out

    tokenizer, encoder = load_encoder(config)
    network = PairNetwork(encoder, n_areas, n_polarities, config.dropout)
    network.label_smoothing = config.label_smoothing
    return tokenizer, network


def train_pairs(firsts, seconds, areas, polarities, area_classes, polarity_classes, config, work_dir: Path,
                budget_s: float):
    """Fine-tune with the Trainer as models/multitask.py does; (network, tokenizer) when training ended,
    (None, None) when the budget ran out first (a checkpoint is saved in `work_dir` to resume from).
    The trained weights are kept in `work_dir`, so a failure after training does not cost a retraining."""
    import torch
    from transformers import Trainer, TrainerCallback, TrainingArguments

    from ofsted_nlp.models.encoder import torch_threads
    from ofsted_nlp.models.multitask import _PadWithTargets, _Rows, balanced_weights

    class StopAtBudget(TrainerCallback):
        def __init__(self):
            self.deadline = time.monotonic() + budget_s

        def on_step_end(self, args, state, control, **kwargs):
            if time.monotonic() > self.deadline and state.global_step < state.max_steps:
                control.should_save = True
                control.should_training_stop = True
            return control

    area_ids = np.array([list(area_classes).index(a) for a in areas])
    polarity_ids = np.array([list(polarity_classes).index(p) for p in polarities])
    with torch_threads(config.num_threads):
        torch.manual_seed(config.seed)
        tokenizer, network = build_network(config, len(area_classes), len(polarity_classes))
        network.loss_weights = {"area": balanced_weights(area_ids, len(area_classes)),
                                "polarity": balanced_weights(polarity_ids, len(polarity_classes))}
        final = work_dir / "final.safetensors"  # the trained weights, kept until the results are written
        if final.exists():
            from safetensors.torch import load_file

            network.load_state_dict(load_file(str(final)))
            network.eval()
            return network, tokenizer
        dataset = _Rows(pair_encodings(tokenizer, firsts, seconds, config.max_length), area_ids, polarity_ids)
        args = TrainingArguments(
            output_dir=str(work_dir), num_train_epochs=config.epochs, learning_rate=config.lr,
            per_device_train_batch_size=config.batch_size, warmup_steps=config.warmup_ratio,
            weight_decay=config.weight_decay, train_sampling_strategy="group_by_length", seed=config.seed,
            use_cpu=True, save_strategy="no", eval_strategy="no", logging_steps=50, report_to=[],
            dataloader_num_workers=0, remove_unused_columns=False,
            label_names=["area_labels", "polarity_labels"], disable_tqdm=True)
        trainer = Trainer(model=network, args=args, train_dataset=dataset, processing_class=tokenizer,
                          data_collator=_PadWithTargets(tokenizer), callbacks=[StopAtBudget()])
        checkpoints = sorted(work_dir.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
        trainer.train(resume_from_checkpoint=str(checkpoints[-1]) if checkpoints else None)
        if trainer.state.global_step < trainer.state.max_steps:
            return None, None
        from safetensors.torch import save_file

        save_file({k: v.contiguous() for k, v in network.state_dict().items()}, str(final))
    network.eval()
    return network, tokenizer


def export_pair_onnx(network, tokenizer, path: Path, opset: int = 17) -> Path:
    """fp32 ONNX: input_ids, attention_mask, token_type_ids in; area and polarity probabilities out."""
    import torch

    class Probabilities(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return torch.softmax(out["area_logits"], dim=-1), torch.softmax(out["polarity_logits"], dim=-1)

    sample = tokenizer(["Social workers know children well."], ["previous: Leaders act. next: Plans are weak."],
                       return_tensors="pt")
    token_axes = {0: "batch", 1: "tokens"}
    inputs = ("input_ids", "attention_mask", "token_type_ids")
    with torch.no_grad():
        torch.onnx.export(Probabilities(network).eval(),
                          (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]), str(path),
                          input_names=list(inputs),
                          output_names=["area_proba", "polarity_proba"],
                          dynamic_axes={**{name: token_axes for name in inputs},
                                        "area_proba": {0: "batch"}, "polarity_proba": {0: "batch"}},
                          opset_version=opset, dynamo=False)
    return path


# ------------------------------------------------------------------ ONNX side (evaluation)


class PairOnnxModel:
    """The exported graph with the `tokenizers` tokenizer, one sentence a run (as OnnxFindingClassifier:
    the int8 graph's activation scales are per run, so batching would change the answers)."""

    def __init__(self, directory: Path, max_length: int):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(directory / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length)
        self.tokenizer.no_padding()
        meta = json.loads((directory / "model.json").read_text())
        self.area_classes = np.array(meta["area_classes"])
        self.polarity_classes = np.array(meta["polarity_classes"])

    def predict_findings(self, firsts: list[str], seconds: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
        """(areas, polarities) for segment A texts with their segment B (None: single segment)."""
        from concurrent.futures import ThreadPoolExecutor

        area = np.zeros(len(firsts), dtype=int)
        polarity = np.zeros(len(firsts), dtype=int)

        def run(i: int) -> None:
            enc = self.tokenizer.encode(firsts[i], seconds[i]) if seconds[i] else self.tokenizer.encode(firsts[i])
            feed = {"input_ids": np.asarray([enc.ids], dtype=np.int64),
                    "attention_mask": np.asarray([enc.attention_mask], dtype=np.int64),
                    "token_type_ids": np.asarray([enc.type_ids], dtype=np.int64)}
            a, p = self.session.run(None, feed)
            area[i], polarity[i] = int(a[0].argmax()), int(p[0].argmax())

        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(run, range(len(firsts)), chunksize=32))
        return self.area_classes[area], self.polarity_classes[polarity]


def write_model(network, tokenizer, area_classes, polarity_classes, work_dir: Path, model_dir: Path) -> Path:
    """Export, quantise to int8, lay out the model directory (input format recorded)."""
    from ofsted_nlp.models.multitask import quantise_onnx
    from ofsted_nlp.models.onnx_finding import OnnxFindingClassifier

    fp32 = export_pair_onnx(network, tokenizer, work_dir / "fp32.onnx")
    int8 = quantise_onnx(fp32, work_dir / "int8.onnx")
    if model_dir.exists():
        shutil.rmtree(model_dir)
    OnnxFindingClassifier.write_directory(model_dir, int8, tokenizer, area_classes, polarity_classes, MAX_LENGTH)
    features.write_input_format(model_dir, INPUT_FORMAT)
    return model_dir


def evaluations(splits: dict[str, Split], neighbours: Neighbours) -> list[tuple[str, Split, list[str], list]]:
    """(name, split, segment A, segment B) of every figure reported."""
    out = []
    for name in ("validation", "test", *data.OOD_SPLITS):
        split = splits.get(name)
        if split is None or not split.texts:
            continue
        firsts = split.inputs(features.SECTION_CONTEXT)
        out.append((name, split, firsts, second_segments(split, neighbours)))
        if name in ("validation", "test"):
            out.append((f"{name}_no_neighbours", split, firsts, [None] * len(split.ids)))
    test = splits["test"]
    out.append(("test_no_context", test, features.compose(test.texts, None, features.SECTION_CONTEXT),
                [None] * len(test.ids)))
    return out


def evaluate_and_log(name: str, model: PairOnnxModel, splits: dict[str, Split], neighbours: Neighbours,
                     results: dict) -> None:
    """Score every evaluation, log each to the active MLflow run and add it to `results`."""
    for split_name, split, firsts, seconds in evaluations(splits, neighbours):
        t0 = time.perf_counter()
        areas_pred, pols_pred = model.predict_findings(firsts, seconds)
        seconds_taken = time.perf_counter() - t0
        metrics = score_and_log(split_name, split, areas_pred, pols_pred,
                                {"sentences_per_second": len(split.texts) / max(seconds_taken, 1e-9),
                                 "share_with_neighbours": float(np.mean([s is not None for s in seconds]))})
        results[split_name] = metrics
        print(f"{split_name}: area {metrics['area_macro_f1']:.3f} polarity {metrics['polarity_macro_f1']:.3f} "
              f"neutral {metrics['polarity_neutral_f1']:.3f} none {metrics['area_none_f1']:.3f}", flush=True)


def neighbour_coverage(splits: dict[str, Split], neighbours: Neighbours) -> dict[str, float]:
    """Share of each split's rows placed in their publication (the rest are read as loose sentences)."""
    return {f"coverage_{name}": float(np.mean([sid in neighbours for sid in s.ids])) if s.ids else 0.0
            for name, s in splits.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--epochs", type=float, default=0.3 if QUICK else 3.0)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--blank", type=float, default=BLANK_NEIGHBOURS, help="share of training rows without segment B")
    ap.add_argument("--budget-minutes", type=float, default=None,
                    help="stop training at a checkpoint after this long (exit status 3; run again to resume)")
    ap.add_argument("--name", default=None)
    args = ap.parse_args(argv)
    from ofsted_nlp.models.multitask import TrainConfig

    name = args.name or (f"minilm_l{args.layers}_int8_neighbours" + ("" if args.blank == BLANK_NEIGHBOURS
                                                                     else f"_blank{round(args.blank * 100)}")
                         + f"_seed{args.seed}")
    seed_everything(args.seed)
    splits = load_gold()
    rows = data.gold_frame()[["id", "report_id", "sampling"]]
    neighbours = gold_neighbours(rows[rows.id.isin({i for s in splits.values() for i in s.ids})], ensure_corpus(),
                                 REPORTS)
    train = splits["train"]
    firsts = train.inputs(features.SECTION_CONTEXT, DROP_SECTION)
    seconds = second_segments(train, neighbours, args.blank)
    config = TrainConfig(keep_layers=args.layers, epochs=args.epochs, lr=args.lr, seed=args.seed,
                         max_length=MAX_LENGTH, num_threads=2)
    area_classes, polarity_classes = sorted(set(train.areas)), sorted(set(train.polarities))
    work_dir = RESULTS_DIR / f"{name}_work"
    work_dir.mkdir(parents=True, exist_ok=True)
    clock_path = work_dir / "train_seconds.json"
    spent = json.loads(clock_path.read_text())["seconds"] if clock_path.exists() else 0.0
    t0 = time.perf_counter()
    network, tokenizer = train_pairs(firsts, seconds, train.areas, train.polarities, area_classes,
                                     polarity_classes, config, work_dir / "trainer",
                                     args.budget_minutes * 60 if args.budget_minutes else float("inf"))
    spent += time.perf_counter() - t0
    clock_path.write_text(json.dumps({"seconds": spent}) + "\n")
    if network is None:
        print(f"{name}: stopped at a checkpoint after {spent:.0f} s of training; run again to resume", flush=True)
        return EXIT_UNFINISHED
    model_dir = write_model(network, tokenizer, area_classes, polarity_classes, work_dir, MODELS_DIR / name / "model")
    params = {"layers": args.layers, "epochs": args.epochs, "lr": args.lr, "seed": args.seed,
              "max_length": MAX_LENGTH, "precision": "int8", "trainer": "transformers.Trainer",
              "loss": "sqrt-balanced CE + label smoothing 0.05", "input_format": INPUT_FORMAT,
              "neighbour_words": NEIGHBOUR_WORDS, "blank_neighbours": args.blank, "drop_section": DROP_SECTION,
              "pooling": "mean over segment A"}
    with tracking.start_run(EXPERIMENT, run_name=name, params={**params, "n_train": len(train.texts)},
                            tags={"description": "MiniLM-L4 multi-task, neighbours as a second segment"}) as run:
        import mlflow

        results = {"name": name, "params": params, "train_seconds": round(spent, 1), "run_id": run.info.run_id,
                   "description": "MiniLM-L4, previous/next sentence as segment B, ONNX int8",
                   "data_version": tracking.log_data_version(), "splits_version": data.load_splits()["version"],
                   "n_train": len(train.texts), **neighbour_coverage(splits, neighbours)}
        mlflow.log_metrics({k: v for k, v in results.items() if k.startswith("coverage_")} | {"train_seconds": spent})
        evaluate_and_log(name, PairOnnxModel(model_dir, MAX_LENGTH), splits, neighbours, results)
        mlflow.log_artifacts(str(model_dir), artifact_path="model")
        results["model_dir"] = str(model_dir.relative_to(ROOT) if model_dir.is_relative_to(ROOT) else model_dir)
    write_results(name, results)
    print_summary(results)
    shutil.rmtree(work_dir, ignore_errors=True)  # checkpoints, final weights, the training clock
    return 0


if __name__ == "__main__":
    sys.exit(main())
