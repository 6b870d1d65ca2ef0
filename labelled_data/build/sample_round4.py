"""Round 4 of gold annotation: more training sentences from reports, chosen where the shipped model is unsure.

Why: after round 3 the shipped default's weakest figure is polarity on reports (test macro-F1 0.851,
neutral F1 0.675), and the learning curve (results/learning_curve.json) was still rising with gold data,
most steeply for actively chosen sentences. Round 4 labels training-report sentences only: validation,
test, `ood_dev` and `ood_test` stay exactly as they are, so every figure compares with earlier rounds.

Strata (recorded per row as `sampling`):
- `active`: uncertainty sampling with the shipped default itself (not round 2's TF-IDF committee): the
  margin between its two most probable polarity classes, plus half the area margin, scored on a seeded
  random sample of the pool; at most MAX_PER_REPORT a report; quotas by the model's area (active_select's)
  keep the rare groups represented.
- `random`: uniform over the rest of the pool (what a sentence of a training report looks like).

Pool: finding sentences of training reports (corpus/sentences.parquet) whose text is not already gold and
does not also occur in a validation, test or out-of-domain report (boilerplate repeated across reports would
otherwise put a held-out sentence's twin into training).

Run: python labelled_data/build/sample_round4.py corpus/ /work/annotation_round4/ [--annotators R7 R8 R9 R10]
Round 5 (same method, a new draw scored by the round-4 default): python labelled_data/build/sample_round4.py
corpus/ /work/annotation_round5/ --seed 20261208 --n-active 1700 --annotators R11 R12 R13 R14 R15
Round 6 (scored by the round-5 default): ... corpus/ /work/annotation_round6/ --seed 20261209 --n-active 1500
--annotators R16 R17 R18 R19 R20
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from active_select import AREA_QUOTAS, MAX_PER_REPORT  # noqa: E402
from merge_round2 import write_jsonl  # noqa: E402

SEED = 20261207
N_ACTIVE = 1300
N_RANDOM = 300
N_SCORED = 30000  # pool sentences the model scores (a seeded random sample: scoring all ~100k adds nothing)
DOUBLE_SHARE = 0.15  # of each annotator's sentences, also given to one other annotator
AREA_MARGIN_WEIGHT = 0.5
SCORING_BATCH = 256


def margin_uncertainty(proba: np.ndarray) -> np.ndarray:
    """1 - (top probability - second probability): 1 where the model cannot choose, 0 where it is sure."""
    top2 = np.sort(proba, axis=1)[:, -2:]
    return 1.0 - (top2[:, 1] - top2[:, 0])


def score_pool(pool: pd.DataFrame) -> pd.DataFrame:
    """The pool with the shipped default's predicted area and polarity, and the active score."""
    from ofsted_nlp.features import compose
    from ofsted_nlp.loading import get_model

    model = get_model()
    areas = [a if isinstance(a, str) else None for a in pool.section_area]
    inputs = compose(pool.text, areas, model.input_format_)
    parts = [model.predict_proba(inputs[i:i + SCORING_BATCH]) for i in range(0, len(inputs), SCORING_BATCH)]
    area_p = np.concatenate([np.asarray(a) for a, _ in parts])
    polarity_p = np.concatenate([np.asarray(p) for _, p in parts])
    area_classes = np.asarray([str(c) for c in model.area_classes_])
    polarity_classes = np.asarray([str(c) for c in model.polarity_classes_])
    return pool.assign(
        active_score=margin_uncertainty(polarity_p) + AREA_MARGIN_WEIGHT * margin_uncertainty(area_p),
        committee_area=area_classes[area_p.argmax(axis=1)],
        committee_polarity=polarity_classes[polarity_p.argmax(axis=1)])


def pick_active(scored: pd.DataFrame, n: int) -> pd.DataFrame:
    """The n most uncertain, at most MAX_PER_REPORT a report, by the area quotas round 2 used."""
    scored = scored.sort_values("active_score", ascending=False)
    scored = scored[scored.groupby("report_id").cumcount() < MAX_PER_REPORT]
    chosen = pd.concat([scored[scored.committee_area == area].head(int(round(share * n)))
                        for area, share in AREA_QUOTAS.items()])
    if len(chosen) < n:  # a quota the pool could not fill goes to the most uncertain of the rest
        chosen = pd.concat([chosen, scored.drop(chosen.index).head(n - len(chosen))])
    return chosen.head(n)


