"""The contract every registered model must keep, run in one process per Keras backend:

    KERAS_BACKEND=jax python tests/model_contract.py OUT_DIR [MODEL ...]

For each model (all registered ones by default): build it at a tiny input of its kind, check the
probabilities' shape and sums, count parameters, run one training epoch and check the weights
moved, save, reload and check the predictions are identical. Writes OUT_DIR/results.json
({model: {"ok", "error", ...}}) and leaves each saved model and its inputs in OUT_DIR/<model>/
so another backend can load them. tests/test_models.py runs this and asserts on the results.
"""
from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path

import numpy as np

#: Tiny per-sample inputs by input kind: 8 frames of 32 x 32 (ResNet50's minimum side).
TINY = {"features": (64,), "image": (32, 32, 3), "clip": (8, 32, 32, 3),
        "flow": (7, 32, 32, 2), "spectrogram": (24, 16)}
NUM_CLASSES = 4
#: Samples per input kind: 2 of each class (the SVMs' calibration needs 2 at least).
SAMPLES = {"features": 8, "probs": 8, "image": 8, "clip": 8, "flow": 8, "spectrogram": 8}


def tiny_data(input_kind: str, shape, seed: int = 0):
    """``(x, y)``: SAMPLES[input_kind] samples of the right dtype, classes in turn."""
    rng = np.random.default_rng(seed)
    n = SAMPLES[input_kind]
    if input_kind in ("image", "clip"):
        x = rng.integers(0, 256, (n, *shape), dtype=np.uint8)
    elif input_kind == "flow":
        x = rng.normal(0, 3, (n, *shape)).astype(np.float16)
    elif input_kind == "probs":
        x = rng.dirichlet(np.ones(shape[0] // 2), size=(n, 2)).reshape(n, -1)
    else:
        x = rng.normal(50, 20, (n, *shape))
    return x, np.arange(n) % NUM_CLASSES


def weights_of(model) -> list[np.ndarray]:
    if hasattr(model, "keras_model"):
        return [np.array(w) for w in model.keras_model.get_weights()]
    return []


def check_model(info, out: Path) -> dict:
    """Run the contract on one model; returns measured facts, raises AssertionError."""
    from emobench.models import load_model
    from emobench.registry import create_model

    shape = (2 * NUM_CLASSES,) if info.input_kind == "probs" else TINY[info.input_kind]
    model = create_model(info.name, num_classes=NUM_CLASSES, input_shape=shape, seed=0)
    x, y = tiny_data(info.input_kind, shape)
    assert model.input_shape == shape and model.num_classes == NUM_CLASSES
    assert (model.name, model.modality, model.input_kind) == (info.name, info.modality,
                                                              info.input_kind)
    before = weights_of(model)
    model.fit(x, y, validation_data=(x[:4], y[:4]), epochs=1, batch_size=4)
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert len(model.history_[key]) == 1 and np.isfinite(model.history_[key][0]), key
    if before:
        moved = [not np.array_equal(a, b) for a, b in zip(before, weights_of(model))]
        assert any(moved), "one training epoch changed no weight"
    probs = model.predict_proba(x)
    assert probs.shape == (len(x), NUM_CLASSES) and probs.dtype == np.float32, probs.shape
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert model.predict(x).shape == (len(x),)
    params = model.count_params()
    assert params > 0
    folder = model.save(out / info.name)
    np.save(folder / "x.npy", x)
    np.save(folder / "probs.npy", probs)
    again = load_model(folder)
    assert type(again) is type(model) and again.name == info.name
    assert again.input_shape == shape and again.labels == model.labels
    assert again.history_ == model.history_
    assert again.count_params() == params
    reloaded = again.predict_proba(x)
    assert np.array_equal(reloaded, probs), f"max diff {np.abs(reloaded - probs).max()}"
    return {"params": params, "proba_shape": list(probs.shape)}


def main(argv: list[str]) -> int:
    import keras

    from emobench.harness.train import deterministic_ops
    from emobench.registry import list_models

    deterministic_ops()  # as the harness trains: on TensorFlow this also turns XLA off
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    wanted = set(argv[1:])
    results = {"backend": keras.backend.backend(), "models": {}}
    for info in (i for i in list_models() if i.builtin):
        if info.modality == "test" or (wanted and info.name not in wanted):
            continue
        start = time.perf_counter()
        try:
            entry = {"ok": True, **check_model(info, out)}
        except Exception as err:  # every model is reported, whichever fails
            entry = {"ok": False, "error": f"{type(err).__name__}: {err}",
                     "trace": traceback.format_exc(limit=6)}
        entry["seconds"] = round(time.perf_counter() - start, 2)
        results["models"][info.name] = entry
        keras.backend.clear_session()
        print(info.name, "ok" if entry["ok"] else entry["error"], entry["seconds"], flush=True)
    (out / "results.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main(sys.argv[1:]))
