"""Merge the annotators' label files into labelled_data/gold.jsonl.

Inputs (under the annotation work folder):
  sample.jsonl                 the drawn sentences with provenance
  shard_<k>/labels.jsonl       first annotator A<k> of each shard
  second/labels.jsonl          second, independent annotator B of 400 sentences
  adjudication/labels.jsonl    an adjudicator's decision on each double-annotated
                               sentence where A and B disagree (optional)

Outputs (labelled_data/):
  gold.jsonl                   one row per sentence: the adjudicated label where the
                               sentence was double-annotated and disputed, else A's
  double_annotation.jsonl      the 400 doubly annotated sentences with both labels
  agreement.json               Cohen's kappa and raw agreement, area and polarity
Every label here was decided by an annotator reading the sentence.
"""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

GUIDELINE_VERSION = "1.0"
ALLOWED_AREAS = {"help_and_protection", "children_in_care", "care_leavers", "leadership", "none"}
ALLOWED_POLARITIES = {"positive", "negative", "neutral"}


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def check(rows: list[dict], source: Path) -> dict[str, dict]:
    out = {}
    for r in rows:
        if r["area"] not in ALLOWED_AREAS or r["polarity"] not in ALLOWED_POLARITIES:
            raise ValueError(f"{source}: bad label in {r}")
        out[r["id"]] = r
    return out


def main(work: Path, out: Path, index_csv: Path) -> None:
    sample = {r["id"]: r for r in read_jsonl(work / "sample.jsonl")}
    urls = {}
    if index_csv.exists():
        with open(index_csv, newline="", encoding="utf-8") as fh:
            urls = {Path(r["file"]).stem: r["source_url"] for r in csv.DictReader(fh)}
    first: dict[str, dict] = {}
    annotator_of: dict[str, str] = {}
    for shard in sorted(work.glob("shard_*")):
        labels = check(read_jsonl(shard / "labels.jsonl"), shard)
        name = "A" + shard.name.split("_")[1]
        for k, v in labels.items():
            first[k] = v
            annotator_of[k] = name
    second = check(read_jsonl(work / "second" / "labels.jsonl"), work / "second")
    adjudicated = {}
    if (work / "adjudication" / "labels.jsonl").exists():
        adjudicated = check(read_jsonl(work / "adjudication" / "labels.jsonl"), work / "adjudication")

    both = [k for k in second if k in first]
    agreement = {"n_double": len(both)}
    for field in ("area", "polarity"):
        a = [first[k][field] for k in both]
        b = [second[k][field] for k in both]
        agreement[field] = {
            "cohen_kappa": round(float(cohen_kappa_score(a, b)), 3),
            "raw_agreement": round(sum(x == y for x, y in zip(a, b)) / len(both), 3),
            "n_disagreements": sum(x != y for x, y in zip(a, b)),
        }
    disputed = [k for k in both if (first[k]["area"], first[k]["polarity"]) != (second[k]["area"], second[k]["polarity"])]
    agreement["n_disputed_sentences"] = len(disputed)
    agreement["n_adjudicated"] = sum(k in adjudicated for k in disputed)

    gold, double = [], []
    for sid, s in sample.items():
        if sid not in first:
            raise ValueError(f"sentence {sid} has no first annotation")
        label, annotator = first[sid], annotator_of[sid]
        if sid in disputed and sid in adjudicated:
            label, annotator = adjudicated[sid], f"adjudicated({annotator},B)"
        elif sid in both:
            annotator = f"{annotator}+B"
        gold.append({
            "id": sid, "text": s["text"], "area": label["area"], "polarity": label["polarity"],
            "report_id": s["report_id"], "report_file": s["report_id"] + ".pdf",
            "local_authority": s["local_authority"], "publication_date": s["publication_date"], "era": s["era"],
            "source_url": urls.get(s["report_id"]), "section": s["section"], "section_kind": s["section_kind"],
            "paragraph_number": s["paragraph_number"], "page": s["page"], "sampled_from": s["sampled_from"],
            "annotator": annotator, "guideline_version": GUIDELINE_VERSION,
        })
        if sid in both:
            double.append({"id": sid, "text": s["text"],
                           "first": {"annotator": annotator_of[sid], "area": first[sid]["area"],
                                     "polarity": first[sid]["polarity"]},
                           "second": {"annotator": "B", "area": second[sid]["area"],
                                      "polarity": second[sid]["polarity"]},
                           "adjudicated": ({"area": adjudicated[sid]["area"], "polarity": adjudicated[sid]["polarity"]}
                                           if sid in adjudicated else None)})
    gold.sort(key=lambda r: r["id"])
    double.sort(key=lambda r: r["id"])
    write_jsonl(out / "gold.jsonl", gold)
    write_jsonl(out / "double_annotation.jsonl", double)
    (out / "agreement.json").write_text(json.dumps(agreement, indent=1) + "\n")
    print(json.dumps(agreement, indent=1))


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    work = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/annotation_work")
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).resolve().parents[1]
    index_csv = Path(__file__).resolve().parents[3] / "shared" / "ofsted_reports" / "index.csv"
    main(work, out, index_csv)
