"""How long do the shared PDFs take to become one .xlsx? Processes and one process, side by side.

    python benchmarks/bench_table.py                          # ../shared/ofsted_reports, all cores vs 1
    python benchmarks/bench_table.py --folder DIR --workers 2 --limit 40

Runs what `ofsted-nlp table FOLDER -o OUT.xlsx` runs (``tables.build_tables`` then
``tables.write_tables``) with the default model, once with ``--workers`` processes and once in a
single process, each writing to a temporary folder, and prints the wall time of each part
(classifying, writing the workbook), the CPU seconds of all processes (wall time well above
CPU / workers means the cores were busy with something else), publications/s and the speed-up. Prints figures; asserts
nothing but that both runs made the same tables.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REPORTS = ROOT.parent / "shared" / "ofsted_reports"


def run(files, workers: int, out: Path, model=None) -> dict:
    from ofsted_nlp.tables import build_tables, write_tables

    import resource

    def cpu():
        return sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                   for f in ("ru_utime", "ru_stime"))

    cpu_start = cpu()
    start = time.perf_counter()
    tables = build_tables(files, model, workers=workers, progress=True)
    classified = time.perf_counter()
    write_tables(tables, out)
    done = time.perf_counter()
    return {"workers": workers, "classify_s": classified - start, "write_s": done - classified,
            "total_s": done - start, "cpu_s": cpu() - cpu_start, "publications": tables.areas["publication_id"].nunique(),
            "findings": len(tables.findings), "bad": len(tables.bad_files), "size_mb": out.stat().st_size / 1e6,
            "tables": tables}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", type=Path, default=REPORTS)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--limit", type=int, default=None, help="only the first N PDFs")
    parser.add_argument("--model", default=None, help="a model name or directory (default: the shipped default)")
    args = parser.parse_args(argv)
    from ofsted_nlp.tables import find_pdfs

    files = find_pdfs([args.folder])[: args.limit]
    print(f"model: {args.model or 'the shipped default'}")
    print(f"{len(files)} PDFs from {args.folder}; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}", flush=True)
    for f in files:  # warm the page cache, so the first run does not pay for cold reads alone
        if f.is_file():
            f.read_bytes()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (args.workers, 1):
            results.append(run(files, workers, Path(tmp) / f"table_{workers}.xlsx", args.model))
    import pandas as pd

    pd.testing.assert_frame_equal(results[0]["tables"].areas, results[1]["tables"].areas)
    print()
    print(f"{'':28}{'processes':>12}{'one process':>14}")
    print(f"{'workers':28}{results[0]['workers']:>12}{results[1]['workers']:>14}")
    for key, label in (("classify_s", "read + classify (s)"), ("write_s", "write .xlsx (s)"),
                       ("total_s", "total (s)"), ("cpu_s", "CPU, all processes (s)")):
        print(f"{label:28}{results[0][key]:>12.1f}{results[1][key]:>14.1f}")
    rate = [r["publications"] / r["total_s"] for r in results]
    print(f"{'publications / s':28}{rate[0]:>12.2f}{rate[1]:>14.2f}")
    print(f"speed-up {results[1]['total_s'] / results[0]['total_s']:.2f}x; {results[0]['publications']} publications, "
          f"{results[0]['findings']:,} findings, {results[0]['bad']} bad files, workbook {results[0]['size_mb']:.1f} MB")


if __name__ == "__main__":
    main()
