"""Declare which gold report belongs to which split (labelled_data/splits.json).

Whole reports are assigned, stratified by framework era, with a fixed seed:
about 18% of reports to test, 12% to validation, the rest to train. The test
list is fixed once declared: no experiment may train or tune on it.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 7
TEST_SHARE, VALIDATION_SHARE = 0.18, 0.12


def declare(sample_path: Path, out_path: Path) -> dict:
    sample = pd.read_json(sample_path, lines=True)
    reports = sample.drop_duplicates("report_id")[["report_id", "era"]].sort_values("report_id")
    rng = np.random.default_rng(SEED)
    splits = {"train": [], "validation": [], "test": []}
    for _, group in reports.groupby("era"):
        ids = list(group.report_id)
        rng.shuffle(ids)
        n_test = max(1, round(TEST_SHARE * len(ids)))
        n_val = max(1, round(VALIDATION_SHARE * len(ids))) if len(ids) > 2 else 0
        splits["test"] += ids[:n_test]
        splits["validation"] += ids[n_test:n_test + n_val]
        splits["train"] += ids[n_test + n_val:]
    splits = {k: sorted(v) for k, v in splits.items()}
    out_path.write_text(json.dumps(splits, indent=1) + "\n")
    return splits


if __name__ == "__main__":
    s = declare(Path(sys.argv[1]), Path(sys.argv[2]))
    print({k: len(v) for k, v in s.items()})
