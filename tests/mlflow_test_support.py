"""Shared by test_tracking.py and test_serving.py: a tiny finding model and MLflow subprocesses.

The sentences are made up in the style of ILACS reports; ten per area, polarities mixed, so a
TF-IDF model fits them in well under a second.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ofsted_nlp.models import FindingClassifier, TfidfClassifier

SERVER_START_TIMEOUT_S = 120

# (text, area, polarity)
SENTENCES: list[tuple[str, str, str]] = [
    ("Strategy meetings are timely and include all relevant partners.", "help_and_protection", "positive"),
    ("Child protection enquiries are thorough and well recorded.", "help_and_protection", "positive"),
    ("Thresholds for referral to children's social care are well understood.", "help_and_protection", "positive"),
    ("Children at risk of exploitation are identified quickly by the multi-agency team.", "help_and_protection", "positive"),
    ("Some child protection plans lack clear actions and timescales.", "help_and_protection", "negative"),
    ("Assessments of neglect do not always consider the impact on the child.", "help_and_protection", "negative"),
    ("Too many referrals to the front door are re-referrals within a year.", "help_and_protection", "negative"),
    ("Core groups do not meet regularly enough to review child protection plans.", "help_and_protection", "negative"),
    ("The front door service receives contacts from police and schools.", "help_and_protection", "neutral"),
    ("Early help assessments are completed by a range of partner agencies.", "help_and_protection", "neutral"),
    ("Children in care live in stable homes with carers who know them well.", "children_in_care", "positive"),
    ("Foster carers are well supported by their supervising social workers.", "children_in_care", "positive"),
    ("Children in care are helped to keep in touch with brothers and sisters.", "children_in_care", "positive"),
    ("Permanence for children in care is achieved without delay.", "children_in_care", "positive"),
    ("Some children in care experience too many changes of placement.", "children_in_care", "negative"),
    ("Care plans for children in care are not always updated after reviews.", "children_in_care", "negative"),
    ("Too few children in care have an up-to-date health assessment.", "children_in_care", "negative"),
    ("Independent reviewing officers do not challenge drift in care plans for children in care.", "children_in_care", "negative"),
    ("The number of children in care has risen since the last inspection.", "children_in_care", "neutral"),
    ("Most children in care live with foster carers within the local authority.", "children_in_care", "neutral"),
    ("Care leavers are supported by personal advisers who know them well.", "care_leavers", "positive"),
    ("Pathway plans for care leavers are detailed and regularly reviewed.", "care_leavers", "positive"),
    ("Care leavers have access to suitable accommodation and staying put arrangements.", "care_leavers", "positive"),
    ("Personal advisers help care leavers into education, employment and training.", "care_leavers", "positive"),
    ("Too many care leavers are not in education, employment or training.", "care_leavers", "negative"),
    ("Some care leavers do not have a pathway plan that reflects their needs.", "care_leavers", "negative"),
    ("Care leavers are not always told about their entitlements.", "care_leavers", "negative"),
    ("Personal advisers have high caseloads which limits time with care leavers.", "care_leavers", "negative"),
    ("Care leavers up to the age of 25 can ask for support from a personal adviser.", "care_leavers", "neutral"),
    ("The care leavers service moved to a new building last year.", "care_leavers", "neutral"),
    ("Senior leaders have a clear understanding of the quality of practice.", "leadership", "positive"),
    ("The director of children's services has strengthened quality assurance.", "leadership", "positive"),
    ("Leaders have invested in a stable and experienced workforce.", "leadership", "positive"),
    ("Elected members provide effective scrutiny of children's services.", "leadership", "positive"),
    ("Leaders' quality assurance arrangements are not yet effective.", "leadership", "negative"),
    ("Senior managers have been slow to address weaknesses in management oversight.", "leadership", "negative"),
    ("The workforce strategy has not reduced reliance on agency social workers.", "leadership", "negative"),
    ("Leaders do not have an accurate view of performance data.", "leadership", "negative"),
    ("A new director of children's services was appointed in the spring.", "leadership", "neutral"),
    ("The local authority is part of a regional adoption agency.", "leadership", "neutral"),
]

# Held-out sentences for evaluation (some will be misclassified, which the CSV artifact needs).
TEST_SENTENCES: list[tuple[str, str, str]] = [
    ("Child protection plans are reviewed in a timely way.", "help_and_protection", "positive"),
    ("Some strategy meetings do not include health partners.", "help_and_protection", "negative"),
    ("Children in care are visited regularly by social workers who know them well.", "children_in_care", "positive"),
    ("Placement changes for children in care are too frequent.", "children_in_care", "negative"),
    ("Personal advisers stay in touch with care leavers.", "care_leavers", "positive"),
    ("Care leavers wait too long for suitable accommodation.", "care_leavers", "negative"),
    ("Leaders understand the strengths and weaknesses of the service.", "leadership", "positive"),
    ("Management oversight of casework is inconsistent.", "leadership", "negative"),
]


def same_figure_names(metric_names) -> list[tuple[str, ...]]:
    """Groups of metric names that are one figure spelt in different word orders
    (``test_area_care_leavers_f1`` and ``test_area_f1_care_leavers``). Labels with an underscore
    count as one word."""
    from ofsted_nlp.labels import AREA_CLASSES, POLARITIES

    labels = sorted((*AREA_CLASSES, *POLARITIES), key=len, reverse=True)
    groups: dict[tuple[str, ...], list[str]] = {}
    for name in metric_names:
        words = name
        for label in labels:
            words = words.replace(label, label.replace("_", "~"))
        groups.setdefault(tuple(sorted(words.split("_"))), []).append(name)
    return [tuple(sorted(names)) for names in groups.values() if len(names) > 1]


def columns(rows):
    texts, areas, polarities = (list(column) for column in zip(*rows))
    return texts, areas, polarities


def train_tiny_finding_model() -> FindingClassifier:
    texts, areas, polarities = columns(SENTENCES)
    # min_df=1: with ten sentences per class, most n-grams occur once.
    model = FindingClassifier(TfidfClassifier(min_df=1), TfidfClassifier(min_df=1))
    return model.fit(texts, areas, polarities)


def save_tiny_finding_model(directory: Path) -> Path:
    return train_tiny_finding_model().save(directory)


# ------------------------------------------------------------------ subprocesses


def free_port() -> int:
    # The port is free when we ask; another process could take it before the server binds,
    # which would show up as a start-up failure with the server's stderr.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_process(args: list[str], log_dir: Path, name: str, env: dict | None = None, cwd=None) -> subprocess.Popen:
    """Start ``python -m mlflow <args>`` in its own process group, output to files.

    Files, not pipes: a chatty server would block once an unread pipe buffer fills.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    stdout = open(log_dir / f"{name}.stdout", "wb")
    stderr = open(log_dir / f"{name}.stderr", "wb")
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "mlflow", *args],
            stdout=stdout,
            stderr=stderr,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
    finally:
        stdout.close()
        stderr.close()


