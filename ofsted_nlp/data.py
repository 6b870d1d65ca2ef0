"""The labelled data: gold rows checked on load, frozen splits, one data version, a DatasetDict.

Gold sentences live in `labelled_data/gold.jsonl`; which publication belongs to which split is
declared, with a version, in `labelled_data/splits.json` (whole publications: `train`,
`validation`, `test` for inspection reports and the letters and news trained on; `ood_dev` and
`ood_test` for the letters and news held out as an out-of-domain check). The test splits are
never used for training, tuning or model selection.

`data_version()` is the one content hash of everything a model can learn from or be scored on:
gold, splits, weak labels, double annotation, the label audit and the collected documents.

Run `python -m ofsted_nlp.data --stats` for the counts the datasheet quotes.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import DataError, InputError
from .labels import AREA_CLASSES, AREAS, DOCUMENT_KINDS, ERAS, POLARITIES

if TYPE_CHECKING:
    import datasets
    import pandas as pd

SPLITS = ("train", "validation", "test")
OOD_SPLITS = ("ood_dev", "ood_test")
GOLD_FILE = "gold.jsonl"
SPLITS_FILE = "splits.json"
# Every file the data version covers, relative to labelled_data/ (folders: all their files).
VERSIONED_PATHS = (GOLD_FILE, SPLITS_FILE, "weak", "double_annotation.jsonl", "audit", "documents")
DATA_VERSION_LENGTH = 12
SAMPLINGS = ("random", "active", "outside_findings", "care_leaver_stratum", "document")
REQUIRED_FIELDS = ("id", "text", "area", "polarity", "report_id", "document_kind", "local_authority",
                   "publication_date", "source_url", "section", "sampling", "annotator", "guideline_version")
# Fields that must hold a str, and fields that hold a str or null (when present); anything else
# (a number, a list) would fail deep inside `datasets` or pandas without naming the row.
TEXT_FIELDS = ("id", "text", "area", "polarity", "report_id", "document_kind", "local_authority", "source_url",
               "section", "sampling", "annotator", "guideline_version")
OPTIONAL_TEXT_FIELDS = ("publication_date", "era", "section_area", "section_kind")


def labelled_data_dir() -> Path:
    """`$OFSTED_NLP_DATA` when set, else the checkout's labelled_data/ beside the package, else
    labelled_data/ in the working directory (a wheel installed and run from a checkout).

    The labelled data is not in the wheel (27 MB); after `pip install ofsted-nlp` elsewhere, point
    `$OFSTED_NLP_DATA` at a copy of the repository's labelled_data/ folder, or pass
    `directory=` to the loaders. A folder that does not exist raises DataError saying so.
    """
    configured = os.environ.get("OFSTED_NLP_DATA")
    if configured:
        path = Path(configured)
    else:
        beside_package = Path(__file__).resolve().parent.parent / "labelled_data"
        in_working_dir = Path.cwd() / "labelled_data"
        path = beside_package if beside_package.is_dir() or not (in_working_dir / "gold.jsonl").is_file() \
            else in_working_dir
    if not path.is_dir():
        source = "$OFSTED_NLP_DATA" if configured else "the default locations (a source checkout's labelled_data/)"
        raise DataError(
            f"labelled data folder {path} ({source}) does not exist. The labelled data is not part of the "
            "installed package: set OFSTED_NLP_DATA=/path/to/labelled_data (the folder of the ofsted_nlp "
            "repository holding gold.jsonl and splits.json), run from the repository's root, or pass "
            "directory= to the data functions."
        )
    return path


# --------------------------------------------------------------------------- reading and checking


def read_jsonl(path: Path) -> list[dict]:
    """Rows of a JSON-lines file; a bad line raises DataError naming the file and line."""
    return [row for _, row in read_jsonl_numbered(path)]


def read_jsonl_numbered(path: Path) -> list[tuple[int, dict]]:
    """(line number, row) for each non-blank line of a JSON-lines file (blank lines are skipped, so
    the numbers are the file's own); a bad line raises DataError naming the file and line."""
    if not path.exists():
        raise DataError(f"{path}: not found")
    rows = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise DataError(f"{path}:{number}: expected a JSON object, got {type(row).__name__}")
            rows.append((number, row))
    return rows


def check_gold_row(row: dict, where: str) -> None:
    """Raise DataError (naming `where`) for a missing field, a field of the wrong type, an unknown
    label (a misspelt or null area is never read as another) or an empty text."""
    missing = [f for f in REQUIRED_FIELDS if f not in row]
    if missing:
        raise DataError(f"{where}: missing field(s) {', '.join(missing)}")
    for field in TEXT_FIELDS:
        if not isinstance(row[field], str):
            raise DataError(f"{where}: {field} is {_json_type(row[field])}, expected a string")
    for field in OPTIONAL_TEXT_FIELDS:
        if row.get(field) is not None and not isinstance(row[field], str):
            raise DataError(f"{where}: {field} is {_json_type(row[field])}, expected a string or null")
    checks = (("area", AREA_CLASSES), ("polarity", POLARITIES), ("document_kind", DOCUMENT_KINDS),
              ("sampling", SAMPLINGS), ("section_area", (*AREAS, None)), ("era", (*ERAS, None)))
    for field, allowed in checks:
        if row.get(field) not in allowed:
            names = ", ".join("null" if a is None else a for a in allowed)
            raise DataError(f"{where}: {field} {row[field]!r} is not one of {names}")
    if not row["text"].strip():
        raise DataError(f"{where}: empty text")


def _json_type(value) -> str:
    names = {type(None): "null", bool: "a boolean", int: "a number", float: "a number", list: "a list",
             dict: "an object"}
    return names.get(type(value), type(value).__name__)


def load_gold_rows(directory: str | Path | None = None) -> list[dict]:
    """Every gold row, checked: valid labels, fields and types, unique ids (errors name file and line)."""
    path = Path(directory or labelled_data_dir()) / GOLD_FILE
    numbered = read_jsonl_numbered(path)
    seen: dict[str, int] = {}
    for number, row in numbered:
        where = f"{path}:{number}"
        check_gold_row(row, where)
        if row["id"] in seen:
            raise DataError(f"{where}: id {row['id']} repeats line {seen[row['id']]}")
        seen[row["id"]] = number
    return [row for _, row in numbered]


def load_splits(directory: str | Path | None = None) -> dict[str, Any]:
    """Publication ids per split (plus `version`); a publication in two splits raises DataError."""
    path = Path(directory or labelled_data_dir()) / SPLITS_FILE
    if not path.exists():
        raise DataError(f"{path}: split declaration not found")
    try:
        declared = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON ({exc.msg})") from None
    if not isinstance(declared, dict):
        raise DataError(f"{path}: expected a JSON object of splits, got {_json_type(declared)}")
    missing = [s for s in SPLITS if s not in declared]
    if missing:
        raise DataError(f"{path}: no {', '.join(missing)} split")
    for split in SPLITS + OOD_SPLITS:
        ids = declared.get(split, [])
        if not isinstance(ids, list) or not all(isinstance(pid, str) for pid in ids):
            raise DataError(f"{path}: split {split} must be a list of publication ids (strings)")
    splits = {s: list(declared.get(s, [])) for s in SPLITS + OOD_SPLITS}
    where: dict[str, str] = {}
    for split, ids in splits.items():
        for pid in ids:
            if pid in where:
                raise DataError(f"{path}: {pid} is in both {where[pid]} and {split}")
            where[pid] = split
    return {"version": str(declared.get("version", "1")), **splits}


def split_rows(rows: list[dict], splits: dict[str, list[str]]) -> dict[str, list[dict]]:
    """Gold rows by split; a row whose publication is in no split raises DataError."""
    names = [s for s in SPLITS + OOD_SPLITS if s in splits]
    where = {pid: split for split in names for pid in splits[split]}
    out: dict[str, list[dict]] = {s: [] for s in names}
    for row in rows:
        split = where.get(row["report_id"])
        if split is None:
            raise DataError(f"publication {row['report_id']} of gold sentence {row['id']} is in no split")
        out[split].append(row)
    return out


# --------------------------------------------------------------------------- data version


def content_hash(paths_or_bytes: str | Path | bytes | Iterable[str | Path | bytes]) -> str:
    """A short sha256 of files (a path, a folder, bytes, or an iterable of them), order-free.

    Each file's name and bytes are hashed (the name says which split or table it is); folders
    contribute all their files.
    """
    digests = sorted(_item_digest(name, content) for name, content in _data_items(paths_or_bytes))
    if not digests:
        raise InputError("content_hash needs at least one file or bytes object")
    return hashlib.sha256("\n".join(digests).encode()).hexdigest()[:DATA_VERSION_LENGTH]


def versioned_files(directory: str | Path | None = None) -> list[Path]:
    """The labelled-data files and folders that exist among VERSIONED_PATHS."""
    d = Path(directory or labelled_data_dir())
    return [d / name for name in VERSIONED_PATHS if (d / name).exists()]


def data_version(directory: str | Path | None = None) -> str:
    """The content hash of gold, splits, weak labels, double annotation, audit and documents."""
    return content_hash(versioned_files(directory))


def _data_items(paths_or_bytes) -> Iterable[tuple[str, bytes]]:
    if isinstance(paths_or_bytes, (bytes, bytearray, memoryview, str, os.PathLike)):
        paths_or_bytes = [paths_or_bytes]
    for item in paths_or_bytes:
        if isinstance(item, (bytes, bytearray, memoryview)):
            yield "", bytes(item)
        else:
            yield from _path_items(Path(item))


def _path_items(path: Path) -> Iterable[tuple[str, bytes]]:
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            yield file.relative_to(path).as_posix(), file.read_bytes()
    elif path.is_file():
        yield path.name, path.read_bytes()
    else:
        raise InputError(f"{path}: no such labelled data file or folder")


def _item_digest(name: str, content: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(name.encode())
    digest.update(b"\0")
    digest.update(content)
    return digest.hexdigest()


# --------------------------------------------------------------------------- DatasetDict


def _features():
    import datasets

    text = datasets.Value("string")
    return datasets.Features({
        "id": text, "text": text,
        "area": datasets.ClassLabel(names=list(AREA_CLASSES)),
        "polarity": datasets.ClassLabel(names=list(POLARITIES)),
        "report_id": text, "document_kind": text, "local_authority": text, "publication_date": text,
        "era": text, "section": text, "section_area": text, "sampling": text, "source_url": text,
        "annotator": text,
    })


def load_dataset(directory: str | Path | None = None) -> datasets.DatasetDict:
    """The gold data as a DatasetDict: train, validation, test (and ood_dev, ood_test when declared).

    `area` is a ClassLabel over labels.AREA_CLASSES (the four areas and `none`); the version and
    content hash are in each split's `info`.
    """
    import datasets

    features = _features()
    splits = load_splits(directory)
    by_split = split_rows(load_gold_rows(directory), splits)
    info = dict(version=datasets.Version(_semver(splits["version"])), features=features,
                description=f"ofsted_nlp gold, splits {splits['version']}, content hash {data_version(directory)}")
    return datasets.DatasetDict({
        split: datasets.Dataset.from_list([{k: row.get(k) for k in features} for row in rows],
                                          features=features, info=datasets.DatasetInfo(**info))
        for split, rows in by_split.items() if rows or split in SPLITS
    })


def _semver(version: str) -> str:
    parts = (version.split(".") + ["0", "0"])[:3]
    return ".".join(parts)


def texts_and_labels(dataset: datasets.Dataset) -> tuple[list[str], list[str], list[str]]:
    """Plain lists (texts, area names, polarity names) from one split of load_dataset()."""
    area_names = dataset.features["area"].names
    pol_names = dataset.features["polarity"].names
    return (list(dataset["text"]), [area_names[i] for i in dataset["area"]],
            [pol_names[i] for i in dataset["polarity"]])


def gold_frame(directory: str | Path | None = None) -> pd.DataFrame:
    """All gold rows as a pandas DataFrame with a `split` column."""
    import pandas as pd

    by_split = split_rows(load_gold_rows(directory), load_splits(directory))
    return pd.DataFrame([{**row, "split": split} for split, rows in by_split.items() for row in rows])


# --------------------------------------------------------------------------- statistics


def stats(directory: str | Path | None = None) -> dict:
    """The datasheet's counts: totals, and tables by split, sampling, kind, era, year, area, polarity."""
    import pandas as pd

    frame = gold_frame(directory)
    frame["year"] = frame.publication_date.fillna("").str[:4]
    frame["layout"] = frame.era.fillna(frame.document_kind)
    tables = {
        "split x sampling": pd.crosstab(frame.split, frame.sampling, margins=True),
        "document kind x split": pd.crosstab(frame.document_kind, frame.split, margins=True),
        "layout (era) x split": pd.crosstab(frame.layout, frame.split, margins=True),
        "year": frame.year.value_counts().sort_index().to_frame("sentences"),
        "area x polarity": pd.crosstab(frame.area, frame.polarity, margins=True),
        "split x polarity": pd.crosstab(frame.split, frame.polarity, margins=True),
    }
    totals = {"sentences": len(frame), "publications": frame.report_id.nunique(),
              "reports": frame[frame.document_kind == "inspection"].report_id.nunique(),
              "splits_version": load_splits(directory)["version"], "data_version": data_version(directory)}
    return {"totals": totals, "tables": tables}


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ofsted_nlp.data --stats [--dir FOLDER]``: print the datasheet's counts; returns 0."""
    parser = argparse.ArgumentParser(prog="python -m ofsted_nlp.data", description="The gold labelled data.")
    parser.add_argument("--stats", action="store_true", help="print the counts the datasheet quotes")
    parser.add_argument("--dir", type=Path, default=None, help="a labelled_data folder (default: the checkout's)")
    args = parser.parse_args(argv)
    if not args.stats:
        parser.print_help()
        return 0
    result = stats(args.dir)
    print(", ".join(f"{k}: {v}" for k, v in result["totals"].items()))
    for name, table in result["tables"].items():
        print(f"\n## {name}\n{table.to_string()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
