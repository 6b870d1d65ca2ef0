"""Sentences per second: ofsted_nlp.spark's pandas UDF in Spark local mode beside plain classify().

    python benchmarks/bench_spark.py                       # 20,000 gold sentences, local[2]
    python benchmarks/bench_spark.py --sentences 100000 --master "local[4]" --model DIR|URI

Both sides classify the same sentences with the same model; the Spark side is timed from the
DataFrame's creation to the written result (a noop sink), after a warm-up job has started the
Python workers and loaded the model in each. Spark start-up itself is printed apart. Needs
pyspark and a Java runtime. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GOLD = ROOT / "labelled_data" / "gold.jsonl"


def sentences(n: int) -> list[str]:
    texts = [json.loads(line)["text"] for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    return (texts * (-(-n // len(texts))))[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sentences", type=int, default=20_000)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--partitions", type=int, default=None, help="default: 2 x the master's cores")
    ap.add_argument("--model", default=None, help="model directory or MLflow URI (default: the default model)")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=FutureWarning)

    import ofsted_nlp
    from ofsted_nlp import classify

    texts = sentences(args.sentences)
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {len(texts):,} sentences, "
          f"model {args.model or 'default'}")

    model = ofsted_nlp.get_model(args.model)
    classify(texts[:100], model=model, progress=False)  # warm caches
    best = float("inf")
    for _ in range(args.repeats):
        start = time.perf_counter()
        classify(texts, model=model, progress=False)
        best = min(best, time.perf_counter() - start)
    print(f"classify() in this process:      {len(texts) / best:10,.0f} sentences/s ({best:.2f} s)")

    # The Python workers must import this checkout's ofsted_nlp.
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    from pyspark.sql import SparkSession

    from ofsted_nlp.spark import classify_column

    start = time.perf_counter()
    spark = (SparkSession.builder.master(args.master).appName("bench_spark")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.host", "127.0.0.1")
             .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    print(f"Spark session start:             {time.perf_counter() - start:10.1f} s")
    cores = spark.sparkContext.defaultParallelism
    partitions = args.partitions or 2 * cores
    frame = spark.createDataFrame(list(enumerate(texts)), "id long, text string").repartition(partitions).cache()
    frame.count()

    start = time.perf_counter()
    classify_column(frame.limit(200 * partitions).repartition(partitions), model=args.model) \
        .write.format("noop").mode("overwrite").save()
    print(f"warm-up job (workers, model):    {time.perf_counter() - start:10.1f} s")

    best = float("inf")
    for _ in range(args.repeats):
        start = time.perf_counter()
        classify_column(frame, model=args.model).write.format("noop").mode("overwrite").save()
        best = min(best, time.perf_counter() - start)
    print(f"Spark {args.master}, {partitions} partitions: {len(texts) / best:10,.0f} sentences/s ({best:.2f} s)")
    spark.stop()


if __name__ == "__main__":
    main()
