"""Pretraining LRCN's frame CNN on still face images, as the thesis did with AffectNet; a folder
of labelled face crops (CK+, FER-style, AffectNet-style names) stands in when AffectNet is absent.

The pretrained ``frame_cnn`` is saved once per (images, size, epochs, seed) under the run
directory and loaded into every LRCN cell with ``lrcn(cnn_weights=...)``.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emobench.atomic import atomic_write_text
from emobench.datasets.clip import DatasetScan
from emobench.harness.cell import canonical_json


@dataclass(frozen=True)
class PretrainSpec:
    """What a pretrained frame CNN depends on (part of every LRCN cell's identity)."""

    dataset: str
    dataset_id: str
    root: str
    size: int
    epochs: int
    seed: int

    def identity(self) -> dict:
        """The fields that change the weights (not where the images happen to live)."""
        return {"dataset": self.dataset, "dataset_id": self.dataset_id, "size": self.size,
                "epochs": self.epochs, "seed": self.seed}

    @property
    def key(self) -> str:
        return hashlib.sha256(canonical_json(self.identity()).encode()).hexdigest()[:16]


def load_images(scan: DatasetScan, size: int, progress: bool = True):
    """Every image of ``scan`` as (n, size, size, 3) uint8 RGB (grayscale repeated), its class
    indices, speakers, and the images that could not be read (path: reason)."""
    import cv2
    from emobench.progress import tqdm

    from emobench.labels import label_index

    images, labels, speakers, bad = [], [], [], []
    for clip in tqdm(scan.clips, desc="images", unit="img", disable=not progress):
        img = cv2.imread(str(clip.path), cv2.IMREAD_COLOR)  # grey files come back as 3 channels
        if img is None:
            bad.append(f"{clip.path}: unreadable image")
            continue
        images.append(cv2.resize(img[..., ::-1], (size, size), interpolation=cv2.INTER_AREA))
        labels.append(label_index(clip.emotion))
        speakers.append(clip.speaker)
    if not images:
        raise ValueError(f"{scan.root}: no readable images")
    return np.stack(images), np.array(labels, np.int64), speakers, bad


def pretrain_frame_cnn(scan: DatasetScan, spec: PretrainSpec, out_root: Path, *,
                       batch_size: int = 32, progress: bool = True) -> tuple[Path, dict]:
    """Train ``frame_cnn`` on the images of ``scan`` (a subject-independent 80/20 split scores
    it), save it under ``out_root/<spec.key>``; reuse it when it is already there. Returns the
    saved model's folder and its scores."""
    from emobench.harness.train import Split, TrainConfig, train_and_score
    from emobench.registry import create_model

    folder = Path(out_root) / spec.key
    report = folder / "pretrain.json"
    if report.is_file() and (folder / "model" / "meta.json").is_file():
        return folder / "model", json.loads(report.read_text())["metrics"]
    x, y, speakers, bad = load_images(scan, spec.size, progress)
    subjects = sorted(set(speakers))
    if len(subjects) > 1:  # hold out a fifth of the subjects, as the benchmark does actors
        rng = np.random.default_rng(spec.seed)
        held = set(rng.permutation(subjects)[:max(1, len(subjects) // 5)].tolist())
        is_val = np.array([s in held for s in speakers])
    else:
        is_val = np.arange(len(x)) % 5 == 0
    ids = [str(i) for i in range(len(x))]
    train = Split([i for i, v in zip(ids, is_val) if not v], x[~is_val], y[~is_val])
    val = Split([i for i, v in zip(ids, is_val) if v], x[is_val], y[is_val])
    model = create_model("frame_cnn", input_shape=(spec.size, spec.size, 3), seed=spec.seed)
    config = TrainConfig(epochs=spec.epochs, batch_size=batch_size, seed=spec.seed,
                         checkpoint=False, tensorboard=False)
    result = train_and_score(model, train, val, config=config, cell_dir=None)
    saved = model.save(folder / "model")
    metrics = {k: v for k, v in result.metrics.items() if isinstance(v, (int, float))}
    doc = {"spec": spec.identity(), "root": spec.root, "metrics": metrics,
           "unreadable": bad, "n_images": int(len(x))}
    atomic_write_text(report, json.dumps(doc, indent=1))
    return saved, metrics
