"""`experiments/run_all.py --quick`: every experiment script runs end to end on a small sample.

The smoke test the experiments issue asks for: it trains every model family (baselines, TF-IDF, frozen
embeddings, fine-tuned MiniLM, the distilled student), scores report level, and writes results, the table
and an MLflow store under a temporary folder, never into results/ or runs/ of the checkout.
"""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT.parent / "shared" / "ofsted_reports"
CORPUS = ROOT / "corpus" / "sentences.parquet"
NEEDS = ["torch", "transformers", "mlflow", "onnx", "onnxruntime", "textblob", "vaderSentiment", "optuna"]


def _missing() -> list[str]:
    return [m for m in NEEDS if importlib.util.find_spec(m) is None]


@pytest.mark.skipif(bool(_missing()), reason=f"the train/tracking/baselines extras are needed: {_missing()}")
def test_run_all_quick_runs_every_script_and_writes_only_under_out(tmp_path):
    if not REPORTS.is_dir() and not CORPUS.exists():
        pytest.skip(f"report level needs {REPORTS} or a built corpus at {CORPUS.parent}")
    before = sorted(p.name for p in (ROOT / "results").glob("*")) if (ROOT / "results").exists() else []
    out = tmp_path / "quick"
    done = subprocess.run([sys.executable, str(ROOT / "experiments" / "run_all.py"), "--quick", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = out / "results"
    for name in ("baseline_majority", "tfidf_logreg_context", "tfidf_logreg_context_optuna", "minilm_embedding_context",
                 "minilm_l6_fp32_seed0", "minilm_l4_int8_seed0", "minilm_l4_int8_neighbours_seed0",
                 "minilm_l4_int8_distilled_seed0", "report_level_tfidf_logreg",
                 "report_level_minilm_l4_int8_seed0"):
        assert (results / f"{name}.json").exists(), name
    if all(importlib.util.find_spec(m) for m in ("model2vec", "skeletoken")):  # the static row's own needs
        assert (results / "model2vec_minilm_l6_finetuned.json").exists()
    run = json.loads((results / "minilm_l4_int8_distilled_seed0.json").read_text())
    assert run["params"]["distill_pool"] == 100 and run["data_version"]
    assert 0.0 <= run["test"]["polarity_macro_f1"] <= 1.0
    tuned = json.loads((results / "tfidf_logreg_context_optuna.json").read_text())
    assert tuned["optuna"]["n_trials"] == 3 and (results / "optuna.db").exists()
    assert (out / "runs" / "minilm_l4_int8_seed0" / "model" / "model.onnx").exists()
    table = (results / "results_table.md").read_text()
    assert "MiniLM 4 layers distilled" in table and "epochs / seed" in table
    assert (out / "mlflow.db").exists()
    after = sorted(p.name for p in (ROOT / "results").glob("*")) if (ROOT / "results").exists() else []
    assert after == before, "the quick run wrote into the checkout's results/"


def test_quick_figures_never_reach_the_readme():
    done = subprocess.run([sys.executable, str(ROOT / "experiments" / "run_all.py"), "--quick", "--update-readme",
                           "--table-only"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "README" in done.stderr


def test_suite_skips_a_script_whose_optional_package_is_missing(monkeypatch, tmp_path, capsys):
    sys.path.insert(0, str(ROOT / "experiments"))
    import run_all

    monkeypatch.setattr(run_all, "SUITE", [("setfit_model.py", [])])
    monkeypatch.setattr(run_all, "_importable", lambda module: False)
    monkeypatch.setattr(run_all.subprocess, "run", lambda *a, **k: pytest.fail("ran a script it should skip"))
    run_all.run_suite(quick=True, out=tmp_path, skip_transformers=False)
    assert "setfit_model.py: skipped, setfit is not installed" in capsys.readouterr().out


def _result(name: str, polarity: float) -> dict:
    figures = {"area_macro_f1": 0.9, "area_macro_f1_ci_low": 0.88, "area_macro_f1_ci_high": 0.92,
               "polarity_macro_f1": polarity, "polarity_macro_f1_ci_low": polarity - 0.02,
               "polarity_macro_f1_ci_high": polarity + 0.02, "polarity_neutral_f1": 0.7, "area_none_f1": 0.9}
    return {"name": name, "test": figures, "train_seconds": 10.0, "params": {}, "splits_version": "9.1.0",
            "data_version": "abcdef123456"}


def test_regenerated_table_keeps_the_readme_rows_this_checkout_has_no_results_for(tmp_path):
    """results/ is not tracked: a table regenerated from a few new results keeps every other published row."""
    sys.path.insert(0, str(ROOT / "experiments"))
    import run_all

    (regenerated_key, regenerated_label), (other_key, other_label) = run_all.ROWS[3], run_all.ROWS[4]
    (tmp_path / f"{regenerated_key}.json").write_text(json.dumps(_result(regenerated_key, 0.5)))
    previous = run_all.results_table(tmp_path)  # a "README" table holding only the regenerated row...
    previous = previous.replace(run_all.VERSIONS_START, f"{run_all.VERSIONS_START} 8.0.0 / `0123456789ab`,")
    previous = previous.replace("|---|\n", f"|---|\n| {other_label} | old figures | 8.0.0 |\n", 1)
    (tmp_path / f"{regenerated_key}.json").write_text(json.dumps(_result(regenerated_key, 0.6)))

    table = run_all.results_table(tmp_path, previous=previous)

    rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert f"| {other_label} | old figures | 8.0.0 |" in rows  # kept as published
    assert [r for r in rows if r.startswith(f"| {regenerated_label} |")][0].count("0.600") == 1  # regenerated
    assert "8.0.0 / `0123456789ab`" in table and "9.1.0 / `abcdef123456`" in table
    assert run_all.results_table(tmp_path).count(other_label) == 0  # without a previous table: results only


def test_grade_rule_is_chosen_on_training_reports_and_fits_cut_points_per_area():
    """`grade_thresholds.choose_rule`: when the grades follow each area's own findings with a cut point of its own
    (leadership graded more strictly), every power scores alike (no finding belongs to another area), so the
    earlier rule stands (the first of equals), and per-area cut points win on exact grade."""
    import types

    import numpy as np

    sys.path.insert(0, str(ROOT / "experiments"))
    import grade_thresholds as g
    from ofsted_nlp.labels import AREAS

    rng = np.random.default_rng(0)
    cuts = {area: (0.6, 0.2, -0.2) for area in AREAS} | {"leadership": (0.8, 0.5, 0.2)}
    reports = []
    for i in range(60):
        findings, grades = [], {}
        for area in AREAS:
            target = rng.uniform(-0.9, 0.9)
            for _ in range(4):
                pos = min(max(target + rng.normal(0, 0.05), -1), 1)
                probs = {"positive": max(pos, 0.0), "negative": max(-pos, 0.0)}
                probs["neutral"] = 1 - probs["positive"] - probs["negative"]
                findings.append(types.SimpleNamespace(area=area, area_probs={area: 1.0}, polarity_probs=probs))
            score = np.mean([f.polarity_probs["positive"] - f.polarity_probs["negative"] for f in findings[-4:]])
            grades[area] = ("outstanding", "good", "requires_improvement", "inadequate")[
                sum(score < c for c in cuts[area])]
        reports.append((f"report{i}", findings, grades))
    rule, figures = g.choose_rule(reports)
    assert set(figures) == {g._rule_name((p, a)) for p in g.AREA_WEIGHT_POWERS for a in (False, True)}
    assert rule == (None, True)
    assert figures[g._rule_name((None, True))]["grade_accuracy"] > figures[g._rule_name((None, False))]["grade_accuracy"]
    thresholds = g.fit(g.area_scores(reports, None), rule)
    assert thresholds.for_area("leadership").good > thresholds.for_area("care_leavers").good + 0.15
    assert g.metrics(g.area_scores(reports, None), thresholds)["grade_accuracy"] > 0.9
