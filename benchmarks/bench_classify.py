"""How fast is classify(), and how much memory does it take? Prints figures; asserts nothing.

    python benchmarks/bench_classify.py                  # the default model (ofsted_nlp/default_model/)
    python benchmarks/bench_classify.py --model DIR|URI  # any model classify() accepts
    python benchmarks/bench_classify.py --tiny           # a tiny throwaway model (tests' made-up sentences)

Measures:
1. model load time, then sentences/second at several batch sizes (sentences from corpus/sentences.parquet
   when present, else made-up ones);
2. one whole report, PDF -> ReportFindings with summary: a real report from ../shared/ofsted_reports when
   present, and a factory PDF (tests/pdf_factory.py) when reportlab is installed;
3. a fresh process: ``python -c "import ofsted_nlp"`` and
   ``python -c "import ofsted_nlp; ofsted_nlp.classify('...')"`` (wall time and peak RSS);
4. peak RSS of a fresh process classifying a 1 MB string (split=True), to show the caps hold memory.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REPORTS = ROOT.parent / "shared" / "ofsted_reports"
SENTENCE = "Care leavers are well supported by personal advisers who know them well."


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="model directory or MLflow URI (default: the default model)")
    ap.add_argument("--tiny", action="store_true", help="train a tiny throwaway model and use it")
    ap.add_argument("--sentences", type=int, default=5000, help="sentences for the throughput test")
    ap.add_argument("--batch-sizes", default="1,32,256,1024")
    ap.add_argument("--repeats", type=int, default=3, help="fresh-process runs (median reported)")
    ap.add_argument("--report", type=Path, default=None, help="a report PDF (default: one from ../shared)")
    args = ap.parse_args()

    import ofsted_nlp
    from ofsted_nlp import api

    t = time.perf_counter()
    import ofsted_nlp.models  # noqa: F401 (scikit-learn and the model families)

    import_s = time.perf_counter() - t
    tmp = Path(tempfile.mkdtemp(prefix="bench_classify_"))
    model = args.model
    if args.tiny:
        from tests.test_api import save_tiny_model

        model = str(save_tiny_model(tmp / "tiny_model"))
    model_name = model or f"default ({api.DEFAULT_MODEL_DIR})"
    print(f"ofsted_nlp {ofsted_nlp.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"{platform.machine()}")
    print(f"model: {model_name}\n")
    print(f"import ofsted_nlp.models (scikit-learn, model families): {import_s:.2f} s")

    t = time.perf_counter()
    loaded = api.get_model(model)
    families = type(loaded).__name__
    if hasattr(loaded, "area_model"):
        families += f": {getattr(loaded.area_model, 'family', '?')} / {getattr(loaded.polarity_model, 'family', '?')}"
    print(f"model load (first call; cached afterwards): {time.perf_counter() - t:.2f} s ({families})")

    # 1. throughput
    texts, origin = _sentences(args.sentences)
    print(f"\n1. throughput on {len(texts):,} sentences ({origin}), mean {statistics.mean(map(len, texts)):.0f} chars")
    api.classify(texts[:64], model=model)  # warm up
    for batch_size in [int(b) for b in args.batch_sizes.split(",")]:
        n = min(len(texts), 2000) if batch_size == 1 else len(texts)
        t = time.perf_counter()
        api.classify(texts[:n], model=model, batch_size=batch_size, progress=False)
        elapsed = time.perf_counter() - t
        print(f"   batch_size {batch_size:>5}: {n / elapsed:>8,.0f} sentences/s ({n:,} in {elapsed:.2f} s)")

    # 2. whole reports
    print("\n2. one report, PDF -> findings + summary")
    for label, pdf in _report_pdfs(args.report, tmp):
        from ofsted_nlp.reading import read_report

        t0 = time.perf_counter()
        report = read_report(pdf)
        t1 = time.perf_counter()
        result = api.classify(report, model=model, progress=False)
        t2 = time.perf_counter()
        grades = ", ".join(f"{a}={g or '-'}" for a, g in result.predicted_grades.items())
        print(f"   {label}: {pdf.name}: {len(report.sentences)} sentences, {len(result)} findings; "
              f"read PDF {t1 - t0:.2f} s, classify + summary {t2 - t1:.2f} s, total {t2 - t0:.2f} s")
        print(f"      predicted: {grades}")
        ofsted = ", ".join(f"{a}={g or '-'}" for a, g in result.ofsted_grades.items())
        print(f"      Ofsted:    {ofsted}")

    # 3. fresh process
    print(f"\n3. fresh process (median of {args.repeats})")
    quoted_model = repr(model) if model else "None"
    for label, code in [
        ("import ofsted_nlp", "import ofsted_nlp"),
        ("import + classify one sentence", f"import ofsted_nlp; ofsted_nlp.classify({SENTENCE!r}, model={quoted_model})"),
    ]:
        runs = [_fresh(code) for _ in range(args.repeats)]
        wall = statistics.median(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        print(f"   {label:<32} {wall:6.2f} s   peak RSS {rss:6.0f} MB")

    # 4. memory on a 1 MB string
    print("\n4. peak RSS of a fresh process (MB)")
    base = _fresh(f"import ofsted_nlp; ofsted_nlp.classify({SENTENCE!r}, model={quoted_model})")
    big = _fresh("import warnings, ofsted_nlp; warnings.simplefilter('ignore'); "
                 f"r = ofsted_nlp.classify({SENTENCE!r} * 14000, model={quoted_model}, split=True); "
                 "print(len(r))")
    one = _fresh("import warnings, ofsted_nlp; warnings.simplefilter('ignore'); "
                 f"ofsted_nlp.classify('x' * 1_000_000, model={quoted_model})")
    print(f"   one sentence:                         {base[1]:6.0f} MB  ({base[0]:.2f} s)")
    print(f"   1 MB string as one text (cut to 1k):  {one[1]:6.0f} MB  ({one[0]:.2f} s)")
    print(f"   1 MB string, split=True (5,000 cap):  {big[1]:6.0f} MB  ({big[0]:.2f} s)")
    for label, pdf in _report_pdfs(args.report, tmp):
        whole = _fresh("import ofsted_nlp; from pathlib import Path; "
                       f"r = ofsted_nlp.classify(Path({str(pdf)!r}), model={quoted_model}); r.summary")
        print(f"   {label} report, PDF -> summary:{' ' * max(0, 12 - len(label))}{whole[1]:6.0f} MB  ({whole[0]:.2f} s)")
    print(f"\nthis process: peak RSS {_self_rss_mb():.0f} MB")


def _sentences(n: int) -> tuple[list[str], str]:
    corpus = ROOT / "corpus" / "sentences.parquet"
    if corpus.exists():
        import pandas as pd

        frame = pd.read_parquet(corpus, columns=["text", "section_kind"])
        frame = frame[frame.section_kind != "context"]
        return frame.text.sample(n=min(n, len(frame)), random_state=0).tolist(), "corpus/sentences.parquet"
    from tests.test_api import TINY_SENTENCES

    base = [s for s, _, _ in TINY_SENTENCES]
    return [base[i % len(base)] for i in range(n)], "made-up sentences, repeated"


def _report_pdfs(given: Path | None, tmp: Path):
    if given is not None:
        yield "given", given
        return
    if REPORTS.is_dir():
        ilacs = sorted(p for p in REPORTS.glob("*.pdf") if p.name >= "2019")
        if ilacs:
            yield "real", max(ilacs, key=lambda p: p.stat().st_size)
    try:
        from tests.pdf_factory import make_ilacs_report

        yield "factory", make_ilacs_report(tmp / "2022-06-01_exampleshire_12345.pdf")
    except ImportError:
        pass


_PEAK = "\nimport sys as _s\ntry:\n    _s.stderr.write('PEAK_KB ' + [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1] + '\\n')\nexcept OSError:\n    pass\n"


def _fresh(code: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of ``python -c code`` in a new process.

    The peak is the child's own VmHWM (from /proc): the rusage of a child also counts the parent's
    pages it was forked with, which would report this (large) process instead.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code + _PEAK], env=env, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if result.returncode != 0:
        raise SystemExit(f"fresh process failed ({result.returncode}): {code}\n{result.stderr[-2000:]}")
    peaks = [line.split()[1] for line in result.stderr.splitlines() if line.startswith("PEAK_KB ")]
    return wall, (int(peaks[-1]) / 1024 if peaks else float("nan"))


def _self_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    warnings.simplefilter("ignore", category=UserWarning)
    main()
