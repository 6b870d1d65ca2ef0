"""Many publications into one table: an ``areas`` table and a ``findings`` table that join.

``table(paths)`` classifies every report PDF among ``paths`` (files, and folders searched
recursively for ``*.pdf``) on all cores and returns the **areas** table, one row per publication
and area:

- keys: ``publication_id`` (the file's stem), ``file``, ``urn`` (from the ``DATE_NAME_URN.pdf``
  file name), the canonical authority (``la_code``, ``la_name``, ``ons_code``, ``region``; see
  ``authorities``) and how it was found (``authority_match``), the name the report prints;
- ``kind`` (inspection, monitoring_visit, ...; "inspection" for readers without kinds),
  ``publication_date``, ``inspection_start``, ``inspection_end``, ``era``;
- every judgement Ofsted grades as ``ofsted_<judgement>`` (overall effectiveness included),
  ``ofsted_grade`` (the grade covering this area) and ``inherited``: True where an ILACS 2018-22
  report judges children in care and care leavers together, so the care-leaver grade shown is
  the children-in-care grade;
- ``predicted_grade`` (full inspections only), ``score`` (by the model's grade rule, see ``summary``)
  with ``score_low``/``score_high`` (a 95% percentile bootstrap interval over the findings the score
  reads, seeded per publication and area so it is reproducible),
  ``n_findings``, ``n_positive``, ``n_negative``, ``n_neutral``, and the strongest strength and
  weakness (text and page).

Scores are kept unrounded: grades come from ``summary.grade_from_score`` on the raw score.

``build_tables(paths)`` returns all three tables (``areas``, ``findings``, ``bad_files``);
``write_tables(tables, out)`` writes them by suffix: ``.xlsx`` (three sheets, frozen header,
filters, widths), ``.csv`` / ``.parquet`` (the areas table at ``out``, the findings beside it as
``<stem>_findings<suffix>``, the bad files as ``<stem>_bad_files.csv`` when there are any), every
file written to a temporary name and renamed.
"""
from __future__ import annotations

import math
import os
import sys
import warnings
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, OfstedNLPError
from .files import write_atomically
from .labels import AREAS, JUDGEMENTS, POLARITIES
from .summary import area_weight, finding_score

if TYPE_CHECKING:
    import pandas as pd

    from .results import DocumentFindings
    from .summary import GradeThresholds

AREA_COLUMNS = [
    "publication_id", "file", "urn", "la_code", "la_name", "ons_code", "region", "authority_match",
    "local_authority_printed", "kind", "publication_date", "inspection_start", "inspection_end", "era",
    *[f"ofsted_{j}" for j in JUDGEMENTS],
    "area", "ofsted_grade", "inherited", "predicted_grade", "score", "score_low", "score_high",
    "n_findings", "n_positive", "n_negative", "n_neutral",
    "strongest_strength", "strongest_strength_page", "strongest_weakness", "strongest_weakness_page",
]
FINDING_COLUMNS = [
    "publication_id", "urn", "la_code", "la_name", "kind", "publication_date", "era",
    "sentence_id", "page", "section", "section_kind", "paragraph", "paragraph_number",
    "area", "polarity", "is_finding", "confidence", "finding_score",
    *[f"p_{p}" for p in POLARITIES], "text",
]
BAD_FILE_COLUMNS = ["file", "reason"]
N_BOOTSTRAP = 1000
SUFFIXES = (".xlsx", ".csv", ".parquet")


@dataclass
class Tables:
    """What ``build_tables`` returns: the two tables and the files that could not be read."""

    areas: pd.DataFrame  # AREA_COLUMNS
    findings: pd.DataFrame  # FINDING_COLUMNS
    bad_files: pd.DataFrame  # BAD_FILE_COLUMNS

    @property
    def failures(self) -> list[tuple[str, str]]:
        """The bad files as (file, reason) pairs."""
        return list(self.bad_files.itertuples(index=False, name=None))


# --------------------------------------------------------------------------- inputs


