"""How well a model does, sentence by sentence and against Ofsted's own grades.

Sentence level: macro-F1, per-class precision/recall/F1 and accuracy, with
bootstrap confidence intervals resampled by report (sentences of one report
are not independent). Report level: each area's findings are aggregated into
a score and compared with the grade Ofsted gave that area.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .labels import AREA_CLASSES, AREAS, GRADE_SCORE, GRADES, POLARITIES
from .summary import GradeThresholds, area_score, grade_from_score  # the report-level score lives in summary


def classification_metrics(y_true: Iterable[str], y_pred: Iterable[str], labels: Sequence[str]) -> dict:
    """Accuracy, macro-F1 and per-class precision/recall/F1/support as a flat dict."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    y_true, y_pred = list(y_true), list(y_pred)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=list(labels), zero_division=0)
    out = {"accuracy": float(accuracy_score(y_true, y_pred)),
           "macro_f1": float(f1_score(y_true, y_pred, labels=list(labels), average="macro", zero_division=0))}
    for i, label in enumerate(labels):
        out[f"{label}_precision"] = float(p[i])
        out[f"{label}_recall"] = float(r[i])
        out[f"{label}_f1"] = float(f[i])
        out[f"{label}_support"] = int(s[i])
    return out


def bootstrap_ci(y_true: ArrayLike, y_pred: ArrayLike, labels: Sequence[str], groups: ArrayLike | None = None,
                 n_boot: int = 1000, seed: int = 0,
                 alpha: float = 0.05) -> dict[str, tuple[float, float]]:
    """Percentile CIs for macro-F1 and accuracy, resampling whole groups (reports) when given.

    Each resample's macro-F1 is sklearn's ``f1_score(average="macro", labels=labels, zero_division=0)``
    computed from a confusion matrix (`_macro_f1`): the same figure without sklearn's input checks, which
    took nine tenths of every experiment's evaluation time at 1,000 resamples.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    rng = np.random.default_rng(seed)
    if groups is None:
        groups = np.arange(len(y_true))
    groups = np.asarray(groups)
    uniq = np.unique(groups)
    members = {g: np.flatnonzero(groups == g) for g in uniq}
    true_codes, pred_codes = _label_codes(y_true, labels), _label_codes(y_pred, labels)
    correct = y_true == y_pred
    f1s, accs = [], []
    for _ in range(n_boot):
        idx = np.concatenate([members[g] for g in rng.choice(uniq, size=len(uniq), replace=True)])
        f1s.append(_macro_f1(true_codes[idx], pred_codes[idx], len(labels)))
        accs.append(float(correct[idx].mean()))
    lo, hi = 100 * alpha / 2, 100 * (1 - alpha / 2)
    return {"macro_f1": (float(np.percentile(f1s, lo)), float(np.percentile(f1s, hi))),
            "accuracy": (float(np.percentile(accs, lo)), float(np.percentile(accs, hi)))}


def _label_codes(y: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """Each label's index in `labels`; len(labels) for a label outside them."""
    index = {label: i for i, label in enumerate(labels)}
    return np.fromiter((index.get(v, len(labels)) for v in y.tolist()), dtype=np.int64, count=len(y))


def _macro_f1(true_codes: np.ndarray, pred_codes: np.ndarray, n_labels: int) -> float:
    """Macro-F1 over the first n_labels codes (code n_labels: any other label), 0 for a class with no
    true and no predicted sentence, as sklearn's zero_division=0."""
    size = n_labels + 1
    confusion = np.bincount(true_codes * size + pred_codes, minlength=size * size).reshape(size, size)
    tp = np.diag(confusion)[:n_labels].astype(float)
    denominator = confusion.sum(axis=0)[:n_labels] + confusion.sum(axis=1)[:n_labels]  # 2TP + FP + FN
    f1 = np.divide(2 * tp, denominator, out=np.zeros(n_labels), where=denominator > 0)
    return float(f1.mean())


