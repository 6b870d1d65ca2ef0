"""Shared by test_serving_load.py and benchmarks/bench_serving.py: a logged default model, the
guarded scoring server (``python -m ofsted_nlp.serving``) in a subprocess, and a bounded load."""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import ofsted_nlp

from .mlflow_test_support import env_without_tracking_uri, free_port, process_output, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "labelled_data" / "gold.jsonl"
DEFAULT_MODEL_DIR = Path(ofsted_nlp.__file__).resolve().parent / "default_model"
REGISTERED_NAME = "ofsted-nlp-finding-load-test"
FIVE_MB = 5 * 1024 * 1024


def gold_texts(limit: int | None = None) -> list[str]:
    texts = [json.loads(line)["text"] for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts[:limit] if limit else texts


def log_default_model(root: Path) -> str:
    """Log and register the shipped default model in a SQLite store under ``root``; return the store URI."""
    import mlflow

    from ofsted_nlp import tracking

    store_uri = f"sqlite:///{(root / 'mlflow.db').as_posix()}"
    old_cwd = os.getcwd()
    old_uri = os.environ.get("MLFLOW_TRACKING_URI")
    os.environ["MLFLOW_TRACKING_URI"] = store_uri
    os.chdir(root)  # the experiment's artifacts go to <root>/mlruns
    try:
        with tracking.start_run("serving-load"):
            info = tracking.log_finding_model(DEFAULT_MODEL_DIR, registered_model_name=REGISTERED_NAME)
        assert int(info.registered_model_version) == 1
    finally:
        os.chdir(old_cwd)
        if old_uri is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = old_uri
        mlflow.set_tracking_uri(None)
    return store_uri


def start_server(root: Path, store_uri: str, workers: int = 1) -> tuple[subprocess.Popen, str]:
    """``python -m ofsted_nlp.serving`` of the registered model on 127.0.0.1; returns (process, url)."""
    port = free_port()
    log_dir = root / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    # The server (and the model code MLflow runs in it) must import this checkout's ofsted_nlp.
    package_root = str(Path(ofsted_nlp.__file__).resolve().parent.parent)
    env = env_without_tracking_uri(MLFLOW_TRACKING_URI=store_uri)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    with open(log_dir / "serving.stdout", "wb") as out, open(log_dir / "serving.stderr", "wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "ofsted_nlp.serving", "-m", f"models:/{REGISTERED_NAME}/1",
             "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
            stdout=out, stderr=err, env=env, cwd=root, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/ping", process, log_dir, "serving")
    return process, url


def server_log(root: Path) -> str:
    return process_output(root / "logs", "serving")


def post(url: str, body: bytes, content_type: str = "application/json", timeout: float = 30) -> tuple[int, bytes]:
    request = urllib.request.Request(f"{url}/invocations", data=body, headers={"Content-Type": content_type},
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def split_payload(texts: list[str]) -> bytes:
    return json.dumps({"dataframe_split": {"columns": ["text"], "data": [[t] for t in texts]}}).encode()


# name -> (body, content type); each must be answered 4xx with a message and no stack trace
BAD_PAYLOADS: dict[str, tuple[bytes, str]] = {
    "missing column": (json.dumps({"dataframe_split": {"columns": ["sentence", "page"],
                                                       "data": [["Leaders are effective.", 3]]}}).encode(),
                       "application/json"),
    "wrong type": (json.dumps({"dataframe_split": {"columns": ["text"], "data": [[123], [None]]}}).encode(),
                   "application/json"),
    "wrong shape": (json.dumps({"dataframe_split": "Leaders are effective."}).encode(), "application/json"),
    "empty body": (b"", "application/json"),
    "empty sentence": (split_payload([""]), "application/json"),
    "blank sentence": (split_payload(["   "]), "application/json"),
    "5 MB body": (split_payload(["Leaders are effective. " * (FIVE_MB // 23)]), "application/json"),
    "non-JSON": (b"this is not JSON {", "application/json"),
    "binary": (bytes(range(256)) * 64, "application/json"),
    "wrong content type": (b"text,area\nLeaders are effective.,leadership\n", "application/x-ofsted"),
}


def check_bad_answer(name: str, status: int, body: bytes) -> str | None:
    """None when the answer to a bad payload is right, else what is wrong with it."""
    if not 400 <= status < 500:
        return f"{name}: status {status}, expected 4xx: {body[:300]!r}"
    try:
        payload = json.loads(body)
    except ValueError:
        return f"{name}: answer is not JSON: {body[:300]!r}"
    message = payload.get("message") if isinstance(payload, dict) else None
    if not message:
        return f"{name}: answer has no message: {body[:300]!r}"
    if "stack_trace" in payload or "Traceback" in body.decode("utf-8", "replace"):
        return f"{name}: answer carries a stack trace"
    if len(body) > 4096:
        return f"{name}: answer of {len(body):,} bytes echoes the payload"
    return None


@dataclass
class LoadResult:
    requests: int = 0
    good: int = 0
    bad: int = 0
    wall_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)  # good requests
    failures: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.wall_s if self.wall_s else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_s:
            return float("nan")
        if len(self.latencies_s) == 1:
            return self.latencies_s[0]
        return statistics.quantiles(self.latencies_s, n=100, method="inclusive")[int(q) - 1]


def run_load(url: str, texts: list[str], expected: dict[str, tuple[str, str]], *, requests: int,
             concurrency: int = 8, time_limit_s: float = 60.0, bad_every: int = 10,
             sentences_per_request: int = 4) -> LoadResult:
    """``requests`` requests from ``concurrency`` threads, stopping at ``time_limit_s``.

    Every ``bad_every``-th request is a bad payload (cycling through BAD_PAYLOADS); the others carry
    ``sentences_per_request`` gold sentences whose (area, polarity) must equal ``expected[text]``.
    """
    assert requests <= 2000 and concurrency <= 8 and time_limit_s <= 60
    result = LoadResult()
    bad_names = list(BAD_PAYLOADS)
    start = time.perf_counter()
    deadline = start + time_limit_s

    def one(i: int) -> None:
        if time.perf_counter() > deadline:
            return
        if bad_every and i % bad_every == bad_every - 1:
            name = bad_names[(i // bad_every) % len(bad_names)]
            body, content_type = BAD_PAYLOADS[name]
            status, answer = post(url, body, content_type)
            result.bad += 1
            problem = check_bad_answer(name, status, answer)
            if problem:
                result.failures.append(problem)
            result.requests += 1
            return
        batch = [texts[(i * sentences_per_request + k) % len(texts)] for k in range(sentences_per_request)]
        t0 = time.perf_counter()
        try:
            status, answer = post(url, split_payload(batch))
        except OSError as exc:
            result.failures.append(f"request {i}: {type(exc).__name__}: {exc}")
            result.requests += 1
            return
        result.latencies_s.append(time.perf_counter() - t0)
        result.requests += 1
        if status != 200:
            result.failures.append(f"request {i}: status {status}: {answer[:300]!r}")
            return
        rows = json.loads(answer)["predictions"]
        result.good += 1
        got = [(row["text"], row["area"], row["polarity"]) for row in rows]
        want = [(text, *expected[text]) for text in batch]
        if got != want:
            result.mismatches.append(f"request {i}: {got} != {want}")

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(requests)))
    result.wall_s = time.perf_counter() - start
    return result
