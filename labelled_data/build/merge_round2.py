"""Build labelled_data/ (gold, splits, double annotation, agreement) from rounds 1 and 2.

Inputs:
  build/round1_*.jsonl|json          round 1 as it was released (3,400 rows, splits 1.0)
  <work>/assignment_reports.jsonl     round 2's report sentences with provenance and first annotator
  <work>/assignment_documents.jsonl   round 2's letter and news sentences (sample_documents.py)
  <work>/ann_<A>/{first,second,...}/labels.jsonl   each annotator's labels (raw copies are kept in
                                      build/annotation_round2/ so the record travels with the data)
  <work>/double_*.jsonl               which sentences got a second annotator, and who
  build/annotation_round2/adjudication.jsonl      a decision for every disputed double label
  <work>/splits_round2.json           report splits drawn by sample_round2.py
  documents/index.jsonl               collected letters and news, each with its split
  corpus/sentences.parquet            a fresh corpus: every report row must join it by id
Outputs (labelled_data/): gold.jsonl, splits.json (version 2.0.0), double_annotation.jsonl,
agreement.json; build/round1_retired.jsonl for round-1 rows whose text today's reader no longer
produces (fragments an older reader cut differently). Every label was decided by an annotator
reading the sentence; the label audit (audit_labels.py) is applied on top, from audit/decisions.jsonl.

Run: python labelled_data/build/merge_round2.py /work/annotation_round2 corpus/
"""
from __future__ import annotations

import json
import shutil
import sys
from collections import defaultdict
from pathlib import Path

import pandas as pd
from sklearn.metrics import cohen_kappa_score

