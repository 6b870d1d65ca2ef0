"""The corpus and weak-labels commands on a folder of factory PDFs with bad files among them."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ofsted_nlp.cli import EXIT_PARTIAL, main
from ofsted_nlp.corpus import REPORT_COLUMNS, SENTENCE_COLUMNS, build_corpus
from ofsted_nlp.labels import AREAS
from ofsted_nlp.weak_labels import WEAK_COLUMNS

from .pdf_factory import make_ilacs_report, make_sif_report, make_unrelated_pdf

SHARED = Path(__file__).resolve().parents[2] / "shared" / "ofsted_reports"

GOOD = ["2015-05-12_example_2.pdf", "2015-06-01_tabletown_3.pdf", "2022-07-05_exampleshire_1.pdf"]
BAD = {
    "2012-07-13_notapdf_4.pdf": "not a PDF",
    "2013-01-01_corrupt_5.pdf": "corrupt PDF",
    "2014-01-01_minutes_6.pdf": "not an Ofsted inspection",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("reports")
    make_ilacs_report(d / "2022-07-05_exampleshire_1.pdf")
    make_sif_report(d / "2015-05-12_example_2.pdf")
    make_sif_report(d / "2015-06-01_tabletown_3.pdf", layout="table")
    # an HTML error page saved under a .pdf name, as the scraper left four of them
    (d / "2012-07-13_notapdf_4.pdf").write_text("<!DOCTYPE html>\n<html><body>Not found</body></html>\n")
    (d / "2013-01-01_corrupt_5.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50 + b"\n%%EOF\n")
    make_unrelated_pdf(d / "2014-01-01_minutes_6.pdf")
    (d / "index.csv").write_text("file,urn,source_url\n"
                                 "2022-07-05_exampleshire_1.pdf,1,https://example.org/report/1\n")
    (d / "README.md").write_text("Not a report, and not named .pdf: never read.\n")
    return d


def _stems(names):
    return {Path(n).stem for n in names}


def test_corpus_command_reads_the_good_reports_and_lists_the_bad(folder, tmp_path, capsys):
    out = tmp_path / "corpus"
    code = main(["corpus", str(folder), "--out", str(out), "--workers", "2", "--quiet"])
    captured = capsys.readouterr()

    assert code == EXIT_PARTIAL == 3
    assert "3 file(s) could not be read" in captured.err
    for name, reason in BAD.items():
        line = next(ln for ln in captured.err.splitlines() if name in ln)
        assert reason in line, line
    assert not any(good in captured.err for good in GOOD)
    assert captured.out.startswith("3 reports, ")

    assert sorted(p.name for p in out.iterdir()) == ["reports.parquet", "sentences.parquet"]
    reports = pd.read_parquet(out / "reports.parquet")
    sentences = pd.read_parquet(out / "sentences.parquet")
    assert list(reports.columns) == REPORT_COLUMNS and list(sentences.columns) == SENTENCE_COLUMNS
    assert sorted(reports.file) == GOOD
    assert set(sentences.report_id) == _stems(GOOD)
    per_report = sentences.groupby("report_id").size()
    assert (per_report == reports.set_index("report_id").n_sentences.loc[per_report.index]).all()
    assert sentences.id.is_unique
    by_file = reports.set_index("file")
    assert by_file.loc["2022-07-05_exampleshire_1.pdf", "source_url"] == "https://example.org/report/1"
    assert by_file.loc["2015-06-01_tabletown_3.pdf", "era"] == "sif"
    assert by_file.loc["2015-06-01_tabletown_3.pdf", "grade_lscb"] == "requires_improvement"
    # the folder is the user's: only file names are stored
    assert not reports.path.str.contains("/").any()


def test_failed_write_leaves_no_half_written_corpus(folder, tmp_path, monkeypatch):
    out = tmp_path / "corpus"
    real_to_parquet = pd.DataFrame.to_parquet
    calls = []

    def fail_on_second_table(self, path, *args, **kwargs):
        calls.append(Path(path))
        if len(calls) == 2:  # the sentences are written; the reports table dies half way
            Path(path).write_bytes(b"PAR1 half a table")
            raise OSError("No space left on device")
        return real_to_parquet(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", fail_on_second_table)
    with pytest.raises(OSError, match="No space left"):
        build_corpus(folder, out, workers=1, progress=False)
    assert len(calls) == 2 and all(p.parent == out for p in calls)
    assert list(out.iterdir()) == []  # neither table, and no temporary file


def test_interrupted_write_keeps_the_previous_corpus(folder, tmp_path, monkeypatch, capsys):
    out = tmp_path / "corpus"
    assert main(["corpus", str(folder), "--out", str(out), "--workers", "1", "--quiet"]) == EXIT_PARTIAL
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def interrupted(self, path, *args, **kwargs):
        Path(path).write_bytes(b"PAR1 partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_parquet", interrupted)
    assert main(["corpus", str(folder), "--out", str(out), "--workers", "1", "--quiet"]) == 130
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_weak_labels_command(folder, tmp_path, capsys):
    out = tmp_path / "weak" / "weak_labels.parquet"
    code = main(["weak-labels", str(folder), "--out", str(out), "--workers", "2", "--quiet"])
    captured = capsys.readouterr()
    assert code == EXIT_PARTIAL
    assert "not gold" in captured.out and "3 file(s) could not be read" in captured.err

    assert sorted(p.name for p in out.parent.iterdir()) == ["weak_labels.parquet"]
    weak = pd.read_parquet(out)
    assert list(weak.columns) == WEAK_COLUMNS
    assert set(weak.report_id) == _stems(GOOD)
    assert weak.weak_area.notna().all() and set(weak.weak_area) <= set(AREAS)
    row = weak[weak.text.str.startswith("Strategy discussions are not always held")].iloc[0]
    assert (row.weak_area, row.weak_section_grade) == ("help_and_protection", "requires_improvement")
    row = weak[weak.text.str.startswith("Care leavers are well supported by personal advisers")].iloc[0]
    assert (row.weak_area, row.weak_section_grade) == ("children_in_care", "good")  # judged together, 2022
    # SIF judgement sections printed as a table carry their area and grade
    table = weak[weak.report_id == "2015-06-01_tabletown_3"].set_index("text")
    assert table.loc["Children in need of help receive good early help from a wide range of agencies.",
                     "weak_area"] == "help_and_protection"
    assert table.loc["Too many care leavers live in unsuitable accommodation.", "weak_section_grade"] == "inadequate"
    # the bullets of what needs to improve name no area: no weak label
    assert not weak.text.str.startswith("The quality of plans for children in need").any()


@pytest.mark.corpus
@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/ofsted_reports is not present on this machine")
def test_corpus_of_real_reports_of_each_era(tmp_path):
    names = ["2013-08-23_kent_80476.pdf", "2015-05-12_lambeth_80506.pdf", "2015-08-03_surrey_80567.pdf",
             "2019-12-20_thurrock_80571.pdf", "2026-07-07_liverpool_80485.pdf", "2012-07-13_blackpool_80431.pdf"]
    result = build_corpus(SHARED, tmp_path, workers=2, progress=False, files=[SHARED / n for n in names])
    assert [(Path(p).name, r) for p, r in result.failures] == [
        ("2012-07-13_blackpool_80431.pdf", "not a PDF (no %PDF header)")]  # an HTML page saved as .pdf
    reports = pd.read_parquet(result.reports_path).set_index("file")
    assert reports.era.to_dict() == {"2013-08-23_kent_80476.pdf": "pre_sif", "2015-05-12_lambeth_80506.pdf": "sif",
                                     "2015-08-03_surrey_80567.pdf": "sif", "2019-12-20_thurrock_80571.pdf": "ilacs",
                                     "2026-07-07_liverpool_80485.pdf": "ilacs_2026"}
    assert reports.loc["2015-08-03_surrey_80567.pdf", "grade_lscb"] == "requires_improvement"  # an LSCB review alone
    sentences = pd.read_parquet(result.sentences_path)
    lambeth = sentences[sentences.report_id == "2015-05-12_lambeth_80506"]
    judged = lambeth[lambeth.section_kind.isin(["judgement", "lscb"])]
    assert judged.section_area.notna().all()
    assert set(judged.section_area) == set(AREAS)
