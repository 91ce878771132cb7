"""Training and scoring frame models on FER2013's official splits (the image suite's core).

    emobench faces train $EMOBENCH_DATA/fer2013 --out RUN_DIR --epochs 60   # resumable

Trains on Training only, scores on PublicTest (and PrivateTest when present), each score with
its split. With ``budget_min`` the epoch count is chosen from a measured warm-up so the
cosine schedule completes inside the budget.
"""
from __future__ import annotations

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


#: Files of a training run's folder: its settings, its resumable state, its kept epoch.
RUN_FILE, STATE_FILE, BEST_FILE = "run.json", "state.npz", "best.keras"


def _save_state(out: Path, net, done: dict) -> None:
    """Everything a resumed run needs, in one atomically replaced file: the model's variables
    (weights, batchnorm statistics and the augmentation/dropout seed states), the optimizer's
    (moments and its step count, which is the schedule's position) and the progress record."""
    from emobench.atomic import atomic_write_bytes

    arrays = {f"m{i}": np.asarray(v) for i, v in enumerate(net.variables)}
    arrays.update({f"o{i}": np.asarray(v) for i, v in enumerate(net.optimizer.variables)})
    arrays["progress"] = np.frombuffer(json.dumps(done).encode(), np.uint8)
    atomic_write_bytes(out / STATE_FILE, lambda fh: np.savez(fh, **arrays))


def _load_state(out: Path, net) -> dict | None:
    """Restore a saved state into ``net`` (compiled, optimizer built); its progress record."""
    path = out / STATE_FILE
    if not path.is_file():
        return None
    data = np.load(path)
    for prefix, variables in (("m", net.variables), ("o", net.optimizer.variables)):
        saved = sorted((k for k in data.files if k.startswith(prefix) and k[1:].isdigit()),
                       key=lambda k: int(k[1:]))
        if len(saved) != len(variables):
            raise ValueError(f"{path}: holds {len(saved)} {prefix}-variables, the model has "
                             f"{len(variables)} (a different model in the same folder?)")
        for v, k in zip(variables, saved):
            v.assign(data[k])
    return json.loads(bytes(data["progress"]).decode())


def _save_best(out: Path, net) -> None:
    tmp = out / "best.partial.keras"
    net.save(tmp)
    tmp.replace(out / BEST_FILE)


def _run_settings(out: Path, settings: dict) -> dict:
    """The run's settings: written by a fresh run; a resumed one must ask for the same ones."""
    path = out / RUN_FILE
    if not path.is_file():
        return settings
    saved = json.loads(path.read_text())
    changed = [f"{k} {saved.get(k)!r} -> {v!r}" for k, v in settings.items()
               if k != "epochs" and saved.get(k) != v]
    if changed:
        raise ValueError(f"{out}: holds a run with other settings ({'; '.join(changed)}); "
                         f"resume with the same ones or use another folder")
    return saved


