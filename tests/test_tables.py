"""Many publications into one table: table(), build_tables(), write_tables(), `ofsted-nlp table`,
timeline(), `ofsted-nlp timeline` and `ofsted-nlp report --format html`, on factory-made reports."""
from __future__ import annotations

import math
import types
from pathlib import Path

import pandas as pd
import pytest

from ofsted_nlp import cli, tables
from ofsted_nlp.errors import InputError
from ofsted_nlp.labels import AREAS
from ofsted_nlp.summary import GradeThresholds, format_score, grade_from_score

from .pdf_factory import make_ilacs_report, make_sif_report, make_unrelated_pdf
from .test_api import save_tiny_model

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "ofsted_reports"

YORK_2022 = {
    "The impact of leaders on social work practice with children and families": "Requires improvement to be good",
    "The experiences and progress of children who need help and protection": "Requires improvement to be good",
    "The experiences and progress of children in care and care leavers": "Requires improvement to be good",
    "Overall effectiveness": "Requires improvement to be good",
}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> str:
    return str(save_tiny_model(tmp_path_factory.mktemp("tiny_model") / "model"))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A folder as an analyst has it: York's publications (one in a sub-folder), Wigan's, a file
    that is not a PDF, a PDF that is not a report, and a text file that is ignored."""
    root = tmp_path_factory.mktemp("corpus")
    (root / "older").mkdir()
    make_sif_report(root / "older" / "2015-05-12_york_80453.pdf", authority="City of York Council")
    make_ilacs_report(root / "2022-05-04_york_80453.pdf", authority="York", grades=YORK_2022)
    make_ilacs_report(root / "2025-04-15_york_80453.pdf", authority="York City Council")
    make_ilacs_report(root / "2022-07-05_wigan_80579.pdf", authority="Wigan")
    (root / "2020-01-01_broken_80453.pdf").write_bytes(b"this is not a PDF at all")
    make_unrelated_pdf(root / "minutes.pdf")
    (root / "notes.txt").write_text("not a report\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def built(corpus, model_dir) -> tables.Tables:
    return tables.build_tables([corpus], model_dir, workers=2, progress=False)


# --------------------------------------------------------------------------- the tables


def test_areas_table_has_one_row_per_publication_and_area(built):
    areas = built.areas
    assert list(areas.columns) == tables.AREA_COLUMNS
    assert areas["publication_id"].nunique() == 4
    assert len(areas) == 4 * len(AREAS)
    assert set(areas["la_name"]) == {"York", "Wigan"}
    york = areas[areas["la_name"] == "York"]
    assert set(york["la_code"]) == {"816"} and set(york["ons_code"]) == {"E06000014"}
    assert set(york["urn"]) == {"80453"} and set(york["authority_match"]) == {"urn"}
    assert set(areas["kind"]) == {"inspection"}
    assert set(areas["era"]) == {"sif", "ilacs"}
    assert str(areas["publication_date"].dtype).startswith("datetime")
    row = areas[(areas["publication_id"] == "2022-05-04_york_80453") & (areas["area"] == "help_and_protection")].iloc[0]
    assert row["ofsted_overall_effectiveness"] == "requires_improvement"
    assert row["ofsted_grade"] == "requires_improvement"
    assert row["publication_date"] == pd.Timestamp("2022-05-04")
    assert row["inspection_start"] == pd.Timestamp("2022-05-09")


def test_inherited_marks_the_care_leaver_grade_of_ilacs_2018_22(built):
    areas = built.areas.set_index(["publication_id", "area"])
    ilacs = areas.loc[("2022-05-04_york_80453", "care_leavers")]
    assert bool(ilacs["inherited"]) and ilacs["ofsted_grade"] == "requires_improvement"
    assert pd.isna(ilacs["ofsted_care_leavers"])
    sif = areas.loc[("2015-05-12_york_80453", "care_leavers")]
    assert not bool(sif["inherited"]) and sif["ofsted_grade"] == "requires_improvement"
    assert not areas.xs("children_in_care", level="area")["inherited"].any()


def test_scores_counts_intervals_and_strongest_findings(built):
    areas = built.areas
    scored = areas.dropna(subset=["score"])
    assert len(scored) > 0
    assert (scored["n_findings"] == scored["n_positive"] + scored["n_negative"] + scored["n_neutral"]).all()
    assert ((scored["score_low"] <= scored["score"] + 1e-12) & (scored["score"] <= scored["score_high"] + 1e-12)).all()
    for r in scored.itertuples():  # grades come from the unrounded score
        predicted = r.predicted_grade if isinstance(r.predicted_grade, str) else None
        assert predicted == grade_from_score(r.score, n_findings=r.n_findings)
    with_strength = areas[areas["n_positive"] > 0]
    assert with_strength["strongest_strength"].notna().all()
    assert with_strength["strongest_strength_page"].notna().all()
    assert areas.loc[areas["n_findings"] == 0, "score"].isna().all()


def test_findings_table_joins_the_areas_table(built):
    findings = built.findings
    assert list(findings.columns) == tables.FINDING_COLUMNS
    assert len(findings) > 0 and findings["page"].notna().all()
    keys = set(zip(built.areas["publication_id"], built.areas["area"]))
    assert set(zip(findings["publication_id"], findings["area"])) <= keys
    counted = findings[findings["is_finding"]]
    per_area = counted.groupby(["publication_id", "area"]).size()
    n = built.areas.set_index(["publication_id", "area"])["n_findings"]
    assert (per_area == n.loc[per_area.index]).all()


def test_bad_files_are_listed_with_their_reason_and_the_rest_kept(built, corpus):
    bad = dict(zip(built.bad_files["file"].map(lambda f: Path(f).name), built.bad_files["reason"]))
    assert set(bad) == {"2020-01-01_broken_80453.pdf", "minutes.pdf"}
    assert "not a PDF" in bad["2020-01-01_broken_80453.pdf"]
    assert "not an Ofsted inspection" in bad["minutes.pdf"]


def test_one_process_gives_the_same_tables(built, corpus, model_dir):
    single = tables.build_tables([corpus], model_dir, workers=1, progress=False)
    pd.testing.assert_frame_equal(single.areas, built.areas)
    pd.testing.assert_frame_equal(single.findings, built.findings)


def test_table_returns_the_areas_and_warns_about_bad_files(corpus, model_dir):
    files = [corpus / "2022-07-05_wigan_80579.pdf", corpus / "missing.pdf"]
    with pytest.warns(UserWarning, match="1 file"):
        df = tables.table(files, model_dir, workers=1, progress=False)
    assert list(df["area"]) == list(AREAS)
    assert df.attrs["bad_files"] == [(str(corpus / "missing.pdf"), "file not found")]
    with pytest.raises(InputError, match="missing.pdf"):
        tables.table(files, model_dir, workers=1, progress=False, errors="raise")
    import ofsted_nlp

    assert ofsted_nlp.table is tables.table


def test_publication_rows_read_kind_and_is_finding_when_present(built, corpus, model_dir):
    """Readers that add `kind` to results and `is_finding` to findings are honoured."""
    from ofsted_nlp import api

    result = api.classify(corpus / "2022-07-05_wigan_80579.pdf", model_dir, progress=False)
    findings = [types.SimpleNamespace(**{k: getattr(f, k) for k in ("text", "area", "polarity", "polarity_probs",
                                                                    "confidence", "provenance")},
                                      is_finding=i % 2 == 0) for i, f in enumerate(result.findings)]
    letter = types.SimpleNamespace(report_id=result.report_id, metadata=result.metadata, summary=result.summary,
                                   findings=findings, kind="monitoring_visit")
    areas, rows = tables.publication_rows(letter)
    assert {r["kind"] for r in areas} == {"monitoring_visit"}
    assert [r["is_finding"] for r in rows] == [i % 2 == 0 for i in range(len(findings))]


def test_a_weighted_rule_gives_the_interval_of_its_own_score(corpus, model_dir):
    """With area_weight_power set, each area's interval is of the weighted score the summary reports."""
    from ofsted_nlp import api

    rule = GradeThresholds(area_weight_power=0.5)
    result = api.classify(corpus / "2022-07-05_wigan_80579.pdf", model_dir, progress=False, thresholds=rule)
    areas, _ = tables.publication_rows(result)
    scored = [r for r in areas if r["score"] is not None]
    assert scored and all(r["score_low"] - 1e-12 <= r["score"] <= r["score_high"] + 1e-12 for r in scored)
    for r in scored:
        assert r["score"] == pytest.approx(result.summary.areas[r["area"]].score)


