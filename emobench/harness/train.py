"""Training one cell as the thesis did (cross-entropy, RMSprop lr 0.001, TensorBoard,
ModelCheckpoint, EarlyStopping; all overridable) and measuring it: scores on the training,
validation and cross-dataset clips, time per epoch, training time and parameter count."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from emobench.harness.metrics import scores, subset_scores


@dataclass
class Split:
    """The arrays of one split: clip ids, inputs and class indices."""

    ids: list[str]
    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class TrainConfig:
    """How a Keras cell is trained (the optimizer and learning rate are the model's own options,
    RMSprop at 0.001 by default, as in the thesis); scikit-learn models ignore all of it.

    ``early_stopping`` is the patience in epochs (0: off); ``monitor`` the quantity that
    EarlyStopping and ModelCheckpoint watch. As in the thesis they watch the validation split,
    which is also the split that is scored, so the number of epochs is chosen on it; the
    weights scored are the last epoch's (Keras's default), not the best checkpoint's, so that
    the validation score does not also pick the weights. The best checkpoint stays on disk.

    ``stop_speakers`` n > 0 (with ``early_stopping`` on and the training rows' speakers given
    to :func:`train_and_score`): n training speakers are carved out of the fit and watched
    instead (:mod:`emobench.harness.early_stop`), the best epoch's weights restored; the scored
    split is then never shown to ``fit``.
    """

    epochs: int = 10
    batch_size: int = 8
    early_stopping: int = 5
    monitor: str = "val_loss"
    checkpoint: bool = True
    tensorboard: bool = True
    seed: int = 0
    stop_speakers: int = 0


@dataclass
class CellResult:
    metrics: dict[str, float]
    history: dict[str, list[float]]
    arrays: dict[str, Any] = field(default_factory=dict)
    model: Any = None
    early_stop: dict | None = None  # what early stopping watched (a carve's speakers)


def _epoch_timer():
    import keras

    class EpochTimer(keras.callbacks.Callback):
        """Wall time of each epoch (the first includes tracing and compilation)."""

        def __init__(self) -> None:
            super().__init__()
            self.seconds: list[float] = []

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self._start)

    return EpochTimer()


def keras_callbacks(config: TrainConfig, cell_dir: Path | None, has_val: bool,
                    restore_best: bool = False) -> list:
    """The thesis's callbacks: EarlyStopping, ModelCheckpoint and TensorBoard (CSVLogger when
    TensorBoard cannot run, i.e. without TensorFlow), for a cell writing under ``cell_dir``.
    ``restore_best``: EarlyStopping restores the best epoch's weights (only when what it
    watches is not the scored split)."""
    import keras

    out = []
    monitor = config.monitor if has_val else config.monitor.removeprefix("val_")
    if config.early_stopping:
        out.append(keras.callbacks.EarlyStopping(monitor=monitor, patience=config.early_stopping,
                                                 restore_best_weights=restore_best))
    if cell_dir is None:
        return out
    cell_dir.mkdir(parents=True, exist_ok=True)
    if config.checkpoint:
        out.append(keras.callbacks.ModelCheckpoint(
            str(cell_dir / "best.weights.h5"), monitor=monitor, save_best_only=True,
            save_weights_only=True))
    if config.tensorboard and keras.backend.backend() == "tensorflow" and _has_tensorboard():
        out.append(keras.callbacks.TensorBoard(log_dir=str(cell_dir / "tensorboard"),
                                               write_graph=False, profile_batch=0))
    out.append(keras.callbacks.CSVLogger(str(cell_dir / "history.csv")))
    return out


def _has_tensorboard() -> bool:
    import importlib.util

    return importlib.util.find_spec("tensorboard") is not None


def deterministic_ops() -> None:
    """Make TensorFlow's kernels deterministic (same seed, same numbers on a rerun): its
    multithreaded CPU reductions otherwise sum in a varying order, and on these small corpora a
    last-bit difference grows into different weights within an epoch."""
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def _is_keras(model) -> bool:
    return getattr(model, "kind", "").startswith("keras")


def train_and_score(model, train: Split, val: Split, *, config: TrainConfig,
                    cell_dir: Path | None = None, rml: Split | None = None,
                    rml_classes: Sequence[int] | None = None, cross: Split | None = None,
                    cross_classes: Sequence[int] | None = None,
                    train_speakers: Sequence[str] | None = None) -> CellResult:
    """Fit ``model`` (an :class:`emobench.models.EmotionModel`) on ``train``, then score it on
    ``train``, ``val`` and, when given, the cross-dataset clips ``rml`` over ``rml_classes``.
    ``train_speakers`` (one per training row) lets ``config.stop_speakers`` carve the early
    stopping speakers out of the training ones."""
    callbacks, timer, carve = [], None, None
    fit_x, fit_y = train.x, train.y
    validation = (val.x, val.y) if len(val) else None
    if _is_keras(model):
        import keras

        keras.utils.set_random_seed(config.seed)
        deterministic_ops()
        timer = _epoch_timer()
        watch_val = validation is not None
        if config.stop_speakers and config.early_stopping and train_speakers is not None:
            from emobench.harness.early_stop import carve_speakers

            carve = carve_speakers(train_speakers, config.stop_speakers, config.seed)
            model._fit_statistics(train.x)  # input scaling over every training speaker
            stop = carve.stop_rows
            if len(stop):
                fit_x, fit_y = train.x[carve.fit_rows], train.y[carve.fit_rows]
                validation = (train.x[stop], train.y[stop])
            # else too few speakers: the scored split stays a curve only; callbacks watch loss
            watch_val = bool(len(stop))
        callbacks = [*keras_callbacks(config, cell_dir, watch_val,
                                      restore_best=carve is not None), timer]
    start = time.perf_counter()
    model.fit(fit_x, fit_y, validation_data=validation, epochs=config.epochs,
              batch_size=config.batch_size, callbacks=callbacks)
    train_time = time.perf_counter() - start

    p_train = model.predict_proba(train.x)
    p_val = model.predict_proba(val.x) if len(val) else np.zeros((0, model.num_classes))
    metrics: dict[str, float] = {"train_time": train_time, "params": model.count_params(),
                                 "n_train": len(train), "n_val": len(val),
                                 "chance": 1.0 / max(1, len(set(val.y.tolist())))}
    arrays: dict[str, Any] = {"labels": list(model.labels), "val_ids": val.ids,
                              "val_proba": p_val.round(5), "train_ids": train.ids,
                              "train_proba": p_train.round(5)}
    for prefix, split, proba in (("train_", train, p_train), ("val_", val, p_val)):
        s = scores(split.y, proba, prefix)
        arrays[f"{prefix}confusion"] = s.pop(f"{prefix}confusion", None)
        metrics.update(s)
    # cross-dataset sets (RML; a second corpus such as EmoDB), scored over their own classes
    for name, held, classes in (("rml", rml, rml_classes), ("cross", cross, cross_classes)):
        if held is None or not len(held):
            continue
        p_held = model.predict_proba(held.x)
        s = subset_scores(held.y, p_held, classes, f"{name}_")
        arrays[f"{name}_confusion"] = s.pop(f"{name}_confusion")
        arrays[f"{name}_labels"] = [model.labels[c] for c in classes]
        arrays[f"{name}_ids"], arrays[f"{name}_proba"] = held.ids, p_held.round(5)
        metrics.update(s, **{f"n_{name}": len(held)})
    history = {k: [float(v) for v in vs] for k, vs in getattr(model, "history_", {}).items()}
    early_stop = None
    if carve is not None:
        from emobench.harness.early_stop import best_epoch, stop_history

        history = stop_history(history) if carve.stop_speakers else history
        early_stop = carve.describe(config.early_stopping)
        metrics["n_stop"] = len(carve.stop_rows)
        if (epoch := best_epoch(callbacks)) is not None and carve.stop_speakers:
            metrics["best_epoch"] = epoch
    if timer is not None and timer.seconds:
        history["epoch_time"] = timer.seconds
        metrics["epoch_time_first"] = timer.seconds[0]
        rest = timer.seconds[1:]
        metrics["epoch_time_median"] = float(np.median(rest)) if rest else timer.seconds[0]
        metrics["epochs_run"] = len(timer.seconds)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    return CellResult(metrics, history, arrays, model, early_stop)
