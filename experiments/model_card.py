"""The model card of a shipped model, written from its evaluation record, in one place.

`select_default.py` writes the record (`evaluation.json`, beside the model: the chosen run's results from
`results/` without machine-local fields, plus the size and speed measured when it was chosen) and the card
made from it; `register_default.py` makes the same card from the same record for the MLflow model registry.
A card with a missing figure is refused rather than printed with a gap: no "()", "None" or blank cells, no
machine paths or run ids.
"""
from __future__ import annotations

import json
import re

RECORD_FILE = "evaluation.json"
CARD_FILE = "MODEL_CARD.md"
# Fields of a results file that only make sense on the machine that ran the experiment.
MACHINE_LOCAL_FIELDS = ("run_id", "model_dir")
REQUIRED_FIELDS = ("name", "description", "params", "data_version", "splits_version", "n_train", "train_seconds",
                   "validation", "test", "selection")
REQUIRED_SELECTION = ("validation_score", "sentences_per_s", "mb", "max_mb", "min_sentences_per_s")
SPLIT_ROWS = {"validation": "validation", "test": "test (65 held-out reports)",
              "test_no_context": "test, sentences without their section", "ood_dev": "news and letters, dev",
              "ood_test": "news and letters, test"}
ROW_METRICS = ("area_macro_f1", "area_macro_f1_ci_low", "area_macro_f1_ci_high", "polarity_macro_f1",
               "polarity_macro_f1_ci_low", "polarity_macro_f1_ci_high", "polarity_neutral_f1", "area_none_f1")
# What a gap or a leak looks like in the written card.
CARD_GAPS = {
    "an empty bracket": re.compile(r"\(\s*\)"),
    "None": re.compile(r"\bNone\b"),
    "nan": re.compile(r"\bnan\b", re.IGNORECASE),
    "an empty code span": re.compile(r"``"),
    "an empty table cell": re.compile(r"\|[ \t]*\|"),
    "a placeholder '?'": re.compile(r"(?<![\w)])\?(?![\w(])"),
    "an absolute path": re.compile(r"(?<![\w.~-])/(?:[\w.-]+/)+[\w.-]*|\b[A-Za-z]:\\|~/|file:/"),
    "a run id": re.compile(r"\b[0-9a-f]{32}\b"),
}


class CardError(ValueError):
    """The record lacks a figure the card needs, or the written card has a gap or a leak."""


def evaluation_record(results: dict, selection: dict, report_level: dict | None = None) -> dict:
    """What a shipped model carries about itself: the run's results (machine-local fields dropped),
    how it was selected, and its report-level figures when they were measured."""
    record = {k: v for k, v in results.items() if k not in MACHINE_LOCAL_FIELDS}
    record["selection"] = dict(selection)
    if report_level is not None:
        record["report_level"] = {k: v for k, v in report_level.items() if k not in MACHINE_LOCAL_FIELDS}
    check_record(record)
    return record


def check_record(record: dict) -> None:
    """CardError naming every field the card needs that the record lacks or leaves empty."""
    missing = [f for f in REQUIRED_FIELDS if _blank(record.get(f))]
    missing += [f"selection.{f}" for f in REQUIRED_SELECTION if _blank((record.get("selection") or {}).get(f))]
    for split in SPLIT_ROWS:
        if isinstance(record.get(split), dict):
            missing += [f"{split}.{m}" for m in ROW_METRICS if _blank(record[split].get(m))]
    if missing:
        raise CardError(f"evaluation record of {record.get('name', '(unnamed run)')!r} lacks {', '.join(missing)}")


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN
        return True
    return isinstance(value, (str, dict, list, tuple)) and not (value.strip() if isinstance(value, str) else value)


def row(label: str, m: dict) -> str:
    return (f"| {label} | {m['area_macro_f1']:.3f} ({m['area_macro_f1_ci_low']:.3f}-{m['area_macro_f1_ci_high']:.3f}) "
            f"| {m['polarity_macro_f1']:.3f} ({m['polarity_macro_f1_ci_low']:.3f}-{m['polarity_macro_f1_ci_high']:.3f}) "
            f"| {m['polarity_neutral_f1']:.3f} | {m['area_none_f1']:.3f} |")


