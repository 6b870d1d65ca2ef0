"""Run the whole experiment suite, then write the results table to results/results_table.md.

Run: python experiments/run_all.py [--quick [--out DIR]] [--skip-transformers] [--table-only] [--update-readme]
Results go to results/ (never tracked); `--update-readme` copies the table into README.md, the deliberate,
reviewed step that changes the published figures. results/ is not tracked, so the table keeps, as they were
generated, the README's rows whose result files this checkout does not hold (a fresh clone that reran a few
scripts regenerates those rows and drops none of the others). On this 2-core machine the full suite takes about two
hours, most of it fine-tuning MiniLM (three models of 18-45 minutes each).

`--quick` is the smoke test: every script on a small sample of the gold splits (a few publications a
split, a fraction of an epoch, a few reports), written under `--out` (default results/quick/: its own
results, runs and MLflow store), in a few minutes. Its figures mean nothing; that it runs end to end does.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# (script, arguments); "{runs}" is the folder trained models are saved in.
SUITE = [
    ("baselines.py", []),
    ("tfidf.py", []),
    ("optuna_search.py", ["--model", "tfidf"]),  # up to 60 trials, 6 minutes, on validation (quick: 3)
    ("learning_curve.py", []),
    ("embedding.py", []),
    ("transformer.py", ["--layers", "6", "--fp32"]),
    ("model2vec_static.py", []),  # distils the MiniLM-L6 fp32 run above into static embeddings
    ("model2vec_static.py", ["--pca-dims", "0"]),  # all 384 dimensions (model2vec's default PCA keeps 256)
    ("model2vec_static.py", ["--base"]),  # from the pretrained encoder: the comparison
    ("transformer.py", ["--layers", "4"]),
    ("context_window.py", []),  # the L4 student with the previous/next sentence as a second segment
    ("distill.py", []),  # its teacher: the two runs above it (MiniLM-L6 fp32, TF-IDF with context)
    ("setfit_model.py", []),  # SetFit (compared, not shipped); skipped where setfit is not installed
    ("report_level.py", []),
    ("grade_thresholds.py", ["--model", "{runs}/minilm_l4_int8_seed0/model", "--name", "minilm_l4_int8_seed0"]),
]
TRANSFORMER_SCRIPTS = {"transformer.py", "context_window.py", "distill.py", "grade_thresholds.py", "setfit_model.py",
                       "model2vec_static.py"}
# Variants of a script already in the suite: the full suite runs them; --quick, a smoke test of every script,
# runs each script once and leaves these out to stay within its time budget.
QUICK_SKIPS = {("model2vec_static.py", ("--pca-dims", "0")), ("model2vec_static.py", ("--base",))}
# Scripts that need a package beyond the `train` extra's core; the suite skips them, saying so, where it is missing.
OPTIONAL_PACKAGES = {"setfit_model.py": "setfit"}
RESULTS = Path(os.environ.get("OFSTED_NLP_RESULTS", ROOT / "results"))
SPEEDS = RESULTS / "bench_models.json"  # benchmarks/bench_models.py, when it has been run
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
VERSION_PATTERN = re.compile(r"(\d+\.\d+\.\d+) / `([0-9a-f]+)`")  # "2.5.0 / `ed5622a25ca0`" in the table's head
CORPUS_CV_START = "The first row's rule"
CEILING_START = "Annotator ceiling:"
VERSIONS_START = "Splits / data version:"
SEED_ROW_MARK = ": mean +- sd over "
REPORT_LEVEL_START = "Report level:"

ROWS = [  # (results file, label in the table)
    ("baseline_majority", "Majority class"),
    ("baseline_keywords_textblob", "Keyword area + TextBlob polarity (public tools' lexicon)"),
    ("baseline_keywords_vader", "Keyword area + VADER polarity"),
    ("tfidf_logreg", "TF-IDF + logistic regression"),
    ("tfidf_logreg_weak", "TF-IDF + logistic regression, gold + weak section labels"),
    ("tfidf_logreg_context", "TF-IDF + logistic regression, section context (`model=\"tfidf\"`)"),
    ("tfidf_logreg_context_optuna", "TF-IDF + logistic regression, section context, settings from an optuna study "
                                    "on validation"),
    ("tfidf_logreg_context_weak", "TF-IDF + logistic regression, section context, gold + weak"),
    ("minilm_embedding_context", "MiniLM embeddings + logistic regression, section context"),
    ("model2vec_minilm_l6_finetuned", "model2vec static embeddings distilled from the fine-tuned MiniLM-L6 + "
                                      "logistic regression, section context (fastest)"),
    ("model2vec_minilm_l6_finetuned_pca0", "model2vec static embeddings distilled from the fine-tuned MiniLM-L6, "
                                           "all 384 dimensions (no PCA), + logistic regression, section context"),
    ("model2vec_minilm_l6_base", "model2vec static embeddings from the pretrained MiniLM-L6 + logistic regression, "
                                 "section context"),
    ("minilm_finetuned_context", "MiniLM fine-tuned (CPU), section context"),
    ("minilm_l6_fp32_seed0", "MiniLM 6 layers, multi-task, Trainer, ONNX fp32"),
    ("minilm_l6_int8_seed0", "MiniLM 6 layers, multi-task, ONNX int8 (misses 500 sentences/s in classify())"),
    ("minilm_l4_fp32_seed0", "MiniLM 4 layers, multi-task, Trainer, ONNX fp32"),
    ("minilm_l4_int8_seed0", "MiniLM 4 layers, multi-task, ONNX int8, gold only"),
    ("minilm_l4_int8_neighbours_seed0", "MiniLM 4 layers, multi-task, previous/next sentence as a second segment, "
                                        "ONNX int8, gold only (experiments/context_window.py)"),
    ("minilm_l4_int8_distilled_seed0", "MiniLM 4 layers distilled from MiniLM-L6 + TF-IDF over 10k unlabelled "
                                       "sentences, ONNX int8 (an earlier default)"),
    ("minilm_l4_int8_distilled_r3_seed0", "The same student trained on data 2.1.0 (+1,062 news sentences, round 3), "
                                          "teachers of data 2.0.0, ONNX int8, seed 0"),
    ("minilm_l4_int8_distilled_r3_seed2", "The same, seed 2: best of the three seeds on validation (a default of data 2.1.0)"),
    ("minilm_l4_int8_distilled_r4_seed0", "The same student on data 2.2.0 (+1,600 report sentences the model was unsure "
                                          "of, round 4), teachers of data 2.0.0, seed 0"),
    ("minilm_l4_int8_distilled_r4v2_seed0", "The same, news sentences marked `section: news` (input format v2; not "
                                            "shipped: news polarity in place fell 0.806 -> 0.764 on ood_dev)"),
    ("minilm_l4_int8_distilled_r4t_seed0", "The same student on data 2.2.0, teachers retrained on data 2.2.0 "
                                           "(MiniLM-L6 fp32 + TF-IDF), seed 0"),
    ("minilm_l4_int8_distilled_r4t_seed2", "The same, seed 2: best of the three seeds on validation (an earlier default)"),
    ("minilm_l6_fp32_seed0_data2.2.0", "MiniLM 6 layers, multi-task, ONNX fp32, data 2.2.0 (the round-4 teacher)"),
    ("minilm_l4_int8_distilled_r5_seed0", "The same student on data 2.3.0 (+2,000 report sentences the model was unsure "
                                          "of, round 5), teachers retrained on 2.3.0 (MiniLM-L6 + TF-IDF), seed 0"),
    ("minilm_l4_int8_distilled_r5e_seed0", "The same, two MiniLM-L6 teachers (seeds 0 and 1) + TF-IDF, seed 0"),
    ("minilm_l4_int8_distilled_r5ep20k_seed0", "The same, distilled over 20,000 unlabelled sentences (10,000 above), "
                                               "seed 0: best of the 2.3.0 runs on the development splits "
                                               "(an earlier default)"),
    ("minilm_l6_fp32_seed0_data2.3.0", "MiniLM 6 layers, multi-task, ONNX fp32, data 2.3.0 (a round-5 teacher)"),
    ("minilm_l4_int8_distilled_r6_seed0", "The same student on data 2.4.0 (+1,800 report sentences the model was "
                                          "unsure of and 739 news sentences, round 6), teachers retrained on 2.4.0 "
                                          "(two MiniLM-L6 + TF-IDF), 20,000 unlabelled sentences, seed 0: best "
                                          "of the 2.4.0 runs on the development splits (the previous default)"),
    ("minilm_l4_int8_distilled_r7_seed0", "The same student on data 2.5.0 (193 training labels changed by a blind "
                                          "second reading, round 7), teachers retrained on 2.5.0, seed 0"),
    ("minilm_l4_int8_distilled_r7news_seed0", "The same, news sentences marked `section: news` (input format v2), "
                                              "seed 0: best of the 2.5.0 runs on the development splits "
                                              "(the previous default)"),
    ("minilm_l4_int8_distilled_r8news40k_seed0", "The same student on data 2.6.0 (+714 news sentences, round 8), "
                                                 "teachers of 2.5.0, distilled over 40,000 unlabelled sentences, "
                                                 "news marked, seed 0: best of the 2.6.0 runs on the development "
                                                 "splits (**shipped default**)"),
    ("minilm_l4_int8_distilled_r8news40k_seed1", "The same, seed 1"),
    ("minilm_l4_int8_distilled_r8news40k_seed2", "The same, seed 2 (its TF-IDF teacher refitted at the data-2.5.0 "
                                                 "commit: the same model, the same figures)"),
    ("minilm_l6_fp32_seed0_data2.4.0", "MiniLM 6 layers, multi-task, ONNX fp32, data 2.4.0 (a round-6 teacher)"),
    ("setfit_minilm_l6_joint_seed0", "SetFit: MiniLM-L6 fine-tuned contrastively on 12.8k area+polarity pairs, "
                                     "logistic heads, torch fp32 (compared, not shipped)"),
]
REPORT_ROWS = [
    ("report_level_minilm_l4_int8_distilled_r8news40k_seed0", "MiniLM-L4 int8 distilled over 40k sentences, data "
                                                              "2.6.0, two L6 teachers of 2.5.0 + TF-IDF, news marked "
                                                              "(shipped default): the test reports scored "
                                                              "(experiments/grade_thresholds.py)"),
    ("report_level_minilm_l4_int8_distilled_r7news_seed0", "MiniLM-L4 int8 distilled over 20k sentences, data "
                                                           "2.5.0, two L6 teachers + TF-IDF, news marked (the "
                                                           "previous default): the same way"),
    ("report_level_minilm_l4_int8_distilled_r7news_seed0_ownfindings", "The previous default's reports, each area "
                                                                       "scored from its own findings (the earlier "
                                                                       "rule)"),
    ("report_level_minilm_l4_int8_distilled_r6_seed0", "The same on data 2.4.0, news not marked (the previous "
                                                       "default): the same way"),
    ("report_level_minilm_l4_int8_distilled_r5ep20k_seed0", "The same on data 2.3.0 (an earlier default): the same "
                                                            "way"),
    ("report_level_minilm_l4_int8_distilled_r5e_seed0", "The same over 10k sentences: the same way"),
    ("report_level_minilm_l4_int8_distilled_r4t_seed2", "MiniLM-L4 int8 distilled, data 2.2.0, teachers of 2.2.0 (an "
                                                        "earlier default): the same way"),
    ("report_level_minilm_l4_int8_distilled_r3_seed2", "MiniLM-L4 int8 distilled, data 2.1.0: the same way"),
    ("report_level_minilm_l4_int8_distilled_seed0", "MiniLM-L4 int8 distilled, data 2.0.0: the same way"),
    ("report_level_minilm_l4_int8_seed0", "MiniLM-L4 int8, gold only: the same way"),
    ("report_level_keywords_textblob", "Keyword area + TextBlob"),
    ("report_level_keywords_vader", "Keyword area + VADER"),
    ("report_level_tfidf_logreg", "TF-IDF + logistic regression"),
    ("report_level_tfidf_logreg_weak", "TF-IDF + logistic regression, gold + weak"),
]


def fmt_ci(m, task):
    return (f"{m[f'{task}_macro_f1']:.3f} ({m[f'{task}_macro_f1_ci_low']:.2f}-"
            f"{m[f'{task}_macro_f1_ci_high']:.2f})")


def _speeds() -> dict:
    if not SPEEDS.exists():
        return {}
    return {row["model"]: row for row in json.loads(SPEEDS.read_text())}


def _epochs_seed(result: dict) -> str:
    """Training epochs and seed of a run ("-" where the model has no epochs, e.g. TF-IDF)."""
    params = result.get("params", {})
    epochs = params.get("epochs", "-")
    return f"{epochs} / {params.get('seed', '-')}"


def _ceiling_lines(results: Path) -> list[str]:
    """One annotator scored against the other on the test sentences labelled twice (annotator_ceiling.py)."""
    path = results / "annotator_ceiling.json"
    c = json.loads(path.read_text()).get("test") if path.exists() else None
    if c is None:
        return []
    return ["", f"{CEILING_START} on the {c['n_double']} test sentences labelled twice, one annotator's labels "
                f"scored against the other's give area macro-F1 {c['area_macro_f1']:.3f}, polarity "
                f"{c['polarity_macro_f1']:.3f} and neutral {c['polarity_neutral_f1']:.3f} "
                f"(`experiments/annotator_ceiling.py`): the agreement a second reader reaches, which the models' test "
                f"figures are read against."]


def _seed_rows(results: Path) -> list[str]:
    """Mean +- sd over seeds, for each run that has results for seeds 0, 1, 2, ... (`<name>_seed<k>.json`)."""
    import statistics

    lines = []
    for key, label in ROWS:
        if not key.endswith("_seed0"):
            continue
        runs = [json.loads(p.read_text()) for p in sorted(results.glob(f"{key[:-1]}[0-9].json"))]
        if len(runs) < 2:
            continue
        cells = []
        for split, metric in (("test", "area_macro_f1"), ("test", "polarity_macro_f1"),
                              ("test", "polarity_neutral_f1"), ("test", "area_none_f1")):
            values = [r[split][metric] for r in runs]
            cells.append(f"{statistics.mean(values):.3f} +- {statistics.stdev(values):.3f}")
        lines.append(f"| {label.split(' (')[0]}{SEED_ROW_MARK}{len(runs)} seeds | " + " | ".join(cells)
                     + " | - | - | - | - | - | " + ", ".join(str(r["params"].get("seed")) for r in runs)
                     + f" | {runs[0].get('splits_version', '?')} |")
    return lines


def _table_lines(table: str) -> dict[str, str]:
    """The rows of a results table by their first cell (the model's label): `previous` rows to keep."""
    return {line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("| ")}


def _kept_paragraph(previous: str, start: str) -> list[str]:
    """A paragraph of the previous table that begins with `start`, with the blank line before it."""
    found = [line for line in previous.splitlines() if line.startswith(start)]
    return ["", found[0]] if found else []


def _kept_seed_rows(kept: dict[str, str], seed_rows: list[str]) -> list[str]:
    """Previous mean +- sd rows of runs whose seeds this checkout's results do not hold."""
    def run_of(label: str) -> str:
        return label.split(SEED_ROW_MARK)[0]
    regenerated = {run_of(row.split("|")[1].strip()) for row in seed_rows}
    return [line for label, line in kept.items() if SEED_ROW_MARK in label and run_of(label) not in regenerated]


def results_table(results: Path = RESULTS, previous: str = "") -> str:
    """The README's results table from the result files in `results`. A row whose result file this checkout
    does not hold (results/ is not tracked: a fresh clone, or a session that reran only some scripts) keeps
    its line from `previous` (the table now in the README) as it was generated, with its data version, so that
    regenerating never drops published figures; rows with no result and no previous line are left out."""
    previous_sentences, _, previous_reports = previous.partition(REPORT_LEVEL_START)
    kept = _table_lines(previous_sentences)
    versions = {pair for line in previous.splitlines() if line.startswith(VERSIONS_START)
                for pair in VERSION_PATTERN.findall(line)} if any(label in kept for _, label in ROWS) else set()
    speeds = _speeds()
    lines = ["Sentence level, gold **test** split (65 held-out reports, 2,405 sentences; 95% bootstrap CIs "
             "resampled by report); area macro-F1 is over the four areas and `none`; news/letters = `ood_test` "
             "(406 sentences); sentences/s from `benchmarks/bench_models.py` (2 cores, batched):", "",
             "| model | area macro-F1 | polarity macro-F1 | neutral F1 | `none` F1 | "
             "no section context (area / polarity) | news/letters (area / polarity) | sentences/s | MB | train s | "
             "epochs / seed | data |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for key, label in ROWS:
        path = results / f"{key}.json"
        if not path.exists():
            lines += [kept[label]] if label in kept else []
            continue
        r = json.loads(path.read_text())
        versions.add((r.get("splits_version", "?"), r.get("data_version", "?")))
        t = r["test"]
        nc, ood = r.get("test_no_context"), r.get("ood_test")
        no_ctx = f"{nc['area_macro_f1']:.3f} / {nc['polarity_macro_f1']:.3f}" if nc else "-"
        news = f"{ood['area_macro_f1']:.3f} / {ood['polarity_macro_f1']:.3f}" if ood else "-"
        speed = speeds.get(key, {})
        sps = f"{speed['sentences_per_s']:,.0f}" if speed else "-"
        model_mb = speed.get("mb", r.get("model_mb"))  # the benchmark's, else the size the run recorded
        mb = f"{model_mb:.1f}" if model_mb is not None else "-"
        lines.append(f"| {label} | {fmt_ci(t, 'area')} | {fmt_ci(t, 'polarity')} | "
                     f"{t.get('polarity_neutral_f1', float('nan')):.3f} | {t.get('area_none_f1', float('nan')):.3f} | "
                     f"{no_ctx} | {news} | {sps} | {mb} | {r['train_seconds']:.0f} | {_epochs_seed(r)} | "
                     f"{r.get('splits_version', '?')} |")
    lines.insert(1, VERSIONS_START + " " + ", ".join(f"{s} / `{d}`" for s, d in sorted(versions)) + ".")
    seed_rows = _seed_rows(results)
    lines += _kept_seed_rows(kept, seed_rows) + seed_rows
    lines += _ceiling_lines(results) or _kept_paragraph(previous, CEILING_START)
    lines += ["", f"{REPORT_LEVEL_START} area score against Ofsted's grade for reports the model never saw (the "
              "transformer rows: test reports, cut points fitted on the reports the last column names; the others: "
              "every graded report of the corpus by 5-fold report-grouped cross-validation, cut points fitted on the "
              "other folds):", "",
              "| model | Spearman (area score vs grade) | grade exact | grade within one | report-areas | cut points "
              "fitted on | grade rule |",
              "|---|---|---|---|---|---|---|"]
    reported, corpus_cv = 0, []
    kept_reports = _table_lines(previous_reports)
    for key, label in REPORT_ROWS:
        path = results / f"{key}.json"
        if not path.exists():
            if label in kept_reports:
                lines.append(kept_reports[label])
                reported += 1
            continue
        result = json.loads(path.read_text())
        m = result["report_level"]
        if "report_level_corpus_cv" in result and not corpus_cv:
            cv = result["report_level_corpus_cv"]
            corpus_cv = ["", f"{CORPUS_CV_START} with its cut points cross-validated over all {cv['n_report_areas']} "
                         "graded report-areas of the corpus (5 report-grouped folds, the issue's protocol; the model "
                         f"saw some sentences of the training reports): Spearman {cv['spearman']:.3f}, exact grade "
                         f"{cv['grade_accuracy']:.3f}."]
        lines.append(f"| {label} | {_with_ci(m, 'spearman')} | {_with_ci(m, 'grade_accuracy')} | "
                     f"{_with_ci(m, 'grade_within_one')} | "
                     f"{m['n_report_areas']} | {result.get('fitted_on', 'the other folds')} | "
                     f"{_grade_rule(result.get('thresholds'))} |")
        reported += 1
    if not reported:
        lines += ["| (not rerun on data version 2.0.0) | - | - | - | - | - | - |"]
    return "\n".join(lines + (corpus_cv or _kept_paragraph(previous, CORPUS_CV_START)))


def _with_ci(figures: dict, name: str) -> str:
    """A report-level figure with its 95% report-resampled CI where the results hold one."""
    ci = figures.get(f"{name}_ci")
    return f"{figures[name]:.3f}" + (f" ({ci[0]:.3f}-{ci[1]:.3f})" if ci else "")


def _grade_rule(thresholds: dict | None) -> str:
    """The report-level rule in a few words: how an area is scored, and whose cut points grade it."""
    thresholds = thresholds or {}
    power = thresholds.get("area_weight_power")
    scored = "own findings" if power is None else f"every finding weighted by P(area)^{power:g}"
    return f"{scored}, {'cut points per area' if thresholds.get('by_area') else 'shared cut points'}"


def readme_table() -> str:
    """The results table now between the README's markers."""
    text = (ROOT / "README.md").read_text()
    if BEGIN not in text:
        raise SystemExit("README.md has no results markers")
    return text.split(BEGIN, 1)[1].split(END, 1)[0]


def write_readme_table(table: str) -> None:
    readme = ROOT / "README.md"
    head, rest = readme.read_text().split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(head + BEGIN + "\n" + table + "\n" + END + tail)


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def run_suite(quick: bool, out: Path, skip_transformers: bool) -> None:
    """Each script in turn, in a child process; quick mode points them at `out` through the environment."""
    env = dict(os.environ)
    runs = ROOT / "runs"
    if quick:
        runs = out / "runs"
        env.update({"OFSTED_NLP_QUICK": "1", "OFSTED_NLP_RESULTS": str(out / "results"), "OFSTED_NLP_RUNS": str(runs),
                    "MLFLOW_TRACKING_URI": f"sqlite:///{(out / 'mlflow.db').resolve()}"})
    started = time.perf_counter()
    for script, args in SUITE:
        if skip_transformers and script in TRANSFORMER_SCRIPTS:
            continue
        if quick and (script, tuple(args)) in QUICK_SKIPS:
            continue
        if script in OPTIONAL_PACKAGES and not _importable(OPTIONAL_PACKAGES[script]):
            print(f"== {script}: skipped, {OPTIONAL_PACKAGES[script]} is not installed for {sys.executable} "
                  f"(pip install 'ofsted-nlp[{OPTIONAL_PACKAGES[script]}]')", flush=True)
            continue
        print(f"== {script} {' '.join(args)}", flush=True)
        command = [sys.executable, str(HERE / script), *[a.format(runs=runs) for a in args]]
        script_started = time.perf_counter()
        subprocess.run(command, check=True, cwd=ROOT, env=env)
        print(f"== {script} {' '.join(args)}: {time.perf_counter() - script_started:.0f} s "
              f"(suite so far {(time.perf_counter() - started) / 60:.1f} min)", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke test: every script on a small sample")
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "quick", help="where --quick writes")
    ap.add_argument("--skip-transformers", action="store_true", help="leave out the MiniLM fine-tuning scripts")
    ap.add_argument("--table-only", action="store_true")
    ap.add_argument("--update-readme", action="store_true", help="copy the table into README.md")
    args = ap.parse_args(argv)
    if args.quick and args.update_readme:
        ap.error("--quick figures never go into the README")
    if not args.table_only:
        run_suite(args.quick, args.out.resolve(), args.skip_transformers)
    results = args.out.resolve() / "results" if args.quick else RESULTS
    results.mkdir(parents=True, exist_ok=True)
    # The full suite's table keeps the README's rows this checkout has no results for; --quick's stands alone.
    table = results_table(results, previous="" if args.quick else readme_table())
    (results / "results_table.md").write_text(table + "\n")
    if args.update_readme:
        write_readme_table(table)
    print(table)


if __name__ == "__main__":
    main()
