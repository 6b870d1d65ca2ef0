"""The torch side of the fine-tuned model: one encoder, two classification heads.

Imports torch at module level, so only finetune.py imports it, and only
inside the methods that need it.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from .encoder import mean_pool


class JointNetwork(nn.Module):
    """Mean-pooled transformer encoder feeding an area head and a polarity head."""

    def __init__(self, encoder: Any, n_areas: int, n_polarities: int, dropout: float):
        # encoder: a transformers model (an nn.Module with a ``config``), hence Any
        super().__init__()
        hidden = encoder.config.hidden_size
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.area_head = nn.Linear(hidden, n_areas)
        self.polarity_head = nn.Linear(hidden, n_polarities)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(area logits, polarity logits), each of shape (batch, n_classes), for a padded batch."""
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        pooled = self.dropout(mean_pool(hidden, attention_mask))
        return self.area_head(pooled), self.polarity_head(pooled)


def pad_batch(token_ids: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad to the longest sequence in the batch (not to max_length: most sentences are short)."""
    width = max(len(ids) for ids in token_ids)
    input_ids = torch.full((len(token_ids), width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(token_ids), width), dtype=torch.long)
    for row, ids in enumerate(token_ids):
        input_ids[row, :len(ids)] = torch.tensor(ids, dtype=torch.long)
        attention_mask[row, :len(ids)] = 1
    return input_ids, attention_mask


def training_batches(lengths: list[int], batch_size: int, rng: np.random.RandomState) -> list[np.ndarray]:
    """A seeded epoch order that still pads little.

    Shuffle, sort by length within windows of 50 batches, cut into batches and
    shuffle the batches: random enough for SGD, and batches of similar lengths
    make padding (wasted CPU time) small.
    """
    order = rng.permutation(len(lengths))
    window = batch_size * 50
    batches: list[np.ndarray] = []
    for start in range(0, len(order), window):
        chunk = order[start:start + window]
        chunk = chunk[np.argsort([lengths[i] for i in chunk], kind="stable")]
        batches.extend(chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def balanced_class_weights(labels: np.ndarray, n_classes: int) -> torch.Tensor:
    """sklearn's class_weight='balanced': n_samples / (n_classes * count)."""
    counts = np.bincount(labels, minlength=n_classes).astype(float)
    weights = np.where(counts > 0, len(labels) / (n_classes * np.maximum(counts, 1)), 0.0)
    return torch.tensor(weights, dtype=torch.float32)


def weighted_cross_entropy(logits: torch.Tensor, targets: torch.Tensor, class_weights: torch.Tensor,
                           sample_weights: torch.Tensor) -> torch.Tensor:
    """Cross-entropy weighted per class and per sample, normalised by the total weight."""
    per_sample = nn.functional.cross_entropy(logits, targets, reduction="none")
    weights = class_weights[targets] * sample_weights
    return (per_sample * weights).sum() / weights.sum().clamp(min=1e-12)


def optimizer_and_schedule(network: nn.Module, lr: float, weight_decay: float, total_steps: int,
                           warmup: float) -> tuple[torch.optim.AdamW, torch.optim.lr_scheduler.LambdaLR]:
    """AdamW without decay on biases and LayerNorm (the 1-d parameters); linear warm-up, then linear decay to 0."""
    decay = [p for p in network.parameters() if p.ndim >= 2]
    no_decay = [p for p in network.parameters() if p.ndim < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=lr
    )
    warmup_steps = int(math.ceil(warmup * total_steps)) if warmup < 1 else int(warmup)

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