def model_card(record: dict, title: str = "Default model", registered_as: str | None = None) -> str:
    """The Markdown card of the model `record` describes; CardError if a figure is missing."""
    check_record(record)
    chosen = record["selection"]
    lines = [f"# {title}: {record['name']}", "", record["description"], "",
             f"Chosen by `experiments/select_default.py`: best mean development macro-F1 (area and polarity on "
             f"report validation and news/letters `ood_dev`) "
             f"({chosen['validation_score']:.3f}) among the runs on data version `{record['data_version']}` "
             f"(splits {record['splits_version']}) that are at most {chosen['max_mb']:.0f} MB and classify at least "
             f"{chosen['min_sentences_per_s']:.0f} sentences/s here ({chosen['sentences_per_s']:,.0f} sentences/s, "
             f"{chosen['mb']:.1f} MB). Trained on the gold train split ({record['n_train']} sentences); training "
             f"took {record['train_seconds']:.0f} s on 2 CPU cores.",
             "", "| split | area macro-F1 (95% CI) | polarity macro-F1 (95% CI) | neutral F1 | `none` F1 |",
             "|---|---|---|---|---|"]
    lines += [row(label, record[split]) for split, label in SPLIT_ROWS.items() if split in record]
    lines += _report_level_lines(record.get("report_level"))
    lines += ["", "CIs: 1,000 bootstrap resamples of whole publications. Area macro-F1 is over the four areas and "
              "`none`.", "", f"Parameters: `{json.dumps(record['params'], sort_keys=True)}`",
              f"MLflow: experiment `ofsted-nlp`, run name `{record['name']}`"
              + (f"; registered as `{registered_as}` by `experiments/register_default.py`." if registered_as
                 else "."), "",
              "Files: ONNX, JSON and NumPy arrays without pickle: nothing that can run code when loaded; no torch "
              "needed to classify. Report and news text it learned from: Crown copyright, OGL v3.0 "
              "(reports); publishers' copyright (news excerpts, see labelled_data/documents/index.jsonl)."]
    card = "\n".join(lines) + "\n"
    check_card(card)
    return card


def _report_level_lines(report_level: dict | None) -> list[str]:
    if not report_level:
        return []
    from ofsted_nlp.summary import GradeThresholds

    m = report_level["report_level"]
    rule = GradeThresholds.from_dict(report_level["thresholds"])

    def figure(name: str, percent: bool = False) -> str:
        shown = (lambda x: f"{x:.1%}") if percent else (lambda x: f"{x:.3f}")
        ci = m.get(f"{name}_ci")
        return shown(m[name]) + (f" ({shown(ci[0])}-{shown(ci[1])})" if ci else "")

    return ["", f"Report level (`experiments/grade_thresholds.py`): {rule.score_rule()}; {rule.describe()}. Cut points "
            f"fitted on {report_level['fitted_on']} and shipped as "
            f"`grade_thresholds.json`; on the test reports' {m['n_report_areas']} graded areas: Spearman "
            f"{figure('spearman')} (area score vs Ofsted's grade), exact grade {figure('grade_accuracy', True)}, "
            f"within one grade {figure('grade_within_one', True)}." + _corpus_cv_text(report_level)]


def _corpus_cv_text(report_level: dict) -> str:
    cv = report_level.get("report_level_corpus_cv")
    if not cv:
        return ""
    return (f" Cut points cross-validated over all {cv['n_report_areas']} graded report-areas of the corpus (5 "
            f"report-grouped folds; the model saw some sentences of the training reports): Spearman "
            f"{cv['spearman']:.3f}, exact grade {cv['grade_accuracy']:.1%}.")


def card_problems(card: str) -> list[str]:
    """Each gap or leak in a written card, with the text around it."""
    problems = []
    for what, pattern in CARD_GAPS.items():
        for match in pattern.finditer(card):
            context = card[max(0, match.start() - 30):match.end() + 30].replace("\n", " ")
            problems.append(f"{what}: ...{context}...")
    return problems


def check_card(card: str) -> None:
    problems = card_problems(card)
    if problems:
        raise CardError("model card has gaps or machine-local details:\n" + "\n".join(problems))
