"""Hyper-parameter search with optuna (TPE sampler, fixed seed); every objective is scored on VALIDATION.

`--model tfidf` (the suite's entry): the TF-IDF + logistic-regression model with section context
(`classify(model="tfidf")`, the distillation teacher's second member). Each trial fits the area and the
polarity model (word/char n-gram ranges, min_df, sublinear tf and max_features shared; C and class weight
per task) on train and scores the mean of area and polarity macro-F1 on validation. The first trial is the
current `tfidf_logreg_context` configuration, so the study starts from what it has to beat. The best
configuration is then fitted on train and evaluated on validation and test like every other experiment
(`tfidf_logreg_context_optuna`). A report-grouped cross-validation on train compares it with the current
configuration away from the validation sentences the study chose on (validation has only 87 neutral
sentences, and 60 trials can fit their noise).

`--model minilm`: a small study for the MiniLM-L4 multi-task student (lr, warmup ratio, label smoothing,
class weights on/off, dropout). Each trial fine-tunes on a fixed quarter of train for one epoch and is
scored in torch on validation; the first trial is experiments/transformer.py's defaults. It reports
settings for a full retraining, it trains nothing that ships.

The study is stored in results/optuna.db (optuna's SQLite storage, one study per model, recreated on each
run); MLflow gets one parent run per study with every trial as a nested run, then the tuned TF-IDF's own run.

Run: python experiments/optuna_search.py --model tfidf [--trials 60]
     python experiments/optuna_search.py --model minilm [--trials 5]
"""
import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import optuna
from common import (
    EVALUATION_LABELS,
    EXPERIMENT,
    QUICK,
    RESULTS_DIR,
    SEED,
    Split,
    load_gold,
    run_experiment,
    seed_everything,
    write_results,
)
from joblib import Parallel, delayed

from ofsted_nlp import evaluate, features, tracking
from ofsted_nlp.models import FindingClassifier
from ofsted_nlp.models.tfidf import TfidfClassifier

STUDY_STORAGE = f"sqlite:///{(RESULTS_DIR / 'optuna.db').resolve()}"
TASKS = ("area", "polarity")
DROP_CONTEXT = 0.25  # as run_experiment shows training sentences: a quarter without their section
TFIDF_RUN = "tfidf_logreg_context_optuna"
TFIDF_TRIALS = 3 if QUICK else 60
# Wall-clock cap of the TF-IDF study: no new trial starts after it (a locked job stays under 25 minutes).
TFIDF_TIMEOUT_S = 6 * 60
CV_FOLDS = 0 if QUICK else 3  # report-grouped folds of the train-only check (none in quick mode)
# What experiments/tfidf.py fits as tfidf_logreg_context (C chosen there on plain inputs: 3 and 3 on 2.0.0).
CURRENT_TFIDF = {"word_ngram_max": 2, "char_ngram_min": 2, "char_ngram_max": 5, "min_df": 2, "sublinear_tf": True,
                 "max_features": None, "area_C": 3.0, "polarity_C": 3.0, "area_class_weight": "balanced",
                 "polarity_class_weight": "balanced"}

MINILM_TRIALS = 2 if QUICK else 5
MINILM_TIMEOUT_S = 6 * 60  # no new trial after it; the seed check (two more trainings) follows
MINILM_SUBSAMPLE = 0.25  # share of train each trial fine-tunes on (the same sentences every trial)
MINILM_EPOCHS = 0.3 if QUICK else 1.0
MINILM_LAYERS = 4
MINILM_MAX_LENGTH = 80  # experiments/transformer.py's default
PREDICT_BATCH = 64
NOISE_SEED = 1  # the current and the best settings are retrained with it after the study (trials use seed 0)
# experiments/transformer.py's settings (TrainConfig / TransformerFindingTrainer defaults).
CURRENT_MINILM = {"lr": 8e-5, "warmup_ratio": 0.1, "label_smoothing": 0.05, "class_weight": "balanced",
                  "dropout": 0.1}


def labels_of(split: Split, task: str) -> list[str]:
    """The gold labels of `task` ("area" or "polarity") in `split`."""
    return split.areas if task == "area" else split.polarities


