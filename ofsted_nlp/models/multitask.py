"""Training a multi-task transformer (area incl. `none`, polarity) with the transformers `Trainer`.

One encoder, mean-pooled, two linear heads; the loss is the sum of the two tasks' class-weighted,
label-smoothed cross-entropies. Training uses `Trainer` with `DataCollatorWithPadding` and
`group_by_length` (batches of similar length pad little, which is most of CPU training time).
`keep_layers` drops the encoder's upper layers before training: a 3- or 4-layer student is
almost as accurate on these short sentences and twice as fast to run.

Imports torch and transformers at module level: import it only to train or export.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from transformers import AutoModel, AutoTokenizer, DataCollatorWithPadding, Trainer, TrainingArguments

from .encoder import resolve_encoder, torch_threads
from .joint_network import JointNetwork


class MultiTaskNetwork(JointNetwork):
    """JointNetwork (encoder -> mean pool -> dropout -> two heads) with the loss the Trainer needs."""

    def __init__(self, encoder: Any, n_areas: int, n_polarities: int, dropout: float = 0.1):
        super().__init__(encoder, n_areas, n_polarities, dropout)
        self.loss_weights: dict[str, torch.Tensor] = {}
        self.label_smoothing = 0.0

    # A dict, not JointNetwork's pair: the Trainer reads the loss and the logits by name.
    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,  # type: ignore[override]
                token_type_ids: torch.Tensor | None = None, area_labels: torch.Tensor | None = None,
                polarity_labels: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """``area_logits`` and ``polarity_logits``, and with both label tensors the summed weighted
        ``loss`` of the two tasks (``token_type_ids`` is accepted from the collator and unused)."""
        area_logits, polarity_logits = super().forward(input_ids, attention_mask)
        out = {"area_logits": area_logits, "polarity_logits": polarity_logits}
        if area_labels is not None and polarity_labels is not None:
            out["loss"] = (self._task_loss("area", area_logits, area_labels)
                           + self._task_loss("polarity", polarity_logits, polarity_labels))
        return out

    def _task_loss(self, task, logits, labels):
        weight = self.loss_weights.get(task)
        return nn.functional.cross_entropy(logits, labels, weight=None if weight is None else weight.to(logits),
                                           label_smoothing=self.label_smoothing)


@dataclass
class TrainConfig:
    """What a training run is: every field is logged as an MLflow param."""

    encoder: str | None = None
    keep_layers: int | None = None
    epochs: float = 4.0
    lr: float = 8e-5
    batch_size: int = 32
    max_length: int = 96
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    dropout: float = 0.1
    label_smoothing: float = 0.05
    class_weight: str | None = "balanced"
    seed: int = 0
    num_threads: int = 2
    extra: dict = field(default_factory=dict)


def balanced_weights(labels: np.ndarray, n_classes: int) -> torch.Tensor:
    """scikit-learn's class_weight='balanced', softened by a square root (full balancing over-predicts
    the rare neutral class)."""
    counts = np.bincount(labels, minlength=n_classes).astype(float)
    weights = np.where(counts > 0, len(labels) / (n_classes * np.maximum(counts, 1)), 0.0)
    return torch.tensor(np.sqrt(weights), dtype=torch.float32)


class _Rows(torch.utils.data.Dataset):
    """Tokenised rows with their targets: a class index each, or (distillation) a probability row each."""

    def __init__(self, encodings, area_targets: np.ndarray, polarity_targets: np.ndarray):
        self.encodings, self.area_targets, self.polarity_targets = encodings, area_targets, polarity_targets

    def __len__(self):
        return len(self.area_targets)

    def __getitem__(self, i):
        item = {k: v[i] for k, v in self.encodings.items()}
        item["area_labels"] = _target(self.area_targets[i])
        item["polarity_labels"] = _target(self.polarity_targets[i])
        return item


def _target(value: Any) -> Any:
    """A class index stays an int (hard label); a probability row becomes a float tensor (soft label),
    which `cross_entropy` reads as a target distribution."""
    if np.ndim(value) == 0:
        return int(value)
    return torch.tensor(value, dtype=torch.float32)


class _PadWithTargets:
    """`DataCollatorWithPadding` pads the tokens; targets are stacked beside it, because the tokenizer's
    `pad` cannot batch probability rows (soft labels)."""

    TARGETS = ("area_labels", "polarity_labels")

    def __init__(self, tokenizer: Any):
        self.pad = DataCollatorWithPadding(tokenizer)

    def __call__(self, features: list[dict]) -> dict:
        targets = {k: [f.pop(k) for f in features] for k in self.TARGETS}
        batch = self.pad(features)
        for key, values in targets.items():
            batch[key] = torch.stack(values) if isinstance(values[0], torch.Tensor) else torch.tensor(values)
        return batch


def soft_targets(labels: list[str], classes: Sequence[str], teacher_proba: np.ndarray | None = None) -> np.ndarray:
    """One-hot rows for gold labels, followed by the teacher's probability rows (distillation)."""
    onehot = np.eye(len(classes), dtype=np.float32)[[list(classes).index(x) for x in labels]]
    if teacher_proba is None:
        return onehot
    return np.vstack([onehot, np.asarray(teacher_proba, dtype=np.float32)])


