"""Tiny registered models that drive the harness tests in seconds (lm-evaluation-harness's
dummy-model idea): real EmotionModels around a logistic regression, one of them slow on
purpose so a test can kill a run between two cells."""
from __future__ import annotations

import time

from emobench.models.sklearn_base import SklearnEmotionModel
from emobench.registry import register_model


def _logreg(cls, name: str, num_classes: int, input_shape, **options):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return cls(
        name, make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=500)),
        modality="audio", input_kind="features", num_classes=num_classes,
        input_shape=input_shape, options=options)


@register_model(modality="audio", input_kind="features", backend="sklearn")
def dummy_audio(num_classes: int = 7, input_shape: tuple = (988,), **options):
    """Scaled logistic regression on openSMILE features (harness tests)."""
    return _logreg(SklearnEmotionModel, "dummy_audio", num_classes, input_shape, **options)


class _Slow(SklearnEmotionModel):
    def fit(self, x, y, **kwargs):
        time.sleep(self.options.get("sleep", 1.0))
        return super().fit(x, y, **kwargs)


@register_model(modality="audio", input_kind="features", backend="sklearn")
def slow_dummy_audio(num_classes: int = 7, input_shape: tuple = (988,), sleep: float = 1.0):
    """dummy_audio that sleeps before training, so a run can be killed mid-suite."""
    return _logreg(_Slow, "slow_dummy_audio", num_classes, input_shape, sleep=sleep)
