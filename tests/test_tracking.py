"""ofsted_nlp.tracking against a real MLflow tracking server, read back over its REST API."""
from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from ofsted_nlp import data, tracking
from ofsted_nlp.errors import InputError, ModelLoadError, OfstedNLPError
from ofsted_nlp.labels import AREAS, POLARITIES

from .mlflow_test_support import restore_mlflow_globals  # noqa: F401 (autouse fixture)
from .mlflow_test_support import (
    TEST_SENTENCES,
    columns,
    env_without_tracking_uri,
    free_port,
    same_figure_names,
    save_tiny_finding_model,
    start_process,
    stop_process_group,
    train_tiny_finding_model,
    wait_until_up,
)

REGISTERED_NAME = "ofsted-nlp-finding-test"
EXPERIMENT = "tracking-test"




@pytest.fixture(scope="module")
def tracking_server(tmp_path_factory):
    """A real ``mlflow server`` (SQLite backend, proxied artifact store) on a free local port."""
    root = tmp_path_factory.mktemp("mlflow_server")
    port = free_port()
    args = [
        "server",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--backend-store-uri", f"sqlite:///{(root / 'mlflow.db').as_posix()}",
        "--serve-artifacts",
        "--artifacts-destination", str(root / "artifacts"),
        # One worker: the test is the only client, and CI machines have 2 cores.
        "--workers", "1",
    ]
    # Server-side jobs (GenAI evaluation, trace roll-ups) start a pool of huey consumers; this
    # test needs none, and they compete for CI's two cores.
    env = env_without_tracking_uri(MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
    process = start_process(args, root / "logs", "mlflow-server", env=env, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/health", process, root / "logs", "mlflow-server")
        yield url
    finally:
        stop_process_group(process)


@pytest.fixture(scope="module")
def local_store_uri(tmp_path_factory):
    """One SQLite store for the tests that need a store but not a server.

    Creating an MLflow database runs its migrations (seconds), so the tests share one and keep
    apart by experiment name.
    """
    root = tmp_path_factory.mktemp("mlflow_local")
    return f"sqlite:///{(root / 'mlflow.db').as_posix()}"


def rest_get(base_url: str, endpoint: str, **query) -> dict:
    url = f"{base_url}/api/2.0/mlflow/{endpoint}?{urllib.parse.urlencode(query)}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def run_small_experiment(tmp_path: Path):
    """Train, evaluate and log a tiny finding model the way a training script would."""
    model = train_tiny_finding_model()
    model_dir = model.save(tmp_path / "finding_model")
    texts, areas, polarities = columns(TEST_SENTENCES)
    predicted_areas, predicted_polarities = model.predict_findings(texts)

    params = {"area_model": "tfidf", "word_ngram_range": (1, 2)}
    with tracking.start_run(EXPERIMENT, run_name="tiny-tfidf", params=params, tags={"purpose": "test"}) as run:
        version = tracking.log_data_version()
        metrics = tracking.log_evaluation(
            y_true={"area": areas, "polarity": polarities},
            y_pred={"area": list(predicted_areas), "polarity": list(predicted_polarities)},
            texts=texts,
            ids=[f"s{i}" for i in range(len(texts))],
            metrics={"train_seconds": 0.5},
        )
        info = tracking.log_finding_model(model_dir, registered_model_name=REGISTERED_NAME)
    wrong_ids = [f"s{i}" for i in range(len(texts))
                 if (predicted_areas[i], predicted_polarities[i]) != (areas[i], polarities[i])]
    return run.info.run_id, version, metrics, info, wrong_ids


@pytest.mark.slow
def test_experiment_is_logged_to_a_tracking_server_and_the_model_serves_from_the_registry(
    tracking_server, tmp_path, monkeypatch
):
    import mlflow

    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking_server)
    run_id, version, metrics, info, wrong_ids = run_small_experiment(tmp_path)

    run = rest_get(tracking_server, "runs/get", run_id=run_id)["run"]
    params = {p["key"]: p["value"] for p in run["data"]["params"]}
    assert params["data_version"] == version == data.data_version()
    assert params["area_model"] == "tfidf"
    assert json.loads(params["word_ngram_range"]) == [1, 2]
    logged_metrics = {m["key"]: m["value"] for m in run["data"]["metrics"]}
    for name in ("test_area_macro_f1", "test_area_accuracy", "test_polarity_macro_f1", "train_seconds"):
        assert logged_metrics[name] == pytest.approx(metrics[name])
    assert 0.0 <= logged_metrics["test_area_macro_f1"] <= 1.0
    tags = {t["key"]: t["value"] for t in run["data"]["tags"]}
    assert tags["purpose"] == "test"
    assert tags[tracking.MODEL_URI_TAG] == info.model_uri

    listed = rest_get(tracking_server, "artifacts/list", run_id=run_id, path="evaluation")
    artifact_names = {Path(f["path"]).name for f in listed["files"]}
    for task in ("area", "polarity"):
        assert {f"confusion_test_{task}.png", f"classification_report_test_{task}.json",
                f"classification_report_test_{task}.txt"} <= artifact_names
    assert "misclassified_test.csv" in artifact_names
    misclassified = pd.read_csv(mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path="evaluation/misclassified_test.csv", dst_path=str(tmp_path / "dl")))
    assert list(misclassified["id"]) == wrong_ids

    model_version = rest_get(tracking_server, "model-versions/get", name=REGISTERED_NAME, version="1")
    assert model_version["model_version"]["run_id"] == run_id
    assert model_version["model_version"]["status"] == "READY"
    assert int(info.registered_model_version) == 1

    loaded = mlflow.pyfunc.load_model(f"models:/{REGISTERED_NAME}/1")
    texts = [text for text, _, _ in TEST_SENTENCES]
    predictions = loaded.predict(pd.DataFrame({"text": texts}))
    assert list(predictions["text"]) == texts
    assert set(predictions["area"]) <= set(AREAS)
    assert set(predictions["polarity"]) <= set(POLARITIES)
    probability_columns = [f"p_{label}" for label in (*sorted(AREAS), *sorted(POLARITIES))]
    assert set(probability_columns) <= set(predictions.columns)
    area_totals = predictions[[f"p_{label}" for label in AREAS]].sum(axis=1)
    assert area_totals.to_numpy() == pytest.approx(1.0)


