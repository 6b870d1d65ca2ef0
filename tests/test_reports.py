from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ofsted_nlp.errors import ReportError
from ofsted_nlp.reading import read_report, split_sentences

from .pdf_factory import (make_encrypted_pdf, make_ilacs_body_size_headings_report, make_ilacs_report, make_sif_report,
                          make_unrelated_pdf)

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


def test_sif_judgements_printed_as_a_table_carry_their_area(tmp_path):
    r = read_report(make_sif_report(tmp_path / "2015-06-01_tabletown_3.pdf", layout="table"))
    assert r.grades == {"overall_effectiveness": "requires_improvement", "help_and_protection": "good",
                        "children_in_care": "requires_improvement", "adoption": "good", "care_leavers": "inadequate",
                        "leadership": "requires_improvement", "lscb": "requires_improvement"}
    by_text = {s.text: s for s in r.sentences}
    area = {t: (s.section_kind, s.section_area) for t, s in by_text.items()}
    assert area["Children in need of help receive good early help from a wide range of agencies."] == (
        "judgement", "help_and_protection")
    assert area["Most children live in stable placements that meet their needs."] == ("judgement", "children_in_care")
    assert area["Adopters are recruited in good time and prepared well."] == ("judgement", "children_in_care")
    assert area["Too many care leavers live in unsuitable accommodation."] == ("judgement", "care_leavers")
    assert area["Senior leaders have an accurate understanding of the quality of practice."] == (
        "judgement", "leadership")
    # each judgement's "Summary" belongs to that judgement, not to a section of its own
    summaries = [s for s in r.sentences if s.text == "This summary finding is about the judgement above."]
    assert [s.section_area for s in summaries] == ["help_and_protection", "children_in_care"]
    assert [s.section for s in summaries] == [
        "The experiences and progress of children who need help and protection",
        "The experiences and progress of children looked after and achieving permanence"]
    # the LSCB review: its findings after its recommendations are the board's again
    assert area["The board does not monitor partners well."] == ("lscb", "leadership")
    assert area["Ensure that the board evaluates the impact of its training."] == ("what_needs_to_improve", None)
    assert area["The board's annual report is published and shared with partners."] == ("lscb", "leadership")
    # run-in sub-headings of the recommendations yield no sentence, and name the area of what follows
    assert "Quality of practice" not in by_text and "Leadership, management and governance" not in by_text
    assert area["Ensure that performance information is accurate and used by managers to improve practice."] == (
        "what_needs_to_improve", "leadership")
    assert area["Ensure that all plans for children are specific and reviewed on time."] == (
        "what_needs_to_improve", None)
    # a list's lead-in and its items read as one sentence; a figure that begins a line is no paragraph number
    assert ("The proportion of children entitled to free school meals: in primary schools is 18% (the national "
            "average is 19%); in secondary schools is 12% (the national average is 13%).") in by_text
    s = by_text["The proportion of children looked after who do well in all three subjects was 49.4% compared "
                "with 52% for England as a whole."]
    assert s.paragraph_number == 22
    # the front page and the back cover hold no findings
    joined = " ".join(by_text)
    for text in ("safeguarded and promoted", "Crown copyright", "Piccadilly", "regulates and inspects"):
        assert text not in joined


def test_body_size_judgement_headings_end_the_improvement_list(tmp_path):
    r = read_report(make_ilacs_body_size_headings_report(tmp_path / "2019-12-20_sampletown_7.pdf"))
    assert r.grades["help_and_protection"] == "requires_improvement"
    improve = [s.text for s in r.sentences if s.section_kind == "what_needs_to_improve"]
    assert improve == ["Planned transitions for disabled young people.", "Timeliness of initial health assessments"]
    area = {s.text: (s.section_kind, s.section_area) for s in r.sentences}
    assert area["Services for children in Sampletown have improved since the last inspection."] == (
        "headline_summary", None)
    assert area["Strong partnerships in the front door serve to protect children from harm."] == (
        "judgement", "help_and_protection")
    # a sentence broken by the page after a semicolon is joined again
    assert area["Most children live in stable homes; they are well supported by their carers."] == (
        "judgement", "children_in_care")
    assert [s.grade for s in r.sections if s.kind == "judgement"] == ["requires_improvement", "good", "good"]


