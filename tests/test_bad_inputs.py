"""Every bad input answered (issue 13, item 6, and the CLI's many files and stdin, item 4).

Each hostile input gets a clear error of ofsted_nlp's own type naming the problem, or a clean exit code
and one line on stderr; never a traceback, a hang, an orphaned process or a stray file.
"""
from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ofsted_nlp import api, cli, corpus, loading
from ofsted_nlp.errors import InputError, ModelLoadError, ReportError
from ofsted_nlp.reading import kinds, pdf as pdf_module, read_report
from ofsted_nlp.reading.kinds import read_text
from ofsted_nlp.reading.sentences import PYSBD_CHUNK_CHARS, sentence_spans
from ofsted_nlp.results import DocumentFindings

from .letter_texts import FOCUSED, to_txt
from .pdf_factory import make_ilacs_report, make_sif_report
from .test_api import IN_DOMAIN, tiny_model_dir  # noqa: F401 (a fixture)
from .test_cli import model, run  # noqa: F401 (fixtures: the CLI run in-process, the tiny model)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def report_pdf(tmp_path_factory) -> Path:
    return make_ilacs_report(tmp_path_factory.mktemp("bad_inputs") / "2022-06-01_exampleshire_12345.pdf")


def _error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ofsted-nlp: error: "), err
    return lines[0]


class _BinaryStdin:
    """A stand-in for sys.stdin with bytes behind it (as a shell redirect gives)."""

    def __init__(self, data: bytes):
        self.buffer = io.BytesIO(data)

    def read(self, *args):
        return self.buffer.read(*args).decode("utf-8", "surrogateescape")


# --------------------------------------------------------------------------- damaged and huge PDFs


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.9])
def test_a_truncated_report_pdf_is_refused_not_repaired(report_pdf, tmp_path, fraction):
    data = report_pdf.read_bytes()
    cut = tmp_path / "2022-06-01_exampleshire_12345.pdf"
    cut.write_bytes(data[:int(len(data) * fraction)])
    with pytest.raises(ReportError, match=r"truncated PDF|corrupt PDF") as info:
        read_report(cut)
    assert info.value.path == str(cut)
    with pytest.raises(ReportError):
        api.classify(cut, model="tfidf")
    assert read_report(report_pdf).sentences  # the whole file reads


def test_a_pdf_the_library_had_to_repair_is_refused(report_pdf, tmp_path, monkeypatch):
    # %%EOF is there, but the cross-reference table is not where the trailer says: PyMuPDF rebuilds it
    # and says so (pypdfium2, the default backend, has no such flag; its reading is checked below)
    pytest.importorskip("pymupdf", reason="the optional PyMuPDF backend is not installed")
    monkeypatch.setenv("OFSTED_NLP_PDF_BACKEND", "pymupdf")
    damaged = re.sub(rb"startxref\s+(\d+)", lambda m: b"startxref\n" + str(int(m.group(1)) - 7).encode(),
                     report_pdf.read_bytes())
    path = tmp_path / "damaged.pdf"
    path.write_bytes(damaged)
    with pytest.raises(ReportError, match="damaged PDF"):
        read_report(path)
    monkeypatch.setenv("OFSTED_NLP_PDF_BACKEND", "pdfium")
    texts = [s.text for s in read_report(path).sentences]
    assert texts == [s.text for s in read_report(report_pdf).sentences]  # read whole, not garbled


def test_corpus_lists_a_truncated_pdf_as_a_failed_file(report_pdf, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    make_sif_report(folder / "2015-05-12_example_2.pdf")
    data = report_pdf.read_bytes()
    (folder / "2022-06-01_exampleshire_12345.pdf").write_bytes(data[:int(len(data) * 0.6)])
    result = corpus.build_corpus(folder, tmp_path / "out", workers=1, progress=False)
    assert result.n_reports == 1
    assert [(Path(f).name, reason.split(" (")[0]) for f, reason in result.failures] == \
        [("2022-06-01_exampleshire_12345.pdf", "truncated PDF")]


def test_a_pdf_with_more_pages_than_a_publication_is_refused(report_pdf, monkeypatch):
    monkeypatch.setattr(pdf_module, "MAX_PDF_PAGES", 1)
    with pytest.raises(ReportError, match=r"pages, more than the 1 a publication may have"):
        read_report(report_pdf)


# --------------------------------------------------------------------------- corpus: workers and temporary files


_POOL_SCRIPT = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, sys.argv[1])
    from ofsted_nlp.workers import process_pool

    def work(i):
        time.sleep(0.2)
        return os.getpid()

    if __name__ == "__main__":
        with process_pool(2) as pool:
            for n, pid in enumerate(pool.map(work, range(10_000))):
                if n == 10:
                    print(" ".join(str(p) for p in sorted(set(c.pid for c in pool._processes.values()))), flush=True)
