"""The face stage: sample frames evenly from each clip, find and follow the face, crop it square
with a margin and resize it; cached per clip as one packed uint8 array, plus the crops as JPEG
files as the thesis kept them.

    out = face_crops(scan.clips, frames=16, size=112)   # out.data: (n, 16, 112, 112, 3) uint8 RGB
    crop = face_crop(rgb_image, size=224)               # one image (None when it has no face)
    faces = video_faces("clip.mp4", frames=16)          # one video, no cache

Cache layout (see :mod:`emobench.preprocess.cache`): ``<root>/faces/<key>/<clip>.<fp>.npz``
holds ``data`` (the crops), ``boxes`` (the detector's ``(x, y, w, h)`` per frame, in video
pixels) and ``found`` (frames where a face was found; the others reuse the nearest one's box);
the JPEGs are in the folder beside it, ``<clip>.<fp>/00.jpg`` ...
"""
from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np

from emobench.datasets.clip import Clip
from emobench.preprocess.cache import StageCache, StageOutput, atomic_write_bytes, run_stage
from emobench.preprocess.media import sample_frames
from emobench.preprocess.tracking import (DETECTORS, DetectorSettings, check_detector,
                                          detect_face, track_face)

__all__ = ["DETECTORS", "DetectorSettings", "crop_face", "detect_face", "face_crop",
           "face_crops", "face_stage", "cached_crops", "smooth_boxes", "track_face",
           "video_faces"]

#: Bumped when a change alters the crops, so cached ones are recomputed.
FACES_VERSION = 2
#: Context kept around the detector's box, as a fraction of its side (Haar's box is tight).
MARGIN = 0.2
#: Sampled frames averaged when steadying the crop box (1 = off); a crop that jitters between
#: frames would show up as motion in the optical flow.
SMOOTH = 3
JPEG_QUALITY = 95


