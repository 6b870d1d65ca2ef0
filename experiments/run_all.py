"""Run the whole experiment suite, then write the results table into README.md.

Run: python experiments/run_all.py [--skip-finetune] [--table-only]
On this 2-core machine the suite takes about 35-45 minutes (most of it fine-tuning MiniLM).
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SUITE = ["baselines.py", "tfidf.py", "weak_supervision.py", "weak_context.py", "embedding.py", "finetune.py",
         "report_level.py", "select_default.py"]
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"

ROWS = [  # (results file, label in the table)
    ("baseline_majority", "Majority class"),
    ("baseline_keywords_textblob", "Keyword area + TextBlob polarity (public tools' lexicon)"),
    ("baseline_keywords_vader", "Keyword area + VADER polarity"),
    ("tfidf_logreg", "TF-IDF + logistic regression"),
    ("tfidf_logreg_weak", "TF-IDF + logistic regression, gold + weak section labels"),
    ("tfidf_logreg_context", "TF-IDF + logistic regression, section context (shipped default)"),
    ("tfidf_logreg_context_weak", "TF-IDF + logistic regression, section context, gold + weak"),
    ("minilm_embedding_context", "MiniLM embeddings + logistic regression, section context"),
    ("minilm_finetuned_context", "MiniLM fine-tuned (CPU), section context"),
]
REPORT_ROWS = [
    ("report_level_keywords_textblob", "Keyword area + TextBlob"),
    ("report_level_keywords_vader", "Keyword area + VADER"),
    ("report_level_tfidf_logreg", "TF-IDF + logistic regression"),
    ("report_level_tfidf_logreg_weak", "TF-IDF + logistic regression, gold + weak"),
]


def fmt_ci(m, task):
    return (f"{m[f'{task}_macro_f1']:.3f} ({m[f'{task}_macro_f1_ci_low']:.2f}-"
            f"{m[f'{task}_macro_f1_ci_high']:.2f})")


def results_table() -> str:
    lines = ["Sentence level, gold test split (31 held-out reports, "
             "95% bootstrap CIs resampled by report):", "",
             "| model | area macro-F1 | polarity macro-F1 | area acc. | polarity acc. | "
             "without section context (area / polarity) | train s |",
             "|---|---|---|---|---|---|---|"]
    for key, label in ROWS:
        path = HERE / "results" / f"{key}.json"
        if not path.exists():
            continue
        r = json.loads(path.read_text())
        t = r["test"]
        nc = r.get("test_no_context")
        no_ctx = f"{nc['area_macro_f1']:.3f} / {nc['polarity_macro_f1']:.3f}" if nc else "-"
        lines.append(f"| {label} | {fmt_ci(t, 'area')} | {fmt_ci(t, 'polarity')} | {t['area_accuracy']:.3f} | "
                     f"{t['polarity_accuracy']:.3f} | {no_ctx} | {r['train_seconds']} |")
    lines += ["", "Report level, every graded report of the corpus scored by a model that never saw it "
              "(5-fold report-grouped cross-validation; thresholds fitted on the other folds):", "",
              "| model | Spearman (area score vs grade) | grade exact | grade within one | report-areas |",
              "|---|---|---|---|---|"]
    for key, label in REPORT_ROWS:
        path = HERE / "results" / f"{key}.json"
        if not path.exists():
            continue
        m = json.loads(path.read_text())["report_level"]
        lines.append(f"| {label} | {m['spearman']:.3f} | {m['grade_accuracy']:.3f} | {m['grade_within_one']:.3f} | "
                     f"{m['n_report_areas']} |")
    return "\n".join(lines)


def write_readme_table() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text()
    if BEGIN not in text:
        raise SystemExit("README.md has no results markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(head + BEGIN + "\n" + results_table() + "\n" + END + tail)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-finetune", action="store_true")
    ap.add_argument("--table-only", action="store_true")
    args = ap.parse_args()
    if not args.table_only:
        for script in SUITE:
            if args.skip_finetune and script == "finetune.py":
                continue
            print(f"== {script}", flush=True)
            subprocess.run([sys.executable, str(HERE / script)], check=True, cwd=ROOT)
    write_readme_table()
    print(results_table())


if __name__ == "__main__":
    main()
