"""Finding the face in a frame, and following it through a clip, fast.

A full-frame detector on every 720p frame is slow (OpenCV's Haar cascade: ~70 ms a frame). So a
frame is searched on a copy shrunk to ``detect_side`` pixels (short side), and once a face is
found the next frames are searched only in a window around it, shrunk so the face is about
``face_px`` pixels: a few milliseconds a frame, whatever the video's resolution.

Boxes are ``(x, y, w, h)`` in pixels of the frame given. Detectors: ``"haar"`` (OpenCV's
frontal-face cascade, shipped with opencv-python) and ``"mtcnn"`` (the optional ``mtcnn``
package, whose weights are inside its wheel; runs on TensorFlow).
"""
from __future__ import annotations

import functools
from dataclasses import asdict, dataclass

import cv2
import numpy as np

#: Face detectors :func:`detect_face` understands.
DETECTORS = ("haar", "mtcnn")
#: Haar's smallest window; MTCNN's PNet cell is 12 px, but it misses faces under ~20 px.
_MIN_FACE_PX = {"haar": 24, "mtcnn": 20}


@dataclass(frozen=True)
class DetectorSettings:
    """How faces are searched for; every field goes into the preprocessing cache key."""

    detector: str = "haar"
    detect_side: int = 240      # a frame is shrunk to this short side for a full-frame search
    face_px: int = 64           # near the last face, the window is shrunk so a face is this big
    search: float = 2.0         # side of that window, in sides of the last face
    min_face: float = 0.15      # smallest face looked for, as a fraction of the short side
    scale_factor: float = 1.1   # Haar: pyramid step
    min_neighbors: int = 4      # Haar: overlapping hits needed to accept a face
    equalize: bool = False      # Haar: equalise the histogram first
    min_confidence: float = 0.9  # MTCNN: lowest face score accepted

    def __post_init__(self) -> None:
        check_detector(self.detector)

    def as_dict(self) -> dict:
        return asdict(self)


def check_detector(name: str) -> str:
    """``name`` if it is a usable detector, else a ``ValueError`` saying why (one line)."""
    if name not in DETECTORS:
        raise ValueError(f"unknown face detector {name!r}; choose from {', '.join(DETECTORS)}")
    if name == "mtcnn":
        try:
            import mtcnn  # noqa: F401
        except ImportError:
            raise ValueError("the mtcnn face detector needs the mtcnn package: "
                             "pip install 'emobench[mtcnn]'") from None
    return name


@functools.lru_cache(maxsize=None)
def _haar() -> cv2.CascadeClassifier:
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    if cascade.empty():
        raise RuntimeError("OpenCV's haarcascade_frontalface_default.xml could not be loaded")
    return cascade


@functools.lru_cache(maxsize=None)
def _mtcnn():
    from mtcnn import MTCNN

    return MTCNN()


