"""The model2vec static-embedding family and its distillation from an exported multi-task graph."""
from __future__ import annotations

import numpy as np
import pytest

from ofsted_nlp.errors import ModelLoadError
from ofsted_nlp.models import StaticFindingClassifier, load_model, resolve_encoder
from ofsted_nlp.models.base import UNSAFE_SUFFIXES

model2vec = pytest.importorskip("model2vec")

ROWS = [
    ("Children in care are well supported by their social workers.", "children_in_care", "positive"),
    ("Some children in care wait too long for permanence.", "children_in_care", "negative"),
    ("There are 450 children in care.", "children_in_care", "neutral"),
    ("Care leavers have good support from personal advisers.", "care_leavers", "positive"),
    ("Too few care leavers are in education or employment.", "care_leavers", "negative"),
    ("Care leavers can stay put with their foster carers.", "care_leavers", "neutral"),
    ("Strategy discussions are timely and thorough.", "help_and_protection", "positive"),
    ("Child protection plans are not specific enough.", "help_and_protection", "negative"),
    ("The front door received 12,000 contacts.", "help_and_protection", "neutral"),
    ("Leaders know their services well.", "leadership", "positive"),
    ("Senior leaders have not addressed weaknesses.", "leadership", "negative"),
    ("The director of children's services was appointed in 2021.", "leadership", "neutral"),
    ("The inspection took place over two weeks.", "none", "neutral"),
    ("Inspectors spoke to children and families.", "none", "neutral"),
]
TEXTS = [text for text, _, _ in ROWS] * 2
AREAS = [area for _, area, _ in ROWS] * 2
POLARITIES = [polarity for _, _, polarity in ROWS] * 2


@pytest.fixture(scope="module")
def static_dir(tmp_path_factory):
    """A small model2vec model: the packaged MiniLM tokenizer with random 16-dimensional vectors."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(resolve_encoder(None) / "tokenizer.json"))
    vectors = np.random.default_rng(0).normal(size=(tokenizer.get_vocab_size(), 16)).astype(np.float32)
    directory = tmp_path_factory.mktemp("static")
    model2vec.StaticModel(vectors=vectors, tokenizer=tokenizer, normalize=True).save_pretrained(str(directory))
    return directory


@pytest.fixture(scope="module")
def fitted(static_dir):
    return StaticFindingClassifier(static_model=str(static_dir), area_C=10.0, polarity_C=10.0).fit(
        TEXTS, AREAS, POLARITIES)


def test_fit_predicts_known_labels_and_probabilities_sum_to_one(fitted):
    areas, polarities = fitted.predict_findings(TEXTS)
    assert set(areas) <= set(AREAS) and set(polarities) <= set(POLARITIES)
    assert list(fitted.area_classes_) == sorted(set(AREAS))
    area_proba, polarity_proba = fitted.predict_proba(TEXTS)
    assert area_proba.shape == (len(TEXTS), 5) and polarity_proba.shape == (len(TEXTS), 3)
    np.testing.assert_allclose(area_proba.sum(axis=1), 1.0)
    # 16 random dimensions separate 14 distinct sentences: the training data is learnt
    assert (areas == np.asarray(AREAS)).mean() > 0.9


def test_fit_takes_a_two_column_target(static_dir, fitted):
    model = StaticFindingClassifier(static_model=str(static_dir), area_C=10.0, polarity_C=10.0)
    model.fit(TEXTS, np.column_stack([AREAS, POLARITIES]))
    np.testing.assert_allclose(model.predict_proba(TEXTS)[0], fitted.predict_proba(TEXTS)[0])


def test_save_load_round_trip_gives_identical_probabilities(fitted, tmp_path):
    fitted.save(tmp_path / "model")
    loaded = load_model(tmp_path / "model")
    assert isinstance(loaded, StaticFindingClassifier) and loaded.area_C == 10.0
    for saved, again in zip(fitted.predict_proba(TEXTS), loaded.predict_proba(TEXTS)):
        np.testing.assert_allclose(saved, again)
    suffixes = {p.suffix.lower() for p in (tmp_path / "model").rglob("*") if p.is_file()}
    assert not suffixes & UNSAFE_SUFFIXES


def test_load_refuses_heads_that_do_not_fit_the_classes(fitted, tmp_path):
    directory = fitted.save(tmp_path / "model")
    arrays = dict(np.load(directory / "heads.npz"))
    arrays["area_coef"] = arrays["area_coef"][:2]
    np.savez(directory / "heads.npz", **arrays)
    with pytest.raises(ModelLoadError, match="area head"):
        load_model(directory)


def test_load_refuses_a_directory_without_the_static_files(fitted, tmp_path):
    directory = fitted.save(tmp_path / "model")
    (directory / "static" / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match="model.safetensors"):
        load_model(directory)


def test_empty_input_gives_empty_output(fitted):
    area_proba, polarity_proba = fitted.predict_proba([])
    assert area_proba.shape == (0, 5) and polarity_proba.shape == (0, 3)


def test_encoder_rebuilt_from_an_onnx_export_matches_the_trained_one(tmp_path):
    """The encoder read back from an exported graph (weights named through its MatMul nodes) gives the
    trained encoder's hidden states: what the static vectors are distilled from."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    from transformers import AutoTokenizer, BertConfig, BertModel

    from ofsted_nlp.models.multitask import MultiTaskNetwork, export_onnx
    from ofsted_nlp.models.static_distill import bert_from_onnx

    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64)
    config.save_pretrained(tmp_path / "base")
    torch.manual_seed(0)
    network = MultiTaskNetwork(BertModel(config), n_areas=5, n_polarities=3).eval()
    with torch.no_grad():  # as after training: no two parameters equal (the exporter shares equal ones)
        for parameter in network.parameters():
            parameter.add_(0.02 * torch.randn_like(parameter))
    tokenizer = AutoTokenizer.from_pretrained(resolve_encoder(None), local_files_only=True)
    rebuilt = bert_from_onnx(export_onnx(network, tokenizer, tmp_path / "model.onnx"), base=tmp_path / "base")
    batch = tokenizer(TEXTS[:4], return_tensors="pt", padding=True)
    with torch.no_grad():
        expected = network.encoder(**batch).last_hidden_state
        got = rebuilt(**batch).last_hidden_state
    assert rebuilt.config.num_hidden_layers == 2
    torch.testing.assert_close(got, expected)
