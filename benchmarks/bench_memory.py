"""Peak memory classifying a corpus-sized input with the shipped default, two ways, side by side.

    python benchmarks/bench_memory.py [--sentences 100000] [--model DIR]

Each row is a fresh Python process (peak RSS from getrusage): the sentences are the corpus's
(corpus/sentences.parquet, repeated if it holds fewer), read as one pyarrow column.
- `classify(list)`: every Finding held at once (what a notebook user does);
- `iter_classify(stream)` writing one CSV row a finding: memory bounded by its chunk size.
Also prints the baseline: the process after import, reading the texts and one classify.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import csv, json, resource, sys, time
import pyarrow.parquet as pq
sys.path.insert(0, {root!r})
import ofsted_nlp
n, mode, model = {n}, {mode!r}, {model!r}
texts = pq.read_table({corpus!r}, columns=["text"]).column("text").to_pylist()
texts = (texts * (n // len(texts) + 1))[:n]
ofsted_nlp.classify(["Care leavers are well supported."], model=model, progress=False)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter()
if mode == "list":
    findings = ofsted_nlp.classify(texts, model=model, progress=False)
    count = len(findings)
else:
    count = 0
    with open({out!r}, "w", newline="") as fh:
        writer = csv.writer(fh)
        for f in ofsted_nlp.iter_classify(iter(texts), model=model):
            writer.writerow((f.text, f.area, f.polarity, f.confidence, f.is_finding))
            count += 1
print(json.dumps({{"base": base, "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "seconds": time.perf_counter() - t0, "count": count}}))
"""


def run(mode: str, n: int, model: str | None, out: Path) -> dict:
    code = CHILD.format(root=str(ROOT), n=n, mode=mode, model=model, out=str(out),
                        corpus=str(ROOT / "corpus" / "sentences.parquet"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sentences", type=int, default=100_000)
    ap.add_argument("--model", default=None)
    args = ap.parse_args(argv)
    if not (ROOT / "corpus" / "sentences.parquet").exists():
        print("skipped: no corpus/sentences.parquet (build it with `ofsted-nlp corpus`)")
        return 0
    out = Path("/tmp/ofsted_nlp_bench_memory.csv")
    print(f"{args.sentences:,} corpus sentences, model {args.model or 'shipped default'}, {time.strftime('%Y-%m-%d')}")
    print(f"{'how':<34}{'after load MB':>14}{'peak MB':>10}{'sentences/s':>13}")
    for mode, label in (("list", "classify(list): all findings held"), ("stream", "iter_classify -> CSV")):
        r = run(mode, args.sentences, args.model, out)
        assert r["count"] == args.sentences
        print(f"{label:<34}{r['base']:>14.0f}{r['peak']:>10.0f}{r['count'] / r['seconds']:>13,.0f}")
    out.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