def find_pdfs(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    """Files named in ``paths`` as given, and every ``*.pdf`` under the folders (recursively),
    each once, in order. A path that does not exist is kept: it is reported as a bad file."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out, seen = [], set()
    for p in paths:
        p = Path(p).expanduser()
        found = sorted(q for q in p.rglob("*") if q.suffix.lower() == ".pdf" and q.is_file()) if p.is_dir() else [p]
        for q in found:
            key = os.path.abspath(q)
            if key not in seen:
                seen.add(key)
                out.append(q)
    return out


# --------------------------------------------------------------------------- one publication


def publication_rows(result: DocumentFindings, *, n_bootstrap: int = N_BOOTSTRAP, seed: int = 0,
                     with_findings: bool = True) -> tuple[list[dict], list[dict]]:
    """(area rows, finding rows) of one ``ReportFindings``."""
    from .authorities import authority_for

    meta = dict(result.metadata)
    pid = result.report_id
    authority, how = authority_for(pid, meta.get("local_authority"), meta.get("publication_date"))
    from .authorities import parse_file_name

    keys = {
        "publication_id": pid,
        "file": Path(meta.get("path") or pid).name,
        "urn": parse_file_name(pid)["urn"],
        **(authority.to_dict() if authority is not None else
           {"la_code": None, "la_name": None, "ons_code": None, "la_type": None, "region": None}),
        "authority_match": how,
        "local_authority_printed": meta.get("local_authority"),
        "kind": getattr(result, "kind", None) or meta.get("kind") or "inspection",
        "publication_date": meta.get("publication_date"),
        "inspection_start": meta.get("inspection_start"),
        "inspection_end": meta.get("inspection_end"),
        "era": meta.get("era"),
    }
    keys.pop("la_type", None)
    grades = {f"ofsted_{j}": meta.get(f"grade_{j}") for j in JUDGEMENTS}
    summary = result.summary
    counted = [f for f in result.findings if getattr(f, "is_finding", True)]
    area_rows = []
    for area in AREAS:
        s = summary.areas.get(area) if summary is not None else None
        low, high = _score_interval(counted, area, summary, n_bootstrap, _seed(seed, pid, area))
        strength = _strongest(s.top_positive if s else ())
        weakness = _strongest(s.top_negative if s else ())
        counts = s.counts if s is not None else {p: 0 for p in POLARITIES}
        area_rows.append({
            **keys, **grades,
            "area": area,
            "ofsted_grade": s.ofsted_grade if s else None,
            "inherited": is_inherited(meta, area),
            "predicted_grade": s.predicted_grade if s else None,
            "score": _nan_to_none(s.score) if s else None,
            "score_low": low,
            "score_high": high,
            "n_findings": s.n_findings if s else 0,
            **{f"n_{p}": int(counts.get(p, 0)) for p in POLARITIES},
            "strongest_strength": strength[0],
            "strongest_strength_page": strength[1],
            "strongest_weakness": weakness[0],
            "strongest_weakness_page": weakness[1],
        })
    finding_rows = []
    if with_findings:
        for f in result.findings:
            prov = f.provenance
            finding_rows.append({
                **{k: keys[k] for k in ("publication_id", "urn", "la_code", "la_name", "kind", "publication_date",
                                        "era")},
                "sentence_id": getattr(prov, "sentence_id", None),
                "page": getattr(prov, "page", None),
                "section": getattr(prov, "section", None),
                "section_kind": getattr(prov, "section_kind", None),
                "paragraph": getattr(prov, "paragraph", None),
                "paragraph_number": getattr(prov, "paragraph_number", None),
                "area": f.area,
                "polarity": f.polarity,
                "is_finding": bool(getattr(f, "is_finding", True)),
                "confidence": float(f.confidence),
                "finding_score": finding_score(f),
                **{f"p_{p}": float(f.polarity_probs.get(p, 0.0)) for p in POLARITIES},
                "text": f.text,
            })
    return area_rows, finding_rows


def is_inherited(metadata: dict, area: str) -> bool:
    """True when the grade shown for ``area`` is another judgement's: ILACS 2018-22 reports judge
    "children in care and care leavers" together, so care leavers carry the children-in-care grade."""
    return (area == "care_leavers" and not isinstance(metadata.get("grade_care_leavers"), str)
            and isinstance(metadata.get("grade_children_in_care"), str))


def _score_interval(counted, area: str, summary, n_bootstrap: int, seed: int) -> tuple[float | None, float | None]:
    """The bootstrap interval of the area score the summary's rule computes: of the area's own findings'
    mean, or, with ``area_weight_power`` set, of every finding's weighted mean (None, None without findings)."""
    own = [finding_score(f) for f in counted if f.area == area]
    power = summary.thresholds.area_weight_power if summary is not None else None
    if power is None or not own:
        return bootstrap_interval(own, n_bootstrap, seed=seed)
    return bootstrap_interval([finding_score(f) for f in counted], n_bootstrap, seed=seed,
                              weights=[area_weight(f, area, power) for f in counted])


def bootstrap_interval(scores: Iterable[float], n_bootstrap: int = N_BOOTSTRAP, level: float = 0.95,
                       seed: int = 0, weights: Iterable[float] | None = None) -> tuple[float | None, float | None]:
    """Percentile bootstrap interval of the mean of ``scores``, weighted by ``weights`` when given
    (None, None when empty)."""
    import numpy as np

    values = np.asarray(scores, dtype=float)
    w = np.ones_like(values) if weights is None else np.asarray(weights, dtype=float)
    if values.size == 0 or w.sum() <= 0:
        return None, None
    if values.size == 1 or n_bootstrap < 1:
        mean = float(np.average(values, weights=w))
        return mean, mean
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, values.size, size=(n_bootstrap, values.size))
    # a resample that draws only zero-weight findings has no mean: it counts as the full sample's
    totals, weights_drawn = (w[picks] * values[picks]).sum(axis=1), w[picks].sum(axis=1)
    means = np.where(weights_drawn > 0, totals / np.where(weights_drawn > 0, weights_drawn, 1),
                     np.average(values, weights=w))
    alpha = (1 - level) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return float(low), float(high)