""")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to see processes")
def test_workers_exit_when_their_parent_is_killed(tmp_path):
    script = tmp_path / "pool.py"
    script.write_text(_POOL_SCRIPT)
    parent = subprocess.Popen([sys.executable, str(script), str(ROOT)], stdout=subprocess.PIPE, text=True)
    workers = [int(p) for p in parent.stdout.readline().split()]
    assert len(workers) == 2 and all(_alive(p) for p in workers)
    parent.send_signal(signal.SIGKILL)  # no clean-up runs in the parent
    parent.wait()
    deadline = time.monotonic() + 30
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [p for p in workers if _alive(p)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "worker processes outlived their killed parent"


def test_corpus_and_tables_use_the_pool_whose_workers_die_with_the_parent(report_pdf, tmp_path, monkeypatch):
    from ofsted_nlp import workers

    used = []

    def spy(n, *args):
        used.append(n)
        return workers.process_pool(n, *args)

    monkeypatch.setattr(corpus, "process_pool", spy)
    corpus.build_corpus(report_pdf.parent, tmp_path / "out", workers=2, progress=False, files=[report_pdf])
    assert used == [2]


def test_a_rerun_removes_the_temporary_files_of_a_killed_run(report_pdf, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(finished.stdout)  # a process that has ended
    stale = out / f".sentences.parquet.{dead}.tmp"
    stale.write_bytes(b"half a parquet file")
    live = out / f".reports.parquet.{os.getppid()}.tmp"  # a run still going: left alone
    live.write_bytes(b"being written")
    corpus.build_corpus(report_pdf.parent, out, workers=1, progress=False, files=[report_pdf])
    assert not stale.exists() and live.exists()
    assert sorted(p.name for p in out.iterdir()) == sorted([live.name, "reports.parquet", "sentences.parquet"])


@pytest.mark.parametrize("value", ["-1", "0", "two"])
def test_corpus_workers_must_be_a_positive_integer(run, tmp_path, value):
    code, out, err = run("corpus", tmp_path, "--workers", value)
    assert code == cli.EXIT_USAGE and out == ""
    assert "argument --workers: expected an integer" in err and "Traceback" not in err
    with pytest.raises(InputError, match="workers must be an int >= 1"):
        corpus.build_corpus(tmp_path, tmp_path / "out", workers=-1)


# --------------------------------------------------------------------------- text that is not text


def test_undecodable_characters_are_refused_not_a_traceback(run, model, tmp_path):
    text = "Children are safe \udcff\udcfe here and well supported."  # bytes 0xff 0xfe under surrogateescape
    target = tmp_path / "f.json"
    code, out, err = run("classify", text, "--format", "json", "-o", target, "--model", model)
    assert code == 1 and out == "" and not target.exists()
    assert "not valid Unicode" in _error_line(err)
    with pytest.raises(InputError, match="item 1 of the list holds characters that are not valid Unicode"):
        api.classify([IN_DOMAIN, text], model=model)


def test_undecodable_argv_in_a_real_process(model, tmp_path):
    argv = [sys.executable.encode(), b"-m", b"ofsted_nlp.cli", b"classify",
            b"Children are safe \xff\xfe here and well supported.", b"--format", b"json",
            b"-o", str(tmp_path / "f.json").encode(), b"--model", model.encode()]
    result = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "not valid Unicode" in _error_line(result.stderr)


@pytest.mark.parametrize("lines", [False, True])
def test_a_text_file_that_never_ends_is_refused(model, tmp_path, lines):
    endless = tmp_path / "endless.txt"
    endless.symlink_to("/dev/zero")
    with pytest.raises(InputError, match="not a regular file"):
        api.classify(endless, model=model, lines=lines)


def test_a_pipe_is_refused_without_waiting_for_a_writer(model, tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    pdf_fifo = tmp_path / "pipe.pdf"
    os.mkfifo(pdf_fifo)
    for path, error in ((fifo, "InputError"), (pdf_fifo, "ReportError")):
        code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); from pathlib import Path; import ofsted_nlp\n"
                f"try:\n    ofsted_nlp.classify(Path({str(path)!r}), model={model!r})\n"
                f"except Exception as exc:\n    print(type(exc).__name__, exc)\n")
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert result.stdout.startswith(error) and "not a regular file" in result.stdout, result


def test_a_text_file_over_the_size_cap_is_refused(model, tmp_path, monkeypatch):
    monkeypatch.setattr(kinds, "MAX_INPUT_BYTES", 100)
    big = tmp_path / "big.txt"
    big.write_text(IN_DOMAIN * 5)
    for lines in (False, True):
        with pytest.raises(InputError, match="more than the 100 a text input may have"):
            api.classify(big, model=model, lines=lines)


def test_endless_stdin_is_refused(model):
    with open("/dev/zero", "rb") as zero:
        result = subprocess.run([sys.executable, "-m", "ofsted_nlp.cli", "classify", "-", "--model", model],
                                stdin=zero, capture_output=True, text=True, cwd=ROOT, timeout=300,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 1 and "more than" in _error_line(result.stderr)


def test_binary_input_on_the_text_path_is_refused(run, model, report_pdf, tmp_path, monkeypatch):
    for extra in ((), ("--lines",)):
        monkeypatch.setattr(sys, "stdin", _BinaryStdin(report_pdf.read_bytes()))
        code, out, err = run("classify", "-", *extra, "--model", model)
        assert code == 1 and out == "" and "binary data" in _error_line(err)
    zeros = tmp_path / "zeros.txt"
    zeros.write_bytes(b"\x00" * 100 + b"\nChildren are safe.\n")
    with pytest.raises(InputError, match="binary data"):
        api.classify(zeros, model=model, lines=True)


# --------------------------------------------------------------------------- model URIs


def test_a_failed_models_lookup_creates_no_mlflow_db(model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setattr(loading, "_explicit_mlflow_uri", lambda: None)
    for uri in ("models:/no-such-model/1", "runs:/0123456789abcdef/model"):
        with pytest.raises(ModelLoadError, match="no MLflow tracking store"):
            api.classify(IN_DOMAIN, model=uri)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("uri", ["http://example.invalid/model", "https://example.invalid/m/1",
                                 "ftp://example.invalid/model"])
def test_web_model_uris_get_a_clear_error(uri):
    with pytest.raises(ModelLoadError, match="is a web address"):
        api.classify(IN_DOMAIN, model=uri)


# --------------------------------------------------------------------------- the sentence splitter


def test_a_long_paragraph_full_of_eg_splits_into_its_sentences():
    sentence = "Leaders use many sources of evidence, e.g. audits, e.g. case reviews and e.g. feedback from children."
    paragraph = " ".join([sentence] * 80)  # several of pysbd's pieces
    assert len(paragraph) > 3 * PYSBD_CHUNK_CHARS
    assert [paragraph[s:e] for s, e in sentence_spans(paragraph)] == [sentence] * 80
    document = read_text(paragraph)
    assert [s.text for s in document.sentences] == [sentence] * 80


def test_a_paragraph_with_no_sentence_end_is_cut_into_bounded_pieces():
    paragraph = "Leaders use evidence e.g. audits e.g. reviews and feedback " * 200
    spans = sentence_spans(paragraph)
    assert spans and all(e - s <= PYSBD_CHUNK_CHARS for s, e in spans)
    assert " ".join(paragraph[s:e] for s, e in spans).split() == paragraph.split()  # nothing lost


# --------------------------------------------------------------------------- CLI: many files and stdin


def test_report_takes_many_files(run, model, report_pdf, tmp_path):
    other = make_sif_report(tmp_path / "2015-05-12_example_2.pdf")
    code, out, err = run("report", report_pdf, other, "--model", model, "--format", "json")
    assert code == 0 and err == ""
    assert [d["report"]["report_id"] for d in json.loads(out)] == [report_pdf.stem, other.stem]
    code, out, _ = run("report", report_pdf, other, "--model", model, "--format", "csv")
    assert code == 0 and out.count("report_id") == 1 and len(out.splitlines()) == 1 + 2 * 4
    code, out, _ = run("report", report_pdf, other, "--model", model)
    assert code == 0 and "Exampleshire" in out and "London Borough of Example" in out


def test_report_goes_on_past_a_bad_file_and_exits_3(run, model, report_pdf, tmp_path):
    missing = tmp_path / "missing.pdf"
    code, out, err = run("report", missing, report_pdf, "--model", model, "--format", "jsonl")
    assert code == cli.EXIT_PARTIAL
    assert {json.loads(line)["report_id"] for line in out.splitlines()} == {report_pdf.stem}
    assert f"{missing}: file not found" in err
    code, out, err = run("report", missing, tmp_path / "also_missing.pdf", "--model", model)
    assert code == cli.EXIT_ERROR and out == "" and "none of the 2 files could be read" in err


def test_report_reads_stdin(run, model, report_pdf, monkeypatch):
    code, expected, _ = run("report", report_pdf, "--model", model, "--format", "json")
    monkeypatch.setattr(sys, "stdin", _BinaryStdin(report_pdf.read_bytes()))
    code, out, err = run("report", "-", "--model", model, "--format", "json")
    assert code == 0 and err == ""
    got, want = json.loads(out), json.loads(expected)
    keys = ("counts", "score", "predicted_grade", "ofsted_grade")  # sentence ids differ: they name the publication
    assert {a: [s[k] for k in keys] for a, s in got["summary"]["areas"].items()} == \
        {a: [s[k] for k in keys] for a, s in want["summary"]["areas"].items()}
    assert got["report"]["report_id"] == "stdin"
    assert [f["text"] for f in got["findings"]] == [f["text"] for f in want["findings"]]

    monkeypatch.setattr(sys, "stdin", _BinaryStdin(to_txt(FOCUSED).encode()))
    code, out, err = run("report", "-", "--model", model, "--format", "json")
    assert code == 0 and json.loads(out)["kind"] == "focused_visit"


def test_report_stdin_errors_name_stdin(run, model, report_pdf, monkeypatch):
    data = report_pdf.read_bytes()
    monkeypatch.setattr(sys, "stdin", _BinaryStdin(data[:int(len(data) * 0.6)]))
    code, _, err = run("report", "-", "--model", model)
    assert code == 1 and _error_line(err).startswith("ofsted-nlp: error: <stdin>: truncated PDF")
    monkeypatch.setattr(sys, "stdin", _BinaryStdin(b""))
    code, _, err = run("report", "-", "--model", model)
    assert code == 1 and "stdin is empty" in _error_line(err)
    code, _, err = run("report", "-", "-", "--model", model)
    assert code == 1 and "only once" in _error_line(err)
    code, _, err = run("report", report_pdf, report_pdf, "--format", "html", "--model", model)
    assert code == 1 and "give one FILE" in _error_line(err)


def test_table_reads_stdin_among_its_paths(run, model, report_pdf, tmp_path, monkeypatch):
    import pandas as pd

    monkeypatch.setattr(sys, "stdin", _BinaryStdin(b"%PDF-1.7\n" + b"\x00garbage" * 50))
    out = tmp_path / "t.csv"
    code, _, err = run("table", report_pdf, "-", "-o", out, "--model", model, "--workers", "1", "-q")
    assert code == cli.EXIT_PARTIAL and re.search(r"<stdin>: (corrupt|truncated) PDF", err)
    assert set(pd.read_csv(out).publication_id) == {report_pdf.stem}
    assert list(pd.read_csv(tmp_path / "t_bad_files.csv").file) == ["<stdin>"]


# --------------------------------------------------------------------------- reprs


def test_reprs_are_short_and_useful(model, report_pdf):
    result = api.classify(report_pdf, model=model)
    assert isinstance(result, DocumentFindings)
    text = repr(result)
    assert len(text) < 300 and report_pdf.stem in text and "inspection" in text and "predicted=" in text
    finding = repr(result[0])
    assert finding.startswith("Finding(area=") and len(finding) < 200 and "page=" in finding
    assert len(repr(result.summary)) < 300 and len(repr(result.summary.areas["leadership"])) < 200
    assert "None" not in repr(result[0].provenance)
    sentence = api.classify("Care leavers are supported well by personal advisers who know them well.", model=model)
    assert repr(sentence).startswith("Finding(area=") and len(repr(sentence)) < 200