@pytest.mark.slow
def test_logged_model_is_code_plus_safe_files_with_no_pickle(tmp_path, monkeypatch, local_store_uri):
    import mlflow

    monkeypatch.setenv("MLFLOW_TRACKING_URI", local_store_uri)
    monkeypatch.chdir(tmp_path)  # a new experiment's artifacts go to ./mlruns
    model_dir = save_tiny_finding_model(tmp_path / "finding_model")
    with tracking.start_run("no-pickle"):
        info = tracking.log_finding_model(model_dir)

    local = Path(mlflow.artifacts.download_artifacts(info.model_uri, dst_path=str(tmp_path / "downloaded")))
    pickled = [p.name for p in local.rglob("*") if p.suffix in {".pkl", ".pickle", ".cloudpickle", ".joblib"}]
    assert pickled == []
    flavor = mlflow.models.Model.load(str(local / "MLmodel")).flavors["python_function"]
    assert flavor["loader_module"] == "mlflow.pyfunc.loaders.code_model"
    assert "python_model" not in flavor
    assert (local / Path(flavor["model_code_path"]).name).is_file()
    requirements = (local / "requirements.txt").read_text()
    assert "ofsted_nlp==" in requirements

    signature = info.signature
    assert signature.inputs.input_names() == ["text"]
    assert {"text", "area", "polarity", "area_confidence", "polarity_confidence", "p_leadership",
            "p_negative"} <= set(signature.outputs.input_names())


@pytest.mark.slow
def test_an_evaluation_logs_each_figure_under_one_name(tmp_path, monkeypatch, local_store_uri):
    """What an experiment logs for a split (log_evaluation plus evaluate.py's metrics, as experiments/common.py
    does): every per-class F1 once, as <split>_<task>_<label>_f1, the results file's key with the split in front."""
    import mlflow

    from ofsted_nlp import evaluate
    from ofsted_nlp.labels import AREA_CLASSES

    monkeypatch.setenv("MLFLOW_TRACKING_URI", local_store_uri)
    monkeypatch.chdir(tmp_path)
    model = train_tiny_finding_model()
    texts, areas, polarities = columns(TEST_SENTENCES)
    predicted_areas, predicted_polarities = model.predict_findings(texts)
    results = evaluate.sentence_level_report(texts, areas, list(predicted_areas), polarities,
                                             list(predicted_polarities), groups=list(range(len(texts))), n_boot=20)
    label_sets = {"area": list(AREA_CLASSES), "polarity": list(POLARITIES)}
    with tracking.start_run("metric-names") as run:
        tracking.log_evaluation({"area": areas, "polarity": polarities},
                                {"area": list(predicted_areas), "polarity": list(predicted_polarities)},
                                texts, labels=label_sets, metrics={f"test_{k}": v for k, v in results.items()},
                                split="test")
    logged = mlflow.get_run(run.info.run_id).data.metrics

    assert same_figure_names(logged) == []
    per_class_f1 = {name for name in logged if name.endswith("_f1") and not name.endswith("_macro_f1")}
    assert per_class_f1 == {f"test_{task}_{label}_f1" for task, names in label_sets.items() for label in names}
    assert set(logged) == {f"test_{key}" for key in results}
    for key, value in results.items():
        assert logged[f"test_{key}"] == pytest.approx(value)


