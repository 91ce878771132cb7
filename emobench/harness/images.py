"""Training and scoring frame models on FER2013's official splits (the image suite's core).

    python -m emobench.harness.images DATA_ROOT --model face_cnn --budget-min 20 --out DIR

Trains on Training only, scores on PublicTest (and PrivateTest when present), each score with
its split. With ``budget_min`` the epoch count is chosen from a measured warm-up so the
cosine schedule completes inside the budget.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from emobench.datasets.fer2013 import load_split, scan_fer2013, splits_present
from emobench.labels import EMOTIONS


def load_fer_arrays(root: Path | str, size: int = 48, progress: bool = True) -> dict:
    """{split: (x, y)} for every official split present, decoded once and cached as .npz."""
    from emobench.paths import cache_root

    import hashlib

    root = Path(root)
    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:12]
    cache = cache_root() / "fer2013" / f"{key}-{size}.npz"
    if cache.is_file():
        data = np.load(cache)
        return {s: (data[f"{s}_x"], data[f"{s}_y"]) for s in
                sorted({k.rsplit("_", 1)[0] for k in data.files})}
    scan = scan_fer2013(root)
    arrays = {s: load_split(scan, s, size, progress=progress, rejected=scan.rejected)
              for s in splits_present(scan)}
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, **{f"{s}_{k}": v for s, (x, y) in arrays.items()
                       for k, v in (("x", x), ("y", y))})
    return arrays


def predict_tta(net, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Mean of the softmax on the images and on their horizontal mirrors."""
    p = net.predict(x, batch_size=batch_size, verbose=0)
    return (p + net.predict(x[:, :, ::-1], batch_size=batch_size, verbose=0)) / 2


def score(y: np.ndarray, probs: np.ndarray) -> dict:
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score

    pred = probs.argmax(1)
    labels = list(range(len(EMOTIONS)))
    return {"accuracy": float(accuracy_score(y, pred)),
            "uar": float(balanced_accuracy_score(y, pred)),
            "macro_f1": float(f1_score(y, pred, labels=labels, average="macro", zero_division=0)),
            "confusion": confusion_matrix(y, pred, labels=labels).tolist(), "n": int(len(y))}


def model_input_shape(model: str, image_shape) -> tuple[tuple[int, ...], int]:
    """(factory input_shape, channels) of a registered image model (``face_cnn``,
    ``frame_cnn``) or per-frame clip model (``resnet50``: a clip of one frame) on images of
    ``image_shape``; 3-channel models get the grayscale faces repeated over RGB."""
    from emobench.registry import get_model_info

    info = get_model_info(model)
    if info.input_kind not in ("image", "clip"):
        raise ValueError(f"{model}: not an image or frame model (input {info.input_kind})")
    channels = int(info.default_input_shape[-1])
    frame = (int(image_shape[0]), int(image_shape[1]), channels)
    return ((1, *frame) if info.input_kind == "clip" else frame), channels


def as_channels(x: np.ndarray, channels: int) -> np.ndarray:
    """float32 images with ``channels`` channels (grayscale repeated for RGB models)."""
    x = x.astype("float32")
    return np.repeat(x, channels, axis=-1) if x.shape[-1] != channels else x


def _holdout(x, y, fraction: float, seed: int):
    """A stratified, seeded split of Training: (x_train, x_holdout, y_train, y_holdout)."""
    from sklearn.model_selection import train_test_split

    size = max(int(round(fraction * len(y))), len(np.unique(y)))  # one of each class at least
    return train_test_split(x, y, test_size=size, stratify=y, random_state=seed)


