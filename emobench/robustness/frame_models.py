"""Frame models (a face-image model such as the FER2013-trained face_cnn) under the video
corruptions, on sets they never trained on:

- labelled face images (FER2013 PublicTest): a seeded, stratified subset; each image is its
  own one-frame clip with its own draw of the corruption; FER2013's images are already face
  crops, so no detector runs: the model sees the whole corrupted image, as zoo prediction
  does for a still image without a detected face (occlusion covers part of the whole image);
- video clips (RML, RAVDESS AV; "train on images, test on video"): the face stage on the
  corrupted sampled frames (a face lost to the corruption is a wrong answer), each clip the
  mean of its crops' flip-averaged probabilities, as :mod:`emobench.harness.image_to_video`
  scores the clean clips.

A frame model is a zoo entry's name (features ``face_images``, e.g.
``face_cnn-faces.fer2013_official``: its file is checked against the manifest's sha256, and
its crops are prepared as its card records: grayscale, size, margin, frames, detector) or a
saved ``.keras`` file (prepared as the ``result.json`` beside it records, FER2013's images).

One row per (model, set, corruption, severity, seed) in the ``robustness_frame`` table of the
results database, severity 0 the clean score; a row already there is not recomputed.
"""
from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from emobench.harness.store import ResultStore
from emobench.robustness.corruptions import SEVERITIES, VIDEO_CORRUPTIONS, corrupt_video, rng_for

_SCHEMA = """CREATE TABLE IF NOT EXISTS robustness_frame (
    model TEXT, eval_set TEXT, corruption TEXT, severity INTEGER, seed INTEGER, accuracy REAL,
    n INTEGER, lost INTEGER, seconds REAL, note TEXT,
    PRIMARY KEY (model, eval_set, corruption, severity, seed))"""


def model_id(checkpoint: str | Path) -> str:
    """``<folder>/<file>@<sha256[:8]>``: a retrained checkpoint at the same path is new."""
    path = Path(checkpoint)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    return f"{path.parent.name}/{path.name}@{digest}"


#: What a frame model's card must record of its crops (its ``preprocess``).
PREP_KEYS = ("grayscale", "size", "margin", "frames", "detector")


def entry_prep(entry) -> dict:
    """The crop preparation a zoo entry's card records, as :func:`to_model_input` and the face
    stage take it; ValueError for an entry that is not a frame model or does not record it."""
    if entry.features != "face_images":
        raise ValueError(f"zoo entry {entry.name!r} has features {entry.features!r}: not a "
                         f"frame model (face_images)")
    missing = [k for k in PREP_KEYS if k not in entry.preprocess]
    if missing or not isinstance(entry.preprocess["detector"], str):
        raise ValueError(f"zoo entry {entry.name!r}: its card does not record the crops' "
                         f"{', '.join(missing) or 'detector name'}")
    from emobench.preprocess.face_prep import FacePrep

    return FacePrep.from_dict(entry.preprocess).as_dict()


def file_prep(checkpoint) -> dict:
    """The recipe of a saved ``.keras`` file: the ``prep`` of the ``result.json`` that training
    wrote beside it, else the first recipe (files from before recipes were recorded)."""
    import json

    from emobench.preprocess.face_prep import LEGACY, FacePrep

    result = Path(checkpoint).parent / "result.json"
    try:
        return FacePrep.from_dict(json.loads(result.read_text())["prep"]).as_dict()
    except (OSError, ValueError, KeyError, TypeError):
        return LEGACY.as_dict()


def _is_file_spec(spec) -> bool:
    return Path(spec).suffix == ".keras" or Path(spec).is_file()


def frame_model_id(spec: str | Path, manifest=None) -> tuple[str, dict]:
    """``(model id, crop preparation)`` of ``spec``: a saved ``.keras`` file (id
    ``<folder>/<file>@<sha256[:8]>``, prepared as the ``result.json`` beside it records) or a zoo entry's name (id
    ``<name>@<sha256[:8]>``, prepared as its card says). Loads nothing."""
    if _is_file_spec(spec):
        if not Path(spec).is_file():
            raise FileNotFoundError(f"{spec}: no such frame model file")
        return model_id(spec), file_prep(spec)
    from emobench.zoo.manifest import resolve

    entry = resolve(manifest).get(str(spec))
    return f"{entry.name}@{entry.sha256[:8]}", entry_prep(entry)


