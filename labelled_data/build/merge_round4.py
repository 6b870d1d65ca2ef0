"""Add round 4 (inspection-report sentences chosen by the shipped model's uncertainty, training only).

Round 4 (`sample_round4.py`) labels sentences of training reports only, so validation, test, `ood_dev` and
`ood_test` are unchanged from splits 2.1.0 and every earlier figure compares like with like. The merge is
round 3's append (`merge_round3.main`): idempotent, blind adjudication tasks, and no gold is written while a
double label is in dispute. Source URLs come from the corpus's report table.

Inputs: <work>/assignment_reports.jsonl, <work>/double_reports.jsonl, <work>/ann_<A>/*/labels.jsonl,
build/annotation_round4/adjudication.jsonl (and review*.jsonl, where the adjudicator re-read a rule's cases).

Run: python labelled_data/build/merge_round4.py /work/annotation_round4 corpus/
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from merge_round3 import HERE, AppendedRound, main

ROUND4 = AppendedRound(4, HERE / "annotation_round4", "2.2.0", ("assignment_reports.jsonl",),
                       ("double_reports.jsonl",))

if __name__ == "__main__":
    reports = pd.read_parquet(Path(sys.argv[2]) / "reports.parquet", columns=["report_id", "source_url"])
    main(Path(sys.argv[1]), ROUND4, dict(zip(reports.report_id, reports.source_url)))
