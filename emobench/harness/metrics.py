"""Scores of a trained model on one split: accuracy, cross-entropy loss, unweighted average
recall (UAR), macro F1 and the confusion matrix; and the cross-dataset score over a subset of
the classes (a 7-way RAVDESS model on RML's 6)."""
from __future__ import annotations

from typing import Sequence

import numpy as np


def _check(y_true: np.ndarray, proba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true, dtype=np.int64).reshape(-1)
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2 or len(proba) != len(y_true):
        raise ValueError(f"probabilities of shape {proba.shape} for {len(y_true)} labels")
    if len(y_true) and (y_true.min() < 0 or y_true.max() >= proba.shape[1]):
        raise ValueError(f"labels outside 0..{proba.shape[1] - 1}")
    return y_true, proba


def confusion(y_true: Sequence[int], y_pred: Sequence[int], n_classes: int) -> np.ndarray:
    """``m[i, j]`` = clips of true class i predicted as j."""
    m = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(m, (np.asarray(y_true, np.int64), np.asarray(y_pred, np.int64)), 1)
    return m


def scores(y_true: Sequence[int], proba: np.ndarray, prefix: str = "") -> dict:
    """``{prefix}accuracy``, ``loss`` (mean cross-entropy), ``uar`` (mean recall over the classes
    present), ``f1`` (macro over the classes present or predicted) and ``confusion``."""
    y, p = _check(np.asarray(y_true), proba)
    if len(y) == 0:
        return {}
    pred = p.argmax(axis=1)
    m = confusion(y, pred, p.shape[1])
    present = m.sum(axis=1) > 0
    recall = np.diag(m)[present] / m.sum(axis=1)[present]
    used = present | (m.sum(axis=0) > 0)
    tp, fp, fn = np.diag(m), m.sum(axis=0) - np.diag(m), m.sum(axis=1) - np.diag(m)
    f1 = np.divide(2 * tp, 2 * tp + fp + fn, out=np.zeros(len(tp)), where=(2 * tp + fp + fn) > 0)
    loss = -np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-7, 1.0)))
    return {f"{prefix}accuracy": float((pred == y).mean()), f"{prefix}loss": float(loss),
            f"{prefix}uar": float(recall.mean()), f"{prefix}f1": float(f1[used].mean()),
            f"{prefix}confusion": m}


def subset_scores(y_true: Sequence[int], proba: np.ndarray, classes: Sequence[int],
                  prefix: str = "") -> dict:
    """Scores when only ``classes`` (indices into the model's outputs) can occur: the model's
    probabilities are renormalised over them, so chance is ``1/len(classes)``. ``confusion`` is
    over those classes, in the given order; labels in ``y_true`` index the model's outputs."""
    classes = list(classes)
    y, p = _check(np.asarray(y_true), proba)
    if not set(y.tolist()) <= set(classes):
        raise ValueError("labels outside the class subset")
    sub = p[:, classes]
    sub = sub / np.clip(sub.sum(axis=1, keepdims=True), 1e-12, None)
    position = {c: i for i, c in enumerate(classes)}
    return scores(np.array([position[v] for v in y.tolist()], np.int64), sub, prefix)


def summarize(values: Sequence[float]) -> tuple[float, float, int]:
    """Mean, sample standard deviation (0 for one value) and count of finite values."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], np.float64)
    if not len(v):
        return float("nan"), float("nan"), 0
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0, len(v)


def classification_scores(truth: Sequence[str], pred: Sequence[str],
                          classes: Sequence[str]) -> dict:
    """Scores of label answers (strings) over ``classes``, by scikit-learn: ``accuracy``,
    ``uar`` (balanced accuracy), ``macro_f1`` (over ``classes``), ``confusion`` (rows true, in
    ``classes`` order), ``answers`` (the share of each answered class) and ``n``; NaN scores
    when there is nothing to score."""
    from sklearn.metrics import (accuracy_score, balanced_accuracy_score, confusion_matrix,
                                 f1_score)

    classes = list(classes)
    n = len(truth)
    answers = {c: (sum(p == c for p in pred) / n if n else float("nan")) for c in classes}
    if not n:
        nan = float("nan")
        return {"accuracy": nan, "uar": nan, "macro_f1": nan, "n": 0, "answers": answers,
                "confusion": [[0] * len(classes) for _ in classes]}
    import warnings

    with warnings.catch_warnings():  # a class absent from truth is expected on tiny samples
        warnings.simplefilter("ignore")
        uar = balanced_accuracy_score(truth, pred)
    return {"accuracy": float(accuracy_score(truth, pred)), "uar": float(uar),
            "macro_f1": float(f1_score(truth, pred, labels=classes, average="macro",
                                       zero_division=0)),
            "confusion": confusion_matrix(truth, pred, labels=classes).tolist(), "n": n,
            "answers": answers}
