"""scikit-learn estimators behind the :class:`EmotionModel` interface, saved with skops.

``fit`` trains once (epochs, batch size and Keras callbacks do not apply and are ignored) and
records one history entry: ``loss`` is the log loss and ``accuracy`` the accuracy on the
training data (and on ``validation_data`` when given). ``predict_proba`` always returns
``num_classes`` columns, even when some class was absent from the training data.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import skops.io as sio
from sklearn.metrics import accuracy_score, log_loss

from emobench.models.base import EmotionModel

SKOPS_FILE = "model.skops"

#: The types emobench's own scikit-learn models are made of; loading trusts these and nothing
#: else unless the caller adds names with ``trusted=[...]`` after inspecting the file.
TRUSTED_TYPES = (
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.svm._classes.SVC",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "emobench.models.fusion.ProbabilityAverage",
)


class SklearnEmotionModel(EmotionModel):
    """An :class:`EmotionModel` around a scikit-learn classifier (kept as ``.estimator``)."""

    kind = "sklearn"

    def __init__(self, name: str, estimator, **kwargs):
        super().__init__(name, **kwargs)
        self.estimator = estimator

    def fit(self, x, y, *, validation_data=None, epochs=None, batch_size=None, callbacks=(),
            verbose=0) -> "SklearnEmotionModel":
        x = self._flat(self.check_x(x))
        y = self.check_y(y, len(x))
        if len(np.unique(y)) < 2:
            raise ValueError(f"{self.name}: training needs at least 2 classes; "
                             f"got {len(np.unique(y))}")
        self._limit_calibration_folds(y)
        try:
            self.estimator.fit(x, y)
        except ValueError as err:  # e.g. too few samples of a class for calibration
            raise ValueError(f"{self.name}: {err}") from None
        self._record(x, y, "")
        if validation_data is not None and len(validation_data[0]):
            xv = self._flat(self.check_x(validation_data[0], "validation x"))
            self._record(xv, self.check_y(validation_data[1], len(xv), "validation y"), "val_")
        return self

    def predict_proba(self, x, batch_size=None) -> np.ndarray:
        x = self._flat(self.check_x(x))
        out = np.zeros((len(x), self.num_classes), np.float32)
        if len(x):
            classes = np.asarray(self.estimator.classes_, dtype=np.int64)
            out[:, classes] = self.estimator.predict_proba(x)
            out /= out.sum(axis=1, keepdims=True)
        return out

    def count_params(self) -> int:
        """Numbers the fitted estimator holds (support vectors, coefficients, scaler
        statistics...): 0 before ``fit``, and dependent on the training data after it."""
        return _count_fitted(self.estimator)

    def _limit_calibration_folds(self, y: np.ndarray) -> None:
        """Probability calibration uses ``calibration_folds`` folds, or fewer (at least 2) when
        the rarest class has fewer training samples, as small corpora do."""
        keys = [k for k in self.estimator.get_params() if k == "cv" or k.endswith("__cv")]
        if not keys or "calibration_folds" not in self.options:
            return
        rarest = int(np.bincount(y)[np.unique(y)].min())
        folds = max(2, min(int(self.options["calibration_folds"]), rarest))
        self.estimator.set_params(**{k: folds for k in keys})

    def _flat(self, x: np.ndarray) -> np.ndarray:
        x = x.reshape(len(x), int(np.prod(self.input_shape))).astype(np.float64)
        if not np.isfinite(x).all():
            raise ValueError(f"{self.name}: input has {int((~np.isfinite(x)).sum())} "
                             f"non-finite values")
        return x

    def _record(self, x: np.ndarray, y: np.ndarray, prefix: str) -> None:
        probs = np.clip(self.predict_proba(x), 1e-7, 1.0)
        loss = log_loss(y, probs / probs.sum(1, keepdims=True), labels=range(self.num_classes))
        self.history_.setdefault(prefix + "loss", []).append(float(loss))
        self.history_.setdefault(prefix + "accuracy", []).append(
            float(accuracy_score(y, probs.argmax(axis=1))))

    def _save_payload(self, folder: Path) -> None:
        # An RBF SVM is mostly its support vectors: rows of its scaled training inputs, which
        # emobench's features and fused probabilities hold as float32, so storing them as
        # float32 loses nothing and halves the file (audio_svm-emobase's zoo file: 4.7 -> 2.3 MB).
        svms = [o for o in _held_estimators(self.estimator)
                if isinstance(getattr(o, "support_vectors_", None), np.ndarray)]
        full = [o.support_vectors_ for o in svms]
        try:
            for o in svms:
                o.support_vectors_ = o.support_vectors_.astype(np.float32)
            sio.dump(self.estimator, folder / SKOPS_FILE)
        finally:
            for o, vectors in zip(svms, full):
                o.support_vectors_ = vectors

    @classmethod
    def _load_payload(cls, folder: Path, meta: dict, trusted) -> "SklearnEmotionModel":
        path = folder / SKOPS_FILE
        if not path.is_file():
            raise FileNotFoundError(f"{folder}: saved scikit-learn model has no {SKOPS_FILE}")
        allowed = set(TRUSTED_TYPES) | set(trusted or ())
        try:
            found = sio.get_untrusted_types(file=path)
        except Exception as err:  # a truncated or foreign zip
            raise ValueError(f"{path}: cannot read ({type(err).__name__}: {err})") from None
        refused = sorted(set(found) - allowed)
        if refused:
            raise ValueError(f"{path}: holds types emobench does not trust: "
                             f"{', '.join(refused)} (inspect them, then pass trusted=[...])")
        estimator = sio.load(path, trusted=list(found))
        for o in _held_estimators(estimator):  # libsvm predicts with float64 vectors only
            if isinstance(getattr(o, "support_vectors_", None), np.ndarray):
                o.support_vectors_ = np.ascontiguousarray(o.support_vectors_, np.float64)
        return cls(meta["name"], estimator, modality=meta["modality"],
                   input_kind=meta["input_kind"], num_classes=meta["num_classes"],
                   input_shape=meta["input_shape"], labels=meta["labels"],
                   options=meta["options"])


def _held_estimators(obj, seen: set | None = None):
    """``obj`` and every scikit-learn or emobench object it holds in public attributes
    (pipeline steps, calibrated classifiers and their estimators), each once."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _held_estimators(item, seen)
        return
    if not type(obj).__module__.startswith(("sklearn.", "emobench.")):
        return
    yield obj
    for key, value in vars(obj).items():
        if not key.startswith("_") and not isinstance(value, np.ndarray):
            yield from _held_estimators(value, seen)


def _count_fitted(obj) -> int:
    """Floats in the public fitted arrays (``name_``) of a scikit-learn object and of the
    estimators it holds (pipeline steps, calibrated classifiers), each object counted once."""
    return sum(value.size for held in _held_estimators(obj) for key, value in vars(held).items()
               if not key.startswith("_") and key.endswith("_")
               and isinstance(value, np.ndarray) and value.dtype.kind == "f")
