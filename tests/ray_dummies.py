"""Tiny registered models for the Ray executor's tests: a video model on face crops (so a
fusion suite trains in seconds) and an audio model that leaves one file per training attempt
(the worker's pid in its name), so a test can kill the worker mid-cell and count retries."""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from emobench.models.sklearn_base import SklearnEmotionModel
from emobench.registry import register_model
from harness_dummies import _logreg


class _Flat(SklearnEmotionModel):
    """Takes (n, frames, h, w, 3) crops as the flat vectors scikit-learn models take."""

    def fit(self, x, y, *, validation_data=None, **kwargs):
        if validation_data is not None:
            validation_data = (_flat(validation_data[0]), validation_data[1])
        return super().fit(_flat(x), y, validation_data=validation_data, **kwargs)

    def predict_proba(self, x, batch_size=None):
        return super().predict_proba(_flat(x), batch_size)


def _flat(x):
    return np.asarray(x, np.float32).reshape(len(x), -1)


@register_model(modality="video", input_kind="clip", backend="sklearn")
def dummy_video(num_classes: int = 7, input_shape: tuple = (2, 16, 16, 3), **options):
    """Scaled logistic regression on flattened face crops (Ray executor tests)."""
    return _logreg(_Flat, "dummy_video", num_classes, (int(np.prod(input_shape)),), **options)


class _Probe(SklearnEmotionModel):
    def fit(self, x, y, **kwargs):
        folder = Path(self.options["attempts"])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{os.getpid()}-{time.time_ns()}").write_text(str(len(x)))
        time.sleep(self.options.get("sleep", 0.0))
        if self.options.get("fail"):
            raise ValueError("probe_audio was asked to fail")
        return super().fit(x, y, **kwargs)


@register_model(modality="audio", input_kind="features", backend="sklearn")
def probe_audio(num_classes: int = 7, input_shape: tuple = (988,), attempts: str = ".",
                sleep: float = 0.0, fail: bool = False):
    """dummy_audio that records each training attempt in ``attempts`` (a folder), sleeps, and
    raises when ``fail``."""
    return _logreg(_Probe, "probe_audio", num_classes, input_shape, attempts=attempts,
                   sleep=sleep, fail=fail)