def load_frame_model(spec: str | Path, manifest=None):
    """The ``keras.Model`` of ``spec`` (see :func:`frame_model_id`); a zoo entry's file is
    verified against its manifest sha256 and loaded in Keras's safe mode."""
    from emobench.labels import EMOTIONS

    if _is_file_spec(spec):
        import keras

        return keras.saving.load_model(spec)
    from emobench.zoo.fetch import load_pretrained

    model = load_pretrained(str(spec), manifest=manifest)
    if list(model.labels) != list(EMOTIONS):
        raise ValueError(f"zoo entry {spec!r}: labels {list(model.labels)}, not the 7 emotions "
                         f"in emobench's order")
    return model.keras_model


def frame_rows(store: ResultStore) -> list[dict]:
    """Every ``robustness_frame`` row; [] when the table is absent."""
    conn = store._conn
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'robustness_frame'").fetchone():
        return []
    return [dict(r) for r in conn.execute("SELECT * FROM robustness_frame").fetchall()]


def default_video_sets() -> dict[str, str]:
    """RML and RAVDESS AV of ``$EMOBENCH_DATA``, those present."""
    from emobench.paths import data_root

    root = data_root()
    if root is None:
        return {}
    found = {"rml": Path(root) / "rml-sample", "ravdess_av": Path(root) / "ravdess-av"}
    return {k: str(v) for k, v in found.items() if v.is_dir()}


def image_subset(root: str | Path, limit: int | None, seed: int):
    """``(ids, x uint8 (n, 48, 48, 1), y)``: the images of a labelled face folder (FER2013's
    PublicTest when ``root`` is the release's ``validation/``), a stratified subset of
    ``limit`` drawn with ``seed`` (all when None or larger)."""
    from sklearn.model_selection import train_test_split

    from emobench.datasets import load_dataset
    from emobench.datasets.fer2013 import load_images

    clips = sorted(load_dataset("auto", root).clips, key=lambda c: c.clip_id)
    if not clips:
        raise ValueError(f"{root}: no labelled images")
    if limit and limit < len(clips):
        clips, _ = train_test_split(clips, train_size=limit, random_state=seed,
                                    stratify=[c.emotion for c in clips])
        clips = sorted(clips, key=lambda c: c.clip_id)
    x, y = load_images(clips)
    return [c.clip_id for c in clips], x, y


def corrupt_images(ids: Sequence[str], x: np.ndarray, corruption: str, severity: int,
                   seed: int) -> np.ndarray:
    """Grayscale images ``x`` (uint8 ``(n, S, S, 1)``), each corrupted with its own draw; the
    occlusion lands on the whole image (FER2013's images are the face)."""
    if severity == 0:
        return x
    side = x.shape[1]
    out = np.empty_like(x)
    for i, (cid, img) in enumerate(zip(ids, x)):
        rgb = np.repeat(img[None], 3, axis=-1)
        bad = corrupt_video(rgb, corruption, severity, rng_for(seed, cid, corruption, severity),
                            face=(0, 0, side, side))
        out[i, ..., 0] = bad[0].mean(axis=-1).round().astype(np.uint8)
    return out


def _video_clips(name: str, root: str) -> list:
    from emobench.datasets import load_dataset, scan_rml

    scan = scan_rml(root) if name.startswith("rml") else load_dataset("auto", root)
    return sorted((c for c in scan.clips if c.has_video), key=lambda c: c.clip_id)


def _video_accuracy(net, clips, corruption: str, severity: int, seed: int, classes, prep: dict,
                    cache_dir) -> tuple[float, int, float]:
    """Accuracy over ``clips`` (a clip whose face is lost in every frame is wrong), the lost
    clips, seconds."""
    from emobench.preprocess.face_prep import model_input as to_model_input
    from emobench.harness.images import predict_tta
    from emobench.labels import EMOTIONS
    from emobench.robustness.stages import corrupted_table

    t0 = time.perf_counter()
    table = corrupted_table(clips, "faces", corruption, severity, seed=seed,
                            frames=int(prep["frames"]), size=int(prep["size"]),
                            detector=prep.get("detector", "haar"),
                            margin=float(prep["margin"]), cache_dir=cache_dir)
    cols = [EMOTIONS.index(c) for c in classes]
    truth = {c.clip_id: c.emotion for c in clips}
    correct = 0
    if table.ids:  # every clip's crops in one batch: one predict call, not two per clip
        x = np.concatenate([to_model_input(crops, prep) for crops in table.data])
        p = predict_tta(net, x).reshape(len(table.ids), -1, len(EMOTIONS)).mean(axis=1)
        correct = sum(classes[int(np.argmax(q[cols]))] == truth[cid]
                      for cid, q in zip(table.ids, p))
    return correct / len(clips), len(clips) - len(table.ids), time.perf_counter() - t0