def training_pool(corpus: Path, labelled: Path) -> pd.DataFrame:
    from ofsted_nlp.ids import normalise_text

    sentences = pd.read_parquet(corpus / "sentences.parquet")
    sentences["text_key"] = sentences.text.map(normalise_text)
    splits = json.loads((labelled / "splits.json").read_text())
    train = set(splits["train"])
    gold = pd.read_json(labelled / "gold.jsonl", lines=True)
    taken = set(gold.text.map(normalise_text)) | set(sentences.text_key[~sentences.report_id.isin(train)])
    pool = sentences[sentences.report_id.isin(train) & ~sentences.text_key.isin(taken)]
    return pool.drop_duplicates("text_key")


def assign(sample: pd.DataFrame, annotators: list[str], rng) -> tuple[pd.DataFrame, list[dict]]:
    """Round-robin first annotators; DOUBLE_SHARE of the rows also to the next annotator along."""
    sample = sample.assign(first_annotator=[annotators[i % len(annotators)] for i in range(len(sample))])
    double_idx = rng.choice(len(sample), size=int(round(DOUBLE_SHARE * len(sample))), replace=False)
    doubles = []
    for i in sorted(double_idx):
        first = sample.first_annotator.iloc[i]
        second = annotators[(annotators.index(first) + 1) % len(annotators)]
        doubles.append({"id": sample.id.iloc[i], "first_annotator": first, "second_annotator": second})
    return sample, doubles


def task_row(s: pd.Series) -> dict:
    area = s.section_area if isinstance(s.section_area, str) else None
    return {"id": s.id, "text": s.text, "section": s.section, "section_area_by_heading": area,
            "document": f"{s.local_authority} ({s.publication_date}, {s.era} inspection report)"}


def write_tasks(sample: pd.DataFrame, doubles: list[dict], out: Path) -> None:
    by_id = sample.set_index("id", drop=False)
    for annotator, rows in sample.groupby("first_annotator"):
        write_jsonl([task_row(s) for _, s in rows.iterrows()], _task_file(out, annotator, "first"))
    second = pd.DataFrame(doubles)
    for annotator, rows in second.groupby("second_annotator"):
        write_jsonl([task_row(by_id.loc[i]) for i in rows.id], _task_file(out, annotator, "second"))


def _task_file(out: Path, annotator: str, part: str) -> Path:
    folder = out / f"ann_{annotator}" / part
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "to_label.jsonl"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--annotators", nargs="+", default=["R7", "R8", "R9", "R10"])
    ap.add_argument("--seed", type=int, default=SEED, help="a later round draws anew with its own seed")
    ap.add_argument("--n-active", type=int, default=N_ACTIVE)
    ap.add_argument("--n-random", type=int, default=N_RANDOM)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    labelled = Path(__file__).resolve().parents[1]
    pool = training_pool(args.corpus, labelled)
    scored = score_pool(pool.sample(n=min(N_SCORED, len(pool)), random_state=int(rng.integers(1 << 31))))
    active = pick_active(scored, args.n_active).assign(sampling="active")
    rest = pool[~pool.id.isin(active.id)]
    random_rows = rest.sample(n=args.n_random, random_state=int(rng.integers(1 << 31))).assign(sampling="random")
    sample = pd.concat([active, random_rows], ignore_index=True)
    sample = sample.sample(frac=1.0, random_state=int(rng.integers(1 << 31))).reset_index(drop=True)
    sample, doubles = assign(sample, args.annotators, rng)
    args.out.mkdir(parents=True, exist_ok=True)
    write_jsonl(json.loads(sample.drop(columns=["text_key"]).to_json(orient="records", force_ascii=False)),
                args.out / "assignment_reports.jsonl")
    write_jsonl(doubles, args.out / "double_reports.jsonl")
    write_tasks(sample, doubles, args.out)
    print(f"pool {len(pool):,} sentences of training reports; scored {len(scored):,}")
    print(sample.groupby(["sampling", "committee_polarity"], dropna=False).size().to_string())
    print(f"{len(sample)} sentences, {len(doubles)} double; annotators {', '.join(args.annotators)}")


if __name__ == "__main__":
    main()