def new_study(name: str, storage: str = STUDY_STORAGE) -> optuna.Study:
    """A fresh maximising TPE study (seeded) named `name` in `storage`, replacing one of that name."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    try:
        optuna.delete_study(study_name=name, storage=storage)
    except KeyError:  # no study of that name yet
        pass
    return optuna.create_study(study_name=name, storage=storage, direction="maximize",
                               sampler=optuna.samplers.TPESampler(seed=SEED))


def log_trial(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
    """optuna callback: the finished trial as a nested MLflow run (params, objective, per-task figures)."""
    import mlflow

    with mlflow.start_run(run_name=f"{study.study_name}_trial{trial.number:03d}", nested=True):
        mlflow.log_params({k: str(v) for k, v in trial.params.items()})
        mlflow.set_tag("optuna_state", trial.state.name)
        if trial.value is not None:
            mlflow.log_metric("validation_objective", trial.value)
        mlflow.log_metrics({k: float(v) for k, v in trial.user_attrs.items() if isinstance(v, (int, float))})


def run_study(name: str, objective, n_trials: int, timeout_s: float, first_trial: dict,
              params: dict, description: str) -> tuple[optuna.Study, str]:
    """Optimise `objective` under a parent MLflow run (trials nested), `first_trial` enqueued first;
    returns the study and the parent run's id."""
    import mlflow

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = new_study(name)
    study.enqueue_trial(first_trial)
    run_params = {**params, "sampler": "TPE", "sampler_seed": SEED, "n_trials": n_trials, "timeout_s": timeout_s,
                  "objective": "mean of area and polarity macro-F1 on validation", "storage": "results/optuna.db"}
    with tracking.start_run(EXPERIMENT, run_name=f"optuna_{name}", params=run_params,
                            tags={"description": description, "optuna_study": name}) as run:
        tracking.log_data_version()
        study.optimize(objective, n_trials=n_trials, timeout=timeout_s, callbacks=[log_trial])
        mlflow.log_params({f"best_{k}": str(v) for k, v in study.best_params.items()})
        mlflow.log_metrics({"best_validation_objective": study.best_value,
                            "first_trial_validation_objective": study.trials[0].value or 0.0,
                            "n_trials_done": len(study.trials)})
        with tempfile.TemporaryDirectory() as tmp:
            table = Path(tmp) / f"optuna_{name}_trials.csv"
            study.trials_dataframe().to_csv(table, index=False)
            mlflow.log_artifact(str(table), "optuna")
    return study, run.info.run_id


def study_summary(study: optuna.Study) -> dict:
    """The study in a results file: best and first (current settings) trials, and every trial's figures."""
    first = study.trials[0]
    return {"study": study.study_name, "n_trials": len(study.trials), "best_trial": study.best_trial.number,
            "best_value": study.best_value, "best_params": study.best_params,
            "first_trial_value": first.value, "first_trial_params": first.params,
            "trials": [{"number": t.number, "value": t.value, "params": t.params, **t.user_attrs}
                       for t in study.trials]}


# --------------------------------------------------------------------------- TF-IDF


def suggest_tfidf(trial: optuna.Trial) -> dict:
    """One TF-IDF configuration: feature settings shared by both tasks, C and class weight per task."""
    params = {
        "word_ngram_max": trial.suggest_int("word_ngram_max", 1, 3),
        "char_ngram_min": trial.suggest_int("char_ngram_min", 1, 3),
        "char_ngram_max": trial.suggest_int("char_ngram_max", 4, 6),
        "min_df": trial.suggest_int("min_df", 1, 5),
        "sublinear_tf": trial.suggest_categorical("sublinear_tf", [True, False]),
        # per vectorizer (word and char each); None: every term that passes min_df
        "max_features": trial.suggest_categorical("max_features", [None, 20000, 50000, 100000]),
    }
    for task in TASKS:
        params[f"{task}_C"] = trial.suggest_float(f"{task}_C", 0.3, 100.0, log=True)
        params[f"{task}_class_weight"] = trial.suggest_categorical(f"{task}_class_weight", ["balanced", None])
    return params


def tfidf_model(params: dict, task: str) -> TfidfClassifier:
    """The unfitted TfidfClassifier of `task` for a study's flat parameters."""
    return TfidfClassifier(word_ngram_range=(1, params["word_ngram_max"]),
                           char_ngram_range=(params["char_ngram_min"], params["char_ngram_max"]),
                           min_df=params["min_df"], max_features=params["max_features"],
                           sublinear_tf=params["sublinear_tf"], C=params[f"{task}_C"],
                           class_weight=params[f"{task}_class_weight"])


def fit_and_score(model: TfidfClassifier, texts: list[str], labels: list[str], eval_texts: list[str],
                  eval_labels: list[str], label_set: list[str]) -> float:
    """Macro-F1 on the evaluation texts of `model` fitted on `texts` (run in a worker process)."""
    model.fit(texts, labels)
    return evaluate.classification_metrics(eval_labels, model.predict(eval_texts), label_set)["macro_f1"]


def score_tasks(params: dict, train: Split, train_inputs: list[str], held_out: Split,
                held_out_inputs: list[str]) -> dict[str, float]:
    """{task: macro-F1 on held_out}, the two tasks' models fitted side by side on the two cores."""
    jobs = (delayed(fit_and_score)(tfidf_model(params, task), train_inputs, labels_of(train, task), held_out_inputs,
                                   labels_of(held_out, task), EVALUATION_LABELS[task]) for task in TASKS)
    return dict(zip(TASKS, Parallel(n_jobs=len(TASKS))(jobs)))


