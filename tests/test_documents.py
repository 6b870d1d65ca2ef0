"""Letters (monitoring, focused, JTAI) and news read from PDF, .txt, .md and .html: kind, metadata,
boilerplate marked not a finding, and each finding sentence returned once under its heading."""
from __future__ import annotations

import datetime as dt

import pytest

from ofsted_nlp import api
from ofsted_nlp.errors import ReportError
from ofsted_nlp.reading import read_document

from .letter_texts import FINDINGS, LETTERS, to_html, to_md, to_txt
from .pdf_factory import make_letter_pdf, make_school_report_pdf, make_unrelated_pdf
from .test_api import tiny_model_dir  # noqa: F401 (a fixture)

EXPECTED = {
    "monitoring": dict(kind="monitoring_visit", local_authority="Northbrook", inspection_start=dt.date(2023, 3, 14),
                       inspection_end=dt.date(2023, 3, 15), visit_number=5, previous_judgement="inadequate",
                       previous_judgement_date="March 2021", focus_area="children_in_care",
                       lead_inspector="Alison Green", letter_date=dt.date(2023, 4, 12), grades=None, era=None),
    "focused": dict(kind="focused_visit", local_authority="Westmere", inspection_start=dt.date(2022, 5, 4),
                    inspection_end=dt.date(2022, 5, 5), visit_number=None, focus_area="help_and_protection",
                    lead_inspector="Sam Brook", letter_date=dt.date(2022, 6, 3), grades=None),
    "jtai": dict(kind="jtai", local_authority="Eastvale", inspection_start=dt.date(2023, 12, 4),
                 inspection_end=dt.date(2023, 12, 8), focus_area="help_and_protection", lead_inspector="Rachel Moor",
                 grades=None),
    "news": dict(kind="news_or_text", title="Children's services in Northbrook improving, says Ofsted", grades=None),
}
BOILERPLATE = {  # sentences that must come back, marked not a finding
    "monitoring": ["Dear Ms Doe", "Yours sincerely",
                   "This letter summarises the findings of the monitoring visit to Northbrook children's services "
                   "on 14 and 15 March 2023."],
    "focused": ["Dear Mr Lane", "Yours sincerely"],
    "jtai": ["Dear local partnership", "Yours sincerely"],
    "news": ["By Sam Reporter", "Read more: Northbrook council budget pressures",
             "Councillor Sam HillCouncillor Sam Hill (Image: Northbrook Council)",
             "Northbrook children's services still improving, says OfstedNorthbrook children's services still "
             "improving, says Ofsted Northbrook children's services still improving, says Ofsted"],
}
FORMATS = {"monitoring": ("pdf", "txt", "md", "html"), "focused": ("pdf", "txt", "md", "html"),
           "jtai": ("pdf", "txt", "md", "html"), "news": ("txt", "html")}


def _write(name: str, fmt: str, folder):
    parts = LETTERS[name]
    path = folder / f"{name}.{fmt}"
    if fmt == "pdf":
        return make_letter_pdf(path, parts)
    text = {"txt": to_txt, "md": to_md}.get(fmt, lambda p: to_html(p, f"{name} page"))(parts)
    path.write_text(text, encoding="utf-8")
    return path


CASES = [(name, fmt) for name, fmts in FORMATS.items() for fmt in fmts]


@pytest.mark.parametrize("name,fmt", CASES)
def test_document_kind_metadata_and_findings(name, fmt, tmp_path):
    doc = read_document(_write(name, fmt, tmp_path))
    for attribute, value in EXPECTED[name].items():
        if attribute == "letter_date" and fmt == "html":
            continue
        assert getattr(doc, attribute) == value, (attribute, fmt)
    findings = [(s.text, s.section) for s in doc.sentences if s.is_finding]
    assert findings == FINDINGS[name]  # each once, in order, under its heading
    not_findings = {s.text for s in doc.sentences if not s.is_finding}
    if fmt != "html":  # trafilatura keeps the main text; the rest may go
        assert set(BOILERPLATE[name]) <= not_findings
    assert doc.metadata()["kind"] == EXPECTED[name]["kind"]


@pytest.mark.parametrize("name", ["monitoring", "jtai"])
def test_letter_findings_use_the_focus_as_context(name, tmp_path):
    doc = read_document(_write(name, "pdf", tmp_path))
    areas = {s.section_area for s in doc.sentences if s.is_finding}
    assert areas == {EXPECTED[name]["focus_area"]}


def test_classify_a_letter_marks_boilerplate_and_summarises_findings_only(tmp_path, tiny_model_dir):
    result = api.classify(_write("monitoring", "pdf", tmp_path), model=tiny_model_dir)
    assert result.kind == "monitoring_visit" and result.metadata["grades"] is None
    by_text = {f.text: f for f in result}
    for text in BOILERPLATE["monitoring"]:
        assert by_text[text].is_finding is False and by_text[text].kind == "monitoring_visit"
    assert [f.text for f in result.findings_only()] == [t for t, _ in FINDINGS["monitoring"]]
    assert result.summary.n_findings == len(FINDINGS["monitoring"])
    strongest = [b.text for a in result.summary.areas.values() for b in a.top_positive + a.top_negative]
    assert "Yours sincerely" not in strongest
    # a letter carries no Ofsted grade, and none is predicted: the cut points were fitted on inspections
    scored = [a for a in result.summary.areas.values() if a.n_findings]
    assert scored and all(a.predicted_grade is None and a.ofsted_grade is None for a in result.summary.areas.values())
    assert all("not a full inspection" in a.reason and a.score == a.score for a in scored)
    assert result.summary.graded is False and result.summary.rule_text().startswith("No predicted grade")


