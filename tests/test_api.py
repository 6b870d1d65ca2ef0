"""classify(): inputs and outputs, report summaries, grades, bad input, long input, models."""
from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from ofsted_nlp import api, loading, summary
from ofsted_nlp.api import Finding, InputTruncatedWarning, Provenance, ReportFindings, classify
from ofsted_nlp.errors import InputError, ModelLoadError, OfstedNLPError, ReportError
from ofsted_nlp.labels import AREAS, GRADES, POLARITIES
from ofsted_nlp.summary import GradeThresholds, area_score, grade_from_score, summarise, weighted_area_score

from .pdf_factory import make_ilacs_report, make_unrelated_pdf

ROOT = Path(__file__).resolve().parents[1]

# (text, area, polarity): made up in the style of ILACS reports, enough for a TF-IDF model.
TINY_SENTENCES = [
    ("Strategy meetings are timely and well attended by partners.", "help_and_protection", "positive"),
    ("Child protection enquiries are thorough and completed quickly.", "help_and_protection", "positive"),
    ("Thresholds at the front door are well understood by partner agencies.", "help_and_protection", "positive"),
    ("Some child protection plans do not have clear actions.", "help_and_protection", "negative"),
    ("Assessments of neglect are not always thorough.", "help_and_protection", "negative"),
    ("Too many children wait too long for a strategy discussion.", "help_and_protection", "negative"),
    ("The front door receives contacts from police and schools.", "help_and_protection", "neutral"),
    ("Early help is provided by a range of partner agencies.", "help_and_protection", "neutral"),
    ("Children in care live in stable homes with carers who know them well.", "children_in_care", "positive"),
    ("Foster carers are well supported and trained.", "children_in_care", "positive"),
    ("Permanence for children in care is achieved without delay.", "children_in_care", "positive"),
    ("Some children in care have too many changes of placement.", "children_in_care", "negative"),
    ("Care plans for children in care are not always updated.", "children_in_care", "negative"),
    ("Too few children in care have an up-to-date health assessment.", "children_in_care", "negative"),
    ("The number of children in care has risen since the last inspection.", "children_in_care", "neutral"),
    ("Most children in care live with foster carers in the area.", "children_in_care", "neutral"),
    ("Care leavers are supported by personal advisers who know them well.", "care_leavers", "positive"),
    ("Pathway plans for care leavers are detailed and reviewed regularly.", "care_leavers", "positive"),
    ("Care leavers have suitable accommodation and staying put arrangements.", "care_leavers", "positive"),
    ("Too many care leavers are not in education, employment or training.", "care_leavers", "negative"),
    ("Some care leavers do not have a pathway plan that reflects their needs.", "care_leavers", "negative"),
    ("Personal advisers have high caseloads, which limits time with care leavers.", "care_leavers", "negative"),
    ("Care leavers up to the age of 25 can ask a personal adviser for support.", "care_leavers", "neutral"),
    ("The care leavers service moved to a new building last year.", "care_leavers", "neutral"),
    ("Senior leaders have a clear understanding of the quality of practice.", "leadership", "positive"),
    ("The director of children's services has strengthened quality assurance.", "leadership", "positive"),
    ("Elected members provide effective scrutiny of children's services.", "leadership", "positive"),
    ("Leaders' quality assurance arrangements are not yet effective.", "leadership", "negative"),
    ("Senior managers have been slow to address weaknesses in oversight.", "leadership", "negative"),
    ("Leaders do not have an accurate view of performance data.", "leadership", "negative"),
    ("A new director of children's services was appointed in the spring.", "leadership", "neutral"),
    ("The local authority is part of a regional adoption agency.", "leadership", "neutral"),
]

IN_DOMAIN = "Care leavers are well supported by personal advisers who know them well."
# Not English: lingua reads them as German and French; they are returned marked is_finding=False.
NOT_ENGLISH = ["Das Jugendamt unterstützt Kinder und Familien in schwierigen Lebenslagen.",
               "Les enfants placés sont bien accompagnés par leurs éducateurs."]


def train_tiny_model():
    from ofsted_nlp.models import FindingClassifier, TfidfClassifier

    texts, areas, polarities = (list(c) for c in zip(*TINY_SENTENCES))
    return FindingClassifier(TfidfClassifier(min_df=1), TfidfClassifier(min_df=1)).fit(texts, areas, polarities)


def save_tiny_model(directory: Path) -> Path:
    return train_tiny_model().save(directory)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    return save_tiny_model(tmp_path_factory.mktemp("tiny_model") / "model")


@pytest.fixture(scope="session")
def report_pdf(tmp_path_factory) -> Path:
    return make_ilacs_report(tmp_path_factory.mktemp("pdf") / "2022-06-01_exampleshire_12345.pdf")


@pytest.fixture
def no_default_model(monkeypatch, tmp_path):
    """As on a machine where no default model has been installed yet."""
    monkeypatch.delenv(api.MODEL_ENV, raising=False)
    monkeypatch.setattr(loading, "DEFAULT_MODEL_DIR", tmp_path / "no_default_model")


# --------------------------------------------------------------------------- shapes of results


