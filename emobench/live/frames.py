"""Video frames as the live predictor takes them, and which of a window's frames it samples.

A pushed frame is a uint8 BGR array (a camera, ROS, GStreamer) or a PyAV ``VideoFrame`` (a
file), which stays in the decoder's YUV and is converted only when a window samples it: the
live video branch looks at about two frames a hop of the fifteen a 30 fps stream brings.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from emobench.preprocess.media import evenly_spaced


def check_frame(frame):
    """``frame`` if it is a uint8 BGR ``(H, W, 3)`` array or a PyAV video frame, else a one-line
    ``ValueError``."""
    if _is_av(frame):
        return frame
    frame = np.asarray(frame)
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"push_video: expected a uint8 BGR frame (H, W, 3) or a PyAV "
                         f"VideoFrame, got {frame.dtype} {frame.shape}")
    return frame


def _is_av(frame) -> bool:
    import av

    return isinstance(frame, av.VideoFrame)


def to_rgb(frame) -> np.ndarray:
    """uint8 RGB ``(H, W, 3)``; a PyAV frame converts as offline decoding converts it."""
    if _is_av(frame):
        return frame.to_ndarray(format="rgb24")
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


def to_bgr(frame) -> np.ndarray:
    """uint8 BGR ``(H, W, 3)`` (for drawing and writing video)."""
    return frame.to_ndarray(format="bgr24") if _is_av(frame) else frame


def grid_indices(times: np.ndarray, start: float, end: float, origin: float, stride: float,
                 count: int) -> np.ndarray:
    """``count`` indices into the sorted frame ``times`` of the window ``[start, end)``: for
    each point of the stream's fixed grid ``origin + (j + 0.5) * stride`` inside the window,
    the frame nearest it. Because the grid does not move with the window, consecutive windows
    sample the same frames wherever they overlap (each frame's face is found once). A window
    with fewer grid points than ``count`` (the stream's first seconds, dropped frames) repeats
    them evenly, as :func:`~emobench.preprocess.media.evenly_spaced` does for a short clip."""
    times = np.asarray(times, np.float64)
    if times.size == 0:
        return np.zeros(0, np.int64)
    first = math.ceil((start - origin) / stride - 0.5 - 1e-9)
    last = math.ceil((end - origin) / stride - 0.5 - 1e-9) - 1  # grid points < end
    grid = origin + (np.arange(first, last + 1) + 0.5) * stride
    if grid.size == 0:
        return evenly_spaced(times.size, count)
    right = np.clip(np.searchsorted(times, grid), 1, times.size - 1) if times.size > 1 else \
        np.zeros(grid.size, np.int64)
    left = np.maximum(right - 1, 0)
    nearest = np.where(np.abs(times[left] - grid) <= np.abs(times[right] - grid), left, right)
    nearest = nearest[-count:]
    return nearest[evenly_spaced(nearest.size, count)] if nearest.size < count else nearest