def load_encoder(config: TrainConfig) -> tuple[Any, Any]:
    """(tokenizer, transformers encoder) from ``config.encoder`` (local files only), cut to the first
    ``config.keep_layers`` layers when set."""
    path = resolve_encoder(config.encoder)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    encoder = AutoModel.from_pretrained(path, local_files_only=True, attn_implementation="eager")
    if config.keep_layers:
        encoder.encoder.layer = encoder.encoder.layer[:config.keep_layers]
        encoder.config.num_hidden_layers = config.keep_layers
    return tokenizer, encoder


def train_multitask(texts: list[str], areas: list[str], polarities: list[str], area_classes: Sequence[str],
                    polarity_classes: Sequence[str], config: TrainConfig, output_dir: Path,
                    distill_texts: list[str] | None = None,
                    distill_proba: tuple[np.ndarray, np.ndarray] | None = None
                    ) -> tuple[MultiTaskNetwork, Any, list[dict]]:
    """Fine-tune; returns (network in eval mode, tokenizer, Trainer log history).

    With `distill_texts` and `distill_proba` (a teacher's area and polarity probabilities for them, in
    the classes' order), those sentences are trained towards the teacher's distributions beside the
    gold sentences' labels (knowledge distillation; the class weights still come from gold only).
    """
    area_ids = np.array([list(area_classes).index(a) for a in areas])
    polarity_ids = np.array([list(polarity_classes).index(p) for p in polarities])
    area_targets, polarity_targets = area_ids, polarity_ids
    if distill_texts:
        assert distill_proba is not None, "distill_texts need the teacher's distill_proba"
        texts = list(texts) + list(distill_texts)
        area_targets = soft_targets(areas, area_classes, distill_proba[0])
        polarity_targets = soft_targets(polarities, polarity_classes, distill_proba[1])
    with torch_threads(config.num_threads):
        torch.manual_seed(config.seed)
        tokenizer, encoder = load_encoder(config)
        network = MultiTaskNetwork(encoder, len(area_classes), len(polarity_classes), config.dropout)
        network.label_smoothing = config.label_smoothing
        if config.class_weight == "balanced":
            network.loss_weights = {"area": balanced_weights(area_ids, len(area_classes)),
                                    "polarity": balanced_weights(polarity_ids, len(polarity_classes))}
        encodings = tokenizer(list(texts), truncation=True, max_length=config.max_length)
        dataset = _Rows(encodings, area_targets, polarity_targets)
        args = TrainingArguments(
            output_dir=str(output_dir), num_train_epochs=config.epochs, learning_rate=config.lr,
            per_device_train_batch_size=config.batch_size, warmup_steps=config.warmup_ratio,
            weight_decay=config.weight_decay, train_sampling_strategy="group_by_length", seed=config.seed, use_cpu=True,
            save_strategy="no", eval_strategy="no", logging_steps=50, report_to=[], dataloader_num_workers=0,
            remove_unused_columns=False, label_names=["area_labels", "polarity_labels"], disable_tqdm=True)
        trainer = Trainer(model=network, args=args, train_dataset=dataset, processing_class=tokenizer,
                          data_collator=_PadWithTargets(tokenizer))
        trainer.train()
    network.eval()
    return network, tokenizer, trainer.state.log_history


class _LogitsOnly(nn.Module):
    """What ONNX exports: token ids in, the two heads' probabilities out."""

    def __init__(self, network: MultiTaskNetwork):
        super().__init__()
        self.network = network

    def forward(self, input_ids, attention_mask):
        out = self.network(input_ids=input_ids, attention_mask=attention_mask)
        return (torch.softmax(out["area_logits"], dim=-1), torch.softmax(out["polarity_logits"], dim=-1))


def export_onnx(network: MultiTaskNetwork, tokenizer: Any, path: Path, opset: int = 17) -> Path:
    """fp32 ONNX with dynamic batch and sequence axes."""
    sample = tokenizer(["Social workers know children well."], return_tensors="pt")
    with torch.no_grad():
        torch.onnx.export(_LogitsOnly(network).eval(), (sample["input_ids"], sample["attention_mask"]), str(path),
                          input_names=["input_ids", "attention_mask"],
                          output_names=["area_proba", "polarity_proba"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                        "attention_mask": {0: "batch", 1: "tokens"},
                                        "area_proba": {0: "batch"}, "polarity_proba": {0: "batch"}},
                          opset_version=opset, dynamo=False)
    return path


def quantise_onnx(fp32: Path, int8: Path) -> Path:
    """Dynamic int8 quantisation of the linear layers (weights int8, activations quantised per batch)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    return int8
