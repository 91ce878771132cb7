"""The model zoo: one registered factory per model of the thesis, all behind one interface
(:class:`EmotionModel`: fit, predict_proba, predict, count_params, save, load).

    from emobench import create_model
    model = create_model("c3d", num_classes=7)           # default input (16, 112, 112, 3)
    model.fit(clips, labels, epochs=5).save("runs/c3d")  # .keras_model is the plain Keras model

Importing this package registers every model without importing Keras or scikit-learn's
estimators: each factory imports what it builds with, so ``list_models()`` stays instant.
"""
from __future__ import annotations

from emobench.models import (audio, face_cnn, flow, fusion, lrcn,  # noqa: F401  (registers)
                             spectrogram, video)
from emobench.models.base import EmotionModel, load_model

__all__ = ["EmotionModel", "THESIS_PARAMS", "load_model", "parameter_table"]


def __getattr__(name: str):
    # params.py is also a script (python -m emobench.models.params): importing it here eagerly
    # would make runpy warn that it ran a module already imported.
    if name in ("THESIS_PARAMS", "parameter_table"):
        from emobench.models import params

        return getattr(params, name)
    raise AttributeError(f"module 'emobench.models' has no attribute {name!r}")