def test_bootstrap_interval():
    assert tables.bootstrap_interval([]) == (None, None)
    assert tables.bootstrap_interval([0.3]) == (0.3, 0.3)
    low, high = tables.bootstrap_interval([-1, 1] * 20, seed=1)
    assert -0.5 < low < 0 < high < 0.5
    assert tables.bootstrap_interval([-1, 1] * 20, seed=1) == (low, high)
    # weighted: the interval of the weighted mean (weights 3:1 put it at 0.5), the unweighted one with equal weights
    low, high = tables.bootstrap_interval([-1, 1] * 20, seed=1, weights=[1, 3] * 20)
    assert 0 < low < 0.5 < high < 1
    assert tables.bootstrap_interval([-1, 1] * 20, seed=1, weights=[2] * 40) == tables.bootstrap_interval([-1, 1] * 20, seed=1)
    assert tables.bootstrap_interval([0.4, 0.9], weights=[0, 0]) == (None, None)


def test_scores_are_never_rounded_before_mapping():
    t = GradeThresholds(outstanding=0.65, good=0.45, requires_improvement=0.0)
    assert grade_from_score(0.448, t) == "requires_improvement"
    assert grade_from_score(0.45, t) == "good"
    assert format_score(0.448, t) == "+0.448"  # not "+0.45", which would read as good
    assert format_score(0.4499, t) == "+0.4499"
    assert format_score(0.451, t) == "+0.451"
    assert format_score(0.45, t) == "+0.45"
    assert format_score(0.3, t) == "+0.30"
    assert format_score(float("nan"), t) == "-"
    from ofsted_nlp.summary import summarise

    finding = types.SimpleNamespace(area="leadership", polarity="positive", is_finding=True,
                                    polarity_probs={"positive": 0.724, "negative": 0.276, "neutral": 0.0})
    s = summarise([finding] * 3, thresholds=t).areas["leadership"]
    assert math.isclose(s.score, 0.448) and s.predicted_grade == "requires_improvement"
    assert "+0.448" in s.reason and "+0.45 " not in s.reason.split("is")[0]


