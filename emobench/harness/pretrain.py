"""Pretraining a video model's frame network on still face images before it trains on clips:
LRCN's frame CNN (the thesis pretrained it on AffectNet) and the per-frame ResNet50. FER2013
stands in for AffectNet (AffectNet and CK+-style label folders stay supported).

Only FER2013's Training split is ever used (:func:`pretrain_clips`): PublicTest and
PrivateTest score models and never train them. ``limit`` draws a seeded, stratified subset, so
pretraining stays practical on a CPU. The pretrained model is saved once per (model, spec)
under the run directory and loaded into every cell of that model; the spec, the crops'
preparation included, is part of each of those cells' identity (:meth:`PretrainSpec.identity`).
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emobench.atomic import atomic_write_text
from emobench.datasets.clip import DatasetScan
from emobench.harness.cell import canonical_json

#: The video model whose frame network is pretrained -> the image model pretrained for it.
PRETRAINED_FOR = {"lrcn": "frame_cnn", "resnet50": "resnet50"}
#: The split FER2013 pretraining may use: never PublicTest or PrivateTest.
FER2013_TRAINING = "Training"


@dataclass(frozen=True)
class PretrainSpec:
    """What a pretrained frame network depends on (part of every cell that loads it).

    ``split``: the official split used (FER2013: always Training; other sets: "all").
    ``limit``: 0 every image, else a seeded, stratified subset of that many. ``grayscale``
    and ``margin``: how the video face crops are prepared to match the images (FER2013's are
    grayscale: a cell's crops are then made grayscale too, repeated over RGB); ``size`` is
    both the images' side and the face stage's crop side."""

    dataset: str
    dataset_id: str
    root: str
    size: int
    epochs: int
    seed: int
    split: str = "all"
    limit: int = 0
    grayscale: bool = False
    margin: float = 0.2

    def identity(self, model: str = "frame_cnn") -> dict:
        """The fields that change the weights of ``model`` pretrained on these images (not
        where the images happen to live)."""
        return {"model": model, "dataset": self.dataset, "dataset_id": self.dataset_id,
                "split": self.split, "limit": self.limit, "size": self.size,
                "epochs": self.epochs, "seed": self.seed,
                "prep": {"grayscale": self.grayscale, "margin": self.margin,
                         "size": self.size}}

    def key(self, model: str = "frame_cnn") -> str:
        return hashlib.sha256(canonical_json(self.identity(model)).encode()).hexdigest()[:16]


def make_spec(scan: DatasetScan, dataset_id: str, *, size: int, epochs: int, seed: int,
              limit: int = 0, margin: float = 0.2) -> PretrainSpec:
    """The spec of pretraining on ``scan``: FER2013 uses its Training split, grayscale."""
    fer = scan.name == "fer2013"
    return PretrainSpec(scan.name, dataset_id, str(scan.root), int(size), int(epochs),
                        int(seed), FER2013_TRAINING if fer else "all", int(limit or 0),
                        fer, float(margin))


def pretrain_clips(scan: DatasetScan, spec: PretrainSpec) -> list:
    """The image records pretraining may use: FER2013's Training split only (a scan without
    one is an error, never a fallback to the test splits), else every image; then the
    seeded, stratified ``spec.limit`` subset."""
    from emobench.datasets.fer2013 import training_clips

    if scan.name == "fer2013":
        clips = training_clips(scan)
        if not clips:
            raise ValueError(f"{scan.root}: FER2013 without a Training split (train/ or "
                             f"Usage=Training); PublicTest/PrivateTest never pretrain")
    else:
        clips = list(scan.clips)
    if spec.limit and spec.limit < len(clips):
        from sklearn.model_selection import train_test_split

        labels = [c.emotion for c in clips]
        counts = Counter(labels)
        stratify = labels if min(counts.values()) >= 2 and spec.limit >= len(counts) else None
        clips, _ = train_test_split(clips, train_size=spec.limit, stratify=stratify,
                                    random_state=spec.seed)
    return clips


def load_images(clips, size: int, grayscale: bool = False, progress: bool = True):
    """``clips``' images as (n, size, size, 3) uint8 RGB (grayscale ones, and every one when
    ``grayscale``, repeated over the channels), their class indices, speakers, and the images
    that could not be read (path: reason)."""
    import cv2
    from emobench.progress import tqdm

    from emobench.labels import label_index

    images, labels, speakers, bad = [], [], [], []
    for clip in tqdm(clips, desc="images", unit="img", disable=not progress):
        pixels = clip.fields.get("pixels")  # FER2013's CSV form: the row's 48x48 pixels
        if pixels is not None:
            img = cv2.cvtColor(np.asarray(pixels, np.uint8), cv2.COLOR_GRAY2BGR)
        else:
            img = cv2.imread(str(clip.path), cv2.IMREAD_COLOR)  # grey files come back as BGR
        if img is None:
            bad.append(f"{clip.path}: unreadable image")
            continue
        img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
        if grayscale:
            img = cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
        images.append(img[..., ::-1])
        labels.append(label_index(clip.emotion))
        speakers.append(clip.speaker)
    if not images:
        raise ValueError("no readable images to pretrain on")
    return np.stack(images), np.array(labels, np.int64), speakers, bad


def gray_crops(x: np.ndarray) -> np.ndarray:
    """RGB uint8 crops (..., 3) as grayscale repeated over RGB, as FER2013's images are fed."""
    import cv2

    x = np.ascontiguousarray(x, np.uint8)
    gray = cv2.cvtColor(x.reshape(-1, x.shape[-2], 3), cv2.COLOR_RGB2GRAY)
    return np.repeat(gray.reshape(x.shape[:-1])[..., None], 3, axis=-1)


