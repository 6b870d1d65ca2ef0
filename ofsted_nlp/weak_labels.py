"""Weak labels: the supervision the report structure gives for free.

Every sentence of every report gets the area named by the heading of the
section it stands in and the grade Ofsted gave that section. These are WEAK
labels, made by a rule from section headings, never read by a person: they
are stored apart from the gold data (labelled_data/weak/) and every use of
them says so.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

WEAK_COLUMNS = [
    "id", "text", "report_id", "local_authority", "publication_date", "era", "section", "section_kind",
    "paragraph_number", "page", "weak_area", "weak_section_grade",
]


def weak_labels_from_corpus(sentences: pd.DataFrame) -> pd.DataFrame:
    """A DataFrame of weak labels from a corpus sentence table (see corpus.build_corpus)."""
    df = sentences.rename(columns={"section_area": "weak_area", "section_grade": "weak_section_grade"})
    df = df[df.weak_area.notna()]
    return df[WEAK_COLUMNS].reset_index(drop=True)


def write_weak_labels(sentences: pd.DataFrame, out_path: str | Path) -> Path:
    """Write the weak labels of a corpus sentence table to ``out_path`` (parquet, zstd; atomically:
    a temporary file renamed into place) and return the path."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    try:
        weak_labels_from_corpus(sentences).to_parquet(tmp, index=False, compression="zstd")
        os.replace(tmp, out_path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out_path


def load_weak_labels(path: str | Path | None = None) -> pd.DataFrame:
    """The weak labels written by ``write_weak_labels``; by default labelled_data/weak/weak_labels.parquet."""
    import pandas as pd

    from .data import labelled_data_dir

    path = Path(path) if path else labelled_data_dir() / "weak" / "weak_labels.parquet"
    return pd.read_parquet(path)
