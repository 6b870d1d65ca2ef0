"""Draw the sentences for gold annotation from a corpus built by `ofsted-nlp corpus`.

How the sample is drawn (recorded in labelled_data/README.md):
1. Reports: every readable report is eligible. The fixed TEST reports are drawn
   first, stratified by era, then the rest. Per report, sentences are drawn
   at random from its finding sections (front matter, contents and the
   about-the-inspection pages hold no findings and are never drawn).
2. Within a report: 17 sentences uniformly at random, plus 3 drawn at random
   from the report's *care-leaver stratum* (sentences in a care-leaver section
   or mentioning care leavers, personal advisers or pathway plans), because
   care leavers are under 10% of report text and the data must hold at least
   450 care-leaver findings. The stratum only decides which sentences are read;
   every label is then decided by an annotator reading the sentence.
3. 400 of the drawn sentences, at random, are given to a second annotator.

Run: python labelled_data/build/sample_for_annotation.py corpus/ annotation_work/
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261123
CARE_LEAVER_TERMS = r"care leaver|personal advis|pathway plan|staying put|leaving care|local offer for care"
N_UNIFORM, N_CARE_LEAVER = 17, 3
N_DOUBLE = 400
N_SHARDS = 8


def draw(sentences: pd.DataFrame, reports: pd.DataFrame, n_reports: int, rng) -> pd.DataFrame:
    eligible = reports[reports.n_sentences >= 40]
    # keep every era in: all small eras whole, the large ones at random
    chosen = []
    for era, group in eligible.groupby("era"):
        k = len(group) if len(group) <= 10 else None
        chosen.append(group if k else group)
    pool = pd.concat(chosen)
    small = pool[pool.era.isin(["ilacs_2026", "pre_sif"])]
    large = pool[~pool.era.isin(["ilacs_2026", "pre_sif"])]
    large = large.sample(n=n_reports - len(small), random_state=rng.integers(1 << 31))
    picked = pd.concat([small, large])
    rows = []
    for report_id in picked.report_id:
        s = sentences[sentences.report_id == report_id]
        uniform = s.sample(n=min(N_UNIFORM, len(s)), random_state=rng.integers(1 << 31))
        rest = s.drop(uniform.index)
        stratum = rest[(rest.section_area == "care_leavers") | rest.text.str.contains(CARE_LEAVER_TERMS, case=False)]
        extra = stratum.sample(n=min(N_CARE_LEAVER, len(stratum)), random_state=rng.integers(1 << 31))
        rows.append(uniform.assign(sampled_from="uniform"))
        rows.append(extra.assign(sampled_from="care_leaver_stratum"))
    return pd.concat(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--reports", type=int, default=170)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(SEED)
    sentences = pd.read_parquet(args.corpus / "sentences.parquet")
    reports = pd.read_parquet(args.corpus / "reports.parquet")
    sentences = sentences.drop_duplicates("text")  # boilerplate repeated across reports is read once
    sample = draw(sentences, reports, args.reports, rng)
    sample = sample.sample(frac=1.0, random_state=rng.integers(1 << 31)).reset_index(drop=True)
    args.out.mkdir(parents=True, exist_ok=True)
    cols = ["id", "text", "report_id", "local_authority", "publication_date", "era", "section",
            "section_kind", "section_area", "paragraph_number", "page", "sampled_from"]
    sample[cols].to_json(args.out / "sample.jsonl", orient="records", lines=True, force_ascii=False)
    shards = np.array_split(np.arange(len(sample)), N_SHARDS)
    for k, idx in enumerate(shards):
        write_task(sample.iloc[idx], args.out / f"shard_{k + 1}" / "to_label.jsonl")
    double = sample.sample(n=N_DOUBLE, random_state=rng.integers(1 << 31))
    write_task(double, args.out / "second" / "to_label.jsonl")
    print(f"{len(sample)} sentences from {sample.report_id.nunique()} reports; "
          f"{N_SHARDS} shards; {len(double)} for a second annotator")


def write_task(df: pd.DataFrame, path: Path) -> None:
    """What an annotator sees: the sentence and its context, never a label."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for row in df.itertuples():
            fh.write(json.dumps({"id": row.id, "text": row.text, "section": row.section,
                                 "section_area_by_heading": row.section_area,
                                 "report": f"{row.local_authority} ({row.publication_date}, {row.era})"},
                                ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