def test_a_str_document_is_read_like_the_file(tiny_model_dir):
    findings = api.classify(to_txt(LETTERS["focused"]), model=tiny_model_dir, split=True)
    assert [f.text for f in findings if f.is_finding] == [t for t, _ in FINDINGS["focused"]]
    assert {f.kind for f in findings} == {"focused_visit"}


def test_lines_mode_only_on_request(tmp_path, tiny_model_dir):
    path = _write("news", "txt", tmp_path)
    per_line = api.classify(path, model=tiny_model_dir, lines=True)
    assert len(per_line) == len([line for line in path.read_text().splitlines() if line.strip()])
    assert isinstance(api.classify(path, model=tiny_model_dir), api.DocumentFindings)


def test_wrong_kind_pdfs_are_refused(tmp_path):
    with pytest.raises(ReportError, match="school inspection report"):
        read_document(make_school_report_pdf(tmp_path / "school.pdf"))
    with pytest.raises(ReportError, match="not an Ofsted inspection report or visit letter"):
        read_document(make_unrelated_pdf(tmp_path / "minutes.pdf"))


def test_text_that_is_not_english_is_flagged():
    from ofsted_nlp.reading.kinds import DocumentWarning, read_text

    with pytest.warns(DocumentWarning, match="not English"):
        doc = read_text("Les enfants placés sont bien accompagnés par leurs éducateurs. "
                        "Les services sociaux ont beaucoup progressé depuis la dernière inspection.")
    assert doc.language == "french" and not any(s.is_finding for s in doc.sentences)


def test_quoted_sentences_in_news_are_split_apart():
    from ofsted_nlp.reading.sentences import sentence_spans

    text = ("'It shows that the measures we put in place take time, but we are getting there. "
            "'I'm confident that our management oversight improvements will be clear,' she said. "
            "Inspectors found that e.g. plans were not always updated.")
    pieces = [text[s:e] for s, e in sentence_spans(text)]
    assert pieces == ["'It shows that the measures we put in place take time, but we are getting there.",
                      "'I'm confident that our management oversight improvements will be clear,' she said.",
                      "Inspectors found that e.g. plans were not always updated."]


class _RecordingModel:
    """A finding model that records the inputs classify() composes for it."""

    area_classes_ = ["care_leavers", "children_in_care", "help_and_protection", "leadership", "none"]
    polarity_classes_ = ["negative", "neutral", "positive"]

    def __init__(self, input_format):
        self.input_format_ = input_format
        self.seen: list[str] = []

    def predict_proba(self, texts):
        import numpy as np

        self.seen += texts
        return np.tile([0, 0, 1.0, 0, 0], (len(texts), 1)), np.tile([0.1, 0.2, 0.7], (len(texts), 1))


def test_news_sentences_are_marked_as_news_only_for_a_model_trained_so(tmp_path):
    from ofsted_nlp import features

    path = _write("news", "txt", tmp_path)
    v2, v1 = _RecordingModel(features.DOCUMENT_CONTEXT), _RecordingModel(features.SECTION_CONTEXT)
    api.classify(path, model=v2)
    api.classify(path, model=v1)
    assert v2.seen and all(s.startswith("section: news. ") for s in v2.seen)
    assert v1.seen and all(s.startswith("section: unknown. ") for s in v1.seen)
    assert [s.removeprefix("section: news. ") for s in v2.seen] == [s.removeprefix("section: unknown. ")
                                                                   for s in v1.seen]


def test_a_section_area_wins_over_the_news_mark_and_reports_are_never_news():
    from ofsted_nlp.features import DOCUMENT_CONTEXT, compose

    inputs = compose(["a", "b", "c"], ["care_leavers", None, None], DOCUMENT_CONTEXT,
                     ["news_or_text", "news_or_text", "inspection"])
    assert inputs == ["section: care leavers. a", "section: news. b", "section: unknown. c"]
    assert compose(["b"], [None], DOCUMENT_CONTEXT) == ["section: unknown. b"]  # kinds unknown: no mark


def test_news_sub_headings_in_quotes_are_headings_and_a_cut_off_last_line_is_text():
    from ofsted_nlp.reading.text import text_blocks

    blocks = text_blocks("Care leavers in Northbrook\n\n"
                         "Inspectors found that personal advisers keep in touch with young people.\n\n"
                         "\u2018Support is not consistent for all young people\u2019\n\n"
                         "However, the report also indicates that support is not consistent. Leaders\n")
    assert [b.kind for b in blocks] == ["heading", "text", "heading", "text"]


def test_a_short_block_of_two_sentences_is_not_a_heading():
    from ofsted_nlp.reading.text import text_blocks

    blocks = text_blocks("Plans are weak. Leaders know this\n\nMore text follows here.\n")
    assert blocks[0].kind == "text"


def test_a_pasted_line_without_a_full_stop_is_classified_not_taken_as_a_title(tiny_model_dir):
    findings = api.classify("Social workers know the children they work with well", model=tiny_model_dir, split=True)
    assert [(f.text, f.is_finding) for f in findings] == [("Social workers know the children they work with well", True)]


def test_english_findings_the_fast_language_mode_misreads_stay_english():
    from ofsted_nlp.reading.kinds import detect_languages

    english = ["This reduces the focus on continuous improvement.", "This is a strength.",
               "Not all professional contacts provide sufficient information to assist this process."]
    other = ["Les enfants placés sont bien accompagnés par leurs éducateurs.", "Die Kinder werden gut betreut.",
             "Mae plant yn cael cefnogaeth dda gan eu gweithwyr cymdeithasol."]
    assert detect_languages(english + other) == ["english"] * 3 + ["french", "german", "welsh"]
