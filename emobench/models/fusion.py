"""Late fusion of an audio and a video model, as in the thesis: the input of a fusion model is
the two branches' class probabilities side by side, (n, 2*C) = [p_audio | p_video], so any
audio model pairs with any video model. ``fusion_avg`` averages them; ``fusion_svm`` stacks an
SVM on the concatenation. Their default input shape is (2 * num_classes,).
"""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from emobench.models.factory import check_shape, model_kwargs, resolve_options
from emobench.registry import register_model


class ProbabilityAverage(ClassifierMixin, BaseEstimator):
    """Weighted mean of two probability vectors laid side by side; nothing to learn.

    ``fit`` only records the classes and the normalised weights (``weights_``, its two
    parameters), so it behaves like any scikit-learn classifier.
    """

    def __init__(self, n_classes: int = 7, weights=(0.5, 0.5)):
        self.n_classes = n_classes
        self.weights = weights

    def fit(self, X, y=None):
        self.classes_ = np.arange(self.n_classes)
        self.n_features_in_ = 2 * self.n_classes
        weights = np.asarray(self.weights, dtype=np.float64)
        self.weights_ = weights / weights.sum()
        return self

    def predict_proba(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        c = self.n_classes
        if X.ndim != 2 or X.shape[1] != 2 * c:
            raise ValueError(f"fusion_avg: expected (n, {2 * c}) probabilities; got {X.shape}")
        w_audio, w_video = self.weights_
        probs = w_audio * X[:, :c] + w_video * X[:, c:]
        total = probs.sum(axis=1, keepdims=True)
        return np.divide(probs, total, out=np.full_like(probs, 1.0 / c), where=total > 0)

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def fuse_with_missing(model, x) -> np.ndarray:
    """A fusion model's probabilities when a modality may be missing: a row whose audio or
    video half is NaN falls back to the other branch's probabilities (what averaging with that
    branch's weight at 0 gives); complete rows go through ``model``."""
    x = np.asarray(x, dtype=np.float32)
    c = x.shape[1] // 2
    no_audio, no_video = np.isnan(x[:, :c]).any(axis=1), np.isnan(x[:, c:]).any(axis=1)
    if (no_audio & no_video).any():
        raise ValueError("fusion: a row has neither modality")
    out = np.empty((len(x), c), np.float32)
    full = ~(no_audio | no_video)
    if full.any():
        out[full] = model.predict_proba(x[full])
    out[no_audio], out[no_video] = x[no_audio, c:], x[no_video, :c]
    return out


def _fusion_shape(name: str, num_classes: int, input_shape) -> tuple[int]:
    shape = check_shape(name, input_shape or (2 * num_classes,), 1)
    if shape != (2 * num_classes,):
        raise ValueError(f"{name}: input is [p_audio | p_video], {2 * num_classes} values for "
                         f"{num_classes} classes; got input_shape {shape}")
    return shape


@register_model(modality="fusion", input_kind="probs", backend="sklearn")
def fusion_avg(num_classes=7, input_shape=None, **options):
    """Late fusion by averaging the audio and video probabilities (input (n, 2*num_classes)).

    Options: ``weights`` ([0.5, 0.5]: audio, video; non-negative), ``seed`` (accepted like
    every model's; nothing here is random), ``labels``.
    """
    from emobench.models.sklearn_base import SklearnEmotionModel

    shape = _fusion_shape("fusion_avg", num_classes, input_shape)
    labels, opts = resolve_options("fusion_avg", options,
                                   {"weights": [0.5, 0.5], "seed": None})
    weights = opts["weights"]
    if len(weights) != 2 or min(weights) < 0 or sum(weights) <= 0:
        raise ValueError(f"fusion_avg: weights must be two non-negative numbers, not both 0; "
                         f"got {weights}")
    estimator = ProbabilityAverage(n_classes=int(num_classes), weights=tuple(weights))
    return SklearnEmotionModel("fusion_avg", estimator,
                               **model_kwargs("fusion_avg", num_classes, shape, labels, opts))


@register_model(modality="fusion", input_kind="probs", backend="sklearn")
def fusion_svm(num_classes=7, input_shape=None, **options):
    """Late fusion by an SVM (SVC with probabilities) on the concatenated probabilities.

    Options: as ``audio_svm``'s (kernel, C, gamma, calibration_folds, seed), ``labels``.
    """
    from emobench.models.audio import SVM_DEFAULTS, calibrated_svc
    from emobench.models.sklearn_base import SklearnEmotionModel

    shape = _fusion_shape("fusion_svm", num_classes, input_shape)
    labels, opts = resolve_options("fusion_svm", options, SVM_DEFAULTS)
    estimator = calibrated_svc(opts)
    return SklearnEmotionModel("fusion_svm", estimator,
                               **model_kwargs("fusion_svm", num_classes, shape, labels, opts))
