"""PDF backends side by side on the shared reports: pypdfium2 (permissive) against PyMuPDF (AGPL). Prints figures.

    nice -n 15 python benchmarks/bench_pdf_backends.py                     # ../shared/ofsted_reports, 2 workers
    nice -n 15 python benchmarks/bench_pdf_backends.py --backends pdfium pymupdf pypdf
    nice -n 15 python benchmarks/bench_pdf_backends.py --diffs /tmp/diffs.txt --sample 100

For every PDF and backend it reads the report (`read_pdf(path, backend)` then `report_from_pdf`), and
prints per backend: reports read, grades identical to the reference backend's (PyMuPDF), other metadata
identical, sentences per report, the share of the gold sentence ids (labelled_data/gold.jsonl, inspection
rows, less those sampled outside the finding sections, which no corpus holds) among the ids of the sentences
the backend's reports give, overall and per era, and seconds per report (the read and
parse of one report in a worker, median and mean). `--diffs` writes, for a seeded sample of reports, the
sentences one backend gives and the other does not, paired by position, for a hand check.

`pypdf` has no font sizes or boldness per line, so it cannot feed the layout rules; it is measured on what
its plain text alone gives: the era and grades from the front pages, and seconds per report.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REPORTS = ROOT.parent / "shared" / "ofsted_reports"
GOLD = ROOT / "labelled_data" / "gold.jsonl"
REFERENCE = "pymupdf"
MAX_WORKERS = 2  # the machine is shared


def _read_layout(path: str, backend: str) -> dict:
    from ofsted_nlp.errors import ReportError
    from ofsted_nlp.reading.pdf import read_pdf
    from ofsted_nlp.reading.report import report_from_pdf

    t = time.perf_counter()
    try:
        report = report_from_pdf(read_pdf(path, backend))
    except ReportError as exc:
        return {"error": exc.reason, "seconds": time.perf_counter() - t}
    seconds = time.perf_counter() - t
    meta = report.metadata()
    meta.pop("path", None)
    return {"seconds": seconds, "meta": meta, "sentences": [(s.id, s.text) for s in report.sentences]}


def _read_pypdf(path: str) -> dict:
    """Era and grades from pypdf's plain text (the rest of the reader needs lines with fonts)."""
    import pypdf

    from ofsted_nlp.reading.grades import parse_grades
    from ofsted_nlp.reading.metadata import detect_era
    from ofsted_nlp.reading.report import FRONT_PAGES

    t = time.perf_counter()
    try:
        texts = [page.extract_text() or "" for page in pypdf.PdfReader(path).pages]
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}", "seconds": time.perf_counter() - t}
    front = "\n".join(texts[:FRONT_PAGES])
    era = detect_era(front)
    grades = parse_grades(front, "\n".join(texts), era) if era else None
    return {"seconds": time.perf_counter() - t, "meta": {"era": era, "grades": grades}}


def read_one(job: tuple[str, str]) -> tuple[str, str, dict]:
    path, backend = job
    result = _read_pypdf(path) if backend == "pypdf" else _read_layout(path, backend)
    return Path(path).stem, backend, result


def _grades(meta: dict) -> dict:
    if "grades" in meta:
        return {k: v for k, v in (meta["grades"] or {}).items() if v is not None}
    return {k[len("grade_"):]: v for k, v in meta.items() if k.startswith("grade_") and v is not None}


# Gold rows sampled on purpose from outside the finding sections: no corpus holds them.
OUTSIDE_CORPUS_SAMPLING = "outside_findings"


def load_gold() -> dict[str, list[tuple[str, str]]]:
    """Gold inspection sentence ids by report, [(id, era)], the rows sampled outside the corpus left out."""
    by_report: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with open(GOLD, encoding="utf-8") as fh:
        for row in map(json.loads, fh):
            if row.get("document_kind") == "inspection" and row.get("sampling") != OUTSIDE_CORPUS_SAMPLING:
                by_report[row["report_id"]].append((row["id"], row.get("era") or "?"))
    return by_report


COLUMN = 20  # characters a backend's column takes


def _row(label: str, values) -> None:
    print(f"{label:36}" + "".join(f"{v:>{COLUMN}}" for v in values))


def _gold_rows(results, layout: list[str], backends: list[str]) -> None:
    """The share of gold ids (of the reports in this folder) among each backend's sentence ids, by era."""
    gold = {k: v for k, v in load_gold().items() if k in results[REFERENCE]}
    ids = {b: {k: {i for i, _ in r.get("sentences", ())} for k, r in results[b].items()} for b in layout}
    for era in [None, *sorted({e for rows in gold.values() for _, e in rows})]:
        values = []
        for b in backends:
            pairs = [(report, gid) for report, rows in gold.items() for gid, e in rows if era in (None, e)]
            hit = sum(gid in ids[b].get(report, ()) for report, gid in pairs) if b in layout else None
            values.append("-" if hit is None else f"{hit}/{len(pairs)} {100 * hit / max(len(pairs), 1):.2f}%")
        _row("gold ids in the corpus" + (f" ({era})" if era else ""), values)


