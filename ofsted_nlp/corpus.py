"""Build a sentence corpus from a folder of inspection report PDFs.

The corpus is two Parquet tables written side by side: `sentences.parquet`
(one row per sentence, with provenance) and `reports.parquet` (one row per
report, with its grades). Files that cannot be read are listed, not fatal.
Outputs are written to temporary names and renamed only when complete, so an
interrupted run never leaves a half-written corpus; the temporary files of a run
that was killed (SIGKILL: no clean-up) are removed by the next run, and its worker
processes exit on their own (`workers.process_pool`).
"""
from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError, OfstedNLPError, ReportError
from .labels import JUDGEMENTS
from .workers import pid_alive, process_pool


# Column order of the two tables (also their columns when no report could be read).
SENTENCE_COLUMNS = [
    "id", "text", "report_id", "section", "section_kind", "section_area", "paragraph", "paragraph_number",
    "page", "start", "end", "local_authority", "publication_date", "era", "section_grade",
]
REPORT_COLUMNS = [
    "report_id", "path", "local_authority", "publication_date", "inspection_start", "inspection_end",
    "lead_inspector", "era", "n_sentences", *[f"grade_{j}" for j in JUDGEMENTS], "file", "source_url", "urn",
]


@dataclass
class CorpusResult:
    """What ``build_corpus`` wrote: the two parquet tables, their row counts, and the files it could not read."""

    sentences_path: Path
    reports_path: Path
    n_reports: int
    n_sentences: int
    failures: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


def _read_one(path: str):
    from .reading import read_report

    try:
        report = read_report(path)
    except ReportError as exc:
        return path, None, None, exc.reason
    except Exception as exc:  # a parser bug on one file must not stop the batch
        return path, None, None, f"unexpected error: {type(exc).__name__}: {exc}"
    return path, report.metadata(), [s.to_dict() for s in report.sentences], None


def load_index(folder: Path) -> dict[str, dict]:
    """Rows of the scraped `index.csv` beside the reports, keyed by file name (may be absent)."""
    index = folder / "index.csv"
    if not index.exists():
        return {}
    with open(index, newline="", encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh)}


def iter_pdfs(folder: Path) -> list[Path]:
    """The ``.pdf`` files directly in ``folder`` (not its subfolders), sorted by name."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".pdf")


def build_corpus(folder: str | Path, out_dir: str | Path, workers: int | None = None,
                 progress: bool = True, files: list[Path] | None = None) -> CorpusResult:
    """Read every report PDF in ``folder`` (or only ``files``) on ``workers`` processes (default: all
    cores) and write ``sentences.parquet`` and ``reports.parquet`` into ``out_dir`` (temporary files,
    renamed into place once both are written).

    A file that cannot be read as a report is skipped and listed in ``CorpusResult.failures`` with the
    reason. Raises OfstedNLPError when ``folder`` is not a folder.
    """
    import pandas as pd
    from tqdm.auto import tqdm

    folder = Path(folder)
    out_dir = Path(out_dir)
    if not folder.is_dir():
        raise OfstedNLPError(f"{folder}: not a folder of reports")
    pdfs = files if files is not None else iter_pdfs(folder)
    index = load_index(folder)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise InputError(f"workers must be an int >= 1, got {workers!r}")
    workers = workers or os.cpu_count() or 1
    report_rows, sentence_rows, failures = [], [], []
    with process_pool(workers) as pool:
        results = pool.map(_read_one, [str(p) for p in pdfs], chunksize=2)
        for path, meta, sentences, reason in tqdm(results, total=len(pdfs), disable=not progress,
                                                  desc="reading reports", unit="report"):
            if reason is not None:
                failures.append((path, reason))
                continue
            row = index.get(Path(path).name, {})
            meta["file"] = Path(path).name
            meta["source_url"] = row.get("source_url")
            meta["urn"] = row.get("urn")
            meta["path"] = Path(path).name  # the folder is the user's, not part of the data
            report_rows.append(meta)
            for s in sentences:
                s["local_authority"] = meta["local_authority"]
                s["publication_date"] = meta["publication_date"]
                s["era"] = meta["era"]
                s["section_grade"] = _section_grade(meta, s["section_area"])
            sentence_rows.extend(sentences)
    out_dir.mkdir(parents=True, exist_ok=True)
    sentences_path = out_dir / "sentences.parquet"
    reports_path = out_dir / "reports.parquet"
    _write_tables({sentences_path: pd.DataFrame(sentence_rows, columns=SENTENCE_COLUMNS),
                   reports_path: pd.DataFrame(report_rows, columns=REPORT_COLUMNS)})
    return CorpusResult(sentences_path, reports_path, len(report_rows), len(sentence_rows), failures)


def _section_grade(meta: dict, area: str | None) -> str | None:
    from .reading import grade_for_area

    return grade_for_area({k[len("grade_"):]: v for k, v in meta.items() if k.startswith("grade_")}, area)


def _write_tables(tables: dict) -> None:
    """Write every table to a temporary file beside its target, then rename them all.

    A failure or an interruption while writing leaves the targets as they were
    (absent, or the previous complete corpus) and no temporary file behind.
    """
    for path in tables:
        remove_stale_temporaries(path)
    tmps = {path: path.with_name(f".{path.name}.{os.getpid()}.tmp") for path in tables}
    try:
        for path, df in tables.items():
            df.to_parquet(tmps[path], index=False)
        for path, tmp in tmps.items():
            os.replace(tmp, path)
    finally:
        for tmp in tmps.values():
            if tmp.exists():
                tmp.unlink()


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove ``.<name>.<pid>.tmp`` files beside ``target`` left by a run that was killed (its pid is
    gone); a live run's temporary file is left alone. Returns the files removed."""
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(\d+)\.tmp$")
    removed: list[Path] = []
    if not target.parent.is_dir():
        return removed
    for candidate in target.parent.iterdir():
        m = pattern.match(candidate.name)
        if m and int(m.group(1)) != os.getpid() and not pid_alive(int(m.group(1))):
            try:
                candidate.unlink()
                removed.append(candidate)
            except FileNotFoundError:  # another run removed it first
                pass
    return removed
