"""The PDF backends: the choice of library, the file checks each makes, and the same records from both."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from ofsted_nlp.errors import InputError, ReportError
from ofsted_nlp.reading import read_report
from ofsted_nlp.reading.pdf import BACKEND_ENV, DEFAULT_BACKEND, pdf_backend, read_pdf
from ofsted_nlp.reading.report import report_from_pdf

from .pdf_factory import make_encrypted_pdf, make_ilacs_report, make_letter_pdf, make_sif_report

HAS_PYMUPDF = importlib.util.find_spec("pymupdf") is not None
needs_pymupdf = pytest.mark.skipif(not HAS_PYMUPDF, reason="PyMuPDF (the 'pymupdf' extra) is not installed")
BACKENDS = ["pdfium", pytest.param("pymupdf", marks=needs_pymupdf)]
SHARED = Path(__file__).resolve().parents[2] / "shared" / "ofsted_reports"


def test_default_backend_is_the_permissive_one(monkeypatch):
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    assert DEFAULT_BACKEND == "pdfium" and pdf_backend() == "pdfium"
    monkeypatch.setenv(BACKEND_ENV, "PyMuPDF")
    assert pdf_backend() == "pymupdf"
    assert pdf_backend("pdfium") == "pdfium"  # an explicit choice beats the environment


def test_unknown_backend_is_an_input_error(monkeypatch, tmp_path):
    with pytest.raises(InputError, match=r"unknown PDF backend 'xpdf' \(backend\).*pdfium, pymupdf"):
        read_pdf(tmp_path / "x.pdf", backend="xpdf")
    monkeypatch.setenv(BACKEND_ENV, "poppler")
    with pytest.raises(InputError, match=rf"'poppler' \(\${BACKEND_ENV}\)"):
        pdf_backend()


def test_pymupdf_backend_without_pymupdf_says_which_extra(monkeypatch, tmp_path):
    report = make_ilacs_report(tmp_path / "report.pdf")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pymupdf" else real(name, *a))
    with pytest.raises(InputError, match=r"pip install 'ofsted-nlp\[pymupdf\]'"):
        read_pdf(report, backend="pymupdf")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("make,reason", [
    (lambda p: p, "file not found"),
    (lambda p: (p.mkdir(), p)[1], "not a file"),
    (lambda p: (p.write_text("hello, not a pdf"), p)[1], "not a PDF"),
    (lambda p: (p.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50 + b"\n%%EOF\n"), p)[1], "corrupt PDF"),
    (lambda p: make_encrypted_pdf(p), "encrypted PDF"),
])
def test_each_backend_checks_the_file(tmp_path, backend, make, reason):
    path = make(tmp_path / "bad.pdf")
    with pytest.raises(ReportError, match=reason) as info:
        read_pdf(path, backend=backend)
    assert info.value.path.endswith("bad.pdf")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_pdf_with_an_owner_password_only_opens(tmp_path, backend):
    pdf = read_pdf(make_encrypted_pdf(tmp_path / "owner.pdf", user_password=""), backend=backend)
    assert "Sampletown" in pdf.pages[0].text


def test_a_truncated_report_is_corrupt(tmp_path):
    report = make_ilacs_report(tmp_path / "report.pdf")
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(report.read_bytes()[:700])
    with pytest.raises(ReportError, match="truncated|corrupt|no inspection"):
        read_report(cut)


def test_pdfium_lines_carry_size_bold_and_reading_order(tmp_path):
    pdf = read_pdf(make_ilacs_report(tmp_path / "report.pdf"), backend="pdfium")
    lines = [ln for page in pdf.pages for ln in page.lines]
    assert all(ln.x0 < ln.x1 and ln.y0 < ln.y1 and ln.size > 0 for ln in lines)
    assert any(ln.bold for ln in lines) and any(not ln.bold for ln in lines)
    assert len({round(ln.size) for ln in lines}) > 1
    for page in pdf.pages:  # the plain text holds every line
        assert all(ln.text in page.text for ln in page.lines)


@needs_pymupdf
@pytest.mark.parametrize("make", [make_ilacs_report, make_sif_report])
def test_both_backends_give_the_same_text_and_report(tmp_path, make):
    path = make(tmp_path / "report.pdf")
    a, b = read_pdf(path, backend="pymupdf"), read_pdf(path, backend="pdfium")
    # the same words, sizes and boldness; a line may be cut differently where a paragraph number
    # stands a font size before its text (each reads it as its own line or the text's first word)
    words = lambda pdf: [(w, round(ln.size, 1), ln.bold) for p in pdf.pages for ln in p.lines  # noqa: E731
                         for w in ln.text.split()]
    assert words(a) == words(b)
    ra, rb = report_from_pdf(a), report_from_pdf(b)
    assert ra.grades == rb.grades and ra.metadata() == rb.metadata()
    assert [(s.id, s.section, s.paragraph_number) for s in ra.sentences] == \
        [(s.id, s.section, s.paragraph_number) for s in rb.sentences]


@needs_pymupdf
def test_both_backends_read_a_letter_alike(tmp_path, monkeypatch):
    from ofsted_nlp.reading import read_document

    from .letter_texts import LETTERS

    path = make_letter_pdf(tmp_path / "letter.pdf", LETTERS["monitoring"])
    docs = []
    for backend in ("pymupdf", "pdfium"):
        monkeypatch.setenv(BACKEND_ENV, backend)
        docs.append(read_document(path))
    assert docs[0].kind == docs[1].kind == "monitoring_visit"
    assert [(s.text, s.is_finding) for s in docs[0].sentences] == [(s.text, s.is_finding) for s in docs[1].sentences]


@needs_pymupdf
@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared reports (../shared/ofsted_reports) are not here")
def test_both_backends_agree_on_real_reports_of_each_layout():
    """One report a layout era; the whole folder is measured by benchmarks/bench_pdf_backends.py."""
    names = ["2014-02-11_derbyshire_80460", "2018-12-10_dudley_80464", "2015-09-18_peterborough_80537"]
    for name in names:
        path = SHARED / f"{name}.pdf"
        if not path.exists():
            continue
        ra = report_from_pdf(read_pdf(path, backend="pymupdf"))
        rb = report_from_pdf(read_pdf(path, backend="pdfium"))
        assert ra.grades == rb.grades, name
        assert [s.id for s in ra.sentences] == [s.id for s in rb.sentences], name