HERE = Path(__file__).resolve().parent
LABELLED = HERE.parent
RAW = HERE / "annotation_round2"
SPLITS_VERSION = "2.0.0"
GUIDELINE_ROUND1, GUIDELINE_ROUND2 = "1.0", "1.1"
OLD_SAMPLING = {"uniform": "random", "care_leaver_stratum": "care_leaver_stratum"}
ROW_FIELDS = ("id", "text", "area", "polarity", "report_id", "document_kind", "local_authority",
              "publication_date", "era", "source_url", "section", "section_kind", "section_area", "page",
              "sampling", "round", "annotator", "guideline_version")


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_jsonl(rows, path: Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def round1_rows(corpus: pd.DataFrame) -> tuple[list[dict], list[dict]]:
    """Round-1 gold in the round-2 schema (stable ids); rows the reader no longer yields are retired."""
    from ofsted_nlp.ids import sentence_id

    area_of = dict(zip(corpus.id, corpus.section_area))
    kept, retired = [], []
    for r in read_jsonl(HERE / "round1_gold.jsonl"):
        sid = sentence_id(r["report_id"], r["text"])
        if sid not in area_of:
            retired.append({**r, "reason": "today's reader does not produce this text (older sentence cut)"})
            continue
        section_area = area_of[sid]
        kept.append({**{k: r.get(k) for k in ROW_FIELDS}, "id": sid, "document_kind": "inspection",
                     "section_area": section_area if isinstance(section_area, str) else None,
                     "sampling": OLD_SAMPLING[r["sampled_from"]], "round": 1,
                     "guideline_version": GUIDELINE_ROUND1, "round1_id": r["id"]})
    return kept, retired


ROUND2_FILES = ("assignment_reports.jsonl", "assignment_documents.jsonl", "double_reports.jsonl",
                "double_documents.jsonl", "splits_round2.json", "ANNOTATOR_BRIEF.md")


def copy_raw(work: Path, raw: Path = RAW, names: tuple[str, ...] = ROUND2_FILES) -> None:
    """Keep every annotator's raw label file (and task file), and the round's `names`, with the data in `raw`."""
    for labels in work.glob("ann_*/*/labels.jsonl"):
        dest = raw / labels.parent.parent.name / labels.parent.name
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(labels, dest / "labels.jsonl")
        shutil.copy(labels.parent / "to_label.jsonl", dest / "to_label.jsonl")
    for name in names:
        if (work / name).exists():
            shutil.copy(work / name, raw / name)


def labels_by_annotator(work: Path) -> dict[str, dict[str, dict]]:
    """annotator -> id -> label row, over all of that annotator's label files."""
    out: dict[str, dict[str, dict]] = defaultdict(dict)
    for labels in sorted(work.glob("ann_*/*/labels.jsonl")):
        annotator = labels.parent.parent.name.removeprefix("ann_")
        for row in read_jsonl(labels):
            out[annotator][row["id"]] = row
    return out


def round2_rows(work: Path, corpus: pd.DataFrame, labels: dict, adjudicated: dict, urls: dict):
    """Round-2 gold rows (first label, or the adjudicated one) and the double-annotation records."""
    sample = read_jsonl(work / "assignment_reports.jsonl") + read_jsonl(work / "assignment_documents.jsonl")
    second_of = {d["id"]: d["second_annotator"] for d in
                 read_jsonl(work / "double_reports.jsonl") + read_jsonl(work / "double_documents.jsonl")}
    rows, doubles, missing = [], [], 0
    for s in sample:
        first = labels.get(s["first_annotator"], {}).get(s["id"])
        if first is None:
            missing += 1
            continue
        label, annotator = {"area": first["area"], "polarity": first["polarity"]}, s["first_annotator"]
        second_name = second_of.get(s["id"])
        second = labels.get(second_name, {}).get(s["id"]) if second_name else None
        if second is not None:
            agree = (first["area"], first["polarity"]) == (second["area"], second["polarity"])
            decision = adjudicated.get(s["id"])
            doubles.append({"id": s["id"], "text": s["text"], "sampling": s["sampling"],
                            "document_kind": s.get("document_kind", "inspection"),
                            "first": {"annotator": annotator, "area": first["area"], "polarity": first["polarity"]},
                            "second": {"annotator": second_name, "area": second["area"],
                                       "polarity": second["polarity"]},
                            "adjudicated": None if agree else decision})
            if agree:
                annotator = f"{annotator}+{second_name}"
            elif decision is not None:
                label, annotator = decision, f"adjudicated({annotator},{second_name})"
        rows.append(document_row(s, label, annotator, urls))
    return rows, doubles, missing


def document_row(s: dict, label: dict, annotator: str, urls: dict) -> dict:
    section_area = s.get("section_area")
    return {"id": s["id"], "text": s["text"], "area": label["area"], "polarity": label["polarity"],
            "report_id": s["report_id"], "document_kind": s.get("document_kind", "inspection"),
            "local_authority": s.get("local_authority"), "publication_date": s.get("publication_date"),
            "era": s.get("era"), "source_url": s.get("source_url") or urls.get(s["report_id"]),
            "section": s.get("section"), "section_kind": s.get("section_kind"),
            "section_area": section_area if isinstance(section_area, str) else None,
            "page": s.get("page"), "sampling": s["sampling"], "round": 2, "annotator": annotator,
            "guideline_version": GUIDELINE_ROUND2}


def agreement(doubles: list[dict], key) -> dict:
    groups = defaultdict(list)
    for d in doubles:
        groups[key(d)].append(d)
    out = {}
    for name, ds in sorted(groups.items()):
        entry = {"n": len(ds)}
        for task in ("area", "polarity"):
            a = [d["first"][task] for d in ds]
            b = [d["second"][task] for d in ds]
            same = sum(x == y for x, y in zip(a, b))
            kappa = cohen_kappa_score(a, b) if len(set(a) | set(b)) > 1 else 1.0
            entry[task] = {"cohen_kappa": round(float(kappa), 3), "raw_agreement": round(same / len(ds), 3),
                           "n_disagreements": len(ds) - same}
        out[name] = entry
    return out


def apply_audit(rows: list[dict]) -> int:
    """Changes decided in the label audit (audit/decisions.jsonl), applied on top of the merge."""
    changed = 0
    decisions = {d["id"]: d for d in read_jsonl(LABELLED / "audit" / "decisions.jsonl")
                 if d.get("decision") == "changed"}
    for row in rows:
        d = decisions.get(row["id"])
        if d:
            row["area"], row["polarity"] = d["new"]["area"], d["new"]["polarity"]
            row["annotator"] += "+audit"
            changed += 1
    return changed


def splits(rows: list[dict], work: Path) -> dict:
    declared = json.loads((work / "splits_round2.json").read_text()) if (work / "splits_round2.json").exists() \
        else json.loads((HERE / "round1_splits.json").read_text())
    docs = read_jsonl(LABELLED / "documents" / "index.jsonl")
    out = {"version": SPLITS_VERSION}
    used = {r["report_id"] for r in rows}
    for split in ("train", "validation", "test"):
        out[split] = sorted(set(declared[split]) & used | {d["doc_id"] for d in docs if d["split"] == split})
    for split in ("ood_dev", "ood_test"):
        out[split] = sorted(d["doc_id"] for d in docs if d["split"] == split)
    return out


def main(work: Path, corpus_dir: Path) -> None:
    corpus = pd.read_parquet(corpus_dir / "sentences.parquet", columns=["id", "section_area"])
    reports = pd.read_parquet(corpus_dir / "reports.parquet", columns=["report_id", "source_url"])
    urls = dict(zip(reports.report_id, reports.source_url))
    copy_raw(work)
    old, retired = round1_rows(corpus)
    adjudicated = {d["id"]: {"area": d["area"], "polarity": d["polarity"]}
                   for d in read_jsonl(RAW / "adjudication.jsonl")}
    new, doubles2, missing = round2_rows(work, corpus, labels_by_annotator(work), adjudicated, urls)
    rows = old + [r for r in new if r["id"] not in {o["id"] for o in old}]
    changed = apply_audit(rows)
    old_ids = {r.get("round1_id"): r["id"] for r in old}
    doubles1 = [{**d, "id": old_ids[d["id"]], "sampling": "random", "document_kind": "inspection"}
                for d in read_jsonl(HERE / "round1_double_annotation.jsonl") if d["id"] in old_ids]
    doubles = doubles1 + doubles2
    for r in rows:
        r.pop("round1_id", None)
    write_jsonl(rows, LABELLED / "gold.jsonl")
    write_jsonl(retired, HERE / "round1_retired.jsonl")
    write_jsonl(doubles, LABELLED / "double_annotation.jsonl")
    disputed = [d for d in doubles if (d["first"]["area"], d["first"]["polarity"]) !=
                (d["second"]["area"], d["second"]["polarity"])]
    (LABELLED / "agreement.json").write_text(json.dumps({
        "n_double": len(doubles), "n_disputed_sentences": len(disputed),
        "n_adjudicated": sum(d["adjudicated"] is not None for d in disputed),
        "overall": agreement(doubles, lambda d: "all")["all"],
        "by_round": agreement(doubles, lambda d: "round 1" if d in doubles1 else "round 2"),
        "by_sampling": agreement(doubles, lambda d: d["sampling"]),
        "by_document_kind": agreement(doubles, lambda d: d["document_kind"]),
    }, indent=1) + "\n")
    (LABELLED / "splits.json").write_text(json.dumps(splits(rows, work), indent=1) + "\n")
    print(f"gold {len(rows)} (round 1 kept {len(old)}, retired {len(retired)}; round 2 {len(new)}, "
          f"unlabelled yet {missing}); double {len(doubles)}, disputed {len(disputed)}; audit changes {changed}")
    write_jsonl(disputed, RAW / "disputed.jsonl")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
