"""How long does building the whole corpus take, and how much memory? Prints figures; asserts nothing.

    python benchmarks/bench_corpus.py                       # ../shared/ofsted_reports, all cores
    python benchmarks/bench_corpus.py --workers 1           # one process, for the parallel speed-up
    python benchmarks/bench_corpus.py --folder DIR --repeats 3

Runs `ofsted_nlp.corpus.build_corpus` (what `ofsted-nlp corpus` runs) on every PDF of the folder, writing
to a temporary folder, and prints the wall time, reports/s, sentences/s and peak memory: the peak resident
set size of this process and of the largest worker (getrusage), and, when psutil is installed, the peak of
their sum sampled every 0.1 s (what the machine must hold at once).
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REPORTS = ROOT.parent / "shared" / "ofsted_reports"


class _TreeRSS:
    """Peak of the summed RSS of this process and its children, sampled in a thread (needs psutil)."""

    def __init__(self, interval: float = 0.1):
        try:
            import psutil
        except ImportError:
            self.psutil = None
            return
        self.psutil, self.interval, self.peak = psutil, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        me = self.psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me] + me.children(recursive=True):
                try:
                    total += p.memory_info().rss
                except self.psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self):
        if self.psutil:
            self._thread.start()
        return self

    def __exit__(self, *exc):
        if self.psutil:
            self._stop.set()
            self._thread.join()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folder", type=Path, default=REPORTS, help="folder of report PDFs (default: ../shared)")
    ap.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    ap.add_argument("--repeats", type=int, default=1, help="whole builds (median and all runs reported)")
    args = ap.parse_args()
    if not args.folder.is_dir():
        sys.exit(f"{args.folder} is not a folder of reports (the corpus lives in ../shared/ofsted_reports)")

    from importlib.metadata import PackageNotFoundError, version

    from ofsted_nlp.corpus import build_corpus, iter_pdfs
    from ofsted_nlp.reading.pdf import pdf_backend

    workers = args.workers or os.cpu_count() or 1
    n_files = len(iter_pdfs(args.folder))
    backend = pdf_backend()
    try:
        library = version({"pdfium": "pypdfium2", "pymupdf": "pymupdf"}[backend])
    except PackageNotFoundError:
        library = "?"
    print(f"Python {platform.python_version()}, PDF backend {backend} ({library}; $OFSTED_NLP_PDF_BACKEND picks), "
          f"{os.cpu_count()} CPUs ({platform.machine()}), {workers} worker process(es); "
          f"{n_files} PDF files in {args.folder}")
    walls, result, tree_peak = [], None, 0
    for i in range(args.repeats):
        with tempfile.TemporaryDirectory(prefix="bench_corpus_") as out, _TreeRSS() as tree:
            t = time.perf_counter()
            result = build_corpus(args.folder, out, workers=workers, progress=False)
            walls.append(time.perf_counter() - t)
            sizes = {p.name: p.stat().st_size for p in Path(out).iterdir()}
        tree_peak = max(tree_peak, getattr(tree, "peak", 0))
        print(f"  run {i + 1}: {walls[-1]:.1f} s")
    wall = statistics.median(walls)
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"reports read: {result.n_reports} ({len(result.failures)} file(s) could not be read)")
    print(f"sentences:    {result.n_sentences:,}")
    print(f"wall time:    {wall:.1f} s (median of {len(walls)})")
    print(f"throughput:   {result.n_reports / wall:.2f} reports/s, {result.n_sentences / wall:,.0f} sentences/s")
    print(f"peak RSS:     main process {self_peak:.0f} MiB, largest worker {child_peak:.0f} MiB"
          + (f", all processes together {tree_peak / 2**20:.0f} MiB" if tree_peak else " (psutil not installed)"))
    print("output:       " + ", ".join(f"{name} {size / 2**20:.1f} MiB" for name, size in sorted(sizes.items())))


if __name__ == "__main__":
    main()