def _held_out(speakers, labels, seed: int) -> np.ndarray:
    """A fifth held out to watch: by subject when there are several, else stratified."""
    subjects = sorted(set(speakers))
    rng = np.random.default_rng(seed)
    if len(subjects) > 1:  # hold out a fifth of the subjects, as the benchmark does actors
        held = set(rng.permutation(subjects)[:max(1, len(subjects) // 5)].tolist())
        return np.array([s in held for s in speakers])
    is_val = np.zeros(len(labels), bool)
    for c in np.unique(labels):  # every fifth image of each class, in a seeded order
        rows = rng.permutation(np.flatnonzero(labels == c))
        is_val[rows[::5]] = True
    return is_val


def pretrain_model(scan: DatasetScan, spec: PretrainSpec, out_root: Path,
                   model: str = "frame_cnn", *, batch_size: int = 32,
                   progress: bool = True) -> tuple[Path, dict]:
    """Train image model ``model`` (``frame_cnn`` or ``resnet50``) on the images of ``scan``
    that :func:`pretrain_clips` allows (a held-out fifth of them scores it), save it under
    ``out_root/<spec.key(model)>``; reuse it when it is already there. Returns the saved
    model's folder and its scores."""
    import time

    from emobench.harness.train import Split, TrainConfig, train_and_score
    from emobench.registry import create_model

    if model not in PRETRAINED_FOR.values():
        raise ValueError(f"cannot pretrain {model!r}; choose from "
                         f"{', '.join(sorted(set(PRETRAINED_FOR.values())))}")
    folder = Path(out_root) / spec.key(model)
    report = folder / "pretrain.json"
    if report.is_file() and (folder / "model" / "meta.json").is_file():
        return folder / "model", json.loads(report.read_text())["metrics"]
    clips = pretrain_clips(scan, spec)
    splits = sorted({str(c.fields.get("split", "all")) for c in clips})
    x, y, speakers, bad = load_images(clips, spec.size, spec.grayscale, progress)
    is_val = _held_out(speakers, y, spec.seed)
    if model == "resnet50":  # a per-frame clip model: each image a clip of one frame
        x = x[:, None]
    ids = [str(i) for i in range(len(x))]
    train = Split([i for i, v in zip(ids, is_val) if not v], x[~is_val], y[~is_val])
    val = Split([i for i, v in zip(ids, is_val) if v], x[is_val], y[is_val])
    net = create_model(model, input_shape=x.shape[1:], seed=spec.seed)
    config = TrainConfig(epochs=spec.epochs, batch_size=batch_size, seed=spec.seed,
                         checkpoint=False, tensorboard=False)
    start = time.perf_counter()
    result = train_and_score(net, train, val, config=config, cell_dir=None)
    seconds = time.perf_counter() - start
    saved = net.save(folder / "model")
    metrics = {k: v for k, v in result.metrics.items() if isinstance(v, (int, float))}
    doc = {"spec": spec.identity(model), "root": spec.root, "metrics": metrics,
           "splits_used": splits, "unreadable": bad, "n_images": int(len(x)),
           "n_fit": len(train), "n_held_out": len(val), "seconds": seconds,
           "per_class": dict(sorted(Counter(c.emotion for c in clips).items()))}
    atomic_write_text(report, json.dumps(doc, indent=1))
    return saved, metrics