# --------------------------------------------------------------------------- writing


def test_xlsx_has_three_sheets_frozen_headers_filters_and_widths(built, tmp_path):
    import openpyxl

    out = tmp_path / "all.xlsx"
    assert tables.write_tables(built, out) == [out]
    book = openpyxl.load_workbook(out, read_only=False)
    assert book.sheetnames == ["areas", "findings", "bad_files"]
    for name in book.sheetnames:
        sheet = book[name]
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
    areas = book["areas"]
    assert [c.value for c in areas[1]] == tables.AREA_COLUMNS
    widths = {areas.cell(1, i + 1).value: areas.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width
              for i in range(len(tables.AREA_COLUMNS))}
    assert widths["strongest_strength"] >= 50 and widths["n_positive"] < 20
    back = pd.read_excel(out, sheet_name=None)
    assert len(back["areas"]) == len(built.areas) and len(back["findings"]) == len(built.findings)
    assert list(back["bad_files"]["reason"]) == list(built.bad_files["reason"])
    scores = back["areas"]["score"].dropna().to_numpy()
    assert (abs(scores - built.areas["score"].dropna().to_numpy()) < 1e-12).all()  # not rounded
    assert not list(tmp_path.glob(".*.tmp*"))


def test_csv_and_parquet_write_the_tables_side_by_side(built, tmp_path):
    written = tables.write_tables(built, tmp_path / "t.csv")
    assert [p.name for p in written] == ["t.csv", "t_findings.csv", "t_bad_files.csv"]
    assert pd.read_csv(tmp_path / "t.csv")["publication_date"].str.match(r"\d{4}-\d\d-\d\d$").all()
    written = tables.write_tables(built, tmp_path / "t.parquet")
    assert [p.name for p in written] == ["t.parquet", "t_findings.parquet", "t_bad_files.csv"]
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "t.parquet"), built.areas)
    with pytest.raises(InputError, match="unknown output type"):
        tables.write_tables(built, tmp_path / "t.json")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(built, tmp_path, monkeypatch):
    out = tmp_path / "t.xlsx"
    out.write_bytes(b"old")

    def boom(t, path):
        Path(path).write_bytes(b"half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(tables, "_write_xlsx", boom)
    with pytest.raises(RuntimeError):
        tables.write_tables(built, out)
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.xlsx"]


# --------------------------------------------------------------------------- command line


def test_cli_table_writes_xlsx_and_exits_3_with_bad_files(corpus, model_dir, tmp_path, capsys):
    out = tmp_path / "out.xlsx"
    code = cli.main(["table", str(corpus), "-o", str(out), "--model", model_dir, "--workers", "2"])
    captured = capsys.readouterr()
    assert code == cli.EXIT_PARTIAL == 3
    assert "4 publications" in captured.out and "minutes.pdf" in captured.err and "not a PDF" in captured.err
    assert pd.read_excel(out, sheet_name="areas")["publication_id"].nunique() == 4


def test_cli_table_exit_0_when_every_file_is_read(corpus, model_dir, tmp_path, capsys):
    out = tmp_path / "out.csv"
    code = cli.main(["table", str(corpus / "2022-07-05_wigan_80579.pdf"), str(corpus / "older"), "-o", str(out),
                     "--model", model_dir, "-q"])
    assert code == 0, capsys.readouterr().err
    assert len(pd.read_csv(out)) == 2 * len(AREAS)
    assert not (tmp_path / "out_bad_files.csv").exists()


def test_cli_table_refuses_an_unknown_suffix_before_working(corpus, tmp_path, capsys):
    assert cli.main(["table", str(corpus), "-o", str(tmp_path / "out.json")]) == cli.EXIT_ERROR
    assert "unknown output type" in capsys.readouterr().err


# --------------------------------------------------------------------------- timeline


def test_timeline_keeps_one_authority_in_date_order(built):
    from ofsted_nlp.timeline import timeline

    for name in ("York", "City of York Council", "816", "E06000014"):
        rows = timeline(built.areas, name)
        assert list(dict.fromkeys(rows["publication_id"])) == [
            "2015-05-12_york_80453", "2022-05-04_york_80453", "2025-04-15_york_80453"]
        assert list(rows["area"][:4]) == list(AREAS)
    with pytest.raises(InputError, match="no English local authority"):
        timeline(built.areas, "Atlantis")


def test_timeline_shades_each_area_by_its_own_cut_points(built):
    pytest.importorskip("plotly")
    from ofsted_nlp.timeline import timeline, timeline_figure

    leadership = {"outstanding": 0.9, "good": 0.7, "requires_improvement": 0.5}
    rule = GradeThresholds(outstanding=0.6, good=0.2, requires_improvement=-0.2, by_area={"leadership": leadership})
    figure = timeline_figure(timeline(built.areas, "York"), rule)
    # one band a grade, per panel, best first; the panels follow AREAS
    lows = [shape.y0 for shape in figure.layout.shapes]
    by_panel = [lows[i:i + 4] for i in range(0, len(lows), 4)]
    assert by_panel[AREAS.index("leadership")] == [0.9, 0.7, 0.5, -1.0]
    assert by_panel[AREAS.index("care_leavers")] == [0.6, 0.2, -0.2, -1.0]


def test_timeline_png_and_html_from_paths(corpus, model_dir, tmp_path):
    from PIL import Image

    from ofsted_nlp.timeline import timeline

    png = tmp_path / "york.png"
    rows = timeline([corpus], "York", png, model=model_dir, workers=1, progress=False)
    assert rows["publication_id"].nunique() == 3
    # Wigan's file is skipped unread (its URN is another authority's); files without a URN are read
    assert set(Path(f).name for f, _ in rows.attrs["bad_files"]) == {"2020-01-01_broken_80453.pdf", "minutes.pdf"}
    image = Image.open(png).convert("L")
    assert image.size[0] > 800 and image.getextrema()[0] < 100  # drawn, not blank
    html_file = tmp_path / "york.html"
    timeline(rows, "York", html_file)
    text = html_file.read_text(encoding="utf-8")
    assert "<title>York: Ofsted publications 2015-2025, score by area</title>" in text
    assert "<script src=" not in text and "cdn.plot.ly" not in text.split("<body>")[1][:2000]
    assert len(text) > 1_000_000  # plotly.js is inline
    with pytest.raises(InputError, match=".html or .png"):
        timeline(rows, "York", tmp_path / "york.pdf")


def test_timeline_marks_visits_and_their_focus_areas(built, tmp_path):
    from ofsted_nlp.timeline import focus_areas, timeline

    areas = built.areas.copy()
    visit = areas["publication_id"] == "2025-04-15_york_80453"
    areas.loc[visit, "kind"] = "focused_visit"
    areas.loc[visit & (areas["area"] != "help_and_protection"), "n_findings"] = 0
    rows = timeline(areas, "York", tmp_path / "york.html")
    assert focus_areas(rows[rows["publication_id"] == "2025-04-15_york_80453"]) == ["help_and_protection"]
    text = (tmp_path / "york.html").read_text(encoding="utf-8")
    assert '"text":"focused visit"' in text.replace(": ", ":") and "<td>focused visit</td>" in text
    timeline(areas, "York", tmp_path / "york.png")
    assert (tmp_path / "york.png").stat().st_size > 10_000


def test_cli_timeline(corpus, model_dir, tmp_path, capsys):
    out = tmp_path / "york.html"
    code = cli.main(["timeline", str(corpus), "--la", "York City Council", "-o", str(out), "--model", model_dir, "-q"])
    captured = capsys.readouterr()
    assert code == cli.EXIT_PARTIAL  # the broken York file
    assert "York: 3 publications" in captured.out and out.exists()
    assert cli.main(["timeline", str(corpus / "older"), "--la", "Wigan", "-o", str(out), "-q",
                     "--model", model_dir]) == cli.EXIT_ERROR
    assert "no publication about Wigan" in capsys.readouterr().err


# --------------------------------------------------------------------------- report --format html


def test_cli_report_html(corpus, model_dir, tmp_path, capsys):
    out = tmp_path / "york.html"
    code = cli.main(["report", str(corpus / "2022-05-04_york_80453.pdf"), "--format", "html", "-o", str(out),
                     "--model", model_dir, "-q"])
    assert code == 0, capsys.readouterr().err
    text = out.read_text(encoding="utf-8")
    assert "<title>York: inspection published 2022-05-04</title>" in text
    assert "<script" not in text and "http://" not in text and "https://" not in text
    assert text.count('class="finding ') > 5 and "p. 2" in text
    assert "the children-in-care grade" in text
    for title in ("Help and protection", "Children in care", "Care leavers", "Impact of leaders"):
        assert f">{title}<" in text
    # the other formats are unchanged
    assert cli.main(["report", str(corpus / "2022-05-04_york_80453.pdf"), "--format", "csv", "--model", model_dir,
                     "-q"]) == 0
    assert capsys.readouterr().out.startswith("report_id,area,")


# --------------------------------------------------------------------------- the shared corpus


@pytest.mark.corpus
@pytest.mark.skipif(not (SHARED / "index.csv").exists(), reason="../shared/ofsted_reports is absent")
def test_shared_reports_to_a_table(tmp_path):
    files = [SHARED / "2022-07-05_wigan_80579.pdf", SHARED / "2012-07-13_blackpool_80431.pdf"]
    files = [f for f in files if f.exists()]
    if len(files) < 2:
        pytest.skip("the Wigan 2022 and Blackpool 2012 files are not in ../shared/ofsted_reports")
    out = tmp_path / "shared.xlsx"
    code = cli.main(["table", *map(str, files), "-o", str(out), "-q"])
    assert code == cli.EXIT_PARTIAL  # the Blackpool 2012 file is not a PDF
    areas = pd.read_excel(out, sheet_name="areas")
    wigan = areas.set_index("area")
    assert set(wigan["la_name"]) == {"Wigan"} and set(wigan["la_code"].astype(str)) == {"359"}
    assert bool(wigan.loc["care_leavers", "inherited"]) and wigan.loc["care_leavers", "ofsted_grade"] == \
        "requires_improvement"
    assert pd.read_excel(out, sheet_name="bad_files")["reason"].str.contains("not a PDF").all()


def test_a_focused_visit_letter_becomes_rows_of_its_kind_with_no_grades(tmp_path, model_dir):
    """A letter read by the reading package (not a stand-in) goes into the tables with its kind and no grades."""
    from .letter_texts import FOCUSED
    from .pdf_factory import make_letter_pdf

    letter = make_letter_pdf(tmp_path / "2021-03-09_exampleshire_80999.pdf", FOCUSED)
    built = tables.build_tables([letter], model_dir, workers=1, progress=False)
    assert not len(built.bad_files)
    assert set(built.areas["kind"]) == {"focused_visit"}
    grades = [c for c in built.areas.columns if c.startswith("ofsted_")]
    assert built.areas[grades].isna().all().all()
    assert set(built.findings["kind"]) == {"focused_visit"} and len(built.findings) > 0
    boilerplate = built.findings[built.findings["text"].str.contains("Yours sincerely|Piccadilly Gate")]
    assert not boilerplate["is_finding"].any()
