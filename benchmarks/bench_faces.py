"""FER2013-sized speed of the frame models (48 x 48 faces) on the current Keras backend:

    .venv/bin/python -m pytest benchmarks/bench_faces.py --benchmark-only

- epoch time on FER2013: one timed pass of 256 random 48 px images through ``fit`` (after an
  untimed one that compiles), extrapolated to the 28,709 Training images;
- per-frame inference of the real-face model's architecture (``face_cnn``, the zoo's widths
  16-32-64-128) at batch 1 and batch 32, the per-frame cost of scoring a video.
"""
from __future__ import annotations

import numpy as np
import pytest

from emobench.registry import create_model

FER_TRAIN = 28709
N = 256
#: (model, per-image input, options): the image suite's frame models at FER2013's size.
CASES = [
    ("face_cnn", (48, 48, 1), {"filters": [16, 32, 64, 128]}),
    ("face_cnn", (48, 48, 1), {}),
    ("frame_cnn", (48, 48, 3), {}),
    ("resnet50", (1, 48, 48, 3), {}),  # per frame: a clip of one frame
]
IDS = ["face_cnn-16-128", "face_cnn-32-256", "frame_cnn", "resnet50"]


def _data(shape, n: int = N):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (n, *shape), dtype=np.uint8), np.arange(n) % 7


@pytest.mark.parametrize("name, shape, options", CASES, ids=IDS)
def test_fer2013_epoch_time(benchmark, name, shape, options):
    import keras

    keras.backend.clear_session()
    model = create_model(name, input_shape=shape, seed=0, **options)
    x, y = _data(shape)
    model.fit(x, y, epochs=1, batch_size=64)
    benchmark.pedantic(lambda: model.fit(x, y, epochs=1, batch_size=64), rounds=2,
                       iterations=1)
    epoch_s = benchmark.stats.stats.mean * FER_TRAIN / N
    benchmark.extra_info.update(fer2013_epoch_s=epoch_s, params=model.count_params())
    print(f"\n{name} {options or ''}: {epoch_s:.0f} s per FER2013 epoch (extrapolated)")


@pytest.mark.parametrize("batch", [1, 32])
def test_face_model_per_frame_inference(benchmark, batch):
    model = create_model("face_cnn", input_shape=(48, 48, 1), seed=0, filters=[16, 32, 64, 128])
    x, _ = _data((48, 48, 1), batch)
    model.predict_proba(x)  # compiles, untimed
    probs = benchmark(model.predict_proba, x)
    assert probs.shape == (batch, 7)
    per_frame_ms = benchmark.stats.stats.median * 1e3 / batch
    benchmark.extra_info.update(per_frame_ms=per_frame_ms, batch=batch)
    print(f"\nface_cnn batch {batch}: {per_frame_ms:.3g} ms per frame")
