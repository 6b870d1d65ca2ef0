from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ofsted_nlp.errors import ReportError
from ofsted_nlp.reports import read_report, split_sentences

from .pdf_factory import make_ilacs_report, make_sif_report, make_unrelated_pdf

SHARED = Path(__file__).resolve().parents[2] / "shared" / "ofsted_reports"


@pytest.fixture(scope="module")
def ilacs(tmp_path_factory):
    return read_report(make_ilacs_report(tmp_path_factory.mktemp("r") / "2022-07-05_exampleshire_1.pdf",
                                         break_sentence_across_pages=True))


def test_ilacs_metadata_and_grades(ilacs):
    assert ilacs.era == "ilacs"
    assert ilacs.local_authority == "Exampleshire"
    assert ilacs.inspection_start == dt.date(2022, 5, 9) and ilacs.inspection_end == dt.date(2022, 5, 20)
    assert ilacs.publication_date == dt.date(2022, 7, 5)
    assert ilacs.lead_inspector == "Jane Example"
    assert ilacs.grades == {"leadership": "good", "help_and_protection": "requires_improvement",
                            "children_in_care": "good", "overall_effectiveness": "good"}
    assert ilacs.grade_for_area("care_leavers") == "good"  # judged with children in care before 2023


def test_ilacs_sections_map_to_areas(ilacs):
    kinds = [(s.kind, s.area) for s in ilacs.sections if s.paragraphs]
    assert ("headline_summary", None) in kinds
    assert ("what_needs_to_improve", None) in kinds
    for area in ("help_and_protection", "children_in_care", "leadership"):
        assert ("judgement", area) in kinds


def test_sentences_are_clean_with_provenance(ilacs):
    texts = [s.text for s in ilacs.sentences]
    assert "Children and families receive a timely response at the front door." in texts
    assert "Thresholds are well understood." in texts
    # abbreviations do not split
    assert any(t.startswith("Leaders, e.g. the director") for t in texts)
    assert "Dr Smith chairs the partnership board." in texts
    # headers, footers, page numbers and footnotes never leak
    joined = " ".join(texts)
    assert "footnote" not in joined and "Inspection of Exampleshire local authority" not in joined
    # bullets are stripped and each item is a finding of the improvement section
    bullets = [s for s in ilacs.sentences if s.section_kind == "what_needs_to_improve"]
    assert [b.text for b in bullets][0].startswith("The quality of plans for children in need")
    s = next(s for s in ilacs.sentences if s.text.startswith("Strategy discussions"))
    assert s.paragraph_number == 2 and s.section_area == "help_and_protection" and s.page >= 1
    para = next(p for p in ilacs.paragraphs if p.index == s.paragraph)
    assert para.text[s.start:s.end] == s.text
    ids = [x.id for x in ilacs.sentences]
    assert len(ids) == len(set(ids))


def test_sentence_broken_across_pages_is_joined(ilacs):
    texts = [s.text for s in ilacs.sentences]
    assert "Assessments of children's needs are thorough and consider the history of the family well." in texts


def test_sif_report(tmp_path):
    r = read_report(make_sif_report(tmp_path / "2015-05-12_example_2.pdf"))
    assert r.era == "sif"
    assert r.publication_date == dt.date(2015, 5, 12)
    assert r.grades["overall_effectiveness"] == "inadequate"
    assert r.grades["children_in_care"] == "inadequate"
    assert r.grades["care_leavers"] == "requires_improvement"
    assert r.grades["adoption"] == "inadequate"
    assert r.grades["lscb"] == "inadequate"
    s = next(s for s in r.sentences if s.text.startswith("Children in need of help receive"))
    assert s.section_area == "help_and_protection" and s.paragraph_number == 10
    lscb = next(s for s in r.sentences if s.text.startswith("The board does not"))
    assert lscb.section_kind == "lscb" and lscb.section_area == "leadership"


def test_split_sentences_rules():
    text = "Visits are timely, e.g. within 10 days. Mr J. Smith leads the team. Most children (85%) are seen. 'It helps,' said a child."
    parts = [text[a:b] for a, b in split_sentences(text)]
    assert parts == ["Visits are timely, e.g. within 10 days.", "Mr J. Smith leads the team.",
                     "Most children (85%) are seen.", "'It helps,' said a child."]


@pytest.mark.parametrize("make,reason", [
    (lambda p: p, "file not found"),
    (lambda p: (p.write_text("hello, not a pdf"), p)[1], "not a PDF"),
    (lambda p: (p.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50), p)[1], "corrupt PDF"),
])
def test_bad_files_raise_report_error(tmp_path, make, reason):
    path = make(tmp_path / "bad.pdf")
    with pytest.raises(ReportError) as info:
        read_report(path)
    assert reason in str(info.value) and "bad.pdf" in str(info.value)
    assert info.value.path.endswith("bad.pdf")


def test_encrypted_pdf(tmp_path):
    import pymupdf

    src = make_ilacs_report(tmp_path / "plain.pdf")
    doc = pymupdf.open(src)
    doc.save(tmp_path / "locked.pdf", encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")
    with pytest.raises(ReportError, match="encrypted"):
        read_report(tmp_path / "locked.pdf")


def test_unrelated_pdf(tmp_path):
    with pytest.raises(ReportError, match="not an Ofsted inspection"):
        read_report(make_unrelated_pdf(tmp_path / "minutes.pdf"))


@pytest.mark.corpus
@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/ofsted_reports is not present on this machine")
def test_real_reports_of_each_layout():
    expected = {
        "2015-05-12_lambeth_80506.pdf": ("sif", {"overall_effectiveness": "inadequate",
                                                 "help_and_protection": "requires_improvement"}),
        "2022-07-05_wigan_80579.pdf": ("ilacs", {"overall_effectiveness": "requires_improvement"}),
        "2023-09-04_st-helens_80560.pdf": ("ilacs", {"care_leavers": "outstanding", "children_in_care": "good"}),
        "2026-07-28_blackpool_80431.pdf": ("ilacs_2026", {"leadership": "outstanding", "help_and_protection": "good",
                                                          "care_leavers": "outstanding"}),
    }
    for name, (era, grades) in expected.items():
        r = read_report(SHARED / name)
        assert r.era == era, name
        for k, v in grades.items():
            assert r.grades.get(k) == v, (name, k)
        assert len(r.sentences) > 100
        assert "overall_effectiveness" not in r.grades or era != "ilacs_2026"
