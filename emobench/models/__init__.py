"""The model zoo: one registered factory per model of the thesis, all behind one interface
(:class:`EmotionModel`: fit, predict_proba, predict, count_params, save, load)."""
from __future__ import annotations

from emobench.models.base import EmotionModel, load_model

__all__ = ["EmotionModel", "load_model"]
