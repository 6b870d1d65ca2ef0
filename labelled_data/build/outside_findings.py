"""Sentences of report pages outside the finding sections, for the `outside_findings` stratum.

The reader returns only finding sections; a user who pastes a whole report (or a letter) also gives us
front matter, contents, 'about this inspection', headers and footers. Those are where `none` lives, so a
sample of them is read by annotators too. Each text block of a page is split into sentences (pysbd); a
sentence that overlaps any finding sentence the reader returns for that report is dropped.

Run: python labelled_data/build/outside_findings.py ../shared/ofsted_reports corpus/ outside.parquet
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 11
N_REPORTS = 60
MIN_WORDS = 3


def outside_sentences(pdf: Path, finding_keys: list[str]) -> list[dict]:
    import pymupdf
    import pysbd

    from ofsted_nlp.ids import normalise_text

    seg = pysbd.Segmenter(language="en", clean=False)
    rows = []
    with pymupdf.open(pdf) as doc:
        for page_no, page in enumerate(doc, start=1):
            for block in page.get_text("blocks"):
                text = " ".join(block[4].split())
                for sent in seg.segment(text):
                    sent = sent.strip()
                    key = normalise_text(sent)
                    if len(sent.split()) < MIN_WORDS or any(key in f or f in key for f in finding_keys):
                        continue
                    rows.append({"text": sent, "page": page_no})
    return rows


def main(folder, corpus, out):
    from ofsted_nlp.ids import normalise_text, sentence_id

    rng = np.random.default_rng(SEED)
    sentences = pd.read_parquet(Path(corpus) / "sentences.parquet")
    reports = pd.read_parquet(Path(corpus) / "reports.parquet")
    picked = reports.sample(n=N_REPORTS, random_state=int(rng.integers(1 << 31)))
    rows = []
    for rep in picked.itertuples():
        keys = [normalise_text(t) for t in sentences[sentences.report_id == rep.report_id].text]
        for r in outside_sentences(Path(folder) / rep.file, keys):
            rows.append({**r, "report_id": rep.report_id, "local_authority": rep.local_authority,
                         "publication_date": rep.publication_date, "era": rep.era,
                         "section": "(outside the finding sections)", "section_kind": "outside_findings",
                         "section_area": None, "id": sentence_id(rep.report_id, r["text"])})
    df = pd.DataFrame(rows).drop_duplicates("id")
    df.to_parquet(out)
    print(len(df), "sentences from", df.report_id.nunique(), "reports")


if __name__ == "__main__":
    main(*sys.argv[1:4])
