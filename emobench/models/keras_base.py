"""Keras models behind the :class:`EmotionModel` interface.

``KerasEmotionModel`` wraps any ``keras.Model`` whose input is one sample of ``input_shape`` and
whose output is a softmax over the classes. ``FrameModel`` wraps a per-frame image classifier
and trains it on the frames of clips (each frame labelled with its clip's label), predicting a
clip by averaging its frames' probabilities, as the thesis did with ResNet50.

Both compile on the first ``fit``: sparse categorical cross-entropy (label-smoothed when option
``label_smoothing`` is set), accuracy, and the optimizer of ``options`` (default RMSprop, learning
rate 0.001). A reloaded model is compiled afresh on its next ``fit`` (the optimizer's state is
not kept; the weights are). After training, batchnorm's moving statistics are recomputed over
the training inputs (``emobench.models.batchnorm``).
"""
from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from emobench.models.base import EmotionModel
from emobench.models.batchnorm import recalibrate_batchnorm
from emobench.models.layers import Standardize

KERAS_FILE = "model.keras"


@keras.saving.register_keras_serializable(package="emobench")
class SmoothedSparseCrossentropy(keras.losses.Loss):
    """Cross-entropy on integer labels against targets smoothed towards uniform
    (``1 - label_smoothing`` on the true class): Keras's sparse loss has no smoothing."""

    def __init__(self, label_smoothing: float = 0.1, name="smoothed_sparse_crossentropy",
                 **kwargs):
        super().__init__(name=name, **kwargs)
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, y_pred):
        labels = keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32")
        target = keras.ops.one_hot(labels, keras.ops.shape(y_pred)[-1], dtype=y_pred.dtype)
        return keras.losses.categorical_crossentropy(target, y_pred,
                                                     label_smoothing=self.label_smoothing)

    def get_config(self) -> dict:
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


def training_loss(options: dict):
    """The loss a model's ``options`` ask for: sparse cross-entropy, smoothed when
    ``label_smoothing`` is above 0."""
    smoothing = float(options.get("label_smoothing") or 0.0)
    return SmoothedSparseCrossentropy(smoothing) if smoothing else "sparse_categorical_crossentropy"


class KerasEmotionModel(EmotionModel):
    """An :class:`EmotionModel` around ``keras_model`` (kept reachable as ``.keras_model``)."""

    kind = "keras"

    def __init__(self, name: str, keras_model: keras.Model, **kwargs):
        super().__init__(name, **kwargs)
        self.keras_model = keras_model

    # -- hooks FrameModel overrides ------------------------------------------------------------
    def _to_network(self, x, y=None):
        """The arrays the Keras network trains on, from samples and their labels."""
        return (x, y) if y is not None else x

    def _from_network(self, probs: np.ndarray, n: int) -> np.ndarray:
        return probs

    def _to_training(self, x, y, batch_size: int) -> dict:
        """The arguments of ``keras_model.fit`` that carry the training data."""
        xt, yt = self._to_network(x, y)
        return {"x": xt, "y": yt, "batch_size": batch_size, "shuffle": True}

    def _to_validation(self, x, y):
        return self._to_network(x, y)

    # -- interface -----------------------------------------------------------------------------
    def fit(self, x, y, *, validation_data=None, epochs=None, batch_size=None, callbacks=(),
            verbose=0) -> "KerasEmotionModel":
        x = self.check_x(x)
        y = self.check_y(y, len(x))
        if len(x) == 0:
            raise ValueError(f"{self.name}: no training samples")
        val = None
        if validation_data is not None and len(validation_data[0]):
            xv = self.check_x(validation_data[0], "validation x")
            val = self._to_validation(xv, self.check_y(validation_data[1], len(xv),
                                                       "validation y"))
        self._fit_statistics(x)
        self._compile_once()
        hist = self.keras_model.fit(
            **self._to_training(x, y, int(batch_size or self.options["batch_size"])),
            validation_data=val, verbose=verbose, epochs=int(epochs or self.options["epochs"]),
            callbacks=list(callbacks))
        recalibrate_batchnorm(self.keras_model, self._to_network(x),
                              int(batch_size or self.options["batch_size"]))
        for key, values in hist.history.items():
            self.history_.setdefault(key, []).extend(float(v) for v in values)
        return self

    def predict_proba(self, x, batch_size=None) -> np.ndarray:
        x = self.check_x(x)
        if len(x) == 0:
            return np.zeros((0, self.num_classes), np.float32)
        batch = int(batch_size or self.options["batch_size"])
        net_x = self._to_network(x)
        if len(net_x) <= batch:  # one batch: skip predict()'s data pipeline (40 ms on TF)
            probs = self.keras_model.predict_on_batch(net_x)
        else:
            probs = self.keras_model.predict(net_x, verbose=0, batch_size=batch)
        probs = self._from_network(np.asarray(probs, dtype=np.float32), len(x))
        return probs / probs.sum(axis=1, keepdims=True)

    def count_params(self) -> int:
        return int(self.keras_model.count_params())

    def _backend_name(self) -> str:
        return keras.backend.backend()

    # -- training helpers ----------------------------------------------------------------------
    def _fit_statistics(self, x: np.ndarray) -> None:
        """Learn the input statistics of Standardize layers (applied to the model's raw input)
        from the training data of the first fit only."""
        for layer in _all_layers(self.keras_model):
            if isinstance(layer, Standardize) and not layer.is_fitted:
                layer.fit_statistics(x)

    def _compile_once(self) -> None:
        if self.keras_model.compiled:  # by an earlier fit, or by a user on .keras_model
            return
        opt = keras.optimizers.get({"class_name": self.options["optimizer"],
                                    "config": {"learning_rate": self.options["learning_rate"]}})
        self.keras_model.compile(optimizer=opt, loss=training_loss(self.options),
                                 metrics=["accuracy"])

    # -- saving --------------------------------------------------------------------------------
    def _save_payload(self, folder: Path) -> None:
        self.keras_model.save(folder / KERAS_FILE)

    @classmethod
    def _load_payload(cls, folder: Path, meta: dict, trusted) -> "KerasEmotionModel":
        path = folder / KERAS_FILE
        if not path.is_file():
            raise FileNotFoundError(f"{folder}: saved Keras model has no {KERAS_FILE}")
        try:
            net = keras.saving.load_model(path, safe_mode=True, compile=False)
        except Exception as err:  # Keras raises many types; the caller needs the file and why
            raise ValueError(f"{path}: cannot load ({type(err).__name__}: {err})") from None
        return cls(meta["name"], net, modality=meta["modality"], input_kind=meta["input_kind"],
                   num_classes=meta["num_classes"], input_shape=meta["input_shape"],
                   labels=meta["labels"], options=meta["options"])