def _image_input(x: np.ndarray, prep: dict) -> np.ndarray:
    """Gray images (n, S, S, 1) uint8 as the model takes them (its size and channels)."""
    if prep["grayscale"] and x.shape[1] == prep["size"]:
        from emobench.preprocess.face_prep import prepare_gray

        return prepare_gray(x, prep).astype("float32")
    from emobench.preprocess.face_prep import model_input as to_model_input

    return to_model_input(np.repeat(x, 3, axis=-1), prep)


def run_frame_models(store: ResultStore, checkpoints: Sequence[str],
                     corruptions: Sequence[str] | None = None,
                     severities: Sequence[int] = SEVERITIES, *, images_root: str | None = None,
                     image_limit: int | None = 1000, video_sets: dict | None = None,
                     seed: int = 0, cache_dir=None, progress: bool = False, manifest=None):
    """Score each frame model (a zoo entry name or a ``.keras`` file, see
    :func:`frame_model_id`) clean and under ``corruptions`` x ``severities`` on the images
    and the video sets; returns ``(computed, reused, failed)`` as the suite counts them."""
    from tqdm.auto import tqdm

    from emobench.harness.images import predict_tta
    from emobench.labels import EMOTIONS, rml_classes

    with store.transaction() as db:
        db.execute(_SCHEMA)
    names = [c for c in VIDEO_CORRUPTIONS if not corruptions or c in corruptions]
    plan = [("clean", 0)] + [(c, s) for c in names for s in severities]
    video_sets = default_video_sets() if video_sets is None else dict(video_sets)
    done = {(r["model"], r["eval_set"], r["corruption"], r["severity"], r["seed"])
            for r in frame_rows(store)}
    computed = reused = 0
    failed: dict[str, str] = {}
    for checkpoint in checkpoints:
        mid, prep = frame_model_id(checkpoint, manifest)
        sets = ([("images", images_root)] if images_root else []) + list(video_sets.items())
        todo = [(name, root, c, s) for name, root in sets for c, s in plan
                if (mid, name, c, s, seed) not in done]
        reused += len(sets) * len(plan) - len(todo)
        if not todo:
            continue
        net = load_frame_model(checkpoint, manifest)
        loaded: dict = {}
        for name, root, corruption, severity in tqdm(todo, desc=f"frame model {mid}",
                                                     disable=not progress, unit="eval"):
            try:
                if name not in loaded:
                    loaded[name] = (image_subset(root, image_limit, seed) if name == "images"
                                    else _video_clips(name, root))
                if name == "images":
                    ids, x, y = loaded[name]
                    t0 = time.perf_counter()
                    xc = corrupt_images(ids, x, corruption, severity, seed)
                    p = predict_tta(net, _image_input(xc, prep))
                    acc, lost, seconds = float(np.mean(p.argmax(1) == y)), 0, \
                        time.perf_counter() - t0
                    n = len(ids)
                    note = (f"{n} images, stratified subset (seed {seed}) of {root}"
                            if image_limit else f"{n} images of {root}")
                else:
                    clips = loaded[name]
                    classes = rml_classes() if name.startswith("rml") else EMOTIONS
                    acc, lost, seconds = _video_accuracy(net, clips, corruption, severity, seed,
                                                         classes, prep, cache_dir)
                    n = len(clips)
                    note = f"{n} clips of {root}, over {len(classes)} classes"
            except (ValueError, OSError) as err:
                failed[f"{mid} {name} {corruption} {severity}"] = " ".join(str(err).split())
                continue
            with store.transaction() as db:
                db.execute("INSERT OR IGNORE INTO robustness_frame VALUES (?,?,?,?,?,?,?,?,?,?)",
                           (mid, name, corruption, severity, seed, acc, n, lost, seconds, note))
            computed += 1
    return computed, reused, failed
