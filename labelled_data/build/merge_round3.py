"""Add round 3 (more news and letters, training only) to labelled_data/ without touching earlier rows.

Round 3 was collected after splits 2.0.0 froze: every new document is in `train`
(`sample_documents.py --split train --round 3`), so validation, test, `ood_dev` and `ood_test` are the
publications every earlier figure was measured on. Rounds 1-2 stay exactly as merge_round2.py built them;
this script appends (and replaces its own earlier output: running it twice gives the same files).

Inputs:
  <work>/assignment_documents.jsonl   round 3's sentences with provenance and first annotator
  <work>/double_documents.jsonl       which sentences got a second annotator, and who
  <work>/ann_<A>/*/labels.jsonl       each annotator's labels (raw copies kept in build/annotation_round3/)
  build/annotation_round3/adjudication.jsonl   a decision for every disputed double label
  build/annotation_round3/review*.jsonl  the adjudicator's re-reading of labels given under a rule that
                                      differs from the agreed one (old grade "adequate"; news headlines and
                                      captions are `none`), each kept or changed with a reason
Outputs (labelled_data/): gold.jsonl (appended), splits.json (version 2.1.0), double_annotation.jsonl
(appended), agreement.json (recomputed over all rounds, by round, stratum and document kind).

Run: python labelled_data/build/merge_round3.py /work/annotation_round3

Later rounds that only append (round 4: merge_round4.py) call `main` with their own `AppendedRound`.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from merge_round2 import (LABELLED, agreement, copy_raw, labels_by_annotator, read_jsonl, round2_rows,  # noqa: E402
                          write_jsonl)

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class AppendedRound:
    """A round annotated after the held-out splits froze: its publications all go to `train`."""
    number: int
    raw: Path  # build/annotation_round<N>: raw labels, tasks, adjudication and review decisions
    splits_version: str
    assignment_files: tuple[str, ...]  # the round's sentences with provenance and first annotator
    double_files: tuple[str, ...]  # which sentences got a second annotator, and who


ROUND3 = AppendedRound(3, HERE / "annotation_round3", "2.1.0", ("assignment_documents.jsonl",),
                       ("double_documents.jsonl",))


def round_rows(work: Path, spec: AppendedRound, urls: dict) -> tuple[list[dict], list[dict], int]:
    """The round's gold rows and double-annotation records (the round-2 merge rules, the round's number),
    with the adjudicator's review decisions applied."""
    adjudicated = {d["id"]: {"area": d["area"], "polarity": d["polarity"]}
                   for d in read_jsonl(spec.raw / "adjudication.jsonl")}
    rows, doubles, missing = round2_rows(work, None, labels_by_annotator(work), adjudicated, urls)
    reviewed = {d["id"]: d for path in sorted(spec.raw.glob("review*.jsonl")) for d in read_jsonl(path)}
    for row in rows:
        row["round"] = spec.number
        decision = reviewed.get(row["id"])
        if decision and (decision["area"], decision["polarity"]) != (row["area"], row["polarity"]):
            row["area"], row["polarity"] = decision["area"], decision["polarity"]
            row["annotator"] += "+review"
    return rows, doubles, missing


def adjudication_tasks(work: Path, disputed: list[dict], spec: AppendedRound) -> Path:
    """The adjudicator's input: each disputed sentence with its context and both labels in a random
    order (seeded), so the adjudicator cannot tell first from second annotator."""
    import random

    rng = random.Random(spec.number)
    context = {r["id"]: r for name in spec.assignment_files for r in read_jsonl(work / name)}
    folder = work / "adjudication"
    folder.mkdir(exist_ok=True)
    rows = []
    for d in disputed:
        labels = [{k: d[w][k] for k in ("area", "polarity")} for w in ("first", "second")]
        rng.shuffle(labels)
        s = context[d["id"]]
        area = s.get("section_area")
        rows.append({"id": d["id"], "text": d["text"], "section": s.get("section"),
                     "section_area_by_heading": area if isinstance(area, str) else None,
                     "document": f"{s.get('local_authority')} ({s.get('publication_date')}, "
                                 f"{s.get('document_kind', '').replace('_', ' ')}; {s.get('source_url')})",
                     "label_a": labels[0], "label_b": labels[1]})
    write_jsonl(rows, folder / "to_adjudicate.jsonl")
    return folder / "to_adjudicate.jsonl"


def recompute_agreement(gold: list[dict], doubles: list[dict]) -> dict:
    """agreement.json over every double label, grouped by round via the gold row it belongs to."""
    round_of = {r["id"]: r["round"] for r in gold}
    disputed = [d for d in doubles if (d["first"]["area"], d["first"]["polarity"]) !=
                (d["second"]["area"], d["second"]["polarity"])]
    return {
        "n_double": len(doubles), "n_disputed_sentences": len(disputed),
        "n_adjudicated": sum(d["adjudicated"] is not None for d in disputed),
        "overall": agreement(doubles, lambda d: "all")["all"],
        "by_round": agreement(doubles, lambda d: f"round {round_of.get(d['id'], '?')}"),
        "by_sampling": agreement(doubles, lambda d: d["sampling"]),
        "by_document_kind": agreement(doubles, lambda d: d["document_kind"]),
    }


def main(work: Path, spec: AppendedRound = ROUND3, urls: dict | None = None) -> None:
    """Append the round in `work` to gold (replacing its own earlier output); `urls`: report id -> source URL
    for rows whose assignment carries none."""
    copy_raw(work, spec.raw, spec.assignment_files + spec.double_files)
    gold = [r for r in read_jsonl(LABELLED / "gold.jsonl") if r["round"] != spec.number]
    known = {r["id"] for r in gold}
    new, new_doubles, missing = round_rows(work, spec, urls or {})
    if missing:
        raise SystemExit(f"{missing} round-{spec.number} sentences have no first label yet: finish the annotation")
    disputed = [d for d in new_doubles if d["adjudicated"] is None and
                (d["first"]["area"], d["first"]["polarity"]) != (d["second"]["area"], d["second"]["polarity"])]
    if disputed:  # gold is written only once every disagreement has a decision
        write_jsonl(disputed, spec.raw / "disputed.jsonl")
        tasks = adjudication_tasks(work, disputed, spec)
        raise SystemExit(f"{len(disputed)} disputed double labels: tasks in {tasks}; put the adjudicator's "
                         f"decisions in {spec.raw / 'adjudication.jsonl'}, then run again")
    new = [r for r in new if r["id"] not in known]
    gold += new
    doubles = [d for d in read_jsonl(LABELLED / "double_annotation.jsonl")
               if d["id"] not in {n["id"] for n in new_doubles}] + new_doubles
    splits = json.loads((LABELLED / "splits.json").read_text())
    splits["version"] = spec.splits_version
    splits["train"] = sorted(set(splits["train"]) | {r["report_id"] for r in new})
    write_jsonl(gold, LABELLED / "gold.jsonl")
    write_jsonl(doubles, LABELLED / "double_annotation.jsonl")
    (LABELLED / "splits.json").write_text(json.dumps(splits, indent=1) + "\n")
    (LABELLED / "agreement.json").write_text(json.dumps(recompute_agreement(gold, doubles), indent=1) + "\n")
    print(f"round {spec.number}: {len(new)} gold rows from {len({r['report_id'] for r in new})} documents; "
          f"double {len(new_doubles)}; gold now {len(gold)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
