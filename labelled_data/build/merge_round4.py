"""Add a round of inspection-report sentences chosen by the shipped model's uncertainty (training only):
round 4 (splits 2.2.0), round 5 (splits 2.3.0) and round 6 (splits 2.4.0), drawn by `sample_round4.py`;
round 6 also holds news items added to `train` by `sample_documents.py --split train --round 6`, and round 8
(splits 2.6.0) only news items, added the same way (`--round 8`). Round 7 re-read labels in place
(`review_round7.py`), so it is not an appended round.

These rounds label sentences of training reports only, so validation, test, `ood_dev` and `ood_test` are
unchanged from splits 2.1.0 and every earlier figure compares like with like. The merge is round 3's append
(`merge_round3.main`): idempotent, blind adjudication tasks, and no gold is written while a double label is in
dispute. Source URLs come from the corpus's report table. Merge the rounds in order (4, 5, 6, then 8).

Inputs: <work>/assignment_reports.jsonl, <work>/double_reports.jsonl, <work>/ann_<A>/*/labels.jsonl,
build/annotation_round<N>/adjudication.jsonl (and review*.jsonl, where the adjudicator re-read a rule's cases).

Run: python labelled_data/build/merge_round4.py /work/annotation_round4 corpus/ [--round 5]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from merge_round3 import HERE, AppendedRound, main


def _report_round(number: int, splits_version: str) -> AppendedRound:
    return AppendedRound(number, HERE / f"annotation_round{number}", splits_version, ("assignment_reports.jsonl",),
                         ("double_reports.jsonl",))


APPENDED_ROUNDS = {
    4: _report_round(4, "2.2.0"),
    5: _report_round(5, "2.3.0"),
    6: AppendedRound(6, HERE / "annotation_round6", "2.4.0",  # report sentences and news items
                     ("assignment_reports.jsonl", "assignment_documents.jsonl"),
                     ("double_reports.jsonl", "double_documents.jsonl")),
    8: AppendedRound(8, HERE / "annotation_round8", "2.6.0", ("assignment_documents.jsonl",),  # news items only
                     ("double_documents.jsonl",)),
}

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("work", type=Path, help="the round's annotation folder")
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--round", type=int, choices=sorted(APPENDED_ROUNDS), default=4)
    args = ap.parse_args()
    reports = pd.read_parquet(args.corpus / "reports.parquet", columns=["report_id", "source_url"])
    main(args.work, APPENDED_ROUNDS[args.round], dict(zip(reports.report_id, reports.source_url)))
