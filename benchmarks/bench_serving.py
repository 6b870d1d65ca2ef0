"""Latency and throughput of the served default model (``python -m ofsted_nlp.serving``).

    python benchmarks/bench_serving.py                          # 2,000 requests, 8 concurrent, 4 sentences each
    python benchmarks/bench_serving.py --requests 500 --sentences-per-request 32 --workers 2

Logs the shipped default model to a throwaway SQLite MLflow store, starts the guarded scoring
server on 127.0.0.1, sends a bounded load (at most 2,000 requests, 8 concurrent, 60 s; one
request in ``--bad-every`` is a bad payload), and prints p50/p95 latency of the good requests,
requests/s and sentences/s. Prints figures; asserts nothing (failures are counted and printed).
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--sentences-per-request", type=int, default=4)
    ap.add_argument("--bad-every", type=int, default=0, help="every Nth request a bad payload (0: none)")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument("--time-limit", type=float, default=60.0)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")

    from ofsted_nlp import classify
    from tests.mlflow_test_support import stop_process_group
    from tests.serving_support import gold_texts, log_default_model, run_load, start_server

    texts = gold_texts(400)
    expected = {f.text: (f.area, f.polarity) for f in classify(texts, progress=False)}
    with tempfile.TemporaryDirectory(prefix="bench_serving_") as tmp:
        root = Path(tmp)
        store_uri = log_default_model(root)
        process, url = start_server(root, store_uri, workers=args.workers)
        try:
            run_load(url, texts, expected, requests=50, concurrency=args.concurrency, bad_every=0)  # warm-up
            result = run_load(url, texts, expected, requests=min(args.requests, 2000),
                              concurrency=min(args.concurrency, 8), time_limit_s=min(args.time_limit, 60),
                              bad_every=args.bad_every, sentences_per_request=args.sentences_per_request)
            alive = process.poll() is None
        finally:
            stop_process_group(process)

    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {args.workers} server worker(s), "
          f"{args.concurrency} concurrent clients, {args.sentences_per_request} sentences per request")
    print(f"requests sent {result.requests:,} ({result.good:,} good, {result.bad:,} bad) in {result.wall_s:.1f} s")
    print(f"latency p50 {1000 * result.percentile(50):.1f} ms, p95 {1000 * result.percentile(95):.1f} ms")
    print(f"throughput {result.requests_per_s:,.0f} requests/s, "
          f"{result.good * args.sentences_per_request / result.wall_s:,.0f} sentences/s")
    print(f"failures {len(result.failures)}, answers differing from classify() {len(result.mismatches)}, "
          f"server up afterwards: {alive}")
    for failure in result.failures[:5]:
        print("  ", failure)


if __name__ == "__main__":
    main()
