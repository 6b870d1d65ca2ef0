"""Round 7: a second, blind reading of training sentences whose label the teachers could not learn.

Both MiniLM-L6 teachers of data 2.4.0 were run over the training split they were trained on; a finding whose
polarity they both put elsewhere (the mean of their probabilities) is a sentence they could not fit, which is
where label slips collect. Those 732 sentences and a random control of 120 training findings the teachers do
fit were shuffled together and each read by two new annotators, blind to the first label, the model and each
other (`ANNOTATOR_BRIEF.md`: round 6's brief and rules). The model only chose what was re-read.

Decision rule, fixed before any label was read: a gold label changes only when both re-readers give the same
label and it differs from gold; otherwise gold stands (one re-reader alone, or two who disagree, is no better
evidence than the first annotator). Every decision, kept or changed, is written to
build/annotation_round7/decisions.jsonl with the old and new label; gold rows changed get `+review7` on
their annotator. The control stratum measures how often two re-readers overturn a label the teachers agree
with, the baseline the suspect stratum is read against. Validation, test and the news splits are untouched.

Run after the round merges (merge_round4.py ... --round 6), since those rebuild their rounds' rows:
python labelled_data/build/review_round7.py /work/annotation_round7 [--strata /path/to/strata.jsonl]
"""
from __future__ import annotations

import argparse
import json
import shutil
from collections import Counter
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

from merge_round2 import LABELLED, read_jsonl, write_jsonl

HERE = Path(__file__).resolve().parent
RAW = HERE / "annotation_round7"
SPLITS_VERSION = "2.5.0"
READERS = {"R21": "R22", "R23": "R24", "R25": "R26"}  # each pair read the same third of the sentences
LABEL = ("area", "polarity")
REVIEW_MARK = "+review7"


def copy_raw(work: Path, strata: Path | None) -> None:
    """Keep the round's tasks and labels with the data (idempotent)."""
    RAW.mkdir(exist_ok=True)
    shutil.copy(work / "ANNOTATOR_BRIEF.md", RAW / "ANNOTATOR_BRIEF.md")
    if strata is not None:
        shutil.copy(strata, RAW / "strata.jsonl")
    for reader in [*READERS, *READERS.values()]:
        (RAW / f"ann_{reader}").mkdir(exist_ok=True)
        for name in ("to_label.jsonl", "labels.jsonl"):
            shutil.copy(work / f"ann_{reader}" / name, RAW / f"ann_{reader}" / name)


def reread_pairs() -> dict[str, tuple[dict, dict]]:
    """id -> (first re-reader's label, second re-reader's label)."""
    pairs = {}
    for first, second in READERS.items():
        labels = [{r["id"]: r for r in read_jsonl(RAW / f"ann_{name}" / "labels.jsonl")} for name in (first, second)]
        tasks = read_jsonl(RAW / f"ann_{first}" / "to_label.jsonl")
        missing = [t["id"] for t in tasks if t["id"] not in labels[0] or t["id"] not in labels[1]]
        if missing:
            raise SystemExit(f"{len(missing)} sentences of {first}/{second} have no label yet: finish the reading")
        for t in tasks:
            pairs[t["id"]] = (labels[0][t["id"]], labels[1][t["id"]])
    return pairs


def decide(gold_row: dict, a: dict, b: dict, stratum: str) -> dict:
    old = {k: gold_row[k] for k in LABEL}
    agreed = {k: a[k] for k in LABEL} if all(a[k] == b[k] for k in LABEL) else None
    changed = agreed is not None and agreed != old
    return {"id": gold_row["id"], "stratum": stratum, "old": old, "reread": [{k: x[k] for k in LABEL} for x in (a, b)],
            "decision": "changed" if changed else "kept", "new": agreed if changed else old}


def summary(decisions: list[dict]) -> dict:
    out = {}
    for stratum in sorted({d["stratum"] for d in decisions}):
        ds = [d for d in decisions if d["stratum"] == stratum]
        entry = {"n": len(ds), "changed": sum(d["decision"] == "changed" for d in ds),
                 "polarity_changed": sum(d["new"]["polarity"] != d["old"]["polarity"] for d in ds),
                 "area_changed": sum(d["new"]["area"] != d["old"]["area"] for d in ds),
                 "polarity_moves": dict(Counter(f"{d['old']['polarity']}->{d['new']['polarity']}" for d in ds
                                                if d["new"]["polarity"] != d["old"]["polarity"]))}
        for task in LABEL:
            a, b = [d["reread"][0][task] for d in ds], [d["reread"][1][task] for d in ds]
            entry[f"rereaders_{task}_kappa"] = round(float(cohen_kappa_score(a, b)), 3)
            entry[f"rereader_vs_gold_{task}_agreement"] = round(
                sum(x[task] == d["old"][task] for d in ds for x in d["reread"]) / (2 * len(ds)), 3)
        out[stratum] = entry
    return out


def main(work: Path, strata: Path | None) -> None:
    copy_raw(work, strata)
    stratum_of = {r["id"]: r["stratum"] for r in read_jsonl(RAW / "strata.jsonl")}
    pairs = reread_pairs()
    gold = read_jsonl(LABELLED / "gold.jsonl")
    earlier = {d["id"]: d for d in read_jsonl(RAW / "decisions.jsonl")} if (RAW / "decisions.jsonl").exists() else {}
    decisions = []
    for row in gold:
        if row["id"] not in pairs:
            continue
        if row["annotator"].endswith(REVIEW_MARK):  # a rerun: the row already carries its decision
            decisions.append(earlier[row["id"]])
            continue
        d = decide(row, *pairs[row["id"]], stratum_of[row["id"]])
        decisions.append(d)
        if d["decision"] == "changed":
            row.update(d["new"])
            row["annotator"] += REVIEW_MARK
    splits = json.loads((LABELLED / "splits.json").read_text())
    splits["version"] = SPLITS_VERSION
    report = json.dumps(summary(decisions), indent=1)
    write_jsonl(decisions, RAW / "decisions.jsonl")
    (RAW / "summary.json").write_text(report + "\n")
    write_jsonl(gold, LABELLED / "gold.jsonl")
    (LABELLED / "splits.json").write_text(json.dumps(splits, indent=1) + "\n")
    print(report)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("work", type=Path, help="the round's annotation folder")
    ap.add_argument("--strata", type=Path, help="which sentences are suspects and which controls (first run)")
    args = ap.parse_args()
    main(args.work, args.strata)