def test_a_given_metric_that_disagrees_with_the_computed_figure_is_refused(tmp_path, monkeypatch, local_store_uri):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", local_store_uri)
    monkeypatch.chdir(tmp_path)
    with tracking.start_run("metric-disagreement"):
        with pytest.raises(InputError, match="test_area_macro_f1"):
            tracking.log_evaluation({"area": ["leadership", "care_leavers"]}, {"area": ["leadership", "leadership"]},
                                    ["x", "y"], metrics={"test_area_macro_f1": 0.99})


def test_same_figure_names_finds_a_figure_spelt_twice():
    names = ["test_area_care_leavers_f1", "test_area_f1_care_leavers", "test_area_macro_f1", "test_polarity_neutral_f1"]
    assert same_figure_names(names) == [("test_area_care_leavers_f1", "test_area_f1_care_leavers")]


def test_default_tracking_uri_is_a_sqlite_file_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert tracking.tracking_uri() == f"sqlite:///{(tmp_path / 'mlflow.db').as_posix()}"


def test_tracking_uri_follows_the_environment(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://tracking.example:5000")
    assert tracking.tracking_uri() == "http://tracking.example:5000"


@pytest.mark.slow
def test_runs_go_to_the_working_directory_store_and_do_not_pin_it(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    monkeypatch.chdir(first)
    with tracking.start_run(EXPERIMENT, params={"n": 1}):
        pass
    assert (first / "mlflow.db").is_file()
    # mlflow.set_tracking_uri exports MLFLOW_TRACKING_URI; start_run must not leave it behind.
    monkeypatch.chdir(second)
    assert tracking.tracking_uri() == f"sqlite:///{(second / 'mlflow.db').as_posix()}"


def test_logging_outside_a_run_is_refused(tmp_path):
    with pytest.raises(OfstedNLPError, match="start_run"):
        tracking.log_evaluation({"area": ["leadership"]}, {"area": ["leadership"]}, ["x"])


@pytest.mark.slow
def test_log_evaluation_checks_its_inputs(tmp_path, monkeypatch, local_store_uri):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", local_store_uri)
    monkeypatch.chdir(tmp_path)  # a new experiment's artifacts go to ./mlruns
    with tracking.start_run("input-checks"):
        with pytest.raises(InputError, match="length"):
            tracking.log_evaluation({"area": ["leadership"]}, {"area": ["leadership", "leadership"]}, ["x"])
        with pytest.raises(InputError, match="not in the given label list"):
            tracking.log_evaluation({"area": ["leadership"]}, {"area": ["care_leavers"]}, ["x"],
                                    labels={"area": ["leadership"]})
        with pytest.raises(ModelLoadError):
            tracking.log_finding_model(tmp_path / "no_model_here")


@pytest.mark.slow
def test_register_best_chooses_on_validation_never_on_test(tmp_path, monkeypatch, local_store_uri):
    import mlflow

    monkeypatch.setenv("MLFLOW_TRACKING_URI", local_store_uri)
    monkeypatch.chdir(tmp_path)  # a new experiment's artifacts go to ./mlruns
    model_dir = save_tiny_finding_model(tmp_path / "finding_model")
    # (validation area, validation polarity, test area): the best on test is the worst on validation
    figures = {"a": (0.70, 0.70, 0.99), "b": (0.90, 0.80, 0.50), "c": (0.95, 0.60, 0.80)}
    run_ids = {}
    for name, (val_area, val_polarity, test_area) in figures.items():
        with tracking.start_run("register-best", run_name=name) as run:
            mlflow.log_metrics({"validation_area_macro_f1": val_area, "validation_polarity_macro_f1": val_polarity,
                                "ood_dev_area_macro_f1": val_area, "ood_dev_polarity_macro_f1": val_polarity,
                                "test_area_macro_f1": test_area})
            tracking.log_finding_model(model_dir)
            run_ids[name] = run.info.run_id
    with tracking.start_run("register-best", run_name="no model"):
        mlflow.log_metrics({"validation_area_macro_f1": 1.0, "validation_polarity_macro_f1": 1.0})

    # default: the mean of area and polarity macro-F1 on validation and news dev (b: 0.85 > c: 0.775 > a: 0.70)
    version = tracking.register_best("register-best", registered_model_name="best")
    assert version.run_id == run_ids["b"]
    assert version.version in ("1", 1)
    assert tracking.register_best("register-best", metric="validation_area_macro_f1",
                                  registered_model_name="best").run_id == run_ids["c"]


@pytest.mark.parametrize("metric", ["test_area_macro_f1", ["validation_area_macro_f1", "test_polarity_macro_f1"],
                                    "ood_test_area_macro_f1", []])
def test_register_best_refuses_anything_but_validation_metrics(metric):
    with pytest.raises(InputError, match="validation"):
        tracking.register_best("never-looked-up", metric=metric)


def test_confusion_matrix_figure_draws_counts():
    import numpy as np

    figure = tracking.confusion_matrix_figure(np.array([[3, 1], [0, 2]]), ["positive", "negative"], "polarity")
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert texts == ["3", "1", "0", "2"]


def test_pip_requirements_name_ofsted_nlp_with_the_extras_its_families_need(tmp_path):
    from ofsted_nlp import __version__

    tfidf_model = save_tiny_finding_model(tmp_path / "tfidf")
    assert tracking.default_pip_requirements(tfidf_model)[0] == f"ofsted_nlp=={__version__}"
    finetuned = tmp_path / "finetuned"
    finetuned.mkdir()
    (finetuned / "model.json").write_text(json.dumps({"family": "finetuned"}))
    assert tracking.default_pip_requirements(finetuned)[0] == f"ofsted_nlp[transformers]=={__version__}"
    assert any(r.startswith("scikit-learn==") for r in tracking.default_pip_requirements())


def test_bootstrap_macro_f1_is_sklearns_on_every_resample():
    """The bootstrap computes macro-F1 from a confusion matrix for speed: the interval must be the one
    sklearn's f1_score would give on the same resamples (labels outside the list, absent classes)."""
    import numpy as np
    from sklearn.metrics import f1_score

    from ofsted_nlp import evaluate

    rng = np.random.default_rng(3)
    labels = ["a", "b", "c", "none"]
    y_true = rng.choice(labels + ["other"], 300)
    y_pred = np.where(rng.random(300) < 0.7, y_true, rng.choice(["a", "b", "none"], 300))
    groups = rng.integers(0, 20, 300)
    got = evaluate.bootstrap_ci(y_true, y_pred, labels, groups=groups, n_boot=200, seed=5)

    resample = np.random.default_rng(5)  # the same draws bootstrap_ci makes
    uniq = np.unique(groups)
    f1s = []
    for _ in range(200):
        idx = np.concatenate([np.flatnonzero(groups == g) for g in resample.choice(uniq, size=len(uniq))])
        f1s.append(f1_score(y_true[idx], y_pred[idx], labels=labels, average="macro", zero_division=0))
    assert got["macro_f1"] == pytest.approx((np.percentile(f1s, 2.5), np.percentile(f1s, 97.5)), abs=1e-12)


def test_report_level_ci_resamples_whole_reports_around_the_figures():
    """The report-level CIs bracket the figures, resample reports (one report's areas move together), and a
    rule that grades every area right has exact grade 1.0 in every resample."""
    import numpy as np

    from ofsted_nlp import evaluate
    from ofsted_nlp.labels import GRADES

    rng = np.random.default_rng(0)
    grades = list(rng.choice(GRADES, 120))
    scores = [-GRADES.index(g) + rng.normal(0, 0.6) for g in grades]
    predicted = [GRADES[min(3, max(0, round(-s)))] for s in scores]
    reports = [f"r{i // 4}" for i in range(120)]
    figures = evaluate.report_level_metrics(scores, grades, predicted)
    cis = evaluate.report_level_ci(scores, grades, predicted, groups=reports, n_boot=300)
    for name in ("spearman", "grade_accuracy", "grade_within_one"):
        assert cis[name][0] <= figures[name] <= cis[name][1]
    assert all(cis[name][1] > cis[name][0] for name in ("spearman", "grade_accuracy"))
    assert evaluate.report_level_ci(scores, grades, grades, groups=reports, n_boot=50)["grade_accuracy"] == (1.0, 1.0)
    assert cis == evaluate.report_level_ci(scores, grades, predicted, groups=reports, n_boot=300)  # seeded