def test_a_string_gives_one_finding(tiny_model_dir):
    f = classify(IN_DOMAIN, model=tiny_model_dir)
    assert isinstance(f, Finding)
    assert f.text == IN_DOMAIN
    assert f.area in AREAS and f.polarity in POLARITIES
    assert set(f.area_probs) == set(AREAS) and set(f.polarity_probs) == set(POLARITIES)
    assert sum(f.area_probs.values()) == pytest.approx(1.0)
    assert sum(f.polarity_probs.values()) == pytest.approx(1.0)
    assert f.area == max(f.area_probs, key=f.area_probs.get)
    assert f.confidence == pytest.approx(min(f.area_confidence, f.polarity_confidence))
    assert f.is_finding is True and f.truncated is False and f.provenance is None
    assert f.area == "care_leavers"


def test_finding_is_frozen_hashable_and_serialisable(tiny_model_dir):
    f = classify(IN_DOMAIN, model=tiny_model_dir)
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.area = "leadership"
    assert hash(f) == hash(classify(IN_DOMAIN, model=tiny_model_dir))
    d = json.loads(json.dumps(f.to_dict()))
    assert d["area"] == f.area and d["polarity_probs"] == pytest.approx(f.polarity_probs)
    assert d["provenance"] is None
    row = f.to_frame_row()
    assert {"text", "area", "polarity", "confidence", "is_finding", "p_leadership", "p_negative",
            "sentence_id", "page", "section", "paragraph_number", "report_id"} <= set(row)
    assert all(not isinstance(v, (dict, list)) for v in row.values())


def test_a_list_gives_findings_in_the_same_order(tiny_model_dir):
    texts = [s for s, _, _ in TINY_SENTENCES[::3]]
    findings = classify(texts, model=tiny_model_dir)
    assert [f.text for f in findings] == texts
    assert findings == [classify(t, model=tiny_model_dir) for t in texts]
    assert classify(tuple(texts), model=tiny_model_dir) == findings
    assert classify([], model=tiny_model_dir) == []


def test_batching_does_not_change_results_and_reports_progress(tiny_model_dir):
    texts = [s for s, _, _ in TINY_SENTENCES]
    calls = []
    small = classify(texts, model=tiny_model_dir, batch_size=5, progress=lambda done, total: calls.append((done, total)))
    assert small == classify(texts, model=tiny_model_dir, batch_size=256, progress=False)
    assert calls[-1] == (len(texts), len(texts))
    assert [d for d, _ in calls] == sorted(d for d, _ in calls) and len(calls) == math.ceil(len(texts) / 5)


def test_progress_true_draws_a_bar_on_stderr(tiny_model_dir, capsys):
    classify([IN_DOMAIN] * 3, model=tiny_model_dir, progress=True)
    assert "classifying" in capsys.readouterr().err


def test_training_sentences_are_classified_as_trained(tiny_model_dir):
    findings = classify([s for s, _, _ in TINY_SENTENCES], model=tiny_model_dir)
    assert [(f.area, f.polarity) for f in findings] == [(a, p) for _, a, p in TINY_SENTENCES]


# --------------------------------------------------------------------------- reports


def test_a_report_pdf_gives_findings_with_provenance_and_a_summary(tiny_model_dir, report_pdf):
    from ofsted_nlp.reading import read_report

    result = classify(report_pdf, model=tiny_model_dir)
    assert isinstance(result, ReportFindings)
    report = read_report(report_pdf)
    expected = [s for s in report.sentences if s.section_kind != "context"]
    assert result.report_id == report.report_id == "2022-06-01_exampleshire_12345"
    assert [f.text for f in result] == [s.text for s in expected]
    assert len(result) == len(expected) > 5
    for f, s in zip(result, expected):
        p = f.provenance
        assert (p.sentence_id, p.report_id, p.section, p.page, p.paragraph, p.paragraph_number) == (
            s.id, s.report_id, s.section, s.page, s.paragraph, s.paragraph_number)
        assert p.source == str(report_pdf)
    numbered = [f for f in result if f.provenance.paragraph_number == 2]
    assert numbered and numbered[0].text.startswith("Strategy discussions are not always held")
    assert result.metadata["local_authority"] == "Exampleshire"
    # the factory report grades help and protection "requires improvement", the rest good
    assert result.ofsted_grades == {"help_and_protection": "requires_improvement", "children_in_care": "good",
                                    "care_leavers": "good", "leadership": "good"}
    # a Report object gives the same
    again = classify(report, model=tiny_model_dir)
    assert again.findings == result.findings and again.summary == result.summary


def test_report_summary_counts_strongest_findings_and_grades(tiny_model_dir, report_pdf):
    result = classify(report_pdf, model=tiny_model_dir, top_k=2)
    s = result.summary
    in_domain = [f for f in result if f.is_finding]
    assert s.n_findings == len(in_domain) and s.n_not_findings == len(result) - len(in_domain)
    assert set(s.areas) == set(AREAS) and set(s.counts) == set(AREAS)
    for area in AREAS:
        mine = [f for f in in_domain if f.area == area]
        a = s.areas[area]
        assert s.counts[area] == {p: sum(f.polarity == p for f in mine) for p in POLARITIES}
        assert a.n_findings == len(mine)
        if mine:
            assert a.share_positive == pytest.approx(s.counts[area]["positive"] / len(mine))
            assert a.score == pytest.approx(area_score([f.polarity_probs for f in mine]))
            assert a.predicted_grade == grade_from_score(a.score, s.thresholds, n_findings=len(mine))
        else:
            assert math.isnan(a.score) and a.predicted_grade is None
        assert len(a.top_positive) <= 2 and all(f.polarity == "positive" and f.area == area for f in a.top_positive)
        probs = [f.polarity_probs["positive"] for f in a.top_positive]
        assert probs == sorted(probs, reverse=True)
        if a.predicted_grade in ("outstanding", "good"):
            assert a.evidence and a.evidence[0].polarity_probs["positive"] >= a.evidence[-1].polarity_probs["positive"]
        assert a.reason
    d = json.loads(json.dumps(result.to_dict()))
    assert set(d) == {"kind", "report", "summary", "findings"} and d["kind"] == "inspection"
    assert d["summary"]["areas"]["help_and_protection"]["ofsted_grade"] == "requires_improvement"
    assert "grade_rule" in d["summary"]


