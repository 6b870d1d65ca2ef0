"""Evaluate a saved model directory as it runs now (no training): every split, logged like a trained run.

Used when inference changes but the weights do not (e.g. the ONNX default moved to one sentence a run),
so the published figures are those of the code that ships.

Run: python experiments/evaluate_saved.py --model runs/minilm_l4_int8_seed0/model --name minilm_l4_int8_seed0
"""
import argparse
import json

from common import RESULTS_DIR, load_gold, run_experiment

from ofsted_nlp import features
from ofsted_nlp.models import load_model


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--name", required=True, help="results name; the training run's params and time are kept")
    args = ap.parse_args(argv)
    previous = RESULTS_DIR / f"{args.name}.json"
    trained = json.loads(previous.read_text()) if previous.exists() else {}
    model = load_model(args.model)
    params = {**trained.get("params", {}), "evaluated": "saved model, current inference code"}
    params.pop("input_format", None)
    results = run_experiment(args.name, model, params, splits=load_gold(), fit=lambda m, train: None,
                             input_format=features.read_input_format(args.model),
                             description=trained.get("description", "saved model"))
    if trained:  # the weights are the training run's: keep its cost
        results["train_seconds"] = trained["train_seconds"]
        results["n_train"] = trained.get("n_train")
        (RESULTS_DIR / f"{args.name}.json").write_text(json.dumps(results, indent=1, default=float) + "\n")


if __name__ == "__main__":
    main()
