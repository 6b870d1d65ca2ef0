"""A fine-tuned multi-task transformer run with onnxruntime and `tokenizers` only (no torch).

The directory holds `model.onnx` (int8 or fp32; ONNX cannot run code when loaded), the fast
tokenizer's `tokenizer.json` and `model.json` with the class names.

Each sentence is run on its own (batch of one), on as many threads as cores (onnxruntime releases the
GIL): a dynamically quantised graph scales its activations by the whole input tensor, so in a batch a
sentence's probabilities would depend on its neighbours and their padding, and the same sentence could
get another label in a report than alone or behind a server. One sentence a run makes every answer
independent of how sentences are grouped, at about the speed of length-sorted batches on two cores.

Trained and exported by `models/multitask.py` (which needs torch); this module never imports it.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np
from sklearn.base import BaseEstimator

from ..errors import ModelLoadError
from .base import check_texts, read_model_json, register_family, write_model_json
from .finding import JointClassifierMixin, finding_targets

ONNX_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
DEFAULT_BATCH_SIZE = 64  # kept in model.json for compatibility; sentences are run one at a time
MAX_THREADS = 2  # worker threads, one sentence each; past two a busy small machine gains little


@register_family
class OnnxFindingClassifier(JointClassifierMixin, BaseEstimator):
    """Area (with `none`) and polarity from one ONNX graph; the FindingClassifier interface.

    Built from a saved directory (`load`) or from `from_export` after training; it has no `fit`:
    training is `models.multitask.train_multitask`, which needs the `train` extra.
    """

    family = "onnx_finding"

    def __init__(self, max_length: int = 96, batch_size: int = DEFAULT_BATCH_SIZE, num_threads: int | None = None):
        self.max_length = max_length
        self.batch_size = batch_size
        self.num_threads = num_threads

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, directory: str | Path) -> OnnxFindingClassifier:
        """Open a model directory (model.json, the ONNX graph, tokenizer.json); raises ModelLoadError
        when it is unsafe, of another family, or lacks a file."""
        path = Path(directory)
        meta = read_model_json(path, expected_family=cls.family)
        for name in (ONNX_FILE, TOKENIZER_FILE):
            if not (path / name).is_file():
                raise ModelLoadError(f"{path} has no {name}")
        model = cls(max_length=int(meta.get("max_length", 96)), batch_size=int(meta.get("batch_size", 64)))
        model.area_classes_ = np.array(meta["area_classes"], dtype=str)
        model.polarity_classes_ = np.array(meta["polarity_classes"], dtype=str)
        model.directory_ = path
        model._open()
        return model

    def _open(self) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        self.threads_ = self.num_threads or min(MAX_THREADS, len(os.sched_getaffinity(0)))
        options.intra_op_num_threads = 1  # parallel over sentences instead (see the module docstring)
        options.inter_op_num_threads = 1
        try:
            self.session_ = ort.InferenceSession(str(self.directory_ / ONNX_FILE), options,
                                                 providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own types for a corrupt graph
            raise ModelLoadError(f"{self.directory_ / ONNX_FILE}: not a loadable ONNX model ({exc})") from None
        self.tokenizer_ = Tokenizer.from_file(str(self.directory_ / TOKENIZER_FILE))
        self.tokenizer_.enable_truncation(self.max_length)
        self.tokenizer_.no_padding()

    def save(self, directory: str | Path) -> Path:
        """Copy the model's files to `directory` (a saved model is already its files)."""
        import shutil

        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for name in (ONNX_FILE, TOKENIZER_FILE):
            if (self.directory_ / name).resolve() != (path / name).resolve():
                shutil.copy(self.directory_ / name, path / name)
        write_model_json(path, self.family, max_length=self.max_length, batch_size=self.batch_size,
                         area_classes=list(self.area_classes_), polarity_classes=list(self.polarity_classes_))
        return path

    @staticmethod
    def write_directory(directory: Path, onnx_path: Path, tokenizer: Any, area_classes: Sequence[str],
                        polarity_classes: Sequence[str],
                        max_length: int) -> Path:
        """Lay out a model directory from an exported graph and a transformers fast tokenizer."""
        import shutil

        directory.mkdir(parents=True, exist_ok=True)
        if onnx_path.resolve() != (directory / ONNX_FILE).resolve():
            shutil.copy(onnx_path, directory / ONNX_FILE)
        tokenizer.backend_tokenizer.save(str(directory / TOKENIZER_FILE))
        write_model_json(directory, OnnxFindingClassifier.family, max_length=max_length,
                         batch_size=DEFAULT_BATCH_SIZE, area_classes=list(area_classes),
                         polarity_classes=list(polarity_classes))
        return directory

    # ------------------------------------------------------------------ predicting

    def predict_proba(self, texts: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(area_proba, polarity_proba)``, float32, columns in ``area_classes_`` / ``polarity_classes_``
        order. Each sentence is its own run (the int8 graph's scales are per run, so batching would
        change the answers), spread over ``threads_`` threads (``num_threads``, else the usable cores
        up to MAX_THREADS)."""
        from concurrent.futures import ThreadPoolExecutor

        texts = check_texts(texts)
        area = np.zeros((len(texts), len(self.area_classes_)), dtype=np.float32)
        polarity = np.zeros((len(texts), len(self.polarity_classes_)), dtype=np.float32)
        if not texts:
            return area, polarity
        encodings = self.tokenizer_.encode_batch(texts)

        def run(i: int) -> None:
            ids = np.asarray([encodings[i].ids], dtype=np.int64)
            area[i], polarity[i] = (out[0] for out in
                                    self.session_.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)}))

        if self.threads_ == 1:
            for i in range(len(texts)):
                run(i)
        else:
            with ThreadPoolExecutor(max_workers=self.threads_) as pool:
                list(pool.map(run, range(len(texts)), chunksize=32))
        return area, polarity

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "session_")

    def predict_findings(self, texts: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(areas, polarities)``: two 1-d arrays of str."""
        area, polarity = self.predict_proba(texts)
        return self.area_classes_[area.argmax(axis=1)], self.polarity_classes_[polarity.argmax(axis=1)]


class TransformerFindingTrainer(JointClassifierMixin, BaseEstimator):
    """Fine-tunes the multi-task transformer, then exports it to ONNX (int8 by default).

    `fit(texts, areas, polarities)` trains with the transformers Trainer (models/multitask.py,
    needs the `train` extra), exports, quantises and opens the result as an OnnxFindingClassifier
    (`model_`); `predict`/`predict_proba` run that, so what is evaluated is what ships.
    """

    def __init__(self, encoder=None, keep_layers=None, epochs=4.0, lr=8e-5, batch_size=32, max_length=96,
                 label_smoothing=0.05, class_weight="balanced", seed=0, quantise=True, num_threads=2):
        self.encoder = encoder
        self.keep_layers = keep_layers
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.max_length = max_length
        self.label_smoothing = label_smoothing
        self.class_weight = class_weight
        self.seed = seed
        self.quantise = quantise
        self.num_threads = num_threads

    def fit(self, X: Any, y: Any, polarities: Any = None, sample_weight: Any = None,
            distill_texts: list[str] | None = None, distill_proba: Any = None) -> Self:
        """``fit(X, y)`` with ``y`` of shape (n, 2) (area, polarity), or ``fit(X, areas, polarities)``.

        Fine-tunes with the transformers Trainer, exports to ONNX (int8 when ``quantise``) in a
        temporary folder and loads the result as ``model_``. ``sample_weight`` is not used.
        ``distill_texts`` (unlabelled sentences) with ``distill_proba`` (a teacher's area and polarity
        probabilities for them, columns in sorted class order) add knowledge distillation to training.
        """
        import tempfile

        from .multitask import TrainConfig, export_onnx, quantise_onnx, train_multitask

        texts = check_texts(X)
        area_labels, polarity_labels = finding_targets(texts, y, polarities)
        area_classes = sorted(set(area_labels))
        polarity_classes = sorted(set(polarity_labels))
        config = TrainConfig(encoder=self.encoder, keep_layers=self.keep_layers, epochs=self.epochs, lr=self.lr,
                             batch_size=self.batch_size, max_length=self.max_length,
                             label_smoothing=self.label_smoothing, class_weight=self.class_weight, seed=self.seed,
                             num_threads=self.num_threads)
        self.work_dir_ = Path(tempfile.mkdtemp(prefix="ofsted_nlp_transformer_"))
        network, tokenizer, self.history_ = train_multitask(texts, list(area_labels), list(polarity_labels),
                                                            area_classes, polarity_classes, config,
                                                            self.work_dir_ / "trainer", distill_texts,
                                                            distill_proba)
        fp32 = export_onnx(network, tokenizer, self.work_dir_ / "fp32.onnx")
        self.fp32_dir_ = OnnxFindingClassifier.write_directory(self.work_dir_ / "fp32", fp32, tokenizer,
                                                               area_classes, polarity_classes, self.max_length)
        graph = quantise_onnx(fp32, self.work_dir_ / "int8.onnx") if self.quantise else fp32
        directory = OnnxFindingClassifier.write_directory(self.work_dir_ / "model", graph, tokenizer,
                                                          area_classes, polarity_classes, self.max_length)
        self.model_ = OnnxFindingClassifier.load(directory)
        return self

    @property
    def area_classes_(self) -> np.ndarray:
        """Area labels, sorted (the trained model's)."""
        return self.model_.area_classes_

    @property
    def polarity_classes_(self) -> np.ndarray:
        """Polarity labels, sorted (the trained model's)."""
        return self.model_.polarity_classes_

    def predict_proba(self, texts: Any) -> tuple[np.ndarray, np.ndarray]:
        """The trained ONNX model's ``predict_proba``."""
        return self.model_.predict_proba(texts)

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "model_")

    def predict_findings(self, texts: Any) -> tuple[np.ndarray, np.ndarray]:
        """The trained ONNX model's ``predict_findings``."""
        return self.model_.predict_findings(texts)

    def save(self, directory: str | Path) -> Path:
        """Save the trained ONNX model (``OnnxFindingClassifier.save``)."""
        return self.model_.save(directory)