def test_report_findings_to_frame(tiny_model_dir, report_pdf):
    result = classify(report_pdf, model=tiny_model_dir)
    frame = result.to_frame()
    assert len(frame) == len(result)
    assert {"text", "area", "polarity", "confidence", "page", "paragraph_number", "section", "sentence_id",
            "p_positive", "p_care_leavers"} <= set(frame.columns)
    assert list(frame.text) == [f.text for f in result]
    per_area = result.summary_frame()
    assert list(per_area.area) == list(AREAS)
    assert {"score", "predicted_grade", "ofsted_grade", "n_positive"} <= set(per_area.columns)


def test_report_thresholds_are_a_parameter(tiny_model_dir, report_pdf):
    everything_outstanding = GradeThresholds(outstanding=-0.98, good=-0.99, requires_improvement=-1.0, min_findings=0)
    result = classify(report_pdf, model=tiny_model_dir, thresholds=everything_outstanding)
    graded = [a for a in result.summary.areas.values() if a.n_findings]
    assert graded and all(a.predicted_grade == "outstanding" for a in graded)
    assert result.summary.thresholds == everything_outstanding
    # a dict, or thresholds fitted elsewhere (any object with the three cut points), work too
    as_dict = classify(report_pdf, model=tiny_model_dir, thresholds=everything_outstanding.to_dict())
    assert as_dict.summary == result.summary

    @dataclasses.dataclass
    class Fitted:
        outstanding: float = -0.98
        good: float = -0.99
        requires_improvement: float = -1.0

    fitted = classify(report_pdf, model=tiny_model_dir, thresholds=Fitted())
    assert fitted.summary.thresholds == dataclasses.replace(everything_outstanding, min_findings=3)


def test_evaluate_thresholds_are_accepted():
    evaluate = pytest.importorskip("ofsted_nlp.evaluate")
    if not hasattr(evaluate, "GradeThresholds"):
        pytest.skip("ofsted_nlp.evaluate has no GradeThresholds")
    theirs = evaluate.GradeThresholds()
    ours = GradeThresholds.coerce(theirs)
    for score in (-0.5, 0.0, 0.2, 0.5, 0.9):
        assert ours.grade(score) == theirs.grade(score)


# --------------------------------------------------------------------------- text files


def test_a_text_file_gives_one_finding_per_non_empty_line(tiny_model_dir, tmp_path):
    lines = [s for s, _, _ in TINY_SENTENCES[:4]]
    path = tmp_path / "sentences.txt"
    path.write_text("\ufeff" + lines[0] + "\n\n" + lines[1] + "\r\n   \n" + "\n".join(lines[2:]) + "\n", encoding="utf-8")
    findings = classify(path, model=tiny_model_dir, lines=True)
    assert [f.text for f in findings] == lines
    assert [f.provenance.line for f in findings] == [1, 3, 5, 6]
    assert findings[0].provenance.sentence_id == "sentences:1" and findings[0].provenance.source == str(path)