def _seed(seed: int, pid: str, area: str) -> int:
    return (seed * 1_000_003 + zlib.crc32(f"{pid}|{area}".encode())) % 2**32


def _strongest(findings) -> tuple[str | None, int | None]:
    for f in findings:
        return f.text, getattr(f.provenance, "page", None)
    return None, None


def _nan_to_none(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


# --------------------------------------------------------------------------- many publications

_WORKER: dict = {}


def _init_worker(model, options, quiet: bool = True) -> None:
    _WORKER.update(model=model, options=options)
    if quiet:  # a worker process: its warnings would only interleave with the progress bar
        warnings.simplefilter("ignore")
    try:
        from .api import get_model

        if model is None or isinstance(model, (str, os.PathLike)):
            get_model(model)  # once per process, not once per file
    except OfstedNLPError:
        pass  # every file will report it


def _one(path: str):
    options = _WORKER["options"]
    try:
        from .api import ReportFindings, classify

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = classify(Path(path), _WORKER["model"], progress=False, thresholds=options["thresholds"])
        if not isinstance(result, ReportFindings):
            return path, None, None, "not a report PDF"
        areas, findings = publication_rows(result, n_bootstrap=options["n_bootstrap"], seed=options["seed"],
                                           with_findings=options["with_findings"])
        return path, areas, findings, None
    except OfstedNLPError as exc:
        return path, None, None, getattr(exc, "reason", None) or " ".join(str(exc).split())
    except Exception as exc:  # a bug on one file must not stop the batch
        return path, None, None, f"unexpected error: {type(exc).__name__}: {exc}"


def build_tables(paths: str | os.PathLike | Iterable[str | os.PathLike], model: Any = None, *,
                 workers: int | None = None, progress: bool | None = None,
                 thresholds: GradeThresholds | Mapping[str, float] | None = None,
                 n_bootstrap: int = N_BOOTSTRAP, seed: int = 0, with_findings: bool = True,
                 select: Callable[[Path], bool] | None = None) -> Tables:
    """Classify every report among ``paths`` and return the areas, findings and bad-files tables.

    workers:  processes (default: all cores, at most one per file); 1 runs in this process, as
              does a loaded model object (it is not sent to other processes).
    progress: None (a bar on stderr when it is a terminal), True, False.
    select:   optional ``select(path) -> bool`` to skip files before they are read.
    """
    import pandas as pd
    from tqdm.auto import tqdm

    files = find_pdfs(paths)
    if select is not None:
        files = [f for f in files if select(f)]
    if thresholds is not None:
        from .summary import GradeThresholds

        thresholds = GradeThresholds.coerce(thresholds)
    options = {"thresholds": thresholds, "n_bootstrap": n_bootstrap, "seed": seed, "with_findings": with_findings}
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise InputError(f"workers must be an int >= 1, got {workers!r}")
    workers = min(workers or os.cpu_count() or 1, max(1, len(files)))
    if model is not None and not isinstance(model, (str, os.PathLike)):
        workers = 1
    show = (sys.stderr.isatty() if progress is None else bool(progress)) and len(files) > 0
    bar = tqdm(total=len(files), disable=not show, desc="classifying publications", unit="file", file=sys.stderr)
    results: dict[str, tuple] = {}
    try:
        if workers == 1:
            saved = dict(_WORKER)
            _init_worker(model, options, quiet=False)
            try:
                for f in files:
                    results[str(f)] = _one(str(f))
                    bar.update()
            finally:
                _WORKER.clear()
                _WORKER.update(saved)
        else:
            from concurrent.futures import as_completed

            from .workers import process_pool

            with process_pool(workers, _init_worker, (model, options)) as pool:  # workers die with this process
                futures = [pool.submit(_one, str(f)) for f in files]
                try:
                    for future in as_completed(futures):
                        out = future.result()
                        results[out[0]] = out
                        bar.update()
                except BaseException:
                    for future in futures:
                        future.cancel()
                    raise
    finally:
        bar.close()
    area_rows, finding_rows, bad = [], [], []
    for f in files:
        path, areas, findings, reason = results[str(f)]
        if reason is not None:
            bad.append({"file": str(f), "reason": reason})
            continue
        area_rows.extend(areas)
        finding_rows.extend(findings)
    return Tables(areas=_frame(area_rows, AREA_COLUMNS), findings=_frame(finding_rows, FINDING_COLUMNS),
                  bad_files=pd.DataFrame(bad, columns=BAD_FILE_COLUMNS))


def _frame(rows, columns):
    import pandas as pd

    df = pd.DataFrame(rows, columns=columns)
    for c in ("publication_date", "inspection_start", "inspection_end"):
        if c in df:
            df[c] = pd.to_datetime(df[c], errors="coerce")
    for c in ("inherited", "is_finding"):
        if c in df:
            df[c] = df[c].astype(bool)
    for c in ("strongest_strength_page", "strongest_weakness_page", "page", "paragraph", "paragraph_number",
              "n_findings", "n_positive", "n_negative", "n_neutral"):
        if c in df:
            df[c] = df[c].astype("Int64")
    for c in ("score", "score_low", "score_high"):
        if c in df:
            df[c] = df[c].astype(float)
    return df


def table(paths: str | os.PathLike | Iterable[str | os.PathLike], model: Any = None, *,
          workers: int | None = None, progress: bool | None = None,
          thresholds: GradeThresholds | Mapping[str, float] | None = None,
          n_bootstrap: int = N_BOOTSTRAP, seed: int = 0, errors: str = "warn") -> pd.DataFrame:
    """The areas table (pandas DataFrame, ``AREA_COLUMNS``) of every report among ``paths``.

    errors: "warn" (files that cannot be read are left out, named in one warning and in
    ``df.attrs["bad_files"]`` as (file, reason) pairs) or "raise" (InputError naming them).
    """
    if errors not in ("warn", "raise"):
        raise InputError(f"errors must be 'warn' or 'raise', got {errors!r}")
    t = build_tables(paths, model, workers=workers, progress=progress, thresholds=thresholds,
                     n_bootstrap=n_bootstrap, seed=seed, with_findings=False)
    failures = t.failures
    if failures:
        listed = "; ".join(f"{Path(f).name}: {r}" for f, r in failures[:10]) + (" ..." if len(failures) > 10 else "")
        if errors == "raise":
            raise InputError(f"{len(failures)} file(s) could not be read: {listed}")
        warnings.warn(f"{len(failures)} file(s) could not be read and were left out: {listed}", stacklevel=2)
    t.areas.attrs["bad_files"] = failures
    return t.areas


# --------------------------------------------------------------------------- writing


def output_paths(out: str | Path) -> dict[str, Path]:
    """Where ``write_tables`` puts each table for ``out``."""
    out = Path(out).expanduser()
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{out}: unknown output type {out.suffix or '(no suffix)'!r}; expected one of "
                         + ", ".join(SUFFIXES))
    if suffix == ".xlsx":
        return {"workbook": out}
    return {"areas": out, "findings": out.with_name(f"{out.stem}_findings{out.suffix}"),
            "bad_files": out.with_name(f"{out.stem}_bad_files.csv")}


