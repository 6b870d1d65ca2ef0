"""The labelled data as a `datasets.DatasetDict`, split by report.

Gold sentences live in `labelled_data/gold.jsonl`; which report belongs to
which split is declared in `labelled_data/splits.json`. The test split is a
fixed list of whole reports that no experiment may train or tune on.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .errors import DataError
from .labels import ANNOTATOR_ONLY_AREA, AREAS, POLARITIES

SPLITS = ("train", "validation", "test")
GOLD_FILE = "gold.jsonl"
SPLITS_FILE = "splits.json"
DATA_VERSION = "1.0.0"  # bump when gold labels or splits change; the content hash is data_version()


def labelled_data_dir() -> Path:
    """The repository's labelled_data/ (the package is used from a checkout)."""
    return Path(__file__).resolve().parent.parent / "labelled_data"


def load_gold_rows(directory: str | Path | None = None) -> list[dict]:
    path = Path(directory or labelled_data_dir()) / GOLD_FILE
    if not path.exists():
        raise DataError(f"{path}: gold data not found")
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_splits(directory: str | Path | None = None) -> dict[str, list[str]]:
    path = Path(directory or labelled_data_dir()) / SPLITS_FILE
    if not path.exists():
        raise DataError(f"{path}: split declaration not found")
    with open(path, encoding="utf-8") as fh:
        splits = json.load(fh)
    return {k: splits[k] for k in SPLITS}


def data_version(directory: str | Path | None = None) -> str:
    """A short hash of the gold data and its splits, logged with every experiment."""
    d = Path(directory or labelled_data_dir())
    h = hashlib.sha256()
    for name in (GOLD_FILE, SPLITS_FILE):
        h.update((d / name).read_bytes())
    return h.hexdigest()[:12]


def split_rows(rows: list[dict], splits: dict[str, list[str]]) -> dict[str, list[dict]]:
    where = {rid: split for split, ids in splits.items() for rid in ids}
    out: dict[str, list[dict]] = {s: [] for s in SPLITS}
    for row in rows:
        split = where.get(row["report_id"])
        if split is None:
            raise DataError(f"report {row['report_id']} of gold sentence {row['id']} is in no split")
        out[split].append(row)
    return out


def load_dataset(directory: str | Path | None = None, include_none_area: bool = False):
    """The gold data as a DatasetDict with train, validation and test splits.

    Sentences an annotator marked `none` (no practice content) are left out
    unless `include_none_area` is set; then their area is -1 (no class).
    """
    import datasets

    rows = load_gold_rows(directory)
    if not include_none_area:
        rows = [r for r in rows if r["area"] != ANNOTATOR_ONLY_AREA]
    features = datasets.Features({
        "id": datasets.Value("string"),
        "text": datasets.Value("string"),
        "area": datasets.ClassLabel(names=list(AREAS)),
        "polarity": datasets.ClassLabel(names=list(POLARITIES)),
        "report_id": datasets.Value("string"),
        "local_authority": datasets.Value("string"),
        "publication_date": datasets.Value("string"),
        "era": datasets.Value("string"),
        "section": datasets.Value("string"),
        "section_kind": datasets.Value("string"),
        "paragraph_number": datasets.Value("int32"),
        "page": datasets.Value("int32"),
        "source_url": datasets.Value("string"),
        "annotator": datasets.Value("string"),
    })
    by_split = split_rows(rows, load_splits(directory))
    version = data_version(directory)

    def encode(r):
        return {k: (r.get(k) if k not in ("area",) else (AREAS.index(r["area"]) if r["area"] in AREAS else -1))
                for k in features}

    dd = datasets.DatasetDict({
        split: datasets.Dataset.from_list([encode(r) for r in split_rows_],
                                          features=features,
                                          info=datasets.DatasetInfo(version=datasets.Version(DATA_VERSION),
                                                                    description=f"ofsted_nlp gold, content hash {version}",
                                                                    features=features))
        for split, split_rows_ in by_split.items()
    })
    return dd


def texts_and_labels(dataset) -> tuple[list[str], list[str], list[str]]:
    """Plain lists (texts, area names, polarity names) from one split of load_dataset()."""
    area_names = dataset.features["area"].names
    pol_names = dataset.features["polarity"].names
    return (list(dataset["text"]), [area_names[i] for i in dataset["area"]],
            [pol_names[i] for i in dataset["polarity"]])
