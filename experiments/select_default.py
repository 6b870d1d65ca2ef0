"""Ship the best model that meets the size and speed goals as ofsted_nlp/default_model, and TF-IDF by name.

"Best" is decided on the development splits only: the mean of area and polarity macro-F1 on the report
validation split and on the news/letters dev split `ood_dev` (tracking.SELECTION_METRICS; since data 2.3.0: the
default reads news too, and report validation alone could not see how a model reads it), among the runs of the
current data version; the test splits are reported in the model card, never used to choose. "Meets the goals":
at most 30 MB on disk and at least 500 sentences/s through `classify()` on this machine (measured here on the
5,000 gold sentences benchmarks/bench_models.py uses, slowest of 3 runs: texts only, no labels are read). The TF-IDF model of the same data ships beside it (`classify(model="tfidf")`).
Beside each model it writes `evaluation.json` (the run's results, size and speed: what experiments/register_default.py
registers it with) and MODEL_CARD.md made from that record by model_card.py.
This script is the deliberate step that changes the shipped models; run it, read the card, commit.

Run: python experiments/select_default.py
"""
import argparse
import json
import shutil
import time
from pathlib import Path

import model_card
from common import REGISTERED_MODEL, RESULTS_DIR, ROOT, directory_bytes

from ofsted_nlp import data, tracking

MAX_BYTES = 30 * 1024 * 1024
MIN_SENTENCES_PER_S = 500
TARGET = ROOT / "ofsted_nlp" / "default_model"
TFIDF_TARGET = ROOT / "ofsted_nlp" / "tfidf_model"
TFIDF_RUN = "tfidf_logreg_context"
CHAMPION = f"{REGISTERED_MODEL}@{tracking.CHAMPION_ALIAS}"  # what experiments/register_default.py registers


def speed(model_dir: Path, texts: list[str]) -> float:
    """Sentences/s of classify() with this model: what a user gets, input checks and language check included."""
    import ofsted_nlp

    ofsted_nlp.classify(texts[:64], model=str(model_dir), progress=False)
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        ofsted_nlp.classify(texts, model=str(model_dir), progress=False)
        runs.append(time.perf_counter() - t)
    return len(texts) / max(runs)  # the slowest of three: the goal must hold in every run, not on average


def validation_score(results: dict) -> float:
    """The mean of the development figures tracking.register_best ranks by: one selection rule for both."""
    figures = [results[split][figure] for split, figure in tracking.SELECTION_FIGURES]
    return sum(figures) / len(figures)


def record_and_card(results: dict, score: float, sps: float, mb: float, title: str = "Default model",
                    registered_as: str | None = None) -> tuple[dict, str]:
    """The evaluation record shipped beside the model and the card written from it (model_card.py)."""
    report = RESULTS_DIR / f"report_level_{results['name']}.json"
    selection = {"validation_score": score, "sentences_per_s": sps, "mb": mb, "max_mb": MAX_BYTES / 2**20,
                 "min_sentences_per_s": MIN_SENTENCES_PER_S}
    record = model_card.evaluation_record(results, selection,
                                          json.loads(report.read_text()) if report.exists() else None)
    return record, model_card.model_card(record, title, registered_as)


def replace_dir(source: Path, target: Path, record: dict, card: str) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(source, tmp)
    (tmp / model_card.RECORD_FILE).write_text(json.dumps(record, indent=1) + "\n")  # key order kept: the card follows it
    (tmp / model_card.CARD_FILE).write_text(card)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dry-run", action="store_true", help="measure and print the candidates; ship nothing")
    args = ap.parse_args(argv)
    version = data.data_version()
    rows = data.load_gold_rows()
    texts = [r["text"] for r in (rows * 2)[:5000]]  # the benchmark's sample; texts only
    candidates = []
    for path in sorted(RESULTS_DIR.glob("*.json")):
        r = json.loads(path.read_text())
        if ("model_dir" not in r or any(s not in r for s in tracking.SELECTION_SPLITS)
                or r.get("data_version") != version):
            continue
        model_dir = ROOT / r["model_dir"]
        if not model_dir.exists():
            continue
        score = validation_score(r)
        model_bytes = directory_bytes(model_dir)
        mb = model_bytes / 2**20
        # Timing takes ~15 s a model (minutes for an fp32 one): only for a model the size goal lets through.
        sps = speed(model_dir, texts) if model_bytes <= MAX_BYTES else float("nan")
        ok = model_bytes <= MAX_BYTES and sps >= MIN_SENTENCES_PER_S
        candidates.append((score, ok, r, model_dir, sps, mb))
        print(f"{r['name']:30s} validation {score:.3f}  {mb:6.1f} MB  {sps:7,.0f} sentences/s"
              f"{'' if ok else '  (misses the size or speed goal)'}")
    eligible = [c for c in candidates if c[1]]
    if not eligible:
        raise SystemExit(f"no run of data version {version} in {RESULTS_DIR} meets the size and speed goals: "
                         "nothing shipped (train one first, e.g. experiments/distill.py)")
    score, _, best, model_dir, sps, mb = max(eligible, key=lambda c: c[0])
    if args.dry_run:
        print(f"would ship {best['name']} ({model_dir}); --dry-run: nothing shipped")
        return
    replace_dir(model_dir, TARGET, *record_and_card(best, score, sps, mb, registered_as=CHAMPION))
    print(f"default model <- {best['name']} ({model_dir})")
    tfidf = next((c for c in candidates if c[2]["name"] == TFIDF_RUN), None)
    if tfidf is not None:
        replace_dir(tfidf[3], TFIDF_TARGET, *record_and_card(tfidf[2], tfidf[0], tfidf[4], tfidf[5],
                                                            title="TF-IDF model (classify(model=\"tfidf\"))"))
        print(f"tfidf model <- {TFIDF_RUN}")


if __name__ == "__main__":
    main()