def train_face_model(root, out: Path | str, *, model: str = "face_cnn", epochs: int | None = 30,
                     budget_min: float | None = None, batch_size: int = 64, lr: float = 2e-3,
                     weight_decay: float = 1e-4, seed: int = 0, limit: int | None = None,
                     holdout: float = 0.0, prep=None, stop_after: int | None = None,
                     max_minutes: float | None = None, verbose: int = 2, **options) -> dict:
    """Train ``model`` on FER2013 Training, resumably, and score the kept epoch.

    The same call on the same ``out`` continues a stopped (or killed) run from its last
    finished epoch, with the weights, optimizer state, schedule position and augmentation seeds
    it had, to the same result as an unbroken run. ``stop_after`` (epochs) and ``max_minutes``
    end this call early, after a whole epoch; the record then says ``finished: false``.

    The kept epoch is the best on a stratified, seeded ``holdout`` of Training (never trained
    on), or, with ``holdout`` 0, the last one: PublicTest never picks the weights it scores.
    Images are prepared by ``prep`` (a :class:`~emobench.preprocess.face_prep.FacePrep`; its
    contrast step), as video crops are for the model.

    Recipe: AdamW, cosine decay, label smoothing 0.1, the model's own augmentation; the
    returned record gives every split's metrics (with flip averaging), epoch time and epochs.
    """
    import keras

    from emobench.preprocess.face_prep import as_prep, prepare_gray
    from emobench.registry import create_model

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    recipe = as_prep(prep)
    settings = {"model": model, "epochs": epochs, "batch_size": batch_size, "lr": lr,
                "weight_decay": weight_decay, "seed": seed, "limit": limit, "holdout": holdout,
                "contrast": recipe.contrast, "options": options}
    settings = _run_settings(out, settings)
    arrays = {s: (prepare_gray(x, recipe), y) for s, (x, y) in load_fer_arrays(root).items()}
    x_tr, y_tr = arrays["Training"]
    if limit:
        idx = np.random.default_rng(seed).permutation(len(x_tr))[:limit]
        x_tr, y_tr = x_tr[idx], y_tr[idx]
    x_val = y_val = None
    selected_on = "the last epoch (no holdout: no split picks the weights)"
    if holdout:
        x_tr, x_val, y_tr, y_val = _holdout(x_tr, y_tr, holdout, seed)
        selected_on = f"a stratified {holdout:.0%} of Training held out (seed {seed})"
    shape, channels = model_input_shape(model, x_tr.shape[1:])
    x_tr = as_channels(x_tr, channels)
    onehot = lambda y: keras.utils.to_categorical(y, len(EMOTIONS))  # noqa: E731
    val = (as_channels(x_val, channels), onehot(y_val)) if holdout else None

    def build():
        keras.utils.set_random_seed(seed)
        wrapper = create_model(model, num_classes=len(EMOTIONS), input_shape=shape,
                               seed=seed, **options)
        smoothing = float(wrapper.options.get("label_smoothing", 0.1))
        return wrapper.keras_model, keras.losses.CategoricalCrossentropy(
            label_smoothing=smoothing)

    measured = None
    if not (out / RUN_FILE).is_file():
        if budget_min:  # the epoch count is fixed once, from a timed warm-up, then kept
            net, loss = build()
            net.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
            measured = _epoch_seconds(net, x_tr, onehot(y_tr), batch_size)
            settings["epochs"] = max(1, int(budget_min * 60 / (measured * 1.08)))
        settings["measured_epoch_s"] = measured
        (out / RUN_FILE).write_text(json.dumps(settings, indent=1))
    epochs = int(settings["epochs"])
    net, loss = build()
    steps = epochs * int(np.ceil(len(x_tr) / batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(lr, steps)
    net.compile(optimizer=keras.optimizers.AdamW(schedule, weight_decay=weight_decay),
                loss=loss, metrics=["accuracy"])
    net.optimizer.build(net.trainable_variables)
    done = _load_state(out, net) or {"epoch": 0, "history": {}, "wall_s": 0.0,
                                     "best": None, "best_epoch": 0}
    y_hot = onehot(y_tr)
    t_call, ran = time.perf_counter(), 0
    while done["epoch"] < epochs:
        if stop_after is not None and ran >= stop_after:
            break
        if max_minutes is not None and time.perf_counter() - t_call > max_minutes * 60:
            break
        epoch = done["epoch"]
        order = np.random.default_rng([seed, epoch]).permutation(len(x_tr))
        t0 = time.perf_counter()
        hist = net.fit(x_tr[order], y_hot[order], batch_size=batch_size, epochs=epoch + 1,
                       initial_epoch=epoch, shuffle=False, validation_data=val,
                       verbose=verbose)
        done["wall_s"] += time.perf_counter() - t0
        for k, v in hist.history.items():
            done["history"].setdefault(k, []).append(float(v[-1]))
        done["epoch"] = epoch + 1
        score_now = done["history"]["val_accuracy"][-1] if holdout else float(epoch)
        if done["best"] is None or score_now > done["best"]:
            done["best"], done["best_epoch"] = score_now, epoch + 1
            _save_best(out, net)
        _save_state(out, net, done)
        ran += 1
    finished = done["epoch"] >= epochs
    record = {"model": model, "dataset": "fer2013", "protocol": "official-splits",
              "trained_on": "Training", "n_train": int(len(x_tr)), "epochs": epochs,
              "epochs_done": done["epoch"], "finished": finished,
              "batch_size": batch_size, "lr": lr, "weight_decay": weight_decay, "seed": seed,
              "prep": recipe.as_dict(),
              "recipe": "AdamW + cosine decay, label smoothing 0.1, flip/rotate/zoom/translate/"
                        f"contrast augmentation, contrast step {recipe.contrast!r}, kept epoch: "
                        f"{selected_on}, flip TTA",
              "selected_on": selected_on, "n_holdout": int(len(y_val)) if holdout else 0,
              "measured_epoch_s": settings.get("measured_epoch_s"),
              "time_per_epoch_s": done["wall_s"] / max(1, done["epoch"]),
              "train_wall_s": done["wall_s"], "best_epoch": done["best_epoch"],
              "history": done["history"], "scores": {}}
    if not (out / BEST_FILE).is_file():
        record["params"] = int(net.count_params())
        return record
    best = keras.saving.load_model(out / BEST_FILE)
    record["params"] = int(best.count_params())
    for split, (x, y) in arrays.items():
        if split != "Training":
            record["scores"][split] = score(y, predict_tta(best, as_channels(x, channels)))
    (out / "result.json").write_text(json.dumps(record, indent=1))
    return record


def score_checkpoint(root, checkpoint: Path | str, record: dict) -> dict:
    """Score a saved model (e.g. the best epoch of an interrupted run) on every test split."""
    import keras

    from emobench.preprocess.face_prep import LEGACY, as_prep, prepare_gray

    net = keras.saving.load_model(checkpoint)
    recipe = as_prep(record.get("prep", LEGACY))
    record = {**record, "params": int(net.count_params()), "scores": {}}
    for split, (x, y) in load_fer_arrays(root).items():
        if split != "Training":
            x = prepare_gray(x, recipe).astype("float32")
            record["scores"][split] = score(y, predict_tta(net, x))
    return record