def test_split_sentences_rules():
    text = "Visits are timely, e.g. within 10 days. Mr J. Smith leads the team. Most children (85%) are seen. 'It helps,' said a child."
    parts = [text[a:b] for a, b in split_sentences(text)]
    assert parts == ["Visits are timely, e.g. within 10 days.", "Mr J. Smith leads the team.",
                     "Most children (85%) are seen.", "'It helps,' said a child."]
    # a reference in brackets after the full stop stays with its sentence
    text = ("Ensure that plans are reviewed. (Outcome one, National Framework) Improve supervision. "
            "(Paragraphs 30 and 112) Children are seen. (The LA agrees.)")
    parts = [text[a:b] for a, b in split_sentences(text)]
    assert parts == ["Ensure that plans are reviewed. (Outcome one, National Framework)",
                     "Improve supervision. (Paragraphs 30 and 112)", "Children are seen.", "(The LA agrees.)"]


@pytest.mark.parametrize("make,reason", [
    (lambda p: p, "file not found"),
    (lambda p: (p.write_text("hello, not a pdf"), p)[1], "not a PDF"),
    (lambda p: (p.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50 + b"\n%%EOF\n"), p)[1], "corrupt PDF"),
])
def test_bad_files_raise_report_error(tmp_path, make, reason):
    path = make(tmp_path / "bad.pdf")
    with pytest.raises(ReportError) as info:
        read_report(path)
    assert reason in str(info.value) and "bad.pdf" in str(info.value)
    assert info.value.path.endswith("bad.pdf")


def test_encrypted_pdf(tmp_path):
    with pytest.raises(ReportError, match="encrypted"):
        read_report(make_encrypted_pdf(tmp_path / "locked.pdf"))


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


@pytest.mark.corpus
@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/ofsted_reports is not present on this machine")
def test_real_reports_sections():
    # body-size judgement headings after the list: only the list is "what needs to improve"
    for name, n_items in [("2019-12-20_thurrock_80571.pdf", 3), ("2022-05-09_sefton_80550.pdf", 14),
                          ("2024-11-26_cumberland_2733690.pdf", 4), ("2019-06-11_lincolnshire_80484.pdf", 2)]:
        r = read_report(SHARED / name)
        improve = [p for s in r.sections if s.kind == "what_needs_to_improve" for p in s.paragraphs]
        assert len(improve) == n_items and {p.kind for p in improve} == {"bullet"}, name
        assert ("judgement", "help_and_protection") in [(s.kind, s.area) for s in r.sections], name
    # SIF: the judgement sections (title and grade in a table, then "Summary") carry their area
    r = read_report(SHARED / "2015-05-12_lambeth_80506.pdf")
    judged = [(s.kind, s.area, s.grade) for s in r.sections if s.kind == "judgement"]
    assert judged == [("judgement", "help_and_protection", "requires_improvement"),
                      ("judgement", "children_in_care", "inadequate"), ("judgement", "children_in_care", "inadequate"),
                      ("judgement", "care_leavers", "requires_improvement"), ("judgement", "leadership", "inadequate")]
    assert not [s for s in r.sections if s.heading in ("Summary", "Inspection findings") and s.paragraphs]
    # a heading drawn after the text under it ("Recommendations", last on its page) is read in its place
    r = read_report(SHARED / "2016-11-25_redbridge_80512.pdf")
    lscb_recs = next(s for s in r.sections if s.kind == "what_needs_to_improve" and s.paragraphs[0].page == 37)
    assert [p.number for p in lscb_recs.paragraphs] == [123, 124, 125]
    assert next(s for s in r.sections if s.heading.startswith("Inspection findings")).kind == "lscb"
    # LSCB: a re-inspection has no LSCB review; an LSCB review published alone has only that grade
    assert "lscb" not in read_report(SHARED / "2017-06-13_coventry_80456.pdf").grades
    assert read_report(SHARED / "2015-08-03_surrey_80567.pdf").grades == {"lscb": "requires_improvement"}
    # after April 2026 a report mentions the earlier overall effectiveness but gives none
    r = read_report(SHARED / "2026-07-07_liverpool_80485.pdf")
    assert r.era == "ilacs_2026" and "overall_effectiveness" not in r.grades