class FrameModel(KerasEmotionModel):
    """A per-frame classifier used on clips (n, T, H, W, C): it trains on frames, each labelled
    with its clip's label, and predicts a clip as the mean of all its frames' probabilities.
    ``.keras_model`` is the frame network (input (H, W, C)); batch sizes count frames.

    With option ``train_frames`` k (< T), each epoch trains on k frames per clip, one drawn at
    random from each of k equal segments of the clip (TSN's segment sampling, Wang et al. 2016),
    so successive epochs see different frames at 1/k of the cost of all T; validation during
    ``fit`` uses k evenly spaced frames. ``train_frames`` None trains on every frame.
    """

    kind = "keras_frames"

    def _to_network(self, x, y=None):
        frames = x.reshape((-1, *x.shape[2:]))
        if y is None:
            return frames
        return frames, np.repeat(y, x.shape[1])

    def _from_network(self, probs: np.ndarray, n: int) -> np.ndarray:
        return probs.reshape(n, self.input_shape[0], -1).mean(axis=1)

    def _segments(self) -> int | None:
        k = self.options.get("train_frames")
        return int(k) if k and int(k) < self.input_shape[0] else None

    def _to_training(self, x, y, batch_size: int) -> dict:
        k = self._segments()
        if k is None:
            return super()._to_training(x, y, batch_size)
        return {"x": SegmentSampler(x, y, k, batch_size, self.options.get("seed"))}

    def _to_validation(self, x, y):
        k = self._segments()
        if k is None:
            return self._to_network(x, y)
        picks = np.floor((np.arange(k) + 0.5) * x.shape[1] / k).astype(int)
        return self._to_network(x[:, picks], y)


class SegmentSampler(keras.utils.PyDataset):
    """Batches of single frames: per epoch, ``k`` frames of every clip, one at random from each
    of ``k`` equal segments, in a shuffled order."""

    def __init__(self, x: np.ndarray, y: np.ndarray, k: int, batch_size: int, seed=None):
        super().__init__()
        self.x, self.y, self.k, self.batch_size = x, y, k, batch_size
        self.rng = np.random.default_rng(seed)
        self.bounds = np.linspace(0, x.shape[1], k + 1).astype(int)
        self.on_epoch_end()

    def on_epoch_end(self) -> None:
        n = len(self.x)
        low, high = self.bounds[:-1], np.maximum(self.bounds[1:], self.bounds[:-1] + 1)
        frames = self.rng.integers(low, high, size=(n, self.k))
        pairs = np.stack([np.repeat(np.arange(n), self.k), frames.reshape(-1)], axis=1)
        self.pairs = pairs[self.rng.permutation(len(pairs))]

    def __len__(self) -> int:
        return -(-len(self.pairs) // self.batch_size)

    def __getitem__(self, index: int):
        batch = self.pairs[index * self.batch_size:(index + 1) * self.batch_size]
        return self.x[batch[:, 0], batch[:, 1]], self.y[batch[:, 0]]


def _all_layers(model: keras.Model):
    """Every layer of ``model``, nested models and wrapped layers included."""
    for layer in model.layers:
        yield layer
        inner = getattr(layer, "layer", None)  # TimeDistributed and other wrappers
        for sub in (layer, inner):
            if isinstance(sub, keras.Model):
                yield from _all_layers(sub)
