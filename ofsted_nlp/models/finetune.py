"""all-MiniLM-L6-v2 fine-tuned end to end, on CPU, as one model with an area head and a polarity head.

One encoder serves both tasks: half the training and inference cost of two
models, and each task regularises the other. It implements the
FindingClassifier interface itself; ``area_model`` / ``polarity_model`` are
single-task views for code written against one task.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Self

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ..errors import DataError, ModelLoadError
from .base import (
    FORMAT_VERSION,
    MODEL_FILE,
    check_sample_weight,
    check_texts,
    params_from_json,
    params_to_json,
    read_model_json,
    register_family,
    write_json,
)
from .encoder import (
    encoder_reference,
    length_batches,
    load_tokenizer_and_encoder,
    quiet_transformers,
    torch_threads,
)
from .finding import JointClassifierMixin, finding_targets

log = logging.getLogger(__name__)

WEIGHTS_FILE = "model.safetensors"
ENCODER_DIR = "encoder"  # encoder config.json and tokenizer files


@register_family
class FineTunedClassifier(JointClassifierMixin, BaseEstimator):
    """Joint area + polarity classifier: mean-pooled MiniLM, fine-tuned, with two linear heads.

    scikit-learn multi-output conventions (see models/finding.py): ``fit(X, y)`` with ``y`` of
    shape (n, 2) or ``fit(X, areas, polarities)``; ``predict(X)`` -> (n, 2) array;
    ``predict_findings(X) -> (areas, polarities)``; ``predict_proba(X) -> [area_proba,
    polarity_proba]``; ``score``; ``NotFittedError`` before ``fit``.
    ``warmup`` is a fraction of all steps when below 1, else a number of steps.
    ``num_threads`` is torch's thread count while fitting and predicting (see
    encoder.torch_threads for why it is 1 by default). Training is deterministic
    for a given seed, data and torch build. ``history_`` records loss and speed per epoch.
    """

    family = "finetuned"

    def __init__(self, encoder=None, epochs=3, lr=5e-5, batch_size=32, max_length=96, warmup=0.1,
                 weight_decay=0.01, dropout=0.1, class_weight="balanced", seed=0, num_threads=1,
                 inference_batch_size=64):
        self.encoder = encoder
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.max_length = max_length
        self.warmup = warmup
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.class_weight = class_weight
        self.seed = seed
        self.num_threads = num_threads
        self.inference_batch_size = inference_batch_size

    # ------------------------------------------------------------ training

    def fit(self, X: Any, y: Any, polarities: Any = None, sample_weight: Any = None) -> Self:
        """Fine-tune: ``fit(X, y)`` with ``y`` of shape (n, 2), or ``fit(X, areas, polarities)``."""
        texts = check_texts(X)
        area_labels, polarity_labels = finding_targets(texts, y, polarities)
        weights = check_sample_weight(sample_weight, len(texts))
        if self.class_weight not in (None, "balanced"):
            raise DataError(f"class_weight must be None or 'balanced', got {self.class_weight!r}")
        with torch_threads(self.num_threads):
            self._train(texts, area_labels, polarity_labels, weights)
        return self

    def _train(self, texts, area_labels, polarity_labels, weights) -> None:
        import torch

        from .joint_network import JointNetwork, optimizer_and_schedule, training_batches

        self.area_classes_ = np.array(sorted(set(area_labels)), dtype=str)
        self.polarity_classes_ = np.array(sorted(set(polarity_labels)), dtype=str)
        targets = {
            "area": self._targets(self.area_classes_, area_labels),
            "polarity": self._targets(self.polarity_classes_, polarity_labels),
        }
        sample_weights = torch.tensor(np.ones(len(texts)) if weights is None else weights, dtype=torch.float32)

        torch.manual_seed(self.seed)  # head initialisation and dropout masks
        tokenizer, encoder = load_tokenizer_and_encoder(self.encoder)
        network = JointNetwork(encoder, len(self.area_classes_), len(self.polarity_classes_), self.dropout)
        token_ids = tokenizer(texts, truncation=True, max_length=self.max_length)["input_ids"]
        lengths = [len(ids) for ids in token_ids]

        rng = np.random.RandomState(self.seed)  # data order, independent of torch's generator
        steps_per_epoch = -(-len(texts) // self.batch_size)
        optimizer, schedule = optimizer_and_schedule(network, self.lr, self.weight_decay,
                                                     steps_per_epoch * self.epochs, self.warmup)
        self.history_ = []
        network.train()
        for epoch in range(1, self.epochs + 1):
            started, total_loss = time.perf_counter(), 0.0
            for batch in training_batches(lengths, self.batch_size, rng):
                loss = self._batch_loss(network, [token_ids[i] for i in batch], tokenizer.pad_token_id,
                                        torch.as_tensor(batch, dtype=torch.long), targets, sample_weights)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                total_loss += loss.item() * len(batch)
            seconds = time.perf_counter() - started
            record = {"epoch": epoch, "loss": total_loss / len(texts), "seconds": seconds,
                      "sentences_per_second": len(texts) / seconds}
            self.history_.append(record)
            log.info("epoch %d/%d: loss %.4f, %.0f s, %.1f sentences/s", epoch, self.epochs, record["loss"],
                     seconds, record["sentences_per_second"])
        network.eval()
        self._tokenizer, self._network = tokenizer, network
        self._last_output: tuple | None = None

    def _targets(self, classes: np.ndarray, labels: np.ndarray):
        """(class index per sentence, weight per class) as tensors."""
        import torch

        from .joint_network import balanced_class_weights

        indices = np.searchsorted(classes, labels)
        if self.class_weight == "balanced":
            class_weights = balanced_class_weights(indices, len(classes))
        else:
            class_weights = torch.ones(len(classes))
        return torch.tensor(indices, dtype=torch.long), class_weights

    @staticmethod
    def _batch_loss(network, token_ids, pad_id, index, targets, sample_weights):
        """Sum of the two tasks' weighted cross-entropies on one batch."""
        from .joint_network import pad_batch, weighted_cross_entropy

        area_logits, polarity_logits = network(*pad_batch(token_ids, pad_id))
        area_targets, area_class_weights = targets["area"]
        polarity_targets, polarity_class_weights = targets["polarity"]
        weights = sample_weights[index]
        return (weighted_cross_entropy(area_logits, area_targets[index], area_class_weights, weights)
                + weighted_cross_entropy(polarity_logits, polarity_targets[index], polarity_class_weights, weights))

    # ------------------------------------------------------------ inference

    def predict_proba(self, X: Any) -> list[np.ndarray]:
        """``[area_proba, polarity_proba]``, columns in ``area_classes_`` / ``polarity_classes_`` order."""
        check_is_fitted(self, "area_classes_")
        texts = check_texts(X)
        key = (self.max_length, tuple(texts))
        last = getattr(self, "_last_output", None)
        if last is not None and last[0] == key:  # area and polarity views asking in turn
            return [last[1].copy(), last[2].copy()]
        area_proba, polarity_proba = self._forward(texts)
        self._last_output = (key, area_proba, polarity_proba)
        return [area_proba.copy(), polarity_proba.copy()]

    def predict_findings(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(areas, polarities)``: two 1-d arrays of str."""
        area_proba, polarity_proba = self.predict_proba(X)
        return self.area_classes_[area_proba.argmax(axis=1)], self.polarity_classes_[polarity_proba.argmax(axis=1)]

    def _forward(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        import torch

        from .joint_network import pad_batch

        area_proba = np.zeros((len(texts), len(self.area_classes_)))
        polarity_proba = np.zeros((len(texts), len(self.polarity_classes_)))
        if not texts:
            return area_proba, polarity_proba
        tokenizer, network = self._tokenizer, self._network
        with torch_threads(self.num_threads), torch.inference_mode():
            for batch in length_batches(texts, self.inference_batch_size):
                token_ids = tokenizer([texts[i] for i in batch], truncation=True, max_length=self.max_length)["input_ids"]
                area_logits, polarity_logits = network(*pad_batch(token_ids, tokenizer.pad_token_id))
                # softmax in float64 so rows sum to 1 to double precision
                area_proba[batch] = torch.softmax(area_logits.double(), dim=1).numpy()
                polarity_proba[batch] = torch.softmax(polarity_logits.double(), dim=1).numpy()
        return area_proba, polarity_proba

    # ------------------------------------------------------------ single-task views

    @property
    def area_model(self) -> TaskView:
        """The area task as a single-task classifier (a view sharing this model)."""
        return TaskView(self, "area")

    @property
    def polarity_model(self) -> TaskView:
        """The polarity task as a single-task classifier (a view sharing this model)."""
        return TaskView(self, "polarity")

    # ------------------------------------------------------------ persistence

    def save(self, directory: str | Path) -> Path:
        """Write the model into ``directory``: weights as safetensors, the encoder's config and
        tokenizer, and model.json (parameters, classes, training history). Returns its path."""
        from safetensors.torch import save_file

        check_is_fitted(self, "area_classes_")
        path = Path(directory)
        (path / ENCODER_DIR).mkdir(parents=True, exist_ok=True)
        self._network.encoder.config.save_pretrained(path / ENCODER_DIR)
        self._tokenizer.save_pretrained(path / ENCODER_DIR)
        # contiguous() because safetensors refuses views; clone() because it refuses shared storage.
        state = {name: tensor.detach().contiguous().clone() for name, tensor in self._network.state_dict().items()}
        save_file(state, str(path / WEIGHTS_FILE), metadata={"format": "pt"})
        params = params_to_json(self)
        params["encoder"] = encoder_reference(self.encoder)
        write_json(path / MODEL_FILE, {
            "family": self.family,
            "format_version": FORMAT_VERSION,
            "params": params,
            "area_classes": list(self.area_classes_),
            "polarity_classes": list(self.polarity_classes_),
            "history": getattr(self, "history_", []),
            "files": [WEIGHTS_FILE, ENCODER_DIR],
        })
        return path

    @classmethod
    def load(cls, directory: str | Path) -> FineTunedClassifier:
        """A model from a directory written by ``save`` (nothing downloaded, no pickle); raises
        ModelLoadError when its files are incomplete or invalid."""
        from safetensors import SafetensorError
        from safetensors.torch import load_file
        from transformers import AutoConfig, AutoModel, AutoTokenizer

        from .joint_network import JointNetwork

        path = Path(directory)
        meta = read_model_json(path, expected_family=cls.family)
        try:
            model = cls(**params_from_json(meta.get("params", {})))
            model.area_classes_ = np.array(meta["area_classes"], dtype=str)
            model.polarity_classes_ = np.array(meta["polarity_classes"], dtype=str)
            model.history_ = meta.get("history", [])
            with quiet_transformers():
                config = AutoConfig.from_pretrained(path / ENCODER_DIR, local_files_only=True)
                tokenizer = AutoTokenizer.from_pretrained(path / ENCODER_DIR, local_files_only=True)
                encoder = AutoModel.from_config(config)  # architecture only; weights come next
            network = JointNetwork(encoder, len(model.area_classes_), len(model.polarity_classes_), model.dropout)
            network.load_state_dict(load_file(str(path / WEIGHTS_FILE)), strict=True)
        except (KeyError, TypeError, ValueError, OSError, RuntimeError, SafetensorError) as exc:
            raise ModelLoadError(f"{path}: fine-tuned model files are incomplete or invalid: {exc}") from exc
        model._tokenizer, model._network = tokenizer, network.eval()
        model._last_output = None
        return model


class TaskView:
    """One task of a FineTunedClassifier seen as a single-task classifier (predict, predict_proba, classes_).

    A view, not an estimator: it shares the joint model and cannot be fitted.
    """

    def __init__(self, joint: FineTunedClassifier, task: str):
        self.joint = joint
        self.task = task
        self.family = joint.family

    @property
    def classes_(self) -> np.ndarray:
        """The task's labels, sorted."""
        return self.joint.area_classes_ if self.task == "area" else self.joint.polarity_classes_

    def predict_proba(self, X: Any) -> np.ndarray:
        """The task's class probabilities: shape (n_texts, n_classes)."""
        area_proba, polarity_proba = self.joint.predict_proba(X)
        return area_proba if self.task == "area" else polarity_proba

    def predict(self, X: Any) -> np.ndarray:
        """The task's most probable label per text."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def __repr__(self) -> str:
        return f"TaskView({self.joint!r}, {self.task!r})"