def _epoch_seconds(net, x, y, batch_size: int, steps: int = 15) -> float:
    """Seconds per epoch extrapolated from timed training steps (after one warm-up step)."""
    net.train_on_batch(x[:batch_size], y[:batch_size])
    steps = max(1, min(steps, len(x) // batch_size))
    t = time.perf_counter()
    for i in range(steps):
        sl = slice(i * batch_size, (i + 1) * batch_size)
        net.train_on_batch(x[sl], y[sl])
    return (time.perf_counter() - t) / steps * (len(x) / batch_size)


def train_face_model(root, out: Path | str, *, model: str = "face_cnn", epochs: int | None = 30,
                     budget_min: float | None = None, batch_size: int = 64, lr: float = 2e-3,
                     weight_decay: float = 1e-4, seed: int = 0, limit: int | None = None,
                     holdout: float = 0.0, verbose: int = 2, **options) -> dict:
    """Train ``model`` on FER2013 Training, checkpoint the best epoch, score it.

    The best epoch is chosen on PublicTest, or, with ``holdout`` > 0, on a stratified,
    seeded slice of Training held out from training (then PublicTest never influences the
    weights and its score is clean).

    Recipe: AdamW, cosine decay, label smoothing 0.1, the model's own augmentation; the
    returned record gives every split's metrics (with flip averaging), epoch time and epochs.
    """
    import keras

    from emobench.registry import create_model

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    arrays = load_fer_arrays(root)
    x_tr, y_tr = arrays["Training"]
    if limit:
        idx = np.random.default_rng(seed).permutation(len(x_tr))[:limit]
        x_tr, y_tr = x_tr[idx], y_tr[idx]
    x_val, y_val = arrays["PublicTest"]
    selected_on = "PublicTest"
    if holdout:
        x_tr, x_val, y_tr, y_val = _holdout(x_tr, y_tr, holdout, seed)
        selected_on = f"a stratified {holdout:.0%} of Training held out (seed {seed})"
    shape, channels = model_input_shape(model, x_tr.shape[1:])
    x_tr, x_val = as_channels(x_tr, channels), as_channels(x_val, channels)
    keras.utils.set_random_seed(seed)
    wrapper = create_model(model, num_classes=len(EMOTIONS), input_shape=shape,
                           seed=seed, **options)
    net = wrapper.keras_model
    onehot = lambda y: keras.utils.to_categorical(y, len(EMOTIONS))  # noqa: E731
    loss = keras.losses.CategoricalCrossentropy(
        label_smoothing=float(wrapper.options.get("label_smoothing", 0.1)))
    net.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    measured = _epoch_seconds(net, x_tr, onehot(y_tr), batch_size)
    if budget_min:
        epochs = max(1, int(budget_min * 60 / (measured * 1.08)))
    steps = epochs * int(np.ceil(len(x_tr) / batch_size))
    keras.utils.set_random_seed(seed)
    wrapper = create_model(model, num_classes=len(EMOTIONS), input_shape=shape,
                           seed=seed, **options)
    net = wrapper.keras_model
    schedule = keras.optimizers.schedules.CosineDecay(lr, steps, warmup_target=None)
    net.compile(optimizer=keras.optimizers.AdamW(schedule, weight_decay=weight_decay),
                loss=loss, metrics=["accuracy"])
    best = out / "best.keras"
    t0 = time.perf_counter()
    hist = net.fit(x_tr, onehot(y_tr), batch_size=batch_size, epochs=epochs,
                   validation_data=(x_val, onehot(y_val)), verbose=verbose,
                   callbacks=[keras.callbacks.CSVLogger(str(out / "epochs.csv")),
                              keras.callbacks.ModelCheckpoint(str(best), monitor="val_accuracy",
                                                              save_best_only=True)])
    wall = time.perf_counter() - t0
    net = keras.saving.load_model(best)
    record = {"model": model, "dataset": "fer2013", "protocol": "official-splits",
              "trained_on": "Training", "n_train": int(len(x_tr)), "epochs": epochs,
              "batch_size": batch_size, "lr": lr, "weight_decay": weight_decay, "seed": seed,
              "recipe": "AdamW + cosine decay, label smoothing 0.1, flip/rotate/zoom/translate/"
                        f"contrast augmentation, best epoch on {selected_on}, flip TTA",
              "selected_on": selected_on, "n_holdout": int(len(x_val)) if holdout else 0,
              "params": int(net.count_params()), "measured_epoch_s": measured,
              "time_per_epoch_s": wall / epochs, "train_wall_s": wall,
              "best_epoch": int(np.argmax(hist.history["val_accuracy"])) + 1,
              "history": {k: [float(v) for v in vs] for k, vs in hist.history.items()},
              "scores": {}}
    for split, (x, y) in arrays.items():
        if split != "Training":
            record["scores"][split] = score(y, predict_tta(net, as_channels(x, channels)))
    (out / "result.json").write_text(json.dumps(record, indent=1))
    return record


def score_checkpoint(root, checkpoint: Path | str, record: dict) -> dict:
    """Score a saved model (e.g. the best epoch of an interrupted run) on every test split."""
    import keras

    net = keras.saving.load_model(checkpoint)
    record = {**record, "params": int(net.count_params()), "scores": {}}
    for split, (x, y) in load_fer_arrays(root).items():
        if split != "Training":
            record["scores"][split] = score(y, predict_tta(net, x.astype("float32")))
    return record


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root")
    ap.add_argument("--model", default="face_cnn")
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--budget-min", type=float)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--holdout", type=float, default=0.0,
                    help="fraction of Training held out to pick the best epoch (default: "
                         "PublicTest picks it)")
    ap.add_argument("--filters", help="comma-separated widths, e.g. 16,32,64,128")
    args = ap.parse_args(argv)
    extra = {"filters": [int(w) for w in args.filters.split(",")]} if args.filters else {}
    rec = train_face_model(args.root, args.out, model=args.model, epochs=args.epochs,
                           budget_min=args.budget_min, batch_size=args.batch_size,
                           limit=args.limit, holdout=args.holdout, **extra)
    print(json.dumps({k: v for k, v in rec.items() if k != "scores"}))
    for split, s in rec["scores"].items():
        print(split, {k: v for k, v in s.items() if k != "confusion"})


if __name__ == "__main__":
    main()