def summarise(results: dict[str, dict[str, dict]], backends: list[str]) -> None:
    ref = results[REFERENCE]
    layout = [b for b in backends if b != "pypdf"]
    readable = {b: {k for k, r in results[b].items() if "meta" in r} for b in backends}
    both = {b: readable[b] & readable[REFERENCE] for b in backends}

    def count(test, only_layout=False):
        return [sum(test(b, k) for k in both[b]) if b in layout or not only_layout else "-" for b in backends]

    def sentences(b, k):
        return [list(s) for s in results[b][k]["sentences"]]

    print("\n" + " " * 36 + "".join(f"{b:>{COLUMN}}" for b in backends))
    _row("reports read", [len(readable[b]) for b in backends])
    _row(f"grades identical to {REFERENCE}", [f"{n}/{len(readable[REFERENCE])}" for n in count(
        lambda b, k: _grades(results[b][k]["meta"]) == _grades(ref[k]["meta"]))])
    _row("  reports with any grade", [sum(bool(_grades(results[b][k]["meta"])) for k in readable[b]) for b in backends])
    _row(f"era identical to {REFERENCE}", count(lambda b, k: results[b][k]["meta"]["era"] == ref[k]["meta"]["era"]))
    _row("all metadata identical", count(lambda b, k: results[b][k]["meta"] == ref[k]["meta"], only_layout=True))
    _row("sentences (total)", [sum(len(results[b][k]["sentences"]) for k in readable[b]) if b in layout else "-"
                               for b in backends])
    _row("sentences per report (mean)", [f"{statistics.mean(len(results[b][k]['sentences']) for k in readable[b]):.1f}"
                                         if b in layout else "-" for b in backends])
    _row("reports with identical sentences", count(lambda b, k: sentences(b, k) == sentences(REFERENCE, k),
                                                   only_layout=True))
    _gold_rows(results, layout, backends)
    for stat, fn in (("median", statistics.median), ("mean", statistics.mean)):
        _row(f"seconds per report ({stat})", [f"{fn(results[b][k]['seconds'] for k in readable[b]):.3f}"
                                              for b in backends])


def write_diffs(results, backend: str, out: Path, sample: int, seed: int = 0) -> None:
    """Sentences that differ between `backend` and the reference, paired in reading order, for reading."""
    import difflib

    pairs = []
    for report in sorted(results[REFERENCE]):
        a, b = results[REFERENCE][report], results[backend].get(report, {})
        if "sentences" not in a or "sentences" not in b:
            continue
        ta, tb = [t for _, t in a["sentences"]], [t for _, t in b["sentences"]]
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
            if op != "equal":
                pairs.append((report, ta[i1:i2], tb[j1:j2]))
    random.Random(seed).shuffle(pairs)
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(f"{len(pairs)} differing runs between {REFERENCE} and {backend}; {min(sample, len(pairs))} shown\n")
        for n, (report, ta, tb) in enumerate(pairs[:sample], 1):
            fh.write(f"\n#{n} {report}\n")
            for t in ta:
                fh.write(f"  {REFERENCE}: {t}\n")
            for t in tb:
                fh.write(f"  {backend}: {t}\n")
    print(f"\n{len(pairs)} differing runs of sentences between {REFERENCE} and {backend}; "
          f"{min(sample, len(pairs))} written to {out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folder", type=Path, default=REPORTS)
    ap.add_argument("--backends", nargs="+", default=["pdfium", REFERENCE, "pypdf"])
    ap.add_argument("--workers", type=int, default=MAX_WORKERS)
    ap.add_argument("--limit", type=int, default=None, help="first N files only")
    ap.add_argument("--diffs", type=Path, default=None, help="write differing sentences of the first backend here")
    ap.add_argument("--sample", type=int, default=100)
    ap.add_argument("--cache", type=Path, default=None, help="folder keeping each backend's results between runs")
    args = ap.parse_args()
    if not args.folder.is_dir():
        sys.exit(f"{args.folder} is not a folder of reports (the corpus lives in ../shared/ofsted_reports)")
    backends = list(dict.fromkeys(args.backends + [REFERENCE]))
    if "pypdf" in backends:
        try:
            import pypdf  # noqa: F401
        except ImportError:
            print("pypdf is not installed: left out")
            backends.remove("pypdf")
    from ofsted_nlp.corpus import iter_pdfs

    pdfs = iter_pdfs(args.folder)[:args.limit]
    results: dict[str, dict[str, dict]] = {b: {} for b in backends}
    todo = []
    for b in backends:
        cached = args.cache / f"{b}.json" if args.cache else None
        if cached and cached.exists() and os.environ.get("BENCH_REFRESH") != b:
            results[b] = json.loads(cached.read_text())
        else:
            todo += [(str(p), b) for p in pdfs]
    workers = min(args.workers, MAX_WORKERS)
    print(f"{len(pdfs)} PDF files in {args.folder}; backends {', '.join(backends)}; {workers} worker(s); "
          f"{len(todo)} reads to do")
    t = time.perf_counter()
    with Pool(workers) as pool:
        for report, backend, result in pool.imap_unordered(read_one, todo, chunksize=4):
            results[backend][report] = result
    print(f"read in {time.perf_counter() - t:.0f} s")
    if args.cache:
        args.cache.mkdir(parents=True, exist_ok=True)
        for b in backends:
            (args.cache / f"{b}.json").write_text(json.dumps(results[b]))
    summarise(results, backends)
    if args.diffs:
        write_diffs(results, backends[0], args.diffs, args.sample)


if __name__ == "__main__":
    main()
