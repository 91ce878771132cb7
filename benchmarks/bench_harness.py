"""The harness's own cost: a harness training cell (EmotionModel.fit with the thesis's callbacks:
EarlyStopping, ModelCheckpoint, TensorBoard, CSVLogger, and the epoch timer) against a bare
``keras_model.fit`` on the same in-memory arrays, same epochs and batch size. Goal: the harness
trains at >= 0.9 of bare throughput.

Run: ``.venv/bin/python -m pytest benchmarks/bench_harness.py --benchmark-only``
"""
from __future__ import annotations

import time

import numpy as np
import pytest

from emobench.harness.train import Split, TrainConfig, train_and_score
from emobench.registry import create_model

#: (model, per-sample input shape, clips): the default main job's inputs (8 frames of 48 px;
#: 1582 emobase2010 features, at the size of the real RAVDESS speech set).
CASES = [("c3d", (8, 48, 48, 3), 96), ("audio_cnn", (1582,), 768), ("lrcn", (8, 48, 48, 3), 96)]
EPOCHS, BATCH = 4, 8


def _data(shape, n, seed=0):
    rng = np.random.default_rng(seed)
    dtype = np.uint8 if len(shape) > 1 else np.float32
    x = (rng.random((n, *shape)) * (255 if dtype == np.uint8 else 1)).astype(dtype)
    y = np.arange(n) % 7
    return x, y


def _bare_fit(name, shape, x, y, xv, yv) -> float:
    """Seconds of a plain keras fit of the same network, compiled as the harness compiles it."""
    import keras

    model = create_model(name, input_shape=shape)
    net = model.keras_model
    net.compile(optimizer=keras.optimizers.RMSprop(1e-3),
                loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    if hasattr(model, "_fit_statistics"):  # audio models learn their scaling before training
        model._fit_statistics(x)
    start = time.perf_counter()
    net.fit(x, y, validation_data=(xv, yv), epochs=EPOCHS, batch_size=BATCH, verbose=0)
    return time.perf_counter() - start


def _harness_fit(name, shape, x, y, xv, yv, cell_dir) -> float:
    model = create_model(name, input_shape=shape)
    config = TrainConfig(epochs=EPOCHS, batch_size=BATCH, early_stopping=EPOCHS + 1)
    result = train_and_score(model, Split([str(i) for i in range(len(x))], x, y),
                             Split([str(i) for i in range(len(xv))], xv, yv), config=config,
                             cell_dir=cell_dir)
    return result.metrics["train_time"]


@pytest.mark.parametrize("name, shape, n", CASES, ids=[c[0] for c in CASES])
def test_harness_cell_vs_bare_fit(benchmark, figure, tmp_path, name, shape, n):
    x, y = _data(shape, n)
    xv, yv = _data(shape, n // 4, seed=1)
    bare = min(_bare_fit(name, shape, x, y, xv, yv) for _ in range(2))
    times: list[float] = []  # fit time of each round (without building and scoring)
    benchmark.pedantic(
        lambda: times.append(_harness_fit(name, shape, x, y, xv, yv, tmp_path / str(len(times)))),
        rounds=2, iterations=1)
    harness = min(times)
    ratio = bare / harness
    benchmark.extra_info.update(bare_s=bare, harness_s=harness, ratio=ratio,
                                samples_per_s_bare=EPOCHS * n / bare,
                                samples_per_s_harness=EPOCHS * n / harness)
    figure("harness vs bare fit", f"{name} {shape} x{n}, {EPOCHS} epochs",
           f"bare {EPOCHS * n / bare:.0f} samples/s, harness {EPOCHS * n / harness:.0f} "
           f"samples/s, ratio {ratio:.2f}")