def subset(split: Split, rows: np.ndarray) -> Split:
    """The rows of `split` at the given positions."""
    pick = [int(i) for i in rows]
    return Split(*[[getattr(split, f)[i] for i in pick] for f in
                   ("ids", "texts", "areas", "polarities", "report_ids", "section_areas")])


def grouped_cv(params_by_name: dict[str, dict], train: Split, folds: int) -> dict[str, dict[str, float]]:
    """Mean macro-F1 per task over report-grouped folds of train, for each named configuration."""
    from sklearn.model_selection import GroupKFold

    train_inputs = train.inputs(features.SECTION_CONTEXT, DROP_CONTEXT)
    held_out_inputs = train.inputs(features.SECTION_CONTEXT)
    scores: dict[str, dict[str, list[float]]] = {name: {t: [] for t in TASKS} for name in params_by_name}
    for fit_rows, held_rows in GroupKFold(n_splits=folds).split(train.texts, groups=train.report_ids):
        fit_split, held_split = subset(train, fit_rows), subset(train, held_rows)
        for name, params in params_by_name.items():
            fold = score_tasks(params, fit_split, [train_inputs[i] for i in fit_rows], held_split,
                               [held_out_inputs[i] for i in held_rows])
            for task in TASKS:
                scores[name][task].append(fold[task])
    return {name: {f"{t}_macro_f1": float(np.mean(v)) for t, v in s.items()} | {
        f"{t}_macro_f1_folds": [round(x, 4) for x in v] for t, v in s.items()} for name, s in scores.items()}


def tfidf_search(n_trials: int) -> None:
    """The TF-IDF study, the best configuration's train fit evaluated and logged, and the train-CV check."""
    seed_everything()
    splits = load_gold()
    train, validation = splits["train"], splits["validation"]
    train_inputs = train.inputs(features.SECTION_CONTEXT, DROP_CONTEXT)
    validation_inputs = validation.inputs(features.SECTION_CONTEXT)

    def objective(trial: optuna.Trial) -> float:
        t0 = time.perf_counter()
        scores = score_tasks(suggest_tfidf(trial), train, train_inputs, validation, validation_inputs)
        for task, score in scores.items():
            trial.set_user_attr(f"validation_{task}_macro_f1", score)
        trial.set_user_attr("seconds", time.perf_counter() - t0)
        return float(np.mean(list(scores.values())))

    study, study_run = run_study("tfidf_logreg_context", objective, n_trials, TFIDF_TIMEOUT_S, CURRENT_TFIDF,
                                 {"model": "tfidf", "input_format": features.SECTION_CONTEXT},
                                 "optuna TPE over TF-IDF + logistic regression with section context")
    best = {**CURRENT_TFIDF, **study.best_params}
    model = FindingClassifier(tfidf_model(best, "area"), tfidf_model(best, "polarity"))
    results = run_experiment(TFIDF_RUN, model, {**best, "optuna_trials": len(study.trials)}, splits=splits,
                             input_format=features.SECTION_CONTEXT, tags={"optuna_study_run": study_run},
                             description="TF-IDF + logistic regression with section context, hyper-parameters "
                                         "from an optuna study on validation, gold only")
    results["optuna"] = study_summary(study)
    if CV_FOLDS:
        results["train_grouped_cv"] = grouped_cv({"current": CURRENT_TFIDF, "tuned": best}, train, CV_FOLDS)
        print("train report-grouped CV:", {k: {m: v for m, v in s.items() if not m.endswith("folds")}
                                           for k, s in results["train_grouped_cv"].items()})
    write_results(TFIDF_RUN, results)


# --------------------------------------------------------------------------- MiniLM student


def suggest_minilm(trial: optuna.Trial) -> dict:
    """One training configuration of the multi-task student."""
    return {"lr": trial.suggest_float("lr", 2e-5, 2e-4, log=True),
            "warmup_ratio": trial.suggest_float("warmup_ratio", 0.0, 0.2),
            "label_smoothing": trial.suggest_float("label_smoothing", 0.0, 0.15),
            "class_weight": trial.suggest_categorical("class_weight", ["balanced", None]),
            "dropout": trial.suggest_float("dropout", 0.0, 0.3)}