def process_output(log_dir: Path, name: str, limit: int = 6000) -> str:
    parts = []
    for stream in ("stdout", "stderr"):
        path = log_dir / f"{name}.{stream}"
        text = path.read_text(errors="replace") if path.exists() else ""
        parts.append(f"--- {stream} (last {limit} chars) ---\n{text[-limit:]}")
    return "\n".join(parts)


def wait_until_up(url: str, process: subprocess.Popen, log_dir: Path, name: str,
                  timeout_s: float = SERVER_START_TIMEOUT_S) -> None:
    """Poll ``url`` until it answers 200; fail with the server's output if it exits or times out."""
    import pytest

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{name} exited with code {process.returncode} before answering {url}\n"
                        + process_output(log_dir, name))
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    pytest.fail(f"{name} did not answer {url} within {timeout_s:.0f} s\n" + process_output(log_dir, name))


def stop_process_group(process: subprocess.Popen, grace_s: float = 10) -> None:
    """SIGTERM the server's whole process group (uvicorn/gunicorn workers too), then SIGKILL."""
    if process.poll() is None:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            pass
    # Workers can outlive their parent; the group kill reaches them either way.
    _signal_group(process, signal.SIGKILL)
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        pass


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def env_without_tracking_uri(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env.update(extra)
    return env


@pytest.fixture(autouse=True)
def restore_mlflow_globals():
    """tracking.start_run sets mlflow's process-wide tracking URI; later tests must not inherit it."""
    yield
    import mlflow

    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(None)
