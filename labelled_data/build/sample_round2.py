"""Round 2 of gold annotation: draw the sentences to label from a fresh corpus.

Strata (recorded per row as `sampling`):
- `random`: uniform over a report's finding sentences (what classify() returns for a report). Drawn for
  the new test and validation reports, for more sentences of the round-1 test and validation reports,
  and for a random training stratum (the baseline of the learning curve).
- `active`: chosen for training from the unlabelled sentences of training reports by a committee of
  three models trained on round-1 gold (see active_select.py): vote entropy plus uncertainty, with a
  per-report cap so that no report dominates.
- `outside_findings`: uniform over the sentences of report pages outside the finding sections (front
  matter, about the inspection, contents, footers), so that the `none` class has examples.
Letters and news (non-report documents) are drawn in sample_documents.py.

Splits (whole reports): round-1 test and validation reports keep their split; new test and validation
reports are drawn at random, stratified by era, from reports with no gold. Everything else is training.

Run: python labelled_data/build/sample_round2.py corpus/ /work/annotation_round2/
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from active_select import select_active  # noqa: E402

SEED = 20261206
N_NEW_TEST_REPORTS, N_RANDOM_NEW_TEST = 34, 40
N_RANDOM_OLD_TEST = 12
N_NEW_VALIDATION_REPORTS, N_RANDOM_NEW_VALIDATION = 12, 25
N_RANDOM_TRAIN = 1000
N_ACTIVE = 2300
N_OUTSIDE = 320
MIN_REPORT_SENTENCES = 40


def stratified_reports(reports: pd.DataFrame, n: int, rng) -> list[str]:
    """n reports, each era in proportion to its size (at least one of each)."""
    share = reports.era.value_counts(normalize=True)
    picked = []
    for era, frac in share.items():
        group = reports[reports.era == era]
        k = min(len(group), max(1, round(frac * n)))
        picked += group.sample(n=k, random_state=int(rng.integers(1 << 31))).report_id.tolist()
    return picked[:n]


def uniform(sentences: pd.DataFrame, report_ids, per_report: int, rng, exclude: set) -> pd.DataFrame:
    rows = []
    for rid in report_ids:
        s = sentences[(sentences.report_id == rid) & ~sentences.text_key.isin(exclude)]
        rows.append(s.sample(n=min(per_report, len(s)), random_state=int(rng.integers(1 << 31))))
    return pd.concat(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--outside", type=Path, help="outside_findings.parquet from outside_findings.py")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(SEED)
    labelled = Path(__file__).resolve().parents[1]
    from ofsted_nlp.ids import normalise_text

    sentences = pd.read_parquet(args.corpus / "sentences.parquet")
    reports = pd.read_parquet(args.corpus / "reports.parquet")
    sentences["text_key"] = sentences.text.map(normalise_text)
    gold = pd.read_json(labelled / "gold.jsonl", lines=True)
    from ofsted_nlp.ids import sentence_id
    gold["stable_id"] = [sentence_id(r, t) for r, t in zip(gold.report_id, gold.text)]
    gold = gold.merge(sentences[["id", "section_area"]].rename(columns={"id": "stable_id"}), on="stable_id",
                      how="left")
    seen = set(gold.text.map(normalise_text))
    splits = json.loads((labelled / "splits.json").read_text())
    unlabelled = reports[~reports.report_id.isin(gold.report_id) & (reports.n_sentences >= MIN_REPORT_SENTENCES)]

    new_test = stratified_reports(unlabelled, N_NEW_TEST_REPORTS, rng)
    rest = unlabelled[~unlabelled.report_id.isin(new_test)]
    new_val = stratified_reports(rest, N_NEW_VALIDATION_REPORTS, rng)
    test_reports = splits["test"] + new_test
    val_reports = splits["validation"] + new_val
    held_out = set(test_reports) | set(val_reports)
    train_reports = sorted(set(reports.report_id) - held_out)

    parts = [
        uniform(sentences, new_test, N_RANDOM_NEW_TEST, rng, seen).assign(sampling="random"),
        uniform(sentences, splits["test"], N_RANDOM_OLD_TEST, rng, seen).assign(sampling="random"),
        uniform(sentences, new_val, N_RANDOM_NEW_VALIDATION, rng, seen).assign(sampling="random"),
    ]
    seen |= set(pd.concat(parts).text_key)
    pool = sentences[sentences.report_id.isin(train_reports) & ~sentences.text_key.isin(seen)]
    pool = pool.drop_duplicates("text_key")
    random_train = pool.sample(n=N_RANDOM_TRAIN, random_state=int(rng.integers(1 << 31)))
    parts.append(random_train.assign(sampling="random"))
    pool = pool.drop(random_train.index)
    active = select_active(gold[gold.report_id.isin(splits["train"])], pool, N_ACTIVE)
    parts.append(active.assign(sampling="active"))
    if args.outside:
        outside = pd.read_parquet(args.outside)
        outside = outside[~outside.text.map(normalise_text).isin(seen)]
        parts.append(outside.sample(n=min(N_OUTSIDE, len(outside)),
                                    random_state=int(rng.integers(1 << 31))).assign(sampling="outside_findings"))
    sample = pd.concat(parts, ignore_index=True).drop_duplicates("id")
    sample = sample.sample(frac=1.0, random_state=int(rng.integers(1 << 31))).reset_index(drop=True)
    args.out.mkdir(parents=True, exist_ok=True)
    sample.drop(columns=["text_key"], errors="ignore").to_json(
        args.out / "sample_reports.jsonl", orient="records", lines=True, force_ascii=False)
    (args.out / "splits_round2.json").write_text(json.dumps(
        {"train": train_reports, "validation": sorted(val_reports), "test": sorted(test_reports)}, indent=1))
    print(sample.groupby("sampling").size().to_string())
    print(f"{len(sample)} sentences; test reports {len(test_reports)}, validation {len(val_reports)}")


if __name__ == "__main__":
    main()