def test_a_text_file_with_a_huge_line_is_cut_not_read_whole(tiny_model_dir, tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("Care leavers are supported. " * 40_000 + "\n" + IN_DOMAIN + "\n", encoding="utf-8")
    with pytest.warns(InputTruncatedWarning, match=r"line 1\b"):
        findings = classify(path, model=tiny_model_dir, lines=True)
    assert len(findings) == 2 and findings[0].truncated and len(findings[0].text) <= api.MAX_SENTENCE_CHARS
    assert findings[1].text == IN_DOMAIN and not findings[1].truncated


# --------------------------------------------------------------------------- bad input


BAD_INPUTS = [
    (None, "got None"),
    (42, "got int"),
    ({"text": "x"}, "got dict"),
    (b"Children are safe.", "decode"),
    (bytearray(b"x"), "decode"),
    ("", "empty string"),
    ("   \n\t", "only whitespace"),
    (["Children are safe.", 3], "item 1 of the list is int"),
    (["Children are safe.", "Leaders are good.", "  "], "item 2 of the list is only whitespace"),
    ([b"bytes"], "item 0 of the list is bytes"),
    ({"a", "b"}, "got set"),
    ((s for s in ["a"]), r"list\(\.\.\.\)"),
]


@pytest.mark.parametrize("bad, message", BAD_INPUTS, ids=[repr(b)[:30] for b, _ in BAD_INPUTS])
def test_bad_input_raises_input_error_saying_what_is_accepted(bad, message, no_default_model):
    # checked before any model is loaded: no default model is installed here
    with pytest.raises(InputError, match=message) as info:
        classify(bad)
    assert isinstance(info.value, OfstedNLPError) and isinstance(info.value, ValueError)
    if not isinstance(bad, (list, str)):
        assert "expected" in str(info.value) or "decode" in str(info.value)


def test_bad_options_raise_input_error(tiny_model_dir):
    for kwargs in ({"batch_size": 0}, {"batch_size": "8"}, {"progress": "yes"}, {"top_k": -1},
                   {"thresholds": {"good": 0.9}}, {"thresholds": "strict"}, {"thresholds": {"best": 1.0}}):
        with pytest.raises(InputError):
            classify(IN_DOMAIN, model=tiny_model_dir, **kwargs)
    with pytest.raises(InputError, match="split=True applies to a single str"):
        classify([IN_DOMAIN], model=tiny_model_dir, split=True)


def test_missing_files(tmp_path, tiny_model_dir):
    with pytest.raises(ReportError, match="file not found") as info:
        classify(tmp_path / "missing.pdf", model=tiny_model_dir)
    assert info.value.path.endswith("missing.pdf")
    with pytest.raises(InputError, match="file not found"):
        classify(tmp_path / "missing.txt", model=tiny_model_dir)
    with pytest.raises(InputError, match="is a directory"):
        classify(tmp_path, model=tiny_model_dir)
    other = tmp_path / "report.docx"
    other.write_text("not a report")
    with pytest.raises(InputError, match=r"unsupported file type '\.docx'.*\.pdf.*\.txt"):
        classify(other, model=tiny_model_dir)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n")
    with pytest.raises(InputError, match="no non-empty line"):
        classify(empty, model=tiny_model_dir)
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Caf\xe9 society".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        classify(latin1, model=tiny_model_dir)


def test_corrupt_and_unrelated_pdfs_raise_report_error(tmp_path, tiny_model_dir, report_pdf):
    corrupt = tmp_path / "corrupt.pdf"
    corrupt.write_bytes(report_pdf.read_bytes()[:900])
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.7\n" + os.urandom(2000))
    text = tmp_path / "text.pdf"
    text.write_text("This is not a PDF at all.")
    unrelated = make_unrelated_pdf(tmp_path / "minutes.pdf")
    for path, reason in ((corrupt, "truncated|corrupt|no inspection"), (garbage, "truncated|corrupt|no inspection"),
                         (text, "not a PDF"), (unrelated, "not an Ofsted inspection")):
        with pytest.raises(ReportError, match=reason) as info:
            classify(path, model=tiny_model_dir)
        assert info.value.path == str(path)


def test_a_string_naming_a_file_is_text_but_warns(tiny_model_dir, report_pdf):
    with pytest.warns(UserWarning, match="pathlib.Path"):
        f = classify(str(report_pdf), model=tiny_model_dir)
    assert isinstance(f, Finding)


# --------------------------------------------------------------------------- long input


def test_a_one_megabyte_string_is_one_finding_of_its_first_1000_characters(tiny_model_dir):
    text = "Children in care live in stable homes with carers who know them well. " * 15_000
    assert len(text) > 1_000_000
    with pytest.warns(InputTruncatedWarning, match=r"1,050,000 characters; classified its first \d"):
        f = classify(text, model=tiny_model_dir)
    assert f.truncated and len(f.text) <= api.MAX_SENTENCE_CHARS and text.startswith(f.text)
    assert f.area == "children_in_care"


def test_split_a_one_megabyte_string_caps_characters_and_sentences(tiny_model_dir):
    text = "Foster carers are well trained. " * 32_000  # 1,024,000 characters, ~6,000 sentences in 200,000
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        findings = classify(text, model=tiny_model_dir, split=True)
    messages = [str(w.message) for w in caught if issubclass(w.category, InputTruncatedWarning)]
    assert any("read only the first 200,000" in m and "824,000 characters dropped" in m for m in messages)
    assert any(f"classified the first {api.MAX_SENTENCES:,}" in m for m in messages)
    assert len(findings) == api.MAX_SENTENCES
    assert all(f.text == "Foster carers are well trained." for f in findings[:3])
    # the warnings point at this file, not at the library
    assert all(w.filename == __file__ for w in caught)


def test_split_a_string_without_sentence_ends_cuts_each_piece(tiny_model_dir):
    with pytest.warns(InputTruncatedWarning):
        findings = classify("word " * 300_000, model=tiny_model_dir, split=True)
    assert findings and all(len(f.text) <= api.MAX_SENTENCE_CHARS for f in findings)
    assert len(findings) <= api.MAX_TEXT_CHARS // 1000 + 1


def test_split_gives_one_finding_per_sentence(tiny_model_dir):
    text = "Thresholds are well understood. Care leavers\nare supported by advisers.\n\nLeaders know the service well."
    findings = classify(text, model=tiny_model_dir, split=True)
    assert [f.text for f in findings] == ["Thresholds are well understood.", "Care leavers are supported by advisers.",
                                          "Leaders know the service well."]


def test_long_sentences_in_a_list_are_cut_with_a_warning_naming_them(tiny_model_dir):
    long = "Social workers visit children regularly. " * 60
    with pytest.warns(InputTruncatedWarning, match=r"1 sentence\(s\) longer than 1,000 .*item 1\)"):
        findings = classify([IN_DOMAIN, long, IN_DOMAIN], model=tiny_model_dir)
    assert [f.truncated for f in findings] == [False, True, False]
    assert len(findings[1].text) <= 1000


# --------------------------------------------------------------------------- not findings


@pytest.mark.parametrize("text", NOT_ENGLISH)
def test_text_that_is_not_english_is_flagged(tiny_model_dir, text):
    with pytest.warns(UserWarning, match="another language than English"):
        f = classify(text, model=tiny_model_dir)
    assert f.is_finding is False and f.language in ("german", "french")
    assert f.area in AREAS and 0 <= f.confidence <= 1  # still classified, marked


def test_english_sentences_are_findings(tiny_model_dir):
    """The word-list rule is gone: short real findings are no longer dropped."""
    for text in [IN_DOMAIN, "Thresholds are well understood.", "However, none of this is yet in use.",
                 "This will be a significant pressure going forward.", "Social workers know children well."]:
        f = classify(text, model=tiny_model_dir)
        assert f.is_finding, text


class _NoneModel:
    """A model that has learnt the `none` area: it predicts none for sentences that mention Ofsted."""

    area_classes_ = ["care_leavers", "children_in_care", "help_and_protection", "leadership", "none"]
    polarity_classes_ = ["negative", "neutral", "positive"]

    def predict_proba(self, texts):
        import numpy as np

        area = np.array([[0, 0, 0, 0, 1.0] if "Ofsted" in t else [0, 0, 1.0, 0, 0] for t in texts])
        return area, np.tile([0.1, 0.2, 0.7], (len(texts), 1))


def test_the_models_none_class_marks_non_findings():
    findings = classify(["Ofsted will visit again.", "Thresholds are well understood."], model=_NoneModel())
    assert [(f.area, f.is_finding) for f in findings] == [("none", False), ("help_and_protection", True)]
    s = summarise(findings)
    assert s.n_findings == 1 and s.n_not_findings == 1


def _finding(area, polarity, p_pos, p_neg, ood=False, text="x"):  # ood: not a finding
    probs = {"positive": p_pos, "negative": p_neg, "neutral": 1 - p_pos - p_neg}
    return Finding(text=text, area=area, polarity=polarity, area_probs={area: 1.0}, polarity_probs=probs,
                   confidence=max(probs.values()), is_finding=not ood)


def test_summary_leaves_non_findings_out():
    findings = [_finding("leadership", "positive", 0.9, 0.05)] * 3 + [_finding("leadership", "negative", 0.0, 1.0, ood=True)]
    s = summarise(findings)
    assert s.n_findings == 3 and s.n_not_findings == 1
    assert s.areas["leadership"].score == pytest.approx(0.85)
    assert s.areas["leadership"].predicted_grade == "outstanding"
    assert s.areas["care_leavers"].predicted_grade is None and s.areas["care_leavers"].reason == "no findings in this area"


# --------------------------------------------------------------------------- grade rule


def test_area_score_from_dicts_findings_and_arrays():
    import numpy as np

    rows = [{"positive": 0.8, "negative": 0.1, "neutral": 0.1}, {"positive": 0.2, "negative": 0.6, "neutral": 0.2}]
    assert area_score(rows) == pytest.approx(((0.8 - 0.1) + (0.2 - 0.6)) / 2)
    classes = ["negative", "neutral", "positive"]
    array = np.array([[r[c] for c in classes] for r in rows])
    assert area_score(array, classes) == pytest.approx(area_score(rows))
    assert area_score([_finding("leadership", "positive", 0.7, 0.1)]) == pytest.approx(0.6)
    assert math.isnan(area_score([])) and math.isnan(area_score(np.zeros((0, 3)), classes))
    with pytest.raises(InputError, match="classes"):
        area_score(array)
    with pytest.raises(InputError, match="do not match"):
        area_score(array, ["negative", "positive"])


def test_grade_from_score_bands_and_boundaries():
    t = GradeThresholds(outstanding=0.6, good=0.2, requires_improvement=-0.2, min_findings=3)
    assert [grade_from_score(x, t) for x in (0.9, 0.6, 0.59, 0.2, 0.0, -0.2, -0.21, -1.0)] == [
        "outstanding", "outstanding", "good", "good", "requires_improvement", "requires_improvement",
        "inadequate", "inadequate"]
    assert grade_from_score(float("nan"), t) is None and grade_from_score(None, t) is None
    assert grade_from_score(0.9, t, n_findings=2) is None and grade_from_score(0.9, t, n_findings=3) == "outstanding"
    assert t.grade(0.3) == "good"
    assert grade_from_score(1.0) == GRADES[0] and grade_from_score(-1.0) == GRADES[-1]  # defaults


def test_grade_thresholds_validate_and_round_trip():
    t = GradeThresholds(outstanding=0.5, good=0.1, requires_improvement=-0.3, min_findings=5)
    assert GradeThresholds.from_dict(json.loads(json.dumps(t.to_dict()))) == t
    assert GradeThresholds.from_dict({"good": 0.2}).good == 0.2
    for bad in ({"outstanding": 0.1, "good": 0.2}, {"good": float("nan")}, {"min_findings": -1},
                {"requires_improvement": "low"}):
        with pytest.raises(InputError):
            GradeThresholds.from_dict(bad)
    with pytest.raises(InputError, match="unknown GradeThresholds field"):
        GradeThresholds.from_dict({"excellent": 0.9})


def test_summary_is_deterministic_with_ties():
    a = _finding("leadership", "positive", 0.8, 0.1, text="first")
    b = _finding("leadership", "positive", 0.8, 0.1, text="second")
    c = _finding("leadership", "negative", 0.1, 0.8, text="third")
    t = GradeThresholds(outstanding=0.5, good=0.2, requires_improvement=0.0)
    s = summarise([a, b, c], thresholds=t, top_k=5).areas["leadership"]
    assert [f.text for f in s.top_positive] == ["first", "second"]
    assert [f.text for f in s.top_negative] == ["third"]
    assert s.predicted_grade == "good"  # score (0.7 + 0.7 - 0.7) / 3
    assert [f.text for f in s.evidence] == ["first", "second", "third"]  # graded good: most positive first
    s = summarise([a, b, c], thresholds=GradeThresholds(0.9, 0.8, 0.7), top_k=2).areas["leadership"]
    assert s.predicted_grade == "inadequate" and [f.text for f in s.evidence] == ["third", "first"]
    assert summarise([a, b, c], top_k=5) == summarise([a, b, c], top_k=5)


def _mixed(area, probs_by_area, p_pos, p_neg, ood=False):
    probs = {"positive": p_pos, "negative": p_neg, "neutral": 1 - p_pos - p_neg}
    return Finding(text=f"{area} {p_pos}", area=area, polarity=max(probs, key=probs.get), area_probs=probs_by_area,
                   polarity_probs=probs, confidence=0.5, is_finding=not ood)


def test_weighted_area_score_counts_every_finding_by_its_area_probability():
    own = _mixed("leadership", {"leadership": 0.81, "care_leavers": 0.19}, 0.9, 0.0)
    other = _mixed("care_leavers", {"leadership": 0.04, "care_leavers": 0.96}, 0.0, 0.8)
    left_out = _mixed("leadership", {"leadership": 1.0}, 0.0, 1.0, ood=True)
    # weights P(area)^0.5: 0.9 for the leadership finding, 0.2 for the care-leaver one
    expected = (0.9 * 0.9 + 0.2 * -0.8) / (0.9 + 0.2)
    assert weighted_area_score([own, other], "leadership", 0.5) == pytest.approx(expected)
    assert weighted_area_score([own, other], "leadership", 0.0) == pytest.approx((0.9 - 0.8) / 2)
    assert math.isnan(weighted_area_score([], "leadership", 0.5))
    rule = GradeThresholds(outstanding=0.6, good=0.2, requires_improvement=-0.2, min_findings=1, area_weight_power=0.5)
    s = summarise([own, other, left_out], thresholds=rule)
    assert s.areas["leadership"].score == pytest.approx(expected)
    assert s.areas["leadership"].predicted_grade == "good"  # 0.59; its own finding alone would be outstanding
    assert math.isnan(s.areas["children_in_care"].score)  # no finding of its own: no score, no grade
    assert s.areas["children_in_care"].predicted_grade is None
    assert "weighted by P(area)^0.5" in s.to_dict()["grade_rule"]
    assert summarise([own, other]).areas["leadership"].score == pytest.approx(0.9)  # unset: its own findings only
    for kind in ("monitoring_visit", "news_or_text"):  # not graded by Ofsted: scored, never graded
        letter = summarise([own, other], thresholds=rule, kind=kind).areas["leadership"]
        assert letter.score == pytest.approx(expected) and letter.predicted_grade is None and not letter.evidence
    assert summarise([own, other], thresholds=rule, kind="inspection").areas["leadership"].predicted_grade == "good"


def test_cut_points_per_area_grade_each_area_by_its_own():
    per_area = {"leadership": {"outstanding": 0.9, "good": 0.7, "requires_improvement": 0.5}}
    t = GradeThresholds(outstanding=0.6, good=0.2, requires_improvement=-0.2, by_area=per_area)
    assert t.for_area("leadership").good == 0.7 and t.for_area("leadership").by_area is None
    assert t.for_area("care_leavers") is t
    again = GradeThresholds.from_dict(json.loads(json.dumps(t.to_dict())))
    assert again == t and again.for_area("leadership") == t.for_area("leadership")
    assert "leadership: score >= +0.90 outstanding" in t.describe()
    findings = [_finding("leadership", "positive", 0.7, 0.1), _finding("care_leavers", "positive", 0.7, 0.1)] * 3
    s = summarise(findings, thresholds=t)
    assert s.areas["leadership"].predicted_grade == "requires_improvement"  # 0.6 under leadership's own cuts
    assert s.areas["care_leavers"].predicted_grade == "outstanding"  # 0.6 under the shared ones
    assert ">= +0.50 and < +0.70" in s.areas["leadership"].reason
    for bad in ({"schools": per_area["leadership"]}, {"leadership": {"outstanding": 0.9, "good": 0.7}},
                {"leadership": {"outstanding": 0.1, "good": 0.7, "requires_improvement": 0.5}}, ["leadership"]):
        with pytest.raises(InputError, match="by_area|GradeThresholds must decrease"):
            GradeThresholds(by_area=bad)
    with pytest.raises(InputError, match="area_weight_power"):
        GradeThresholds(area_weight_power=-1)


# --------------------------------------------------------------------------- models


def test_no_default_model_is_a_clear_error(no_default_model):
    with pytest.raises(ModelLoadError, match=r"no default model is installed.*model="):
        classify(IN_DOMAIN)


def test_default_model_from_the_package_dir_or_the_environment(tiny_model_dir, monkeypatch, tmp_path):
    monkeypatch.delenv(api.MODEL_ENV, raising=False)
    monkeypatch.setattr(loading, "DEFAULT_MODEL_DIR", tiny_model_dir)
    assert classify(IN_DOMAIN) == classify(IN_DOMAIN, model=tiny_model_dir)
    monkeypatch.setattr(loading, "DEFAULT_MODEL_DIR", tmp_path / "none_here")
    monkeypatch.setenv(api.MODEL_ENV, str(tiny_model_dir))
    assert classify(IN_DOMAIN) == classify(IN_DOMAIN, model=tiny_model_dir)


@pytest.mark.skipif(not any((api.DEFAULT_MODEL_DIR / f).is_file() for f in ("finding_model.json", "model.json")),
                    reason="no default model shipped in ofsted_nlp/default_model/ yet")
def test_the_shipped_default_model(monkeypatch, report_pdf):
    monkeypatch.delenv(api.MODEL_ENV, raising=False)
    f = classify(IN_DOMAIN)
    assert (f.area, f.polarity, f.is_finding) == ("care_leavers", "positive", True)
    with pytest.warns(UserWarning):
        assert not any(f.is_finding for f in classify(NOT_ENGLISH))
    result = classify(report_pdf)
    assert len(result) > 5 and set(result.summary.areas) == set(AREAS)


def test_model_as_path_string_or_object_and_cached(tiny_model_dir):
    by_path = classify(IN_DOMAIN, model=tiny_model_dir)
    assert classify(IN_DOMAIN, model=str(tiny_model_dir)) == by_path
    assert classify(IN_DOMAIN, model=tiny_model_dir.resolve().as_uri()) == by_path  # file: URI of a model dir
    loaded = api.get_model(tiny_model_dir)
    assert api.get_model(str(tiny_model_dir)) is loaded  # loaded once, cached
    assert classify(IN_DOMAIN, model=loaded) == by_path
    from ofsted_nlp.models import load_model

    assert classify(IN_DOMAIN, model=load_model(tiny_model_dir)) == by_path


def test_a_model_saved_again_at_the_same_path_is_reloaded(tmp_path, tiny_model_dir):
    import shutil

    directory = Path(shutil.copytree(tiny_model_dir, tmp_path / "model"))
    first = api.get_model(directory)
    assert api.get_model(directory) is first
    stamp = (directory / "finding_model.json").stat().st_mtime_ns
    os.utime(directory / "finding_model.json", ns=(stamp + 10**9, stamp + 10**9))
    assert api.get_model(directory) is not first


@pytest.mark.parametrize("model, message", [
    ("/no/such/model/dir", "'/no/such/model/dir' not found"),
    ("foo://bucket/model", "unknown model URI scheme 'foo:'"),
    ("", "empty string"),
    (42, "cannot use int"),
])
def test_unknown_models_are_named_and_accepted_forms_listed(model, message):
    with pytest.raises(ModelLoadError, match=message) as info:
        classify(IN_DOMAIN, model=model)
    assert "MLflow model URI" in str(info.value) and "FindingClassifier.save()" in str(info.value)


def test_directories_that_hold_no_finding_model(tmp_path, tiny_model_dir):
    import shutil

    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelLoadError, match="holds no saved model"):
        classify(IN_DOMAIN, model=tmp_path / "empty")
    (tmp_path / "file.bin").write_bytes(b"x")
    with pytest.raises(ModelLoadError, match="is a file"):
        classify(IN_DOMAIN, model=tmp_path / "file.bin")
    area_only = Path(shutil.copytree(tiny_model_dir / "area", tmp_path / "area_only"))
    with pytest.raises(ModelLoadError, match="not a finding model"):
        classify(IN_DOMAIN, model=area_only)
    broken = Path(shutil.copytree(tiny_model_dir, tmp_path / "broken"))
    (broken / "area" / "weights.npz").write_bytes(b"not numpy")
    with pytest.raises(ModelLoadError):
        classify(IN_DOMAIN, model=broken)


