"""Knowledge distillation: an ensemble teacher labels unlabelled corpus sentences, and a small student
(the first N layers of MiniLM, multi-task, ONNX int8 as it would ship) learns from gold labels and the
teacher's probability distributions together.

The teacher is the fine-tuned MiniLM-L6 (fp32 ONNX) and the TF-IDF model with section context, averaged
(`TEACHER_WEIGHTS`); both were trained on the gold train split only. Unlabelled sentences come only from
train-split reports and are not gold rows, so validation, test and out-of-domain publications stay unseen.
The teacher reads each sentence with its section; the student sees a quarter of them without it (as for
gold), so it learns to read loose sentences from a teacher that had the context.

Run: python experiments/distill.py --pool 10000 --epochs 2   (needs runs/minilm_l6_fp32_seed0 and
runs/tfidf_logreg_context from experiments/transformer.py and experiments/tfidf.py)
"""
import argparse

import numpy as np
import pandas as pd
from common import MODELS_DIR, QUICK, ensure_corpus, load_gold, run_experiment, seed_everything

from ofsted_nlp import data, features
from ofsted_nlp.models import TransformerFindingTrainer, load_model

TEACHER_WEIGHTS = {"minilm_l6_fp32_seed0": 0.7, "tfidf_logreg_context": 0.3}
DROP_CONTEXT = 0.25  # as run_experiment does for gold


def unlabelled_pool(size: int, seed: int) -> pd.DataFrame:
    """A random sample of corpus sentences from train-split reports that are not gold rows."""
    sentences = pd.read_parquet(ensure_corpus() / "sentences.parquet", columns=["id", "text", "report_id", "section_area"])
    train_reports = set(data.load_splits()["train"])
    gold_ids = {row["id"] for row in data.load_gold_rows()}
    pool = sentences[sentences.report_id.isin(train_reports) & ~sentences.id.isin(gold_ids)]
    pool = pool.sample(n=min(size, len(pool)), random_state=seed)
    return pool


def teacher_proba(texts: list[str], section_areas: list, area_classes, polarity_classes, weights: dict):
    """The weighted average of the teacher models' probabilities (runs/<name>/model: weight), columns in
    the given class order."""
    area_sum = np.zeros((len(texts), len(area_classes)))
    polarity_sum = np.zeros((len(texts), len(polarity_classes)))
    for name, weight in weights.items():
        directory = MODELS_DIR / name / "model"
        model = load_model(directory)
        inputs = features.compose(texts, section_areas, features.read_input_format(directory))
        area, polarity = model.predict_proba(inputs)
        area_sum += weight * area[:, [list(model.area_classes_).index(c) for c in area_classes]]
        polarity_sum += weight * polarity[:, [list(model.polarity_classes_).index(c) for c in polarity_classes]]
    total = sum(weights.values())
    return area_sum / total, polarity_sum / total


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--pool", type=int, default=100 if QUICK else 10000,
                    help="unlabelled sentences the teacher labels")
    ap.add_argument("--epochs", type=float, default=0.3 if QUICK else 2.0)
    ap.add_argument("--teacher", nargs="+", default=[f"{n}={w}" for n, w in TEACHER_WEIGHTS.items()],
                    help="teacher runs as NAME=WEIGHT (runs/NAME/model)")
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-length", type=int, default=80)
    ap.add_argument("--tag", default="", help="a word in the run name, e.g. the data round it was trained on")
    ap.add_argument("--input-format", choices=(features.SECTION_CONTEXT, features.DOCUMENT_CONTEXT),
                    default=features.SECTION_CONTEXT,
                    help="the student's input: section context (v1), or that with news sentences marked (v2)")
    args = ap.parse_args(argv)
    weights = {name: float(w) for name, w in (t.split("=") for t in args.teacher)}
    seed_everything(args.seed)
    splits = load_gold()
    area_classes = sorted(set(splits["train"].areas))
    polarity_classes = sorted(set(splits["train"].polarities))
    pool = unlabelled_pool(args.pool, args.seed)
    texts = pool.text.tolist()
    section_areas = [a if isinstance(a, str) else None for a in pool.section_area]  # NaN: no area section
    proba = teacher_proba(texts, section_areas, area_classes, polarity_classes, weights)
    rng = np.random.default_rng(args.seed)
    student_areas = [None if rng.random() < DROP_CONTEXT else a for a in section_areas]
    student_inputs = features.compose(texts, student_areas, args.input_format)  # report sentences: v1 == v2

    def fit(model, train):
        model.fit(train.inputs(args.input_format, DROP_CONTEXT), train.areas, train.polarities,
                  distill_texts=student_inputs, distill_proba=proba)

    model = TransformerFindingTrainer(keep_layers=args.layers, epochs=args.epochs, lr=args.lr, seed=args.seed,
                                      max_length=args.max_length, quantise=True)
    tag = f"{args.tag}_" if args.tag else ""
    name = f"minilm_l{args.layers}_int8_distilled_{tag}seed{args.seed}"
    params = {"layers": args.layers, "epochs": args.epochs, "lr": args.lr, "seed": args.seed,
              "max_length": args.max_length, "precision": "int8", "trainer": "transformers.Trainer",
              "loss": "sqrt-balanced CE + label smoothing 0.05; soft targets for distilled rows",
              "teacher": "+".join(f"{w}*{n}" for n, w in weights.items()), "distill_pool": len(texts),
              "teacher_polarity_mix": dict(zip(polarity_classes, np.bincount(proba[1].argmax(1),
                                                                               minlength=len(polarity_classes))))}
    run_experiment(name, model, params, splits=splits, fit=fit, input_format=args.input_format,
                   description=f"MiniLM first {args.layers} layers distilled from an ensemble teacher over "
                               f"{len(texts)} unlabelled train-report sentences, ONNX int8")


if __name__ == "__main__":
    main()
