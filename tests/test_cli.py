"""`ofsted-nlp classify` and `ofsted-nlp report`: formats, files, stdin, --output, exit codes."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ofsted_nlp import api, loading, cli
from ofsted_nlp.labels import AREAS

from .pdf_factory import make_ilacs_report, make_unrelated_pdf
from .test_api import IN_DOMAIN, NOT_ENGLISH, TINY_SENTENCES, tiny_model_dir  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def model(tiny_model_dir) -> str:  # noqa: F811
    return str(tiny_model_dir)


@pytest.fixture(scope="module")
def pdf(tmp_path_factory) -> Path:
    return make_ilacs_report(tmp_path_factory.mktemp("cli_pdf") / "2022-06-01_exampleshire_12345.pdf")


@pytest.fixture
def run(capsys):
    """Run the CLI in-process: (exit code, stdout, stderr)."""
    def _run(*argv):
        try:
            code = cli.main([str(a) for a in argv])
        except SystemExit as exc:  # argparse usage errors and --help
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err
    return _run


def _subprocess(*argv, stdin: str | None = None, env=None):
    return subprocess.run([sys.executable, "-m", "ofsted_nlp.cli", *map(str, argv)], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


# --------------------------------------------------------------------------- classify


def test_classify_text_prints_an_aligned_table(run, model):
    code, out, err = run("classify", IN_DOMAIN, "--model", model)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["area", "polarity", "conf", "finding", "text"]
    assert lines[1].startswith("care_leavers") and lines[1].endswith(IN_DOMAIN)
    assert lines[0].index("polarity") == lines[1].index("positive")  # columns line up
    assert lines[-1] == "1 finding"


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_classify_formats_match_the_api(run, model, fmt):
    code, out, _ = run("classify", IN_DOMAIN, "--model", model, "--format", fmt)
    assert code == 0
    expected = api.classify(IN_DOMAIN, model=model)
    if fmt == "json":
        assert json.loads(out) == [json.loads(json.dumps(expected.to_dict()))]
    elif fmt == "jsonl":
        assert [json.loads(line) for line in out.splitlines()] == [json.loads(json.dumps(expected.to_dict()))]
    else:
        rows = list(csv.DictReader(io.StringIO(out)))
        assert len(rows) == 1 and rows[0]["area"] == expected.area and rows[0]["text"] == IN_DOMAIN
        assert float(rows[0]["p_care_leavers"]) == pytest.approx(expected.area_probs["care_leavers"])


def test_classify_split_gives_a_row_per_sentence(run, model):
    code, out, _ = run("classify", "Thresholds are well understood. Leaders know the service well.",
                       "--model", model, "--split", "--format", "jsonl")
    assert code == 0 and len(out.splitlines()) == 2


def test_classify_a_text_file_and_stdin(run, model, tmp_path, monkeypatch):
    lines = [s for s, _, _ in TINY_SENTENCES[:5]]
    path = tmp_path / "in.txt"
    path.write_text("\n".join(lines[:2]) + "\n\n" + "\n".join(lines[2:]) + "\n")
    code, out, _ = run("classify", path, "--model", model, "--format", "jsonl", "--lines")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["text"] for r in rows] == lines
    assert [r["provenance"]["line"] for r in rows] == [1, 2, 4, 5, 6]

    monkeypatch.setattr(sys, "stdin", io.StringIO(path.read_text()))
    code, out, _ = run("classify", "-", "--model", model, "--format", "jsonl", "--lines")
    assert code == 0 and [json.loads(line)["text"] for line in out.splitlines()] == lines

    code, out, _ = run("classify", path, "--model", model, "--lines")
    assert code == 0 and out.splitlines()[0].split()[0] == "line"

    # without --lines the file is a document: its sentences, each once, whatever the line breaks
    code, out, _ = run("classify", path, "--model", model, "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["text"] for r in rows] == lines and {r["kind"] for r in rows} == {"news_or_text"}


def test_classify_stdin_in_a_real_process(model):
    result = _subprocess("classify", "-", "--model", model, "--format", "csv", "--lines",
                         stdin=IN_DOMAIN + "\n\n" + NOT_ENGLISH[0] + "\n")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["is_finding"] for r in rows] == ["True", "False"]
    assert [r["line"] for r in rows] == ["1", "3"]
    assert "classifying" not in result.stderr  # no progress bar: stderr is not a terminal


def test_classify_a_report_pdf_lists_findings_with_pages(run, model, pdf):
    code, out, _ = run("classify", pdf, "--model", model)
    assert code == 0
    header = out.splitlines()[0].split()
    assert header[:2] == ["page", "para"]
    code, out, _ = run("classify", pdf, "--model", model, "--format", "json")
    rows = json.loads(out)
    assert rows and all(r["provenance"]["page"] >= 1 and r["provenance"]["sentence_id"] for r in rows)


def test_rows_that_are_not_findings_are_marked(run, model):
    code, out, _ = run("classify", NOT_ENGLISH[0], "--model", model)
    assert code == 0 and " no " in out and "1 not findings" in out


# --------------------------------------------------------------------------- report


def test_report_table_shows_every_area_with_predicted_and_ofsted_grades(run, model, pdf):
    code, out, err = run("report", pdf, "--model", model)
    assert code == 0 and err == ""
    assert out.startswith("Exampleshire (2022-06-01_exampleshire_12345)")
    table = out.split("\n\n")[1].splitlines()
    assert table[0].split() == ["area", "findings", "positive", "negative", "neutral", "score", "predicted", "Ofsted"]
    assert [line.split()[0] for line in table[1:]] == list(AREAS)
    assert "requires improvement" in table[1]  # the factory report's help and protection grade
    assert "Predicted grade: score = mean P(positive) - P(negative)" in out


def test_report_of_a_letter_scores_its_areas_and_predicts_no_grade(run, model, tmp_path):
    from .letter_texts import MONITORING, to_txt

    letter = tmp_path / "monitoring_visit.txt"
    letter.write_text(to_txt(MONITORING), encoding="utf-8")
    code, out, err = run("report", letter, "--model", model)
    assert code == 0 and err == ""
    table = out.split("\n\n")[1].splitlines()
    assert all(line.split()[-2:] == ["-", "-"] for line in table[1:])  # predicted and Ofsted: none
    assert "No predicted grade: only full inspections are graded" in out and "Predicted grade:" not in out


def test_report_json_jsonl_csv(run, model, pdf):
    expected = api.classify(pdf, model=model)
    code, out, _ = run("report", pdf, "--model", model, "--format", "json")
    data = json.loads(out)
    assert code == 0 and set(data) == {"kind", "report", "summary", "findings"}
    assert len(data["findings"]) == len(expected)
    assert data["summary"]["areas"]["leadership"]["predicted_grade"] == expected.summary.areas["leadership"].predicted_grade
    code, out, _ = run("report", pdf, "--model", model, "--format", "jsonl")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [x["area"] for x in lines] == list(AREAS) and "top_positive" in lines[0]
    code, out, _ = run("report", pdf, "--model", model, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["area"] for r in rows] == list(AREAS)
    assert {"score", "predicted_grade", "ofsted_grade", "n_positive", "share_negative"} <= set(rows[0])


def test_report_thresholds_file(run, model, pdf, tmp_path):
    path = tmp_path / "thresholds.json"
    path.write_text(json.dumps({"outstanding": -0.98, "good": -0.99, "requires_improvement": -1.0, "min_findings": 0}))
    code, out, _ = run("report", pdf, "--model", model, "--thresholds", path, "--format", "jsonl")
    assert code == 0
    assert {json.loads(line)["predicted_grade"] for line in out.splitlines()} <= {"outstanding", None}
    path.write_text(json.dumps({"outstanding": 0.1, "good": 0.5}))
    code, out, err = run("report", pdf, "--model", model, "--thresholds", path)
    assert code == 1 and out == "" and "must decrease" in err


# --------------------------------------------------------------------------- --output


def test_output_is_written_atomically_and_matches_stdout(run, model, pdf, tmp_path):
    _, expected, _ = run("report", pdf, "--model", model, "--format", "csv")
    target = tmp_path / "out" / "summary.csv"
    target.parent.mkdir()
    target.write_text("old contents")
    code, out, _ = run("report", pdf, "--model", model, "--format", "csv", "--output", target)
    assert code == 0 and out == ""
    assert target.read_text() == expected
    assert sorted(p.name for p in target.parent.iterdir()) == ["summary.csv"]  # no temporary file left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(run, model, tmp_path, monkeypatch):
    target = tmp_path / "out.json"
    target.write_text("old contents")

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    code, out, err = run("classify", IN_DOMAIN, "--model", model, "--format", "json", "--output", target)
    assert code == 1 and "No space left on device" in err and len(err.strip().splitlines()) == 1
    assert target.read_text() == "old contents"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_output_into_a_missing_directory_is_an_error(run, model, tmp_path):
    code, _, err = run("classify", IN_DOMAIN, "--model", model, "--output", tmp_path / "nope" / "out.txt")
    assert code == 1 and err.startswith("ofsted-nlp: error: cannot write")


# --------------------------------------------------------------------------- errors and exit codes


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ofsted-nlp: error: ")
    return lines[0]


def test_bad_inputs_exit_1_with_one_line(run, model, tmp_path, pdf):
    corrupt = tmp_path / "corrupt.pdf"
    corrupt.write_bytes(pdf.read_bytes()[:700])
    unrelated = make_unrelated_pdf(tmp_path / "minutes.pdf")
    cases = [
        (("classify", tmp_path / "missing.pdf"), "file not found"),
        (("classify", tmp_path / "missing.txt"), "file not found"),
        (("report", tmp_path / "missing.pdf"), "file not found"),
        (("classify", ""), "empty string"),
        (("classify", "   "), "only whitespace"),
        (("report", corrupt), "corrupt"),
        (("report", unrelated), "not an Ofsted inspection"),
        (("classify", unrelated), "not an Ofsted inspection"),
        (("classify", tmp_path), "is a directory"),
        (("classify", IN_DOMAIN, "--model", tmp_path / "no_model"), "not found"),
    ]
    for argv, message in cases:
        if "--model" not in argv:
            argv = (*argv, "--model", model)
        code, out, err = run(*argv)
        assert code == 1, (argv, err)
        assert out == ""
        assert message in _one_error_line(err), (argv, err)


def test_empty_stdin_is_an_error(run, model, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n  \n"))
    code, _, err = run("classify", "-", "--model", model, "--lines")
    assert code == 1 and "no non-empty line" in _one_error_line(err)
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n  \n"))
    code, _, err = run("classify", "-", "--model", model)
    assert code == 1 and "only whitespace" in _one_error_line(err)


@pytest.mark.skipif(not any((api.DEFAULT_MODEL_DIR / f).is_file() for f in ("finding_model.json", "model.json")),
                    reason="no default model shipped in ofsted_nlp/default_model/ yet")
def test_report_with_the_shipped_default_model(run, pdf, monkeypatch):
    monkeypatch.delenv(api.MODEL_ENV, raising=False)
    code, out, err = run("report", pdf)
    assert code == 0 and err == "" and "help_and_protection" in out


def test_no_default_model_exits_1(run, monkeypatch, tmp_path):
    monkeypatch.delenv(api.MODEL_ENV, raising=False)
    monkeypatch.setattr(loading, "DEFAULT_MODEL_DIR", tmp_path / "none")
    code, _, err = run("classify", IN_DOMAIN)
    assert code == 1 and "no default model is installed" in _one_error_line(err)


@pytest.mark.parametrize("argv", [
    (),
    ("classify",),
    ("classify", "text", "--format", "xml"),
    ("report", "x.pdf", "--top", "-1"),
    ("classify", "text", "--batch-size", "0"),
    ("no-such-command",),
])
def test_usage_errors_exit_2(run, argv):
    code, out, err = run(*argv)
    assert code == 2 and "usage:" in err


def test_usage_error_in_a_real_process_and_help():
    assert _subprocess("classify").returncode == 2
    result = _subprocess("classify", "--help")
    assert result.returncode == 0 and "--format" in result.stdout and "TEXT|FILE|-" in result.stdout


def test_other_commands_are_still_registered(run):
    for command in ("corpus", "weak-labels", "classify", "report"):
        code, out, _ = run(command, "--help")
        assert code == 0 and "usage:" in out


# --------------------------------------------------------------------------- warnings and progress


def test_warnings_are_one_line_and_quiet_silences_them(run, model):
    long_text = "Children in care live in stable homes. " * 100
    code, out, err = run("classify", long_text, "--model", model)
    assert code == 0 and out
    assert err.startswith("ofsted-nlp: warning: the text has 3,900 characters") and len(err.splitlines()) == 1
    code, _, err = run("classify", long_text, "--model", model, "--quiet")
    assert code == 0 and err == ""


def test_no_progress_bar_when_stderr_is_not_a_terminal(run, model, monkeypatch):
    lines = [s for s, _, _ in TINY_SENTENCES] * (api.AUTO_PROGRESS_MIN // len(TINY_SENTENCES) + 1)
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines)))
    code, out, err = run("classify", "-", "--model", model, "--format", "jsonl", "--lines")
    assert code == 0 and len(out.splitlines()) == len(lines) and err == ""


def test_progress_bar_on_a_terminal_unless_quiet(run, model, monkeypatch):
    monkeypatch.setattr(api, "_stderr_is_tty", lambda: True)
    monkeypatch.setattr(api, "AUTO_PROGRESS_MIN", 2)
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(s for s, _, _ in TINY_SENTENCES)))
    code, _, err = run("classify", "-", "--model", model, "--format", "jsonl", "--lines")
    assert code == 0 and "classifying" in err
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(s for s, _, _ in TINY_SENTENCES)))
    code, _, err = run("classify", "-", "--model", model, "--format", "jsonl", "--quiet", "--lines")
    assert code == 0 and err == ""
