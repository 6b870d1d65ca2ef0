"""Static token embeddings (model2vec) distilled from a MiniLM encoder, fine-tuned or not.

model2vec runs every vocabulary token through a transformers encoder once and keeps the mean-pooled
output as that token's static vector (then PCA and SIF weighting); a sentence is then the mean of its
tokens' vectors, thousands of sentences a second with no network at all.

The project's fine-tuned encoders are saved only as ONNX graphs (models/multitask.py `export_onnx`), so
`bert_from_onnx` rebuilds the transformers BertModel from the graph's weights: the named initializers
are the encoder's parameters under ``network.encoder.``; the linear layers' weights are anonymous
(``onnx::MatMul_N``, stored transposed) and are named by the MatMul node that reads them, whose name is
the module path. The pretrained encoder's config gives the architecture.

Imports torch, transformers, onnx and model2vec's distillation (skeletoken) at module level: the
`train` extra; import it only to distil.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from transformers import AutoConfig, AutoModel, AutoTokenizer, BertModel

from .encoder import resolve_encoder

ENCODER_PREFIX = "network.encoder."  # _LogitsOnly.network.encoder in the exported graph
MATMUL_PREFIX = "onnx::MatMul"
# The BertModel parameters a mean-pooled export never uses, so the graph cannot hold them.
UNUSED_PARAMETERS = ("pooler.",)
# model2vec's defaults (PCA to 256 dimensions, SIF weighting 1e-4); experiments/model2vec_static.py --pca-dims 0
# compares all 384 dimensions on validation.
DEFAULT_PCA_DIMS = 256
DEFAULT_SIF = 1e-4
# What the saved config.json names as its tokenizer: the distilled encoders all use all-MiniLM-L6-v2's, and a
# public name keeps this machine's cache path out of saved models.
TOKENIZER_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def encoder_state_from_onnx(onnx_path: str | Path) -> dict[str, torch.Tensor]:
    """The encoder's parameters in an exported multi-task graph, by their BertModel names.

    Raises ValueError when the graph holds no encoder parameters under ``network.encoder.``.
    """
    graph = onnx.load(str(onnx_path)).graph
    initializers = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    state = {name[len(ENCODER_PREFIX):]: array for name, array in initializers.items()
             if name.startswith(ENCODER_PREFIX)}
    for node in graph.node:
        weights = [name for name in node.input if name.startswith(MATMUL_PREFIX) and name in initializers]
        if node.op_type != "MatMul" or len(weights) != 1:
            continue
        # "/network/encoder/encoder/layer.0/attention/self/query/MatMul" -> "encoder.layer.0.attention.self.query"
        module = node.name.strip("/").rsplit("/", 1)[0].replace("/", ".")
        if module.startswith(ENCODER_PREFIX):
            # torch's Linear keeps (out, in); the graph's MatMul multiplies by (in, out)
            state[module[len(ENCODER_PREFIX):] + ".weight"] = initializers[weights[0]].T
    if not state:
        raise ValueError(f"{onnx_path}: no parameters under {ENCODER_PREFIX!r}; not a multi-task export")
    return {name: torch.from_numpy(np.array(array, copy=True)) for name, array in state.items()}


def bert_from_onnx(onnx_path: str | Path, base: str | Path | None = None) -> BertModel:
    """A transformers encoder with the weights of an exported multi-task graph.

    ``base`` (default: the packaged all-MiniLM-L6-v2) gives the config; the layer count is the graph's
    (a layer-dropped student has fewer). Raises ValueError when a parameter other than the pooler's is
    missing from the graph or the graph holds one the encoder lacks (also when the exporter merged
    parameters of equal value into one initializer, as it does for an untrained network's zero biases).
    """
    state = encoder_state_from_onnx(onnx_path)
    config = AutoConfig.from_pretrained(resolve_encoder(base), local_files_only=True)
    config.num_hidden_layers = 1 + max(int(name.split(".")[2]) for name in state if name.startswith("encoder.layer."))
    encoder = BertModel(config, add_pooling_layer=True).eval()
    missing, unexpected = encoder.load_state_dict(state, strict=False)
    missing = [name for name in missing if not name.startswith(UNUSED_PARAMETERS)
               and not name.endswith("position_ids")]
    if missing or unexpected:
        raise ValueError(f"{onnx_path}: encoder parameters missing {missing[:5]}, unexpected {unexpected[:5]}")
    return encoder


def distill_static(output_dir: str | Path, onnx_path: str | Path | None = None, base: str | Path | None = None,
                   pca_dims: int | None = DEFAULT_PCA_DIMS, sif_coefficient: float | None = DEFAULT_SIF) -> Path:
    """Distil a model2vec static model into ``output_dir`` (safetensors, tokenizer.json, config.json).

    From the encoder of the exported graph ``onnx_path`` when given (the fine-tuned encoder), else from
    the pretrained ``base`` encoder itself. ``pca_dims`` None keeps all dimensions.
    """
    from model2vec.distill import distill_from_model

    base_path = resolve_encoder(base)
    # MiniLM's tokenizer is a fast (tokenizers) one; Any because the stubs admit a SentencePiece one too
    tokenizer: Any = AutoTokenizer.from_pretrained(base_path, local_files_only=True)
    if onnx_path is not None:
        encoder: Any = bert_from_onnx(onnx_path, base)
    else:
        encoder = AutoModel.from_pretrained(base_path, local_files_only=True)
    static = distill_from_model(encoder, tokenizer, device="cpu", pca_dims=pca_dims,
                                sif_coefficient=sif_coefficient)
    static.config["tokenizer_name"] = TOKENIZER_NAME
    static.save_pretrained(str(output_dir))
    return Path(output_dir)
