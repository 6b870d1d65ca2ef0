"""Every gold row is valid, and the splits keep whole reports apart."""
from __future__ import annotations

import json

import pytest

from ofsted_nlp import data
from ofsted_nlp.labels import ANNOTATOR_ONLY_AREA, AREAS, POLARITIES

ROWS = data.load_gold_rows()
SPLITS = data.load_splits()


def test_every_row_is_valid():
    required = {"id", "text", "area", "polarity", "report_id", "local_authority", "publication_date", "era",
                "section", "paragraph_number", "page", "annotator", "guideline_version", "source_url"}
    for row in ROWS:
        assert required <= set(row), row["id"]
        assert row["area"] in AREAS + (ANNOTATOR_ONLY_AREA,)
        assert row["polarity"] in POLARITIES
        assert row["text"].strip()
        assert row["source_url"] and row["source_url"].startswith("https://")


def test_ids_unique_and_no_duplicate_sentences():
    ids = [r["id"] for r in ROWS]
    assert len(ids) == len(set(ids))
    texts = [" ".join(r["text"].lower().split()) for r in ROWS]
    assert len(texts) == len(set(texts))


def test_no_report_in_two_splits_and_every_report_in_one():
    seen = {}
    for split, reports in SPLITS.items():
        for rid in reports:
            assert rid not in seen, f"{rid} is in {seen[rid]} and {split}"
            seen[rid] = split
    assert {r["report_id"] for r in ROWS} <= set(seen)


def test_size_and_coverage_of_gold():
    assert len(ROWS) >= 3000
    assert len({r["report_id"] for r in ROWS}) >= 150
    assert {r["era"] for r in ROWS} >= {"sif", "ilacs", "ilacs_2026"}
    for area in AREAS:
        assert sum(r["area"] == area for r in ROWS) >= 450, area


def test_double_annotation_and_agreement_recorded():
    with open(data.labelled_data_dir() / "double_annotation.jsonl") as fh:
        double = [json.loads(line) for line in fh]
    assert len(double) >= 400
    agreement = json.loads((data.labelled_data_dir() / "agreement.json").read_text())
    assert agreement["n_double"] >= 400 and agreement["n_adjudicated"] == agreement["n_disputed_sentences"]


def test_dataset_dict_has_typed_report_grouped_splits():
    datasets = pytest.importorskip("datasets")
    dd = data.load_dataset()
    assert set(dd) == {"train", "validation", "test"}
    assert isinstance(dd["train"].features["area"], datasets.ClassLabel)
    assert dd["train"].features["polarity"].names == list(POLARITIES)
    reports = [set(dd[s]["report_id"]) for s in dd]
    assert not (reports[0] & reports[1]) and not (reports[0] & reports[2]) and not (reports[1] & reports[2])
    assert set(dd["test"]["report_id"]) <= set(SPLITS["test"])
    texts, areas, pols = data.texts_and_labels(dd["test"])
    assert len(texts) == len(areas) == len(pols) > 0 and set(areas) <= set(AREAS)


def test_weak_labels_are_apart_and_named_weak():
    path = data.labelled_data_dir() / "weak" / "weak_labels.parquet"
    pd = pytest.importorskip("pandas")
    weak = pd.read_parquet(path, columns=["id", "weak_area", "weak_section_grade"])
    assert len(weak) > 50000
    assert set(weak.weak_area.dropna()) <= set(AREAS)
    assert "area" not in weak.columns and "polarity" not in weak.columns