@pytest.fixture
def mlflow_store(tmp_path, monkeypatch):
    pytest.importorskip("mlflow")
    uri = f"sqlite:///{(tmp_path / 'mlflow.db').as_posix()}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.chdir(tmp_path)
    yield uri
    import mlflow

    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(None)


@pytest.mark.slow
def test_mlflow_model_uris_load_the_logged_model_directory(tmp_path, mlflow_store, tiny_model_dir):
    from ofsted_nlp import tracking

    with tracking.start_run("api-test") as run:
        info = tracking.log_finding_model(tiny_model_dir, registered_model_name="api-test-model")
    expected = classify(IN_DOMAIN, model=tiny_model_dir)
    for uri in (info.model_uri, "models:/api-test-model/1", f"runs:/{run.info.run_id}/model"):
        model = api.get_model(uri)
        assert type(model).__name__ == "FindingClassifier"  # the logged directory, full probabilities
        assert classify(IN_DOMAIN, model=uri) == expected
    assert api.get_model("models:/api-test-model/1") is api.get_model("models:/api-test-model/1")
    with pytest.raises(ModelLoadError, match="cannot fetch MLflow model 'models:/no-such-model/1'"):
        classify(IN_DOMAIN, model="models:/no-such-model/1")

    import mlflow

    pyfunc = mlflow.pyfunc.load_model(info.model_uri)
    assert classify(IN_DOMAIN, model=pyfunc) == expected


