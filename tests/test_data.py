"""Every gold row is valid, the splits keep whole publications apart, ids join a fresh corpus."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ofsted_nlp import data
from ofsted_nlp.errors import DataError
from ofsted_nlp.ids import normalise_text, sentence_id
from ofsted_nlp.labels import AREA_CLASSES, AREAS, NOT_A_FINDING, POLARITIES

ROWS = data.load_gold_rows()
SPLITS = data.load_splits()
SHARED_REPORTS = Path(__file__).resolve().parents[2] / "shared" / "ofsted_reports"


def test_every_row_is_valid():
    for row in ROWS:
        assert row["area"] in AREA_CLASSES
        assert row["polarity"] in POLARITIES
        assert row["text"].strip()
        assert row["source_url"] and row["source_url"].startswith(("https://", "http://")), row["id"]


def test_ids_are_stable_hashes_of_the_text_and_unique():
    ids = [r["id"] for r in ROWS]
    assert len(ids) == len(set(ids))
    for row in ROWS:
        assert row["id"].split("~")[0] == sentence_id(row["report_id"], row["text"]), row["id"]


def test_no_publication_in_two_splits_and_every_publication_in_one():
    seen = {}
    for split in data.SPLITS + data.OOD_SPLITS:
        for pid in SPLITS[split]:
            assert pid not in seen, f"{pid} is in {seen[pid]} and {split}"
            seen[pid] = split
    assert {r["report_id"] for r in ROWS} <= set(seen)
    assert SPLITS["version"]


def test_size_and_coverage_of_gold():
    assert len(ROWS) >= 3000
    assert {r["era"] for r in ROWS} >= {"sif", "ilacs", "ilacs_2026"}
    for area in AREAS:
        assert sum(r["area"] == area for r in ROWS) >= 450, area
    assert any(r["area"] == NOT_A_FINDING for r in ROWS)


def test_double_annotation_and_agreement_recorded():
    with open(data.labelled_data_dir() / "double_annotation.jsonl") as fh:
        double = [json.loads(line) for line in fh]
    assert len(double) >= 390
    agreement = json.loads((data.labelled_data_dir() / "agreement.json").read_text())
    assert agreement["n_double"] == len(double)
    assert {"area", "polarity"} <= set(agreement["overall"])


def test_dataset_dict_has_typed_publication_grouped_splits():
    datasets = pytest.importorskip("datasets")
    dd = data.load_dataset()
    assert {"train", "validation", "test"} <= set(dd)
    assert isinstance(dd["train"].features["area"], datasets.ClassLabel)
    assert dd["train"].features["area"].names == list(AREA_CLASSES)
    assert dd["train"].features["polarity"].names == list(POLARITIES)
    groups = [set(dd[s]["report_id"]) for s in dd]
    for i, a in enumerate(groups):
        for b in groups[i + 1:]:
            assert not a & b
    assert set(dd["test"]["report_id"]) <= set(SPLITS["test"])
    texts, areas, pols = data.texts_and_labels(dd["test"])
    assert len(texts) == len(areas) == len(pols) > 0 and set(areas) <= set(AREA_CLASSES)


def test_weak_labels_are_apart_and_named_weak():
    path = data.labelled_data_dir() / "weak" / "weak_labels.parquet"
    pd = pytest.importorskip("pandas")
    weak = pd.read_parquet(path, columns=["id", "weak_area", "weak_section_grade"])
    assert len(weak) > 50000
    assert set(weak.weak_area.dropna()) <= set(AREAS)
    assert "area" not in weak.columns and "polarity" not in weak.columns


# --------------------------------------------------------------------------- bad data is refused


@pytest.fixture
def data_copy(tmp_path):
    """A small labelled_data folder: the first 50 gold rows and the real splits."""
    (tmp_path / "gold.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS[:50]), encoding="utf-8")
    shutil.copy(data.labelled_data_dir() / "splits.json", tmp_path / "splits.json")
    return tmp_path


def _rewrite(folder, change):
    rows = [json.loads(line) for line in (folder / "gold.jsonl").read_text().splitlines()]
    rows = change(rows)
    (folder / "gold.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.mark.parametrize("field,value", [("area", "leadrship"), ("area", None), ("polarity", "good"),
                                         ("text", "  ")])
def test_a_bad_label_or_text_is_refused_naming_file_and_line(data_copy, field, value):
    _rewrite(data_copy, lambda rows: rows[:3] + [{**rows[3], field: value}] + rows[4:])
    with pytest.raises(DataError, match=r"gold\.jsonl:4"):
        data.load_gold_rows(data_copy)


@pytest.mark.parametrize("field,value,message", [
    ("id", ["x"], "id is a list, expected a string"), ("id", 5, "id is a number"),
    ("text", 5, "text is a number"), ("report_id", None, "report_id is null"),
    ("area", ["leadership"], "area is a list"), ("section_area", "leadrship", "section_area 'leadrship' is not one of"),
    ("era", 3, "era is a number, expected a string or null"), ("local_authority", {"a": 1}, "local_authority is an object"),
])
def test_a_field_of_the_wrong_type_is_refused_naming_file_and_line(data_copy, field, value, message):
    _rewrite(data_copy, lambda rows: rows[:3] + [{**rows[3], field: value}] + rows[4:])
    with pytest.raises(DataError, match=rf"gold\.jsonl:4: {message}"):
        data.load_gold_rows(data_copy)


@pytest.mark.parametrize("area", ["leadrship", None])
def test_a_misspelt_or_null_area_never_loads_as_another(data_copy, area):
    pytest.importorskip("datasets")
    _rewrite(data_copy, lambda rows: rows[:3] + [{**rows[3], "area": area}] + rows[4:])
    with pytest.raises(DataError, match=r"gold\.jsonl:4: area"):
        data.load_dataset(data_copy)


def test_line_numbers_count_blank_lines(data_copy):
    lines = (data_copy / "gold.jsonl").read_text().splitlines()
    lines[3] = lines[3].replace('"polarity": "', '"polarity": "x')
    (data_copy / "gold.jsonl").write_text("\n".join(lines[:2] + ["", "  "] + lines[2:]) + "\n")
    with pytest.raises(DataError, match=r"gold\.jsonl:6: polarity"):
        data.load_gold_rows(data_copy)


@pytest.mark.parametrize("declared,message", [
    ([], "expected a JSON object of splits"), ({"train": "abc", "validation": [], "test": []}, "split train must"),
    ({"train": [1, ["x"]], "validation": [], "test": []}, "split train must"), ({"train": []}, "no validation, test"),
])
def test_a_malformed_split_declaration_is_refused(data_copy, declared, message):
    (data_copy / "splits.json").write_text(json.dumps(declared))
    with pytest.raises(DataError, match=rf"splits\.json: {message}"):
        data.load_splits(data_copy)


def test_broken_json_and_missing_fields_are_refused(data_copy):
    with open(data_copy / "gold.jsonl", "a") as fh:
        fh.write("{not json\n")
    with pytest.raises(DataError, match=r"gold\.jsonl:51: not valid JSON"):
        data.load_gold_rows(data_copy)
    row = {k: v for k, v in ROWS[0].items() if k != "polarity"}
    (data_copy / "gold.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing field"):
        data.load_gold_rows(data_copy)


def test_a_duplicated_row_is_refused(data_copy):
    _rewrite(data_copy, lambda rows: rows + [rows[0]])
    with pytest.raises(DataError, match="repeats line 1"):
        data.load_gold_rows(data_copy)


def test_a_publication_in_two_splits_is_refused(data_copy):
    splits = json.loads((data_copy / "splits.json").read_text())
    splits["validation"].append(splits["train"][0])
    (data_copy / "splits.json").write_text(json.dumps(splits))
    with pytest.raises(DataError, match="in both"):
        data.load_splits(data_copy)


def test_data_version_changes_when_any_input_changes(data_copy):
    (data_copy / "weak").mkdir()
    (data_copy / "weak" / "weak_labels.parquet").write_bytes(b"weak v1")
    base = data.data_version(data_copy)
    assert base == data.data_version(data_copy) and len(base) == data.DATA_VERSION_LENGTH
    for path, content in [("weak/weak_labels.parquet", b"weak v2"), ("splits.json", None),
                          ("audit/decisions.jsonl", b"{}\n"), ("documents/index.jsonl", b"{}\n")]:
        before = data.data_version(data_copy)
        target = data_copy / path
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(content if content is not None else target.read_bytes() + b" ")
        assert data.data_version(data_copy) != before, path
    _rewrite(data_copy, lambda rows: rows[1:])
    assert data.data_version(data_copy) != base


def test_content_hash_is_order_free_and_content_sensitive(tmp_path):
    (tmp_path / "train.jsonl").write_text('{"text": "a"}\n')
    (tmp_path / "test.jsonl").write_text('{"text": "b"}\n')
    files = [tmp_path / "train.jsonl", tmp_path / "test.jsonl"]
    version = data.content_hash(files)
    assert version == data.content_hash(list(reversed(files))) == data.content_hash(tmp_path)
    (tmp_path / "test.jsonl").write_text('{"text": "c"}\n')
    assert data.content_hash(files) != version
    assert data.content_hash(b"abc") == data.content_hash([b"abc"]) != data.content_hash(b"abd")


# --------------------------------------------------------------------------- ids join a fresh corpus


@pytest.mark.corpus
@pytest.mark.skipif(not SHARED_REPORTS.is_dir(), reason="../shared/ofsted_reports is not here")
def test_every_gold_report_row_joins_a_freshly_built_corpus_by_id(tmp_path):
    from ofsted_nlp.corpus import build_corpus

    pd = pytest.importorskip("pandas")
    report_rows = [r for r in ROWS if r["document_kind"] == "inspection" and r["sampling"] != "outside_findings"]
    files = sorted({SHARED_REPORTS / f"{r['report_id']}.pdf" for r in report_rows})
    assert all(f.exists() for f in files)
    result = build_corpus(SHARED_REPORTS, tmp_path, workers=2, progress=False, files=files)
    corpus = pd.read_parquet(result.sentences_path, columns=["id", "text"])
    text_of = dict(zip(corpus.id, corpus.text))
    missing = [r["id"] for r in report_rows if r["id"] not in text_of]
    assert not missing, f"{len(missing)} gold ids not in a fresh corpus, e.g. {missing[:3]}"
    for row in report_rows:
        assert normalise_text(text_of[row["id"]]) == normalise_text(row["text"])


@pytest.mark.corpus
@pytest.mark.skipif(not SHARED_REPORTS.is_dir(), reason="../shared/ofsted_reports is not here")
def test_gold_rows_from_outside_the_finding_sections_join_the_page_text_by_id():
    """Front matter, contents and footers are not in the corpus: they join the PDF's page text instead."""
    import importlib.util

    build = data.labelled_data_dir() / "build" / "outside_findings.py"
    spec = importlib.util.spec_from_file_location("outside_findings", build)
    outside = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(outside)
    rows = [r for r in ROWS if r["sampling"] == "outside_findings"]
    by_report: dict[str, set] = {}
    for r in rows:
        by_report.setdefault(r["report_id"], set()).add(r["id"])
    for report_id in sorted(by_report)[:10]:  # ten reports keep the test short; the rule is the same for all
        found = {sentence_id(report_id, s["text"])
                 for s in outside.outside_sentences(SHARED_REPORTS / f"{report_id}.pdf", [])}
        assert by_report[report_id] <= found, report_id