def torch_predictions(network, tokenizer, texts: list[str], classes: dict[str, list[str]]) -> dict[str, list[str]]:
    """{task: predicted labels} of the fine-tuned torch network (fp32, batched; enough to rank trials)."""
    import torch

    predicted: dict[str, list[str]] = {task: [] for task in TASKS}
    with torch.no_grad():
        for start in range(0, len(texts), PREDICT_BATCH):
            batch = tokenizer(texts[start:start + PREDICT_BATCH], truncation=True, max_length=MINILM_MAX_LENGTH,
                              padding=True, return_tensors="pt")
            out = network(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
            for task in TASKS:
                predicted[task] += [classes[task][i] for i in out[f"{task}_logits"].argmax(-1).tolist()]
    return predicted


def minilm_scores(settings: dict, seed: int, sample: Split, validation: Split) -> dict[str, float]:
    """Fine-tune the student with `settings` on `sample` (seed `seed`); its validation figures and seconds."""
    from ofsted_nlp.models.multitask import TrainConfig, train_multitask

    t0 = time.perf_counter()
    classes = {"area": list(EVALUATION_LABELS["area"]), "polarity": list(EVALUATION_LABELS["polarity"])}
    config = TrainConfig(keep_layers=MINILM_LAYERS, epochs=MINILM_EPOCHS, max_length=MINILM_MAX_LENGTH, seed=seed,
                         **settings)
    with tempfile.TemporaryDirectory() as tmp:
        network, tokenizer, _ = train_multitask(sample.inputs(features.SECTION_CONTEXT, DROP_CONTEXT), sample.areas,
                                                sample.polarities, classes["area"], classes["polarity"], config,
                                                Path(tmp))
    predicted = torch_predictions(network, tokenizer, validation.inputs(features.SECTION_CONTEXT), classes)
    metrics = {task: evaluate.classification_metrics(labels_of(validation, task), predicted[task], classes[task])
               for task in TASKS}
    return {"validation_area_macro_f1": metrics["area"]["macro_f1"],
            "validation_polarity_macro_f1": metrics["polarity"]["macro_f1"],
            "validation_polarity_neutral_f1": metrics["polarity"]["neutral_f1"],
            "seconds": time.perf_counter() - t0}


def objective_value(scores: dict[str, float]) -> float:
    """The studies' objective: the mean of validation area and polarity macro-F1."""
    return (scores["validation_area_macro_f1"] + scores["validation_polarity_macro_f1"]) / 2


def minilm_search(n_trials: int) -> None:
    """The student's study on a fixed quarter of train, one epoch a trial, then the current and the best
    settings retrained with another seed (how much of a difference is seed noise); results/optuna_minilm_*.json."""
    seed_everything()
    splits = load_gold()
    train, validation = splits["train"], splits["validation"]
    n_rows = round(MINILM_SUBSAMPLE * len(train.texts))
    sample = subset(train, np.sort(np.random.default_rng(SEED).permutation(len(train.texts))[:n_rows]))

    def objective(trial: optuna.Trial) -> float:
        scores = minilm_scores(suggest_minilm(trial), 0, sample, validation)
        for key, value in scores.items():
            trial.set_user_attr(key, value)
        print(f"trial {trial.number}: {trial.params} -> {scores}", flush=True)
        return objective_value(scores)

    name = f"minilm_l{MINILM_LAYERS}_subsample"
    study, study_run = run_study(name, objective, n_trials, MINILM_TIMEOUT_S, CURRENT_MINILM,
                                 {"model": f"minilm_l{MINILM_LAYERS}", "subsample": MINILM_SUBSAMPLE,
                                  "n_train": n_rows, "epochs": MINILM_EPOCHS, "max_length": MINILM_MAX_LENGTH},
                                 f"optuna TPE over the MiniLM-L{MINILM_LAYERS} student's training settings, "
                                 f"{MINILM_SUBSAMPLE:.0%} of train, {MINILM_EPOCHS} epoch a trial")
    reruns = {"current": CURRENT_MINILM}
    if study.best_trial.number != 0:
        reruns["best"] = study.best_params
    seed_check = {label: minilm_scores(settings, NOISE_SEED, sample, validation) for label, settings in reruns.items()}
    print(f"best {study.best_value:.4f} {study.best_params}; current settings {study.trials[0].value:.4f}; "
          f"seed {NOISE_SEED}: {seed_check}")
    write_results(f"optuna_{name}", {"name": f"optuna_{name}", "run_id": study_run, "n_train": n_rows,
                                     "epochs": MINILM_EPOCHS, "current_settings": CURRENT_MINILM,
                                     f"seed{NOISE_SEED}_check": seed_check, **study_summary(study)})


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=("tfidf", "minilm"), default="tfidf")
    ap.add_argument("--trials", type=int, help=f"default {TFIDF_TRIALS} (tfidf) / {MINILM_TRIALS} (minilm)")
    args = ap.parse_args(argv)
    if args.model == "tfidf":
        tfidf_search(args.trials or TFIDF_TRIALS)
    else:
        minilm_search(args.trials or MINILM_TRIALS)


if __name__ == "__main__":
    main()
