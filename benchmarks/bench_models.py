"""Every registered model's speed on the current Keras backend (KERAS_BACKEND; TensorFlow by
default), at the thesis's input sizes with few samples, so that a CPU finishes:

    .venv/bin/python -m pytest benchmarks/bench_models.py --benchmark-only
    KERAS_BACKEND=jax .venv/bin/python -m pytest benchmarks/bench_models.py --benchmark-only

- training throughput: one epoch of ``EmotionModel.fit`` on random data of the model's real
  input (after one untimed epoch that compiles), in samples per second (clips for the video
  models, frames for frame_cnn); scikit-learn models time a whole fit (they have no epochs);
- inference latency: ``predict_proba`` of one sample (batch 1), the interface a robot calls.

Sizes (CASES): openSMILE emobase2010 (1582 features) for audio; 16 frames of 112 x 112 face
crops for video (C3D's input); 15 flow fields of 112 x 112 for flow; 14 probabilities for fusion.
"""
from __future__ import annotations

import numpy as np
import pytest

from emobench.registry import create_model, get_model_info

#: (model, per-sample input, training samples, batch size).
CASES = [
    ("audio_svm", (1582,), 800, None),
    ("audio_cnn", (1582,), 512, 32),
    ("c3d", (16, 112, 112, 3), 32, 8),
    ("c3d_full", (16, 112, 112, 3), 8, 4),
    ("resnet50", (16, 112, 112, 3), 8, 32),  # a batch is 32 frames: 2 clips
    ("frame_cnn", (112, 112, 3), 128, 32),
    ("lrcn", (16, 112, 112, 3), 16, 4),
    ("flow_resnet50", (15, 112, 112, 2), 32, 8),
    ("flow_alexnet", (15, 112, 112, 2), 32, 8),
    ("fusion_avg", (14,), 800, None),
    ("fusion_svm", (14,), 800, None),
]
IDS = [c[0] for c in CASES]


def _data(name: str, shape, n: int):
    """Random samples of the dtype the harness feeds ``name``, 7 classes in turn."""
    rng = np.random.default_rng(0)
    kind = get_model_info(name).input_kind
    if kind in ("clip", "image"):
        x = rng.integers(0, 256, (n, *shape), dtype=np.uint8)
    elif kind == "flow":
        x = rng.normal(0, 3, (n, *shape)).astype(np.float16)
    elif kind == "probs":
        x = rng.dirichlet(np.ones(7), size=(n, 2)).reshape(n, 14).astype(np.float32)
    else:
        x = rng.normal(0, 1, (n, *shape)).astype(np.float32)
    return x, np.arange(n) % 7


_BUILT: dict[str, tuple] = {}


def _trained(name: str, shape, n: int, batch):
    """The model with one epoch behind it (compiled, statistics learned) and its data."""
    if name not in _BUILT:
        import keras

        keras.backend.clear_session()
        _BUILT.clear()  # one big model in memory at a time
        model = create_model(name, input_shape=shape, seed=0)
        x, y = _data(name, shape, n)
        model.fit(x, y, epochs=1, batch_size=batch)
        _BUILT[name] = (model, x, y)
    return _BUILT[name]


@pytest.mark.parametrize("name, shape, n, batch", CASES, ids=IDS)
def test_training_throughput(benchmark, figure, name, shape, n, batch):
    model, x, y = _trained(name, shape, n, batch)
    benchmark.pedantic(lambda: model.fit(x, y, epochs=1, batch_size=batch), rounds=2,
                       iterations=1)
    rate = n / benchmark.stats.stats.mean
    benchmark.extra_info.update(samples=n, samples_per_s=rate, input=list(shape))
    figure("training throughput", f"{name} {shape} x{n}", f"{rate:.4g} samples/s")


@pytest.mark.parametrize("name, shape, n, batch", CASES, ids=IDS)
def test_inference_latency_batch1(benchmark, figure, name, shape, n, batch):
    model, x, _ = _trained(name, shape, n, batch)
    one = x[:1]
    model.predict_proba(one)  # the batch-1 predict function compiles here, untimed
    probs = benchmark(model.predict_proba, one)
    assert probs.shape == (1, 7)
    ms = benchmark.stats.stats.median * 1e3
    benchmark.extra_info.update(latency_ms=ms, input=list(shape))
    figure("inference latency (batch 1)", f"{name} {shape}", f"{ms:.3g} ms")