def test_a_pyfunc_without_a_finding_directory_is_adapted(tiny_model_dir):
    import pandas as pd

    inner = api.get_model(tiny_model_dir)

    class FakePyfunc:  # what mlflow.pyfunc.load_model returns for some other python model
        metadata = None

        def unwrap_python_model(self):
            return object()

        def predict(self, frame):
            area_p, pol_p = inner.predict_proba(list(frame["text"]))
            out = {"area": inner.area_classes_[area_p.argmax(1)], "polarity": inner.polarity_classes_[pol_p.argmax(1)]}
            return pd.DataFrame(out)

    f = classify(IN_DOMAIN, model=FakePyfunc())
    expected = classify(IN_DOMAIN, model=tiny_model_dir)
    assert (f.area, f.polarity) == (expected.area, expected.polarity)
    assert f.area_probs[f.area] == 1.0  # labels only: all the probability on the label


class _RunsCodeWhenUnpickled:
    """Unpickling this writes a marker file: the proof that a loader ran a pickle's code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("pickle_name", ["python_model.pkl", "model.dat"])
def test_an_mlflow_model_that_is_not_ours_is_refused_and_its_pickle_never_runs(tmp_path, pickle_name):
    import pickle

    marker = tmp_path / "pickle_ran"
    model_dir = tmp_path / "someone_elses_model"
    model_dir.mkdir()
    (model_dir / pickle_name).write_bytes(pickle.dumps(_RunsCodeWhenUnpickled(marker)))
    (model_dir / "MLmodel").write_text(
        "flavors:\n  python_function:\n    loader_module: mlflow.pyfunc.model\n"
        f"    python_model: {pickle_name}\n    env: {{}}\n")
    for model in (str(model_dir), model_dir.as_uri()):
        with pytest.raises(ModelLoadError, match="not one logged by ofsted_nlp"):
            classify(IN_DOMAIN, model=model)
    assert not marker.exists()


# --------------------------------------------------------------------------- package import


def _fresh_python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_import_is_light_and_classify_is_exported_lazily():
    heavy = ["pandas", "numpy", "sklearn", "torch", "pymupdf", "fitz", "pypdfium2", "mlflow", "transformers", "scipy"]
    code = (f"import sys, ofsted_nlp; from ofsted_nlp import classify, Finding, GradeThresholds, InputError; "
            f"print(callable(classify), [m for m in {heavy!r} if m in sys.modules])")
    assert _fresh_python(code).strip() == "True []"


def test_package_exports():
    import ofsted_nlp

    assert ofsted_nlp.classify is classify
    assert {"classify", "Finding", "ReportFindings", "GradeThresholds"} <= set(ofsted_nlp.__all__) <= set(dir(ofsted_nlp))
    assert ofsted_nlp.Provenance is Provenance and ofsted_nlp.area_score is summary.area_score
    with pytest.raises(AttributeError):
        ofsted_nlp.no_such_name


def test_a_model_directory_carries_its_own_grade_cut_points(tmp_path, report_pdf):
    """Cut points fitted for a model (grade_thresholds.json) map its scores; a caller's own still win."""
    import json
    import shutil

    from ofsted_nlp.summary import DEFAULT_THRESHOLDS, GradeThresholds

    model_dir = tmp_path / "model"
    shutil.copytree(save_tiny_model(tmp_path / "tiny"), model_dir)
    assert classify(report_pdf, model=str(model_dir)).summary.thresholds == DEFAULT_THRESHOLDS
    fitted = {"outstanding": 0.9, "good": 0.5, "requires_improvement": -0.2, "min_findings": 2}
    (model_dir / "grade_thresholds.json").write_text(json.dumps(fitted))
    api.clear_model_cache()
    assert classify(report_pdf, model=str(model_dir)).summary.thresholds == GradeThresholds(**fitted)
    own = GradeThresholds(outstanding=0.8, good=0.3, requires_improvement=0.0)
    assert classify(report_pdf, model=str(model_dir), thresholds=own).summary.thresholds == own
    (model_dir / "grade_thresholds.json").write_text('{"outstanding": 0.1, "good": 0.5, "requires_improvement": 0}')
    api.clear_model_cache()
    with pytest.raises(ModelLoadError, match="grade_thresholds.json"):
        classify(report_pdf, model=str(model_dir))


def test_iter_classify_streams_the_same_findings_as_classify(tiny_model_dir):
    from ofsted_nlp import iter_classify

    texts = [IN_DOMAIN, "Leaders have not ensured that plans are reviewed.", "Care leavers live in safe homes."] * 5
    expected = classify(texts, model=tiny_model_dir, progress=False)
    stream = iter_classify(iter(texts), model=tiny_model_dir, chunk_size=4)
    assert not isinstance(stream, list)
    assert list(stream) == expected


def test_iter_classify_refuses_a_string_and_a_bad_chunk_size(tiny_model_dir):
    from ofsted_nlp import iter_classify

    with pytest.raises(InputError, match="iterable of str"):
        list(iter_classify("one sentence", model=tiny_model_dir))
    with pytest.raises(InputError, match="chunk_size"):
        list(iter_classify(["a sentence"], model=tiny_model_dir, chunk_size=0))
    with pytest.raises(InputError):  # a bad item fails when its chunk is reached
        list(iter_classify([IN_DOMAIN, 42], model=tiny_model_dir, chunk_size=1))