def write_tables(tables: Tables, out: str | Path) -> list[Path]:
    """Write the tables by ``out``'s suffix (see the module docstring), each atomically.
    Returns the files written."""
    targets = output_paths(out)
    if "workbook" in targets:
        target = targets["workbook"]
        write_atomically(target, lambda tmp: _write_xlsx(tables, tmp))
        return [target]
    written = []
    for name in ("areas", "findings", "bad_files"):
        # write_atomically calls its writer at once, so the lambdas below see this turn's df.
        df = getattr(tables, name)
        target = targets[name]
        if name == "bad_files":
            if df.empty:
                if target.exists():
                    target.unlink()  # a stale list from an earlier run would mislead
                continue
            write_atomically(target, lambda tmp: df.to_csv(tmp, index=False))
        elif target.suffix.lower() == ".csv":
            write_atomically(target, lambda tmp: _csv_frame(df).to_csv(tmp, index=False))
        else:
            write_atomically(target, lambda tmp: df.to_parquet(tmp, index=False))
        written.append(target)
    return written


def _csv_frame(df):
    out = df.copy()
    for c in ("publication_date", "inspection_start", "inspection_end"):
        if c in out:
            out[c] = out[c].dt.strftime("%Y-%m-%d")
    return out


_EXCEL_MAX_ROWS = 1_048_575
_TEXT_COLUMNS = {"text": 90, "strongest_strength": 60, "strongest_weakness": 60, "reason": 80, "section": 40,
                 "file": 36, "publication_id": 34}


