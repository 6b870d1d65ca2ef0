"""Letters and news for gold annotation: store each document, split it into sentences, make tasks.

Input: the collected documents (`<collect>/<doc_id>.json`: kind, local authority, url, licence, the
text as the search tool's stored page gave it). Output:
  labelled_data/documents/<doc_id>.txt   the text, exactly as collected
  labelled_data/documents/index.jsonl    one row per document: metadata, URL, licence and its split
  <work>/assignment_documents.jsonl      every sentence to label, with its first annotator
  <work>/double_documents.jsonl          the sentences given to a second annotator
  <work>/ann_<A>/documents*/to_label.jsonl   the annotators' tasks
Documents already in index.jsonl keep their split and their sentences (the script only adds).

Sentences: each line of the text is a block (the stored pages break lines at paragraphs); a leading
bullet mark is dropped; pysbd splits a block into sentences. This is the reading a pasted text gets.
Splits are by whole document, drawn from a hash of the doc_id: 45% train, 25% ood_dev, 30% ood_test.
`--split train` puts every new document in one split instead: round 3 (collected after splits 2.0.0 froze)
went to train only, so the out-of-domain dev and test sets stay the ones every earlier figure was measured on.

Run: python labelled_data/build/sample_documents.py /work/collect/documents /work/annotation_round2 D1 D2
     python labelled_data/build/sample_documents.py --split train /work/collect3/documents /work/annotation_round3 D3 D4
     python labelled_data/build/sample_documents.py --split train --round 6 /work/collect6/documents /work/annotation_round6 D6 D7
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

LABELLED = Path(__file__).resolve().parents[1]
DOCS = LABELLED / "documents"
KIND = {"monitoring_visit_letter": "monitoring_visit", "focused_visit_letter": "focused_visit",
        "jtai_letter": "jtai", "other_letter": "other_letter", "news": "news_or_text"}
SPLIT_SHARES = (("train", 0.45), ("ood_dev", 0.25), ("ood_test", 0.30))
DOUBLE_SHARE = 0.15
BULLET = re.compile(r"^\s*(?:[-*\u2022\u25aa\u25cf\u25fc|]+\s+)")


def split_of(doc_id: str) -> str:
    u = int(hashlib.sha1(doc_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    edge = 0.0
    for split, share in SPLIT_SHARES:
        edge += share
        if u < edge:
            return split
    return SPLIT_SHARES[-1][0]


def sentences(text: str) -> list[str]:
    import pysbd

    seg = pysbd.Segmenter(language="en", clean=False)
    out = []
    for line in text.splitlines():
        line = BULLET.sub("", line).strip()
        if line:
            out += [s.strip() for s in seg.segment(line) if s.strip()]
    return out


def main(collect: Path, work: Path, annotators: list[str], split: str | None = None,
         annotation_round: int = 2) -> None:
    from ofsted_nlp.ids import assign_ids

    DOCS.mkdir(exist_ok=True)
    index_path = DOCS / "index.jsonl"
    index = {r["doc_id"]: r for r in map(json.loads, index_path.read_text().splitlines())} \
        if index_path.exists() else {}
    assignment_path = work / "assignment_documents.jsonl"
    assigned = [json.loads(x) for x in assignment_path.read_text().splitlines()] if assignment_path.exists() else []
    new_rows = []
    for path in sorted(collect.glob("*.json")):
        doc = json.loads(path.read_text())
        if doc["doc_id"] in index:
            continue
        (DOCS / f"{doc['doc_id']}.txt").write_text(doc["text"], encoding="utf-8")
        meta = {k: doc.get(k) for k in ("doc_id", "local_authority", "title", "url", "publisher", "published",
                                       "visit_date", "licence", "retrieved")}
        index[doc["doc_id"]] = {**meta, "kind": KIND[doc["kind"]], "split": split or split_of(doc["doc_id"]),
                                "round": annotation_round}
        texts = list(dict.fromkeys(sentences(doc["text"])))  # a page stored twice yields each sentence once
        for sid, text in zip(assign_ids(doc["doc_id"], texts), texts):
            new_rows.append({"id": sid, "text": text, "report_id": doc["doc_id"],
                             "document_kind": KIND[doc["kind"]], "local_authority": doc["local_authority"],
                             "publication_date": doc.get("published"), "era": None, "source_url": doc["url"],
                             "section": doc.get("title") or "", "section_kind": None, "section_area": None,
                             "page": None, "sampling": "document"})
    index_path.write_text("".join(json.dumps(index[k], ensure_ascii=False) + "\n" for k in sorted(index)))
    write_tasks(new_rows, work, annotators, len(assigned))
    with open(assignment_path, "a", encoding="utf-8") as fh:
        for row in new_rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(new_rows)} new sentences from {len({r['report_id'] for r in new_rows})} documents")


def write_tasks(rows: list[dict], work: Path, annotators: list[str], batch: int) -> None:
    """Whole documents go to one first annotator (context matters); DOUBLE_SHARE to a second."""
    import random

    rng = random.Random(batch + 17)
    docs = sorted({r["report_id"] for r in rows})
    first_of = {d: annotators[i % len(annotators)] for i, d in enumerate(docs)}
    tasks: dict[tuple[str, str], list[dict]] = {}
    doubles = []
    for row in rows:
        first = first_of[row["report_id"]]
        row["first_annotator"] = first
        tasks.setdefault((first, "documents_first"), []).append(row)
        if rng.random() < DOUBLE_SHARE:
            second = rng.choice([a for a in annotators if a != first])
            tasks.setdefault((second, "documents_second"), []).append(row)
            doubles.append({"id": row["id"], "first_annotator": first, "second_annotator": second})
    tag = f"_{batch}" if batch else ""
    for (annotator, name), items in tasks.items():
        folder = work / f"ann_{annotator}" / f"{name}{tag}"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "to_label.jsonl", "w", encoding="utf-8") as fh:
            for r in items:
                fh.write(json.dumps({"id": r["id"], "text": r["text"], "section": r["section"],
                                     "section_area_by_heading": None,
                                     "document": f"{r['local_authority']} ({r['publication_date']}, "
                                                 f"{r['document_kind'].replace('_', ' ')}; {r['source_url']})"},
                                    ensure_ascii=False) + "\n")
    with open(work / "double_documents.jsonl", "a", encoding="utf-8") as fh:
        for d in doubles:
            fh.write(json.dumps(d) + "\n")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("collect", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("annotators", nargs="+")
    parser.add_argument("--split", choices=[name for name, _ in SPLIT_SHARES], default=None,
                        help="put every new document in this split (default: by a hash of its id)")
    parser.add_argument("--round", dest="annotation_round", type=int, default=2)
    args = parser.parse_args()
    main(args.collect, args.work, args.annotators, args.split, args.annotation_round)
