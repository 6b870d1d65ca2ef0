"""model2vec static embeddings distilled from the fine-tuned MiniLM-L6, with logistic-regression heads:
the fastest row of the results table (a token-vector lookup and a mean, no network at run time).

The static vectors come from the fine-tuned multi-task encoder (runs/minilm_l6_fp32_seed0, rebuilt from
its ONNX export: models/static_distill.py), or with `--base` from the pretrained all-MiniLM-L6-v2 it
started from (the comparison). Inputs carry the section context as every other context model's do; the
heads are class-balanced LogisticRegression, each head's C chosen on `validation` (never test) from
`C_GRID`. Needs the model2vec package and its distillation dependency skeletoken (the `train` extra).

Run: python experiments/model2vec_static.py [--base] [--pca-dims 256] [--teacher minilm_l6_fp32_seed0]
(needs runs/<teacher> from `experiments/transformer.py --layers 6 --fp32` unless --base)
"""
import argparse
import importlib.util
import sys
import tempfile

from common import MODELS_DIR, QUICK, load_gold, run_experiment, seed_everything
from sklearn.metrics import f1_score

from ofsted_nlp import features
from ofsted_nlp.models.static import StaticFindingClassifier
from ofsted_nlp.models.static_distill import DEFAULT_PCA_DIMS, DEFAULT_SIF, distill_static

C_GRID = [1.0, 10.0] if QUICK else [0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0]
DROP_CONTEXT = 0.25  # run_experiment's default for context models: the same training inputs
NEEDED_PACKAGES = ("model2vec", "skeletoken")  # the `train` extra's; older environments may lack them


def choose_C(model: StaticFindingClassifier, splits) -> dict:
    """Each head's C with the best validation macro-F1 (the grid's figures are returned too)."""
    train, validation = splits["train"], splits["validation"]
    train_x = model.embed(train.inputs(features.SECTION_CONTEXT, DROP_CONTEXT))
    validation_x = model.embed(validation.inputs(features.SECTION_CONTEXT))
    scores: dict[str, dict[float, float]] = {"area": {}, "polarity": {}}
    for C in C_GRID:
        model.set_params(area_C=C, polarity_C=C).fit_embedded(train_x, train.areas, train.polarities)
        areas, polarities = model.predict_proba_embedded(validation_x)
        scores["area"][C] = f1_score(validation.areas, model.area_classes_[areas.argmax(1)], average="macro")
        scores["polarity"][C] = f1_score(validation.polarities, model.polarity_classes_[polarities.argmax(1)],
                                         average="macro")
        print(f"C={C}: validation area {scores['area'][C]:.3f}, polarity {scores['polarity'][C]:.3f}", flush=True)
    best = {task: max(by_C, key=by_C.get) for task, by_C in scores.items()}
    return {"best": best, "scores": scores}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--teacher", default="minilm_l6_fp32_seed0", help="fine-tuned run (runs/NAME/model/model.onnx)")
    ap.add_argument("--base", action="store_true", help="distil the pretrained all-MiniLM-L6-v2 instead")
    ap.add_argument("--pca-dims", type=int, default=DEFAULT_PCA_DIMS, help="0: keep all 384 dimensions")
    ap.add_argument("--sif", type=float, default=DEFAULT_SIF, help="SIF token weighting; 0: none")
    args = ap.parse_args(argv)
    missing = [package for package in NEEDED_PACKAGES if importlib.util.find_spec(package) is None]
    if missing:
        # skipped, not failed: the rest of the suite does not depend on this row
        print(f"model2vec_static.py skipped: {', '.join(missing)} not installed (pip install 'ofsted-nlp[train]')",
              file=sys.stderr)
        return
    seed_everything()
    source = "base" if args.base else "finetuned"
    name = f"model2vec_minilm_l6_{source}" + (f"_pca{args.pca_dims}" if args.pca_dims != DEFAULT_PCA_DIMS else "")
    onnx_path = None if args.base else MODELS_DIR / args.teacher / "model" / "model.onnx"
    splits = load_gold()
    with tempfile.TemporaryDirectory() as distilled:
        distill_static(distilled, onnx_path, pca_dims=args.pca_dims or None, sif_coefficient=args.sif or None)
        model = StaticFindingClassifier(static_model=distilled)
        tuning = choose_C(model, splits)
        model.set_params(area_C=tuning["best"]["area"], polarity_C=tuning["best"]["polarity"])
        params = {"encoder": "all-MiniLM-L6-v2 (pretrained)" if args.base else f"fine-tuned {args.teacher} (ONNX)",
                  "distillation": "model2vec distill_from_model", "pca_dims": args.pca_dims or "none",
                  "sif_coefficient": args.sif or "none", "head": "LogisticRegression, class_weight=balanced",
                  "area_C": model.area_C, "polarity_C": model.polarity_C, "C_grid": C_GRID,
                  "validation_area_by_C": _rounded(tuning["scores"]["area"]),
                  "validation_polarity_by_C": _rounded(tuning["scores"]["polarity"])}
        run_experiment(name, model, params, splits=splits, input_format=features.SECTION_CONTEXT,
                       drop_context=DROP_CONTEXT,
                       description=f"model2vec static embeddings from the {source} MiniLM-L6 + logistic regression "
                                   "heads, section context")


def _rounded(scores: dict) -> dict:
    return {str(C): round(float(v), 4) for C, v in scores.items()}


if __name__ == "__main__":
    main()