def _write_xlsx(tables: Tables, path) -> None:
    """Three sheets (areas, findings, bad_files) with XlsxWriter: bold frozen header row, a filter
    over every column, widths from the content (capped), dates as dates, scores unrounded.

    Rows go straight to XlsxWriter in constant-memory mode (row by row, typed per column):
    about 4x faster than ``DataFrame.to_excel``, which builds an object per cell."""
    try:
        import xlsxwriter
    except ImportError:
        raise InputError("writing .xlsx needs XlsxWriter: pip install 'ofsted_nlp[tables]'") from None
    sheets = {"areas": tables.areas, "findings": tables.findings, "bad_files": tables.bad_files}
    for name, df in sheets.items():
        if len(df) > _EXCEL_MAX_ROWS:
            raise InputError(f"the {name} table has {len(df):,} rows, more than Excel's {_EXCEL_MAX_ROWS:,}; "
                             "write .parquet or .csv instead")
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})
    try:
        header = book.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1})
        date = book.add_format({"num_format": "yyyy-mm-dd"})
        for name, df in sheets.items():
            sheet = book.add_worksheet(name)
            sheet.write_row(0, 0, list(df.columns), header)
            formats = []
            for i, column in enumerate(df.columns):
                is_date = str(df[column].dtype).startswith("datetime")
                sheet.set_column(i, i, _width(df, column), date if is_date else None)
                formats.append(date if is_date else None)
            columns = [_cells(df[c]) for c in df.columns]
            for r, values in enumerate(zip(*columns), start=1):
                for c, value in enumerate(values):
                    if value is None:
                        continue
                    if formats[c] is not None:
                        sheet.write_datetime(r, c, value, formats[c])
                    elif isinstance(value, str):
                        sheet.write_string(r, c, value)
                    elif isinstance(value, bool):
                        sheet.write_boolean(r, c, value)
                    else:
                        sheet.write_number(r, c, value)
            sheet.freeze_panes(1, 0)
            sheet.autofilter(0, 0, max(len(df), 1), max(len(df.columns) - 1, 0))
    finally:
        book.close()


def _cells(series) -> list:
    """A column as plain Python values for XlsxWriter; missing values (None, NaN, NaT, NA) as None."""
    import pandas as pd

    missing = series.isna().to_numpy()
    if str(series.dtype).startswith("datetime"):
        values = series.dt.to_pydatetime()
    elif str(series.dtype) in ("Int64", "boolean"):
        values = series.astype(object).tolist()
    else:
        values = series.tolist()
    out = [None if m else v for v, m in zip(values, missing)]
    if out and not isinstance(series.dtype, pd.DatetimeTZDtype):
        out = [v.item() if v is not None and hasattr(v, "item") and not isinstance(v, str) else v for v in out]
    return out


def _width(df, column) -> float:
    if column in _TEXT_COLUMNS:
        return _TEXT_COLUMNS[column]
    values = df[column].head(2000)
    if str(values.dtype).startswith("datetime"):
        longest = 10
    elif str(values.dtype).startswith("float"):
        longest = 9
    else:
        lengths = [len(str(v)) for v in values.dropna()]
        longest = sorted(lengths)[int(0.95 * (len(lengths) - 1))] if lengths else 0
    return float(min(max(len(column) + 3, longest + 2), 50))
