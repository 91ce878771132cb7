"""How a face becomes a frame model's input: the one contract shared by training images,
video crops, live frames and the zoo, so that a model trained on FER2013-style faces sees video
faces prepared the same way.

    prep = FacePrep.from_dict(entry.preprocess)     # a card's recipe (old cards read as LEGACY)
    x = model_input(rgb_crops, prep)                # (n, size, size, 1) float32 for the model
    p = aggregate(frame_probs, prep.aggregate)      # one clip's probabilities

The steps, in order: crop the detector's box grown by ``margin`` of its side (negative: inside
the box), resize to ``size``, grayscale, then
``contrast`` (``"equalize"``: a global histogram equalisation, as FER2013's web faces roughly
are; ``"clahe"``: a local one; ``"none"``). ``frames`` are sampled evenly from ``skip_start_s``
seconds on, and a clip's frame probabilities are combined by ``aggregate``.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import cv2
import numpy as np

CONTRASTS = ("none", "equalize", "clahe")
AGGREGATES = ("mean_prob", "mean_logit", "confidence")


@dataclass(frozen=True)
class FacePrep:
    """A frame model's face recipe; the field defaults are the first recipe (``LEGACY``), so a
    card written before a field existed reads as what its model was trained with."""

    size: int = 48
    grayscale: bool = True
    margin: float = 0.2
    contrast: str = "none"
    frames: int = 16
    skip_start_s: float = 0.0
    aggregate: str = "mean_prob"
    detector: str = "haar"

    def __post_init__(self):
        problems = []
        if self.size < 8:
            problems.append(f"size {self.size} < 8")
        if not -0.5 < self.margin <= 2:
            problems.append(f"margin {self.margin} outside (-0.5, 2]")
        if self.contrast not in CONTRASTS:
            problems.append(f"contrast {self.contrast!r} not one of {', '.join(CONTRASTS)}")
        if self.frames < 1:
            problems.append(f"frames {self.frames} < 1")
        if self.skip_start_s < 0:
            problems.append(f"skip_start_s {self.skip_start_s} < 0")
        if self.aggregate not in AGGREGATES:
            problems.append(f"aggregate {self.aggregate!r} not one of {', '.join(AGGREGATES)}")
        if problems:
            raise ValueError("face recipe: " + "; ".join(problems))

    @classmethod
    def from_dict(cls, params) -> "FacePrep":
        """A recipe from a card's ``preprocess`` mapping (or a FacePrep); keys that are not
        recipe fields (notes such as ``still_image``) are ignored, missing ones read as LEGACY."""
        if isinstance(params, FacePrep):
            return params
        names = {f.name for f in dataclasses.fields(cls)}
        kept = {k: v for k, v in dict(params).items() if k in names}
        casts = {"size": int, "frames": int, "grayscale": bool, "margin": float,
                 "skip_start_s": float, "contrast": str, "aggregate": str}
        return cls(**{k: casts[k](v) if k in casts else v for k, v in kept.items()})

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def replace(self, **changes) -> "FacePrep":
        return dataclasses.replace(self, **changes)


#: The first recipe: the detector's box plus 20 %, no contrast step, the mean probability of 16
#: frames spread over the whole clip.
LEGACY = FacePrep()
#: The default for frame models: the detector's box itself (on FER2013's and CK+'s own images
#: the Haar box is the image, within 4 %), histogram-equalised like FER2013's web faces, the
#: first half second (a RAVDESS actor's neutral onset) left out. The FER2013 report's variant
#: table gives what each step changes.
DEFAULT = FacePrep(margin=0.0, contrast="equalize", skip_start_s=0.5)


def as_prep(params=None) -> FacePrep:
    """``params`` (a mapping, a FacePrep, or None for ``DEFAULT``) as a FacePrep."""
    return DEFAULT if params is None else FacePrep.from_dict(params)


_CLAHE = None


def apply_contrast(gray: np.ndarray, contrast: str) -> np.ndarray:
    """One uint8 grayscale image (H, W) with the recipe's contrast step applied."""
    global _CLAHE
    if contrast == "none":
        return gray
    if contrast == "equalize":
        return cv2.equalizeHist(gray)
    if contrast == "clahe":
        if _CLAHE is None:
            _CLAHE = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4))
        return _CLAHE.apply(gray)
    raise ValueError(f"contrast {contrast!r} not one of {', '.join(CONTRASTS)}")


def prepare_gray(images: np.ndarray, params=None) -> np.ndarray:
    """Grayscale face images (n, S, S) or (n, S, S, 1) uint8 (FER2013's) -> (n, S, S, 1) uint8
    with the recipe's contrast step: training images go through the same step as video crops."""
    prep = as_prep(params)
    x = np.asarray(images)
    x = x[..., 0] if x.ndim == 4 else x
    if prep.contrast != "none":
        x = np.stack([apply_contrast(np.ascontiguousarray(g, dtype=np.uint8), prep.contrast)
                      for g in x]) if len(x) else x
    return x[..., None].astype(np.uint8)


def model_input(rgb_crops: np.ndarray, params=None) -> np.ndarray:
    """(n, S, S, 3) uint8 RGB face crops -> float32 (n, size, size, 1 or 3) as the model trained
    (resized, grayscale or RGB, contrast step)."""
    prep = as_prep(params)
    out = []
    for img in rgb_crops:
        img = np.ascontiguousarray(img, dtype=np.uint8)
        if img.ndim == 2:
            img = cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)
        if img.shape[0] != prep.size or img.shape[1] != prep.size:
            img = cv2.resize(img, (prep.size,) * 2, interpolation=cv2.INTER_AREA)
        if prep.grayscale:
            img = apply_contrast(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), prep.contrast)[..., None]
        elif prep.contrast != "none":  # RGB: the step on the luma only, colours kept
            ycc = cv2.cvtColor(img, cv2.COLOR_RGB2YCrCb)
            ycc[..., 0] = apply_contrast(ycc[..., 0], prep.contrast)
            img = cv2.cvtColor(ycc, cv2.COLOR_YCrCb2RGB)
        out.append(img)
    if not out:
        return np.empty((0, prep.size, prep.size, 1 if prep.grayscale else 3), np.float32)
    return np.stack(out).astype("float32")


def aggregate(frame_probs: np.ndarray, how: str = "mean_prob") -> np.ndarray:
    """One clip's class probabilities from its frames' (n, classes) probabilities: their mean
    (``mean_prob``), the softmax of their mean log-probability (``mean_logit``), or the mean
    weighted by each frame's top probability (``confidence``)."""
    p = np.asarray(frame_probs, np.float64)
    if p.ndim != 2 or len(p) == 0:
        raise ValueError(f"frame probabilities must be (n >= 1, classes), got {p.shape}")
    if how == "mean_prob":
        out = p.mean(0)
    elif how == "mean_logit":
        z = np.log(np.clip(p, 1e-7, 1)).mean(0)
        out = np.exp(z - z.max())
    elif how == "confidence":
        out = (p * p.max(1, keepdims=True)).sum(0)
    else:
        raise ValueError(f"aggregate {how!r} not one of {', '.join(AGGREGATES)}")
    return out / out.sum()