def sentence_level_report(texts: Sequence[str], areas_true: Sequence[str], areas_pred: Sequence[str],
                          pols_true: Sequence[str], pols_pred: Sequence[str], groups: ArrayLike | None,
                          n_boot: int = 1000) -> dict:
    """Everything logged for one model on one split: metrics and CIs for both tasks."""
    out = {}
    for task, yt, yp, labels in (("area", areas_true, areas_pred, AREA_CLASSES),
                                 ("polarity", pols_true, pols_pred, POLARITIES)):
        m = classification_metrics(yt, yp, labels)
        ci = bootstrap_ci(yt, yp, labels, groups=groups, n_boot=n_boot)
        out.update({f"{task}_{k}": v for k, v in m.items()})
        for k, (lo, hi) in ci.items():
            out[f"{task}_{k}_ci_low"] = lo
            out[f"{task}_{k}_ci_high"] = hi
    both = [a == b and c == d for a, b, c, d in zip(areas_true, areas_pred, pols_true, pols_pred)]
    out["joint_accuracy"] = float(np.mean(both))
    return out


# ---------------------------------------------------------------- report level

def fit_grade_thresholds(scores: Sequence[float] | np.ndarray, grades: Iterable[str]) -> GradeThresholds:
    """Cut-points that maximise exact grade accuracy on (score, grade) pairs, searched on a grid."""
    scores = np.asarray(scores, dtype=float)
    truth = np.array([GRADE_SCORE[g] for g in grades])
    keep = ~np.isnan(scores)
    scores, truth = scores[keep], truth[keep]
    grid = np.unique(np.quantile(scores, np.linspace(0, 1, 41)))
    best, best_acc = GradeThresholds(), -1.0
    for i, t3 in enumerate(grid):
        for j in range(i + 1, len(grid)):
            t2 = grid[j]
            for t1 in grid[j + 1:]:
                pred = np.where(scores >= t1, 1, np.where(scores >= t2, 2, np.where(scores >= t3, 3, 4)))
                acc = float(np.mean(pred == truth))
                if acc > best_acc:
                    best_acc, best = acc, GradeThresholds(outstanding=float(t1), good=float(t2),
                                                          requires_improvement=float(t3))
    return best


def report_level_metrics(scores: ArrayLike, grades: Iterable[str], predicted_grades: Iterable[str]) -> dict:
    """Spearman between score and grade (higher score, better grade), exact and within-one accuracy."""
    from scipy.stats import spearmanr

    truth = np.array([GRADE_SCORE[g] for g in grades])
    pred = np.array([GRADE_SCORE[g] for g in predicted_grades])
    rho = spearmanr(-np.asarray(scores, dtype=float), truth).statistic if len(set(truth)) > 1 else float("nan")
    return {"spearman": float(rho), "grade_accuracy": float(np.mean(pred == truth)),
            "grade_within_one": float(np.mean(np.abs(pred - truth) <= 1)), "n_report_areas": int(len(truth))}


def report_level_ci(scores: ArrayLike, grades: Iterable[str], predicted_grades: Iterable[str], groups: ArrayLike,
                    n_boot: int = 1000, seed: int = 0, alpha: float = 0.05) -> dict[str, tuple[float, float]]:
    """Percentile CIs of ``report_level_metrics``' Spearman, exact and within-one, resampling whole reports
    (``groups``: each report-area's report), as ``bootstrap_ci`` does for sentences."""
    from scipy.stats import spearmanr

    scores = -np.asarray(scores, dtype=float)  # higher score, better grade: the same sign as report_level_metrics
    truth = np.array([GRADE_SCORE[g] for g in grades])
    pred = np.array([GRADE_SCORE[g] for g in predicted_grades])
    groups = np.asarray(groups)
    uniq = np.unique(groups)
    members = {g: np.flatnonzero(groups == g) for g in uniq}
    rng = np.random.default_rng(seed)
    figures: dict[str, list[float]] = {"spearman": [], "grade_accuracy": [], "grade_within_one": []}
    for _ in range(n_boot):
        idx = np.concatenate([members[g] for g in rng.choice(uniq, size=len(uniq), replace=True)])
        if len(set(truth[idx])) > 1:  # a resample of one grade has no rank correlation
            figures["spearman"].append(float(spearmanr(scores[idx], truth[idx]).statistic))
        figures["grade_accuracy"].append(float(np.mean(pred[idx] == truth[idx])))
        figures["grade_within_one"].append(float(np.mean(np.abs(pred[idx] - truth[idx]) <= 1)))
    lo, hi = 100 * alpha / 2, 100 * (1 - alpha / 2)
    return {k: (float(np.percentile(v, lo)), float(np.percentile(v, hi))) for k, v in figures.items() if v}


__all__ = ["classification_metrics", "bootstrap_ci", "report_level_ci", "sentence_level_report", "area_score", "GradeThresholds",
           "grade_from_score", "fit_grade_thresholds", "report_level_metrics", "GRADES"]