def candidates(rgb: np.ndarray, settings: DetectorSettings, min_px: int,
               max_px: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every face the detector finds in ``rgb`` (uint8 RGB, already at the scale to search)
    between ``min_px`` and ``max_px`` pixels wide: ``(n, 4)`` int boxes and ``(n,)`` scores
    (Haar: overlapping hits; MTCNN: confidence)."""
    min_px = max(min_px, _MIN_FACE_PX[settings.detector])
    if settings.detector == "haar":
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        if settings.equalize:
            gray = cv2.equalizeHist(gray)
        found, hits = _haar().detectMultiScale2(
            gray, scaleFactor=settings.scale_factor, minNeighbors=settings.min_neighbors,
            minSize=(min_px, min_px), maxSize=(max_px, max_px) if max_px else (0, 0))
        return np.asarray(found, np.int64).reshape(-1, 4), np.asarray(hits, np.float64)
    # mtcnn 1.0's image pyramid breaks (no faces at all) when min_face_size exceeds its
    # default of 20 px, so small faces are dropped here instead
    faces = [f for f in _mtcnn().detect_faces(np.ascontiguousarray(rgb), min_face_size=20)
             if f["confidence"] >= settings.min_confidence and max(f["box"][2:]) >= min_px
             and (not max_px or min(f["box"][2:]) <= max_px)]
    return (np.asarray([f["box"] for f in faces], np.int64).reshape(-1, 4),
            np.asarray([f["confidence"] for f in faces], np.float64))


def _shrink(image: np.ndarray, scale: float) -> np.ndarray:
    if scale >= 1.0:
        return image
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def detect_face(image: np.ndarray, detector: str | DetectorSettings = "haar"
                ) -> tuple[int, int, int, int] | None:
    """The surest face (the largest among equals) in ``image`` (uint8 RGB, ``(H, W, 3)``) as
    ``(x, y, w, h)`` pixels, or None. The search runs on a copy shrunk to ``detect_side``
    pixels (short side), for faces of at least ``min_face`` of it."""
    settings = detector if isinstance(detector, DetectorSettings) else DetectorSettings(detector)
    image = _rgb(image)
    short = min(image.shape[:2])
    scale = min(1.0, settings.detect_side / short)
    small = _shrink(image, scale)
    boxes, scores = candidates(small, settings, int(settings.min_face * short * scale))
    if not len(boxes):
        return None
    best = np.lexsort((boxes[:, 2] * boxes[:, 3], scores))[-1]  # surest, then largest
    return _unscale(boxes[best], scale, 0, 0)


def _unscale(box, scale: float, x0: int, y0: int) -> tuple[int, int, int, int]:
    x, y, w, h = (float(v) / scale for v in box)
    return int(round(x0 + x)), int(round(y0 + y)), int(round(w)), int(round(h))


def _rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected a uint8 RGB image of shape (H, W, 3), got {image.dtype} "
                         f"{image.shape}")
    return image


def search_near(image: np.ndarray, last: tuple[int, int, int, int],
                settings: DetectorSettings) -> tuple[int, int, int, int] | None:
    """The face in ``image`` closest to ``last`` (the box in the previous frame), searching only
    a window ``search`` times its size around it, shrunk so the face is ``face_px`` pixels."""
    x, y, w, h = last
    side = max(w, h)
    cx, cy, half = x + w / 2, y + h / 2, settings.search * side / 2
    height, width = image.shape[:2]
    x0, y0 = max(0, int(cx - half)), max(0, int(cy - half))
    x1, y1 = min(width, int(cx + half)), min(height, int(cy + half))
    if x1 - x0 < side / 2 or y1 - y0 < side / 2:
        return None  # the face left the frame
    scale = min(1.0, settings.face_px / side)
    window = _shrink(image[y0:y1, x0:x1], scale)
    boxes, _ = candidates(window, settings, int(side * scale / 1.5), int(side * scale * 1.5) + 1)
    if not len(boxes):
        return None
    centres = boxes[:, :2] + boxes[:, 2:] / 2
    best = boxes[np.argmin(np.hypot(*(centres - ((cx - x0) * scale, (cy - y0) * scale)).T))]
    return _unscale(best, scale, x0, y0)


def track_face(frames, detector: str | DetectorSettings = "haar", last=None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Find the face in each frame of a clip: near the last face found when there is one, else
    in the whole (shrunk) frame. ``last`` is a box to start from (a stream's previous window).

    Returns ``(boxes, found)``: ``(n, 4)`` int boxes and an ``(n,)`` bool mask of the frames
    where a face was found; the others take the box of the nearest frame that has one (all
    zeros when no frame has a face).
    """
    settings = detector if isinstance(detector, DetectorSettings) else DetectorSettings(detector)
    boxes = np.zeros((len(frames), 4), np.int64)
    found = np.zeros(len(frames), bool)
    last = tuple(int(v) for v in last) if last is not None else None
    for i, frame in enumerate(frames):
        box = follow_face(frame, settings, last)
        if box is not None:
            boxes[i], found[i], last = box, True, box
    return fill_gaps(boxes, found), found


def follow_face(frame: np.ndarray, settings: DetectorSettings,
                last: tuple[int, int, int, int] | None) -> tuple[int, int, int, int] | None:
    """One step of :func:`track_face`: the face near ``last`` (the previous face found), or in
    the whole shrunk frame when there is none or it is not near ``last`` any more."""
    frame = _rgb(frame)
    box = search_near(frame, last, settings) if last is not None else None
    return detect_face(frame, settings) if box is None else box


def fill_gaps(boxes: np.ndarray, found: np.ndarray) -> np.ndarray:
    """``boxes`` with each frame where no face was found given the box of the nearest frame
    where one was (the earlier one on a tie)."""
    hits = np.flatnonzero(found)
    if hits.size == 0 or hits.size == len(found):
        return boxes
    nearest = hits[np.argmin(np.abs(np.arange(len(found))[:, None] - hits[None, :]), axis=1)]
    return boxes[nearest]
