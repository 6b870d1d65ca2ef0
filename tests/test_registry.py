"""MLflow as one truth: an experiment run logs each figure under one name (the results file's key with
the split in front), and the shipped default registers as `ofsted-nlp-finding@champion` with a signature,
an input example and its model card, and classifies as the default model does.

Everything is written to a throwaway SQLite store under tmp_path; experiments/ is imported from the checkout.
"""
from __future__ import annotations

import functools
import json
import re
import sys
from pathlib import Path

import pytest

import ofsted_nlp
from ofsted_nlp import features, loading, tracking

from .mlflow_test_support import restore_mlflow_globals  # noqa: F401 (autouse fixture)
from ofsted_nlp.models import FindingClassifier, TfidfClassifier

from .mlflow_test_support import SENTENCES, TEST_SENTENCES, columns, same_figure_names

ROOT = Path(__file__).resolve().parent.parent
# the run the shipped default comes from, as select_default.py recorded it
SHIPPED_RUN = json.loads((loading.DEFAULT_MODEL_DIR / "evaluation.json").read_text())["name"]
EXPERIMENTS = ROOT / "experiments"
GOLD = ROOT / "labelled_data" / "gold.jsonl"
CHAMPION_URI = "models:/ofsted-nlp-finding@champion"
GOLD_SENTENCES_COMPARED = 20

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def experiments():
    """The experiment scripts as modules (they import each other by bare name, as when run)."""
    pytest.importorskip("mlflow")
    sys.path.insert(0, str(EXPERIMENTS))
    try:
        import common
        import model_card
        import register_default
        import select_default

        yield {"common": common, "model_card": model_card, "register_default": register_default,
               "select_default": select_default}
    finally:
        sys.path.remove(str(EXPERIMENTS))




def use_throwaway_store(monkeypatch, root: Path) -> str:
    uri = f"sqlite:///{(root / 'mlflow.db').as_posix()}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.chdir(root)  # a new experiment's artifacts go to <root>/mlruns
    return uri


# ---------------------------------------------------------------- one name a figure, from an experiment run


def tiny_split(common, rows, prefix: str):
    texts, areas, polarities = columns(rows)
    return common.Split([f"{prefix}{i}" for i in range(len(texts))], texts, areas, polarities,
                        [f"{prefix}report{i % 3}" for i in range(len(texts))], list(areas))


def test_an_experiment_run_logs_each_figure_once_under_its_results_name(experiments, tmp_path, monkeypatch):
    import mlflow

    common = experiments["common"]
    use_throwaway_store(monkeypatch, tmp_path)
    monkeypatch.setattr(common, "RESULTS_DIR", tmp_path / "results")
    monkeypatch.setattr(common, "MODELS_DIR", tmp_path / "runs")
    # 20 bootstrap resamples instead of 1,000: the names are under test here, not the intervals
    monkeypatch.setattr(common.evaluate, "sentence_level_report",
                        functools.partial(common.evaluate.sentence_level_report, n_boot=20))
    splits = {"train": tiny_split(common, SENTENCES, "train"), "validation": tiny_split(common, TEST_SENTENCES, "val"),
              "test": tiny_split(common, TEST_SENTENCES, "test")}
    model = FindingClassifier(TfidfClassifier(min_df=1), TfidfClassifier(min_df=1))
    results = common.run_experiment("tiny_tfidf", model, {"min_df": 1}, splits=splits, log_model=False,
                                    input_format=features.SECTION_CONTEXT)

    logged = mlflow.get_run(results["run_id"]).data.metrics
    assert same_figure_names(logged) == []
    evaluated = ("validation", "test", "test_no_context")
    expected = {f"{split}_{key}" for split in evaluated for key in results[split]} | {"train_seconds"}
    assert set(logged) == expected
    for split in evaluated:
        assert logged[f"{split}_area_care_leavers_f1"] == pytest.approx(results[split]["area_care_leavers_f1"])
        assert logged[f"{split}_area_macro_f1"] == pytest.approx(results[split]["area_macro_f1"])
    assert (tmp_path / "results" / "tiny_tfidf.json").is_file()


# ---------------------------------------------------------------- the shipped default as champion


@pytest.fixture(scope="module")
def champion(experiments, tmp_path_factory):
    """The shipped default registered by experiments/register_default.py in a throwaway store."""
    root = tmp_path_factory.mktemp("registry")
    with pytest.MonkeyPatch.context() as patch:
        store_uri = use_throwaway_store(patch, root)
        version = experiments["register_default"].register_default()
    return version, store_uri, root


def test_the_alias_champion_resolves_to_the_registered_default(champion):
    from mlflow import MlflowClient

    version, store_uri, _ = champion
    client = MlflowClient(tracking_uri=store_uri, registry_uri=store_uri)
    resolved = client.get_model_version_by_alias("ofsted-nlp-finding", "champion")
    assert (resolved.name, resolved.version, resolved.run_id) == (version.name, version.version, version.run_id)
    assert resolved.aliases == ["champion"]
    run = client.get_run(version.run_id)
    assert run.data.tags[tracking.MODEL_URI_TAG]
    assert run.data.params["trained_in_run"] == SHIPPED_RUN
    assert same_figure_names(run.data.metrics) == []
    for name in ("validation_area_macro_f1", "validation_polarity_macro_f1", "test_area_macro_f1",
                 "test_polarity_neutral_f1", "test_area_none_f1", "test_report_spearman"):
        assert 0.0 < run.data.metrics[name] <= 1.0


