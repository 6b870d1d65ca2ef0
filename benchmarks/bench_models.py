"""Models side by side on the same 5,000 gold sentences: sentences/s (median of 3) and size. Prints; asserts nothing.

    python benchmarks/bench_models.py [--model NAME=DIR ...] [--sentences 5000] [--repeats 3]

Rows: `classify()` with the shipped default (what users get, input checks and all), each named model
directory through its own `predict_proba` (batched), and raw all-MiniLM-L6-v2 mean-pooled encoding with torch
(the reference a transformer default must beat by 3x). Every row runs in this one process, one after another,
on the same sentences, so the figures compare.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def gold_sentences(n: int) -> list[str]:
    from ofsted_nlp import data, features

    rows = data.load_gold_rows()
    rows = (rows * (n // len(rows) + 1))[:n]  # the sample experiments/select_default.py times too
    return features.compose([r["text"] for r in rows], [r["section_area"] for r in rows], features.SECTION_CONTEXT)


def timed(fn, texts, repeats) -> float:
    fn(texts[:64])  # warm-up: sessions, caches, first allocations
    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn(texts)
        runs.append(time.perf_counter() - t)
    return len(texts) / statistics.median(runs)


def size_mb(directory: Path) -> float:
    return sum(p.stat().st_size for p in Path(directory).rglob("*") if p.is_file()) / 1e6


def torch_encoding(texts: list[str]):
    """Raw MiniLM-L6 mean-pooled embeddings with torch (2 threads), batches of 64 in length order."""
    import torch

    from ofsted_nlp.models import SentenceEncoder

    torch.set_num_threads(2)
    encoder = SentenceEncoder(batch_size=64, num_threads=2)
    return lambda batch: encoder._encode(list(batch))  # not transform(): it caches the last batch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", default=[], help="NAME=DIR of a saved model (repeatable)")
    ap.add_argument("--sentences", type=int, default=5000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-torch", action="store_true", help="skip the raw torch encoding row")
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    import ofsted_nlp
    from ofsted_nlp.loading import DEFAULT_MODEL_DIR
    from ofsted_nlp.models import load_model

    texts = gold_sentences(args.sentences)
    print(f"{len(texts):,} gold sentences (with section context), {os.cpu_count()} CPUs, median of {args.repeats}\n")
    rows = []
    plain = [t.split(". ", 1)[1] if t.startswith("section: ") else t for t in texts]
    rows.append(("classify() shipped default", timed(lambda b: ofsted_nlp.classify(b, progress=False), plain,
                                                     args.repeats), size_mb(DEFAULT_MODEL_DIR)))
    for spec in args.model:
        name, directory = spec.split("=", 1)
        model = load_model(directory)
        rows.append((name, timed(model.predict_proba, texts, args.repeats), size_mb(Path(directory))))
    if not args.no_torch:
        rows.append(("torch MiniLM-L6 mean-pooled encoding (reference)",
                     timed(torch_encoding(texts), texts, args.repeats), float("nan")))
    reference = rows[-1][1] if not args.no_torch else float("nan")
    print(f"{'model':<52} {'sentences/s':>12} {'x torch enc.':>13} {'MB':>8}")
    for name, speed, mb in rows:
        print(f"{name:<52} {speed:>12,.0f} {speed / reference:>13.2f} {mb:>8.1f}")
    out = ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / "bench_models.json").write_text(json.dumps(
        [{"model": n, "sentences_per_s": s, "mb": m} for n, s, m in rows], indent=1) + "\n")


if __name__ == "__main__":
    main()