def crop_face(image: np.ndarray, box, size: int = 112, margin: float = MARGIN) -> np.ndarray:
    """The square around ``box`` (``(x, y, w, h)``), grown by ``margin`` of its side, resized to
    ``(size, size, 3)``; parts outside the image repeat its edge."""
    x, y, w, h = (float(v) for v in box)
    if w <= 0 or h <= 0:
        raise ValueError(f"empty face box {tuple(box)}")
    side = max(1, int(round(max(w, h) * (1 + margin))))
    x0, y0 = int(round(x + w / 2 - side / 2)), int(round(y + h / 2 - side / 2))
    height, width = image.shape[:2]
    patch = image[max(0, y0):max(0, y0 + side), max(0, x0):max(0, x0 + side)]
    if patch.size == 0:
        raise ValueError(f"face box {tuple(box)} lies outside the {width}x{height} image")
    pad = (max(0, -y0), max(0, y0 + side - height), max(0, -x0), max(0, x0 + side - width))
    if any(pad):
        patch = cv2.copyMakeBorder(patch, *pad, cv2.BORDER_REPLICATE)
    shrink = side > size
    return cv2.resize(patch, (size, size),
                      interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def face_crop(image: np.ndarray, size: int = 112, detector: str | DetectorSettings = "haar",
              margin: float = MARGIN) -> np.ndarray | None:
    """Detect the largest face in one uint8 RGB image and crop it (``(size, size, 3)``), or
    None when there is no face."""
    box = detect_face(image, detector)
    return None if box is None else crop_face(image, box, size, margin)


def smooth_boxes(boxes: np.ndarray, window: int = SMOOTH) -> np.ndarray:
    """Square boxes that steady a clip's crops: centres averaged over ``window`` neighbouring
    frames, and one side for the whole clip (the median). A seated speaker's face keeps its
    size, while the detector's box breathes with the expression, which would show up as a zoom
    in the optical flow."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    centres = boxes[:, :2] + boxes[:, 2:] / 2
    if window > 1 and len(boxes) > 1:
        half = window // 2
        padded = np.pad(centres, ((half, half), (0, 0)), mode="edge")
        kernel = np.ones(2 * half + 1) / (2 * half + 1)
        centres = np.column_stack([np.convolve(padded[:, k], kernel, mode="valid")
                                   for k in range(2)])
    side = np.full(len(boxes), np.median(boxes[:, 2:].max(axis=1)) if len(boxes) else 0.0)
    return np.round(np.column_stack([centres - side[:, None] / 2, side, side])).astype(np.int64)


def video_faces(path: str | Path, frames: int = 16, size: int = 112,
                detector: str | DetectorSettings = "haar", margin: float = MARGIN,
                smooth: int = SMOOTH, skip_s: float = 0.0) -> dict[str, np.ndarray]:
    """Face crops of ``frames`` evenly spaced frames of one video (from ``skip_s`` seconds
    on): ``{"data": (frames, size, size, 3) uint8 RGB, "boxes": (frames, 4), "found": (frames,)
    bool}``. A negative ``margin`` crops inside the detector's box.

    Frames without a face reuse the nearest frame's box; a video with no face in any sampled
    frame raises ``ValueError``, as bad media raises ``MediaError``.
    """
    video = sample_frames(path, frames, skip_s)
    boxes, found = track_face(video, detector)
    if not found.any():
        raise ValueError(f"no face found in any of the {frames} sampled frames")
    steady = smooth_boxes(boxes, smooth)
    crops = np.stack([crop_face(f, b, size, margin) for f, b in zip(video, steady)])
    return {"data": crops, "boxes": boxes.astype(np.int32), "found": found}


def jpeg_folder(cache: StageCache, clip: Clip) -> Path:
    """Where a clip's JPEG crops go: beside its cache entry, named like it without ``.npz``."""
    return cache.path_for(clip).with_suffix("")


def write_jpegs(folder: Path, crops: np.ndarray) -> list[Path]:
    """Write each RGB crop as ``folder/NN.jpg``, atomically; returns the files."""
    paths = []
    for i, crop in enumerate(crops):
        ok, buf = cv2.imencode(".jpg", cv2.cvtColor(crop, cv2.COLOR_RGB2BGR),
                               [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise RuntimeError(f"JPEG encoding failed for crop {i}")
        paths.append(atomic_write_bytes(folder / f"{i:02d}.jpg", lambda fh, b=buf: fh.write(b)))
    return paths


def _clip_faces(clip: Clip, *, cache: StageCache, **options) -> dict[str, np.ndarray]:
    out = video_faces(clip.path, **options)
    write_jpegs(jpeg_folder(cache, clip), out["data"])  # before the .npz marks the clip done
    return out


def face_stage(frames: int = 16, size: int = 112, detector: str | DetectorSettings = "haar",
               margin: float = MARGIN, smooth: int = SMOOTH,
               cache_dir: str | Path | None = None):
    """The face stage's cache and per-clip function, ``(StageCache, fn)``; the parameters (and
    the OpenCV / mtcnn versions) make the cache key. Raises ``ValueError`` on a bad parameter."""
    from emobench.paths import cache_root

    settings = detector if isinstance(detector, DetectorSettings) else DetectorSettings(
        check_detector(detector))
    if frames < 1 or size < 8 or margin < 0 or smooth < 1:
        raise ValueError(f"face stage needs frames >= 1, size >= 8, margin >= 0, smooth >= 1; "
                         f"got {frames}, {size}, {margin}, {smooth}")
    params = {"frames": frames, "size": size, "margin": margin, "smooth": smooth,
              "detector": settings.as_dict(), "version": FACES_VERSION,
              "opencv": cv2.__version__}
    if settings.detector == "mtcnn":
        from importlib.metadata import version
        params["mtcnn"] = version("mtcnn")
    root = Path(cache_dir) if cache_dir is not None else cache_root() / "features"
    cache = StageCache(root, "faces", params)
    fn = functools.partial(_clip_faces, cache=cache, frames=frames, size=size,
                           detector=settings, margin=margin, smooth=smooth)
    return cache, fn


def cached_crops(clip: Clip, cache: StageCache, fn) -> dict[str, np.ndarray]:
    """A clip's face-stage arrays from ``cache``, computed with ``fn`` and saved when absent.
    Raises ``ValueError`` for a clip the stage skips (the reason is remembered)."""
    arrays = cache.load(clip)
    if arrays is not None:
        return arrays
    reason = cache.skip_reason(clip)
    if reason is not None:
        raise ValueError(reason)
    try:
        arrays = fn(clip)
    except ValueError as err:
        cache.save_skip(clip, getattr(err, "reason", None) or str(err))
        raise
    cache.save(clip, arrays)
    return arrays


def face_crops(clips: list[Clip], *, frames: int = 16, size: int = 112,
               detector: str | DetectorSettings = "haar", margin: float = MARGIN,
               smooth: int = SMOOTH, cache_dir: str | Path | None = None, jobs: int = 1,
               progress: bool = True) -> StageOutput:
    """Face crops of every clip's ``frames`` evenly sampled frames, ``data`` of shape
    ``(n, frames, size, size, 3)`` uint8 RGB in input order; clips that cannot be decoded or
    show no face in any sampled frame are in ``skipped`` with the reason.

    The detector (``"haar"``, ``"mtcnn"``, or a :class:`DetectorSettings`) runs on a shrunk
    frame and then follows the face (see :mod:`emobench.preprocess.tracking`).
    """
    cache, fn = face_stage(frames, size, detector, margin, smooth, cache_dir)
    out = run_stage(clips, fn, cache, jobs=jobs, progress=progress, desc="faces")
    if out.data.size == 0:
        out.data = np.empty((0, frames, size, size, 3), np.uint8)
    return out
