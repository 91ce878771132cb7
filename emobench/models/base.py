"""The one interface every model of the zoo has, whichever library is inside it.

The harness, the fusion heads and the evaluation only ever call :class:`EmotionModel`'s methods
(``fit``, ``predict_proba``, ``predict``, ``count_params``, ``save``, ``load``), so a Keras network
and a scikit-learn pipeline are interchangeable. The raw model stays reachable for plain use:
``.keras_model`` (a ``keras.Model``) on Keras models, ``.estimator`` on scikit-learn ones.

A saved model is a folder::

    <path>/meta.json      name, modality, input kind and shape, labels, options, history,
                          emobench version, backend
    <path>/model.keras    Keras models (Keras format, reloaded with safe_mode=True), or
    <path>/model.skops    scikit-learn models (skops, reloaded with an explicit trusted-types
                          list; never pickle)

This module imports neither Keras nor scikit-learn: the concrete classes live in
``keras_base.py`` and ``sklearn_base.py`` and are imported when a model of their kind loads.
"""
from __future__ import annotations

import importlib
import json
from abc import ABC, abstractmethod
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, ClassVar, Iterable

import numpy as np

from emobench.labels import label_set

META_FILE = "meta.json"
#: Bumped when the saved folder's layout changes, so an old folder is never misread.
SAVE_FORMAT = 1

#: The class of each saved kind (``meta.json["kind"]``): (module, class), imported on demand.
_KINDS = {
    "keras": ("emobench.models.keras_base", "KerasEmotionModel"),
    "keras_frames": ("emobench.models.keras_base", "FrameModel"),
    "keras_spectrogram": ("emobench.models.spectrogram_net", "SpectrogramModel"),
    "sklearn": ("emobench.models.sklearn_base", "SklearnEmotionModel"),
}


def default_labels(num_classes: int) -> tuple[str, ...]:
    """The thesis's 7 emotions for 7 classes, plus calm for 8; ``class_<i>`` otherwise."""
    if num_classes == len(label_set()):
        return label_set()
    if num_classes == len(label_set(include_calm=True)):
        return label_set(include_calm=True)
    return tuple(f"class_{i}" for i in range(num_classes))


