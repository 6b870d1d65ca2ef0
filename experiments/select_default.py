"""Ship the best model that fits in the package as ofsted_nlp/default_model, and register it in MLflow.

"Best" is decided on the VALIDATION split only (mean of area and polarity macro-F1); the test split is
reported, never used to choose. "Fits" means at most 25 MB on disk.
Run: python experiments/select_default.py
"""
import json
import shutil
from pathlib import Path

from common import EXPERIMENT, REGISTERED_MODEL, RESULTS_DIR, ROOT

from ofsted_nlp import tracking

MAX_BYTES = 25 * 1024 * 1024
TARGET = ROOT / "ofsted_nlp" / "default_model"


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main():
    candidates = []
    for path in sorted(RESULTS_DIR.glob("*.json")):
        r = json.loads(path.read_text())
        if "model_dir" not in r or "validation" not in r:
            continue
        model_dir = ROOT / r["model_dir"]
        if not model_dir.exists():
            continue
        v = r["validation"]
        score = (v["area_macro_f1"] + v["polarity_macro_f1"]) / 2
        fits = size(model_dir) <= MAX_BYTES
        candidates.append((score, fits, r, model_dir))
        print(f"{r['name']:30s} validation {score:.3f} size {size(model_dir) / 2**20:6.1f} MB"
              f"{'' if fits else '  (too large to ship)'}")
    score, _, best, model_dir = max((c for c in candidates if c[1]), key=lambda c: c[0])
    tmp = TARGET.with_name(".default_model.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(model_dir, tmp)
    t, v = best["test"], best["validation"]
    nc = best.get("test_no_context")
    card = [f"# Default model: {best['name']}", "", best.get("description", ""), "",
            f"Chosen by experiments/select_default.py: best mean validation macro-F1 ({score:.3f}) among the models "
            f"that fit in 25 MB. Trained on the gold train split ({best['params'].get('n_train', '')}).", "",
            "| split | area macro-F1 | polarity macro-F1 |", "|---|---|---|",
            f"| validation | {v['area_macro_f1']:.3f} | {v['polarity_macro_f1']:.3f} |",
            f"| test (31 held-out reports) | {t['area_macro_f1']:.3f} | {t['polarity_macro_f1']:.3f} |"]
    if nc:
        card.append(f"| test, sentences without their section | {nc['area_macro_f1']:.3f} | "
                    f"{nc['polarity_macro_f1']:.3f} |")
    card += ["", f"Parameters: `{json.dumps(best['params'])}`", f"MLflow run: `{best['run_id']}`",
             "", "Saved as JSON and NumPy arrays (no pickle). Report text it learned from: Crown copyright, OGL v3.0."]
    (tmp / "MODEL_CARD.md").write_text("\n".join(card) + "\n")
    shutil.rmtree(TARGET, ignore_errors=True)
    tmp.rename(TARGET)
    print(f"default model <- {best['name']} ({model_dir})")
    try:
        version = tracking.register_best(EXPERIMENT, metric="validation_area_macro_f1",
                                         registered_model_name=REGISTERED_MODEL)
        print(f"registered {version.name} version {version.version} (run {version.run_id})")
    except Exception as exc:  # the registry is a convenience; the shipped model does not depend on it
        print(f"registry not updated: {exc}")


if __name__ == "__main__":
    main()
