"""The sentences either side of each gold sentence, in its publication's reading order.

Three sources, one for each way a gold sentence was read:
  * inspection reports: the corpus (`sentences.parquet`, every finding sentence of a report in reading
    order, with the same ids as gold);
  * letters and news: `labelled_data/documents/<doc_id>.txt`, split the way
    `labelled_data/build/sample_documents.py` split it for annotation (same ids);
  * the `outside_findings` stratum (front matter, 'about this inspection'): the report's PDF read the way
    `labelled_data/build/outside_findings.py` read it (text blocks, pysbd), when the PDFs are at hand.

Neighbours run across section boundaries (the publication's reading order, as a caller's document is
read); the first sentence has no previous one and the last no next one.

Run: python experiments/neighbours.py   (prints the coverage of every split)
"""
from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ROOT / "labelled_data" / "documents"
BUILD = ROOT / "labelled_data" / "build"
OUTSIDE_STRATUM = "outside_findings"

Neighbours = dict[str, tuple[str | None, str | None]]  # sentence id -> (previous text, next text)


def _build_module(name: str):
    """A labelled_data/build script as a module (they are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"build_{name}", BUILD / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def in_reading_order(ids: Sequence[str], texts: Sequence[str]) -> Neighbours:
    """Each id's previous and next text in the given order (None at either end)."""
    out: Neighbours = {}
    for i, sid in enumerate(ids):
        out[sid] = (texts[i - 1] if i > 0 else None, texts[i + 1] if i + 1 < len(texts) else None)
    return out


def report_neighbours(corpus_dir: Path, report_ids: Iterable[str] | None = None) -> Neighbours:
    """Neighbours of every corpus sentence (the corpus rows are in reading order within a report)."""
    sentences = pd.read_parquet(corpus_dir / "sentences.parquet", columns=["id", "text", "report_id"])
    if report_ids is not None:
        sentences = sentences[sentences.report_id.isin(set(report_ids))]
    out: Neighbours = {}
    for _, group in sentences.groupby("report_id", sort=False):
        out.update(in_reading_order(list(group.id), list(group.text)))
    return out


def document_neighbours(doc_ids: Iterable[str], documents_dir: Path = DOCUMENTS) -> Neighbours:
    """Neighbours of the sentences of letters and news, split and numbered as for annotation."""
    from ofsted_nlp.ids import assign_ids

    split_sentences = _build_module("sample_documents").sentences
    out: Neighbours = {}
    for doc_id in sorted(set(doc_ids)):
        path = documents_dir / f"{doc_id}.txt"
        if not path.exists():
            continue
        texts = list(dict.fromkeys(split_sentences(path.read_text(encoding="utf-8"))))  # as sample_documents
        out.update(in_reading_order(assign_ids(doc_id, texts), texts))
    return out


def outside_neighbours(report_ids: Iterable[str], corpus_dir: Path, pdf_dir: Path) -> Neighbours:
    """Neighbours of the sentences outside the finding sections, re-read from the reports' PDFs (the
    sentences that overlap a finding sentence of today's corpus are left out, as when the stratum was drawn)."""
    from ofsted_nlp.ids import normalise_text, sentence_id

    outside_sentences = _build_module("outside_findings").outside_sentences
    sentences = pd.read_parquet(corpus_dir / "sentences.parquet", columns=["text", "report_id"])
    out: Neighbours = {}
    for rid in sorted(set(report_ids)):
        pdf = pdf_dir / f"{rid}.pdf"
        if not pdf.exists():
            continue
        keys = [normalise_text(t) for t in sentences[sentences.report_id == rid].text]
        texts = [r["text"] for r in outside_sentences(pdf, keys)]
        out.update(in_reading_order([sentence_id(rid, t) for t in texts], texts))
    return out


def gold_neighbours(rows: pd.DataFrame, corpus_dir: Path, pdf_dir: Path | None = None) -> Neighbours:
    """Neighbours for gold rows (columns id, report_id, sampling, document_kind); rows none of the
    sources places are left out (the caller treats them as loose sentences)."""
    is_document = rows.sampling == "document"
    is_outside = rows.sampling == OUTSIDE_STRATUM
    found = report_neighbours(corpus_dir, rows[~is_document & ~is_outside].report_id)
    found.update(document_neighbours(rows[is_document].report_id))
    if pdf_dir is not None and pdf_dir.is_dir():
        found.update(outside_neighbours(rows[is_outside].report_id, corpus_dir, pdf_dir))
    return {sid: found[sid] for sid in rows.id if sid in found}


def coverage(rows: pd.DataFrame, neighbours: Neighbours) -> pd.DataFrame:
    """Per split and sampling stratum: gold rows, rows placed in their publication, rows with a previous
    and with a next sentence."""
    placed = rows.id.map(lambda sid: sid in neighbours)
    has_prev = rows.id.map(lambda sid: neighbours.get(sid, (None, None))[0] is not None)
    has_next = rows.id.map(lambda sid: neighbours.get(sid, (None, None))[1] is not None)
    table = rows.assign(placed=placed, has_previous=has_prev, has_next=has_next)
    return table.groupby(["split", "sampling"])[["placed", "has_previous", "has_next"]].agg(["sum", "count"])


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from ofsted_nlp import data

    from common import REPORTS, ensure_corpus

    dd = data.load_dataset()
    rows = pd.concat([ds.to_pandas()[["id", "report_id", "sampling"]].assign(split=name) for name, ds in dd.items()])
    neighbours = gold_neighbours(rows, ensure_corpus(), REPORTS)
    print(f"{len(neighbours)} of {len(rows)} gold rows placed in their publication")
    with pd.option_context("display.width", 200):
        print(coverage(rows, neighbours))


if __name__ == "__main__":
    main()