def test_the_champion_has_a_signature_and_an_input_example(champion, tmp_path):
    import mlflow

    _, store_uri, _ = champion
    mlflow.set_tracking_uri(store_uri)
    info = mlflow.models.get_model_info(CHAMPION_URI)
    assert info.signature.inputs.input_names() == ["text"]
    assert {"area", "polarity", "area_confidence", "polarity_confidence", "p_none"} <= set(
        info.signature.outputs.input_names())
    assert info.saved_input_example_info is not None
    local = Path(mlflow.artifacts.download_artifacts(CHAMPION_URI, dst_path=str(tmp_path)))
    example = json.loads((local / info.saved_input_example_info["artifact_path"]).read_text())
    assert example["columns"] == ["text"] and example["data"][0][0].strip()


def test_the_champion_card_has_no_gaps_and_no_machine_details(champion):
    from mlflow import MlflowClient

    version, store_uri, root = champion
    card = version.description
    shipped = (loading.DEFAULT_MODEL_DIR / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert card == shipped  # the registry and the package say the same
    client = MlflowClient(tracking_uri=store_uri)
    artifact = client.download_artifacts(version.run_id, "MODEL_CARD.md", str(root / "card"))
    assert Path(artifact).read_text(encoding="utf-8") == card

    assert SHIPPED_RUN in card and "ofsted-nlp-finding@champion" in card
    assert "()" not in card and not re.search(r"\bNone\b|\bnan\b|``", card)
    for line in card.splitlines():
        assert not re.search(r":\s*$", line), f"a field with no value: {line!r}"
        if line.startswith("|"):
            assert all(cell.strip() for cell in line.strip("|").split("|")), f"blank cell: {line!r}"
    assert not re.search(r"(?:^|[\s`(\"'=])(?:/\w|~/|[A-Za-z]:\\)", card), "an absolute path in the card"
    for local in (str(ROOT), str(Path.home()), str(root)):
        assert local not in card
    assert not re.search(r"\b[0-9a-f]{32}\b", card), "a run id in the card"
    assert version.run_id not in card


@pytest.mark.skipif(not GOLD.exists(), reason="labelled_data/gold.jsonl is not in this checkout")
def test_classify_with_the_champion_answers_as_the_default_model(champion, monkeypatch):
    _, store_uri, _ = champion
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store_uri)
    loading.clear_model_cache()
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [row["text"] for row in rows[:GOLD_SENTENCES_COMPARED]]

    expected = ofsted_nlp.classify(texts, progress=False)
    served = ofsted_nlp.classify(texts, model=CHAMPION_URI, progress=False)
    assert [(f.text, f.area, f.polarity, f.is_finding) for f in served] == [
        (f.text, f.area, f.polarity, f.is_finding) for f in expected]
    for got, want in zip(served, expected):
        assert got.area_probs == pytest.approx(want.area_probs, abs=1e-9)
        assert got.polarity_probs == pytest.approx(want.polarity_probs, abs=1e-9)


def test_the_guarded_server_accepts_the_champion(champion, monkeypatch):
    """What `python -m ofsted_nlp.serving -m models:/ofsted-nlp-finding@champion` builds (README)."""
    pytest.importorskip("uvicorn")
    from ofsted_nlp import serving

    _, store_uri, _ = champion
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store_uri)
    assert isinstance(serving.build_app(CHAMPION_URI), serving.GuardedApp)


# ---------------------------------------------------------------- the card writer


def test_a_record_with_a_missing_figure_gives_no_card(experiments):
    model_card = experiments["model_card"]
    record = json.loads((loading.DEFAULT_MODEL_DIR / model_card.RECORD_FILE).read_text(encoding="utf-8"))
    assert model_card.model_card(record)  # the shipped record is complete
    for field, blank in (("n_train", None), ("description", " "), ("params", {})):
        broken = {**record, field: blank}
        with pytest.raises(model_card.CardError, match=field):
            model_card.model_card(broken)
    broken = {**record, "test": {k: v for k, v in record["test"].items() if k != "area_none_f1"}}
    with pytest.raises(model_card.CardError, match="test.area_none_f1"):
        model_card.model_card(broken)


def test_the_shipped_record_keeps_no_machine_local_fields(experiments):
    model_card = experiments["model_card"]
    record = json.loads((loading.DEFAULT_MODEL_DIR / model_card.RECORD_FILE).read_text(encoding="utf-8"))
    assert not set(model_card.MACHINE_LOCAL_FIELDS) & set(record)
    assert not set(model_card.MACHINE_LOCAL_FIELDS) & set(record.get("report_level", {}))


@pytest.mark.parametrize("gap", ["Trained on the gold train split () sentences.", "Description: None",
                                 "see /work/main/results/x.json", "run dab04caa42c14dcf99ed6427b3baf57d",
                                 "| test | 0.9 |  | 0.5 |", "cut points `` here"])
def test_the_card_check_finds_gaps_and_machine_details(experiments, gap):
    model_card = experiments["model_card"]
    assert model_card.card_problems(f"# Card\n\n{gap}\n")
    assert model_card.card_problems("# Card\n\nSee labelled_data/documents/index.jsonl; area / polarity.\n") == []


def test_the_default_is_chosen_on_validation_figures(experiments):
    select_default = experiments["select_default"]
    results = {"validation": {"area_macro_f1": 0.8, "polarity_macro_f1": 0.6},
               "ood_dev": {"area_macro_f1": 0.7, "polarity_macro_f1": 0.5},
               "test": {"area_macro_f1": 0.1, "polarity_macro_f1": 0.1},
               "ood_test": {"area_macro_f1": 0.1, "polarity_macro_f1": 0.1}}
    # reports and news dev weigh alike; neither test split counts
    assert select_default.validation_score(results) == pytest.approx(0.65)