class EmotionModel(ABC):
    """A classifier of one modality with a fixed per-sample input shape and class list.

    Attributes: ``name`` (registry key), ``modality`` ("audio" | "video" | "flow" | "fusion"),
    ``input_kind`` (one of ``emobench.registry.INPUT_KINDS``), ``num_classes``, ``input_shape``
    (per sample), ``labels`` (class names in output order), ``options`` (the JSON-serialisable
    factory options, defaults resolved) and, after :meth:`fit`, ``history_``: per-epoch lists
    ``loss``, ``accuracy`` and, with validation data, ``val_loss``, ``val_accuracy``.
    """

    #: What ``meta.json["kind"]`` says, and so which class :meth:`load` rebuilds.
    kind: ClassVar[str] = ""

    def __init__(self, name: str, *, modality: str, input_kind: str, num_classes: int,
                 input_shape: Iterable[int], labels: Iterable[str] | None = None,
                 options: dict[str, Any] | None = None):
        self.name = name
        self.modality = modality
        self.input_kind = input_kind
        self.num_classes = int(num_classes)
        self.input_shape = tuple(int(d) for d in input_shape)
        self.labels = tuple(labels) if labels is not None else default_labels(self.num_classes)
        if len(self.labels) != self.num_classes:
            raise ValueError(f"{name}: {len(self.labels)} labels given for "
                             f"{self.num_classes} classes")
        self.options = dict(options or {})
        self.history_: dict[str, list[float]] = {}

    # -- what each kind implements (Keras in keras_base.py, scikit-learn in sklearn_base.py) ---
    @abstractmethod
    def fit(self, x, y, *, validation_data=None, epochs=None, batch_size=None, callbacks=(),
            verbose=0) -> "EmotionModel":
        """Train on ``x`` (n, *input_shape) and int class indices ``y`` (n,); returns self."""

    @abstractmethod
    def predict_proba(self, x, batch_size=None) -> np.ndarray:
        """Class probabilities, (n, num_classes) float32, rows summing to 1."""

    @abstractmethod
    def count_params(self) -> int:
        """Number of parameters (weights; for scikit-learn, the fitted numeric state)."""

    @abstractmethod
    def _save_payload(self, folder: Path) -> None:
        """Write the model's own file (model.keras or model.skops) into ``folder``."""

    @classmethod
    @abstractmethod
    def _load_payload(cls, folder: Path, meta: dict, trusted) -> "EmotionModel":
        """Rebuild the model of kind ``kind`` from its saved folder."""

    # -- shared behaviour ----------------------------------------------------------------------
    def predict(self, x) -> np.ndarray:
        """The most probable class index per sample, (n,) int64."""
        return np.argmax(self.predict_proba(x), axis=1).astype(np.int64)

    def check_x(self, x, what: str = "x") -> np.ndarray:
        """``x`` as an array of shape (n, *input_shape), or a one-line ValueError."""
        x = np.asarray(x)
        if x.ndim != len(self.input_shape) + 1 or tuple(x.shape[1:]) != self.input_shape:
            raise ValueError(f"{self.name}: {what} must have shape (n, "
                             f"{', '.join(map(str, self.input_shape))}); got {x.shape}")
        if x.dtype.kind not in "uif":
            raise ValueError(f"{self.name}: {what} must be numeric; got dtype {x.dtype}")
        return x

    def check_y(self, y, n: int, what: str = "y") -> np.ndarray:
        """``y`` as (n,) int64 class indices in [0, num_classes), or a one-line ValueError."""
        y = np.asarray(y)
        if y.shape != (n,) or (y.size and y.dtype.kind not in "iu"):
            raise ValueError(f"{self.name}: {what} must be ({n},) integer class indices; "
                             f"got shape {y.shape}, dtype {y.dtype}")
        if y.size and (y.min() < 0 or y.max() >= self.num_classes):
            raise ValueError(f"{self.name}: {what} has class indices outside "
                             f"[0, {self.num_classes}): min {y.min()}, max {y.max()}")
        return y.astype(np.int64)

    def meta(self) -> dict:
        """What ``meta.json`` holds for this model."""
        from emobench import __version__

        return {
            "format": SAVE_FORMAT, "kind": self.kind, "name": self.name,
            "modality": self.modality, "input_kind": self.input_kind,
            "num_classes": self.num_classes, "input_shape": list(self.input_shape),
            "labels": list(self.labels), "options": self.options, "history": self.history_,
            "emobench_version": __version__, "backend": self._backend_name(),
        }

    def _backend_name(self) -> str:
        return self.kind

    def save(self, path) -> Path:
        """Write the model folder at ``path`` atomically (replacing an older one); returns it."""
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise ValueError(f"{path}: exists and is not a folder; a model is saved as a folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
        try:
            self._save_payload(tmp)
            (tmp / META_FILE).write_text(json.dumps(self.meta(), indent=2, sort_keys=True))
            _replace_dir(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return path

    @classmethod
    def load(cls, path, *, trusted=None) -> "EmotionModel":
        """Rebuild a saved model. Keras models load with ``safe_mode=True``; scikit-learn ones
        with skops and a trusted-types list (``trusted`` adds type names to emobench's own
        list after you have inspected them; Keras models ignore it)."""
        folder = Path(path)
        meta = read_meta(folder)
        kind = meta.get("kind")
        if kind not in _KINDS:
            raise ValueError(f"{folder / META_FILE}: unknown model kind {kind!r}")
        module, class_name = _KINDS[kind]
        impl = getattr(importlib.import_module(module), class_name)
        model = impl._load_payload(folder, meta, trusted)
        model.history_ = {k: [float(v) for v in vs] for k, vs in meta.get("history", {}).items()}
        return model

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} {self.name!r} {self.modality}/{self.input_kind} "
                f"input={self.input_shape} classes={self.num_classes}>")


def read_meta(folder: Path) -> dict:
    """The parsed ``meta.json`` of a saved model folder, or a one-line error naming the file."""
    meta_path = Path(folder) / META_FILE
    if not meta_path.is_file():
        raise FileNotFoundError(f"{folder}: not a saved emobench model (no {META_FILE})")
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError) as err:
        raise ValueError(f"{meta_path}: unreadable ({err})") from None
    if not isinstance(meta, dict) or meta.get("format") != SAVE_FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise ValueError(f"{meta_path}: unsupported save format {found!r} "
                         f"(this emobench reads format {SAVE_FORMAT})")
    return meta


def load_model(path, *, trusted=None) -> EmotionModel:
    """Load a model folder written by :meth:`EmotionModel.save`, whatever its kind."""
    return EmotionModel.load(path, trusted=trusted)


def _replace_dir(src: Path, dst: Path) -> None:
    """Move the finished folder ``src`` to ``dst``; an existing ``dst`` is moved aside first
    and deleted only once the new one is in place."""
    old = None
    if dst.exists():
        old = dst.with_name(f".{dst.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(dst, old)
    os.replace(src, dst)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
