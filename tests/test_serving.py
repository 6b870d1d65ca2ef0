"""A logged finding model served by ``mlflow models serve`` answers /invocations correctly."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pandas as pd
import pytest

from ofsted_nlp import tracking
from ofsted_nlp.labels import AREAS, POLARITIES

from .mlflow_test_support import (
    TEST_SENTENCES,
    env_without_tracking_uri,
    free_port,
    save_tiny_finding_model,
    start_process,
    stop_process_group,
    wait_until_up,
)

REGISTERED_NAME = "ofsted-nlp-finding-serving-test"
TEXTS = [text for text, _, _ in TEST_SENTENCES]


@pytest.fixture(scope="module")
def logged_model(tmp_path_factory):
    """A tiny model logged and registered in a SQLite store of its own; yields (store URI, root)."""
    import mlflow

    root = tmp_path_factory.mktemp("serving")
    store_uri = f"sqlite:///{(root / 'mlflow.db').as_posix()}"
    model_dir = save_tiny_finding_model(root / "finding_model")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", store_uri)
        patch.chdir(root)  # the new experiment's artifacts go to <root>/mlruns
        with tracking.start_run("serving-test"):
            info = tracking.log_finding_model(model_dir, registered_model_name=REGISTERED_NAME)
        assert int(info.registered_model_version) == 1
        local_predictions = mlflow.pyfunc.load_model(f"models:/{REGISTERED_NAME}/1").predict(
            pd.DataFrame({"text": TEXTS})
        )
    mlflow.set_tracking_uri(None)
    return store_uri, root, local_predictions


@pytest.fixture(scope="module")
def scoring_server(logged_model):
    """``mlflow models serve`` of the registered model, in the current interpreter's environment."""
    store_uri, root, _ = logged_model
    port = free_port()
    args = [
        "models", "serve",
        "-m", f"models:/{REGISTERED_NAME}/1",
        "--env-manager", "local",
        "--host", "127.0.0.1",
        "--port", str(port),
    ]
    # The serve command resolves models:/ through the tracking URI it inherits.
    env = env_without_tracking_uri(MLFLOW_TRACKING_URI=store_uri)
    process = start_process(args, root / "logs", "mlflow-models-serve", env=env, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/ping", process, root / "logs", "mlflow-models-serve")
        yield url
    finally:
        stop_process_group(process)


def invoke(url: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{url}/invocations",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def assert_valid_findings(rows: list[dict], texts: list[str]) -> None:
    assert [row["text"] for row in rows] == texts  # one row per sentence, in request order
    for row in rows:
        assert row["area"] in AREAS
        assert row["polarity"] in POLARITIES
        assert row["area_confidence"] == pytest.approx(row[f"p_{row['area']}"])
        assert row["polarity_confidence"] == pytest.approx(row[f"p_{row['polarity']}"])
        assert sum(row[f"p_{label}"] for label in AREAS) == pytest.approx(1.0)
        assert sum(row[f"p_{label}"] for label in POLARITIES) == pytest.approx(1.0)


@pytest.mark.slow
def test_dataframe_split_request_gets_findings_in_request_order(scoring_server, logged_model):
    _, _, local_predictions = logged_model
    status, body = invoke(scoring_server, {"dataframe_split": {"columns": ["text"], "data": [[t] for t in TEXTS]}})
    assert status == 200, body
    rows = body["predictions"]
    assert_valid_findings(rows, TEXTS)
    # The server answers exactly what the same model answers in-process.
    assert [row["area"] for row in rows] == list(local_predictions["area"])
    assert [row["polarity"] for row in rows] == list(local_predictions["polarity"])


@pytest.mark.slow
def test_inputs_request_gets_the_same_findings(scoring_server):
    reversed_texts = list(reversed(TEXTS))
    _, split_body = invoke(
        scoring_server, {"dataframe_split": {"columns": ["text"], "data": [[t] for t in reversed_texts]}}
    )
    status, body = invoke(scoring_server, {"inputs": {"text": reversed_texts}})
    assert status == 200, body
    assert_valid_findings(body["predictions"], reversed_texts)
    assert body["predictions"] == split_body["predictions"]


@pytest.mark.slow
def test_records_request_with_one_sentence(scoring_server):
    status, body = invoke(scoring_server, {"dataframe_records": [{"text": TEXTS[0]}]})
    assert status == 200, body
    assert_valid_findings(body["predictions"], TEXTS[:1])


@pytest.mark.slow
def test_request_without_a_text_column_is_a_client_error(scoring_server):
    status, body = invoke(scoring_server, {"dataframe_split": {"columns": ["sentence"], "data": [["Hello."]]}})
    assert 400 <= status < 500
    assert "text" in json.dumps(body)


# ------------------------------------------------------------------ the pyfunc model in-process


def test_pyfunc_input_forms_all_give_the_same_sentences():
    from ofsted_nlp.mlflow_model import texts_from_input

    texts = TEXTS[:2]
    for model_input in (pd.DataFrame({"text": texts}), pd.Series(texts), texts, {"text": texts},
                        pd.DataFrame({0: texts})):
        assert texts_from_input(model_input) == texts
    assert texts_from_input(TEXTS[0]) == TEXTS[:1]


def test_pyfunc_input_refuses_what_is_not_text():
    from ofsted_nlp.errors import InputError
    from ofsted_nlp.mlflow_model import texts_from_input

    with pytest.raises(InputError, match="row 1"):
        texts_from_input(["A sentence.", None])
    with pytest.raises(InputError, match="'text' column"):
        texts_from_input(pd.DataFrame({"a": ["x"], "b": ["y"]}))


def test_predict_frame_gives_one_row_per_text_and_empty_input_an_empty_frame():
    from ofsted_nlp.mlflow_model import output_columns, predict_frame

    from .mlflow_test_support import train_tiny_finding_model

    model = train_tiny_finding_model()
    frame = predict_frame(model, TEXTS)
    assert list(frame.columns) == output_columns(model.area_classes_, model.polarity_classes_)
    areas, polarities = model.predict_findings(TEXTS)
    assert list(frame["area"]) == list(areas)
    assert list(frame["polarity"]) == list(polarities)
    empty = predict_frame(model, [])
    assert list(empty.columns) == list(frame.columns)
    assert len(empty) == 0


@pytest.mark.slow
@pytest.mark.parametrize("data", [[[""]], [["   "]], [["x" * 1_001]]])
def test_empty_or_over_long_sentence_is_a_client_error_without_stack_trace(scoring_server, data):
    status, body = invoke(scoring_server, {"dataframe_split": {"columns": ["text"], "data": data}})
    assert 400 <= status < 500, body
    assert "stack_trace" not in body
    assert "sentence" in body["message"] or "characters" in body["message"]
