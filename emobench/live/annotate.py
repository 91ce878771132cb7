"""The annotated video of a live run: each frame with the latest result's face box and fused
emotion drawn on it (OpenCV), for people who would rather look than read JSON."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def draw(frame_bgr: np.ndarray, result) -> np.ndarray:
    """A copy of the frame with ``result``'s face box and label (top emotion and probability,
    or why there is none)."""
    image = frame_bgr.copy()
    scale = max(0.5, image.shape[0] / 720)
    if result is None:
        text = "warming up"
    elif result.fused is None:
        text = "no signal"
    else:
        p = float(result.fused.max())
        used = "+".join(k for k in ("audio", "video") if getattr(result, k) is not None)
        text = f"{result.top} {p:.2f} ({used})"
    if result is not None and result.face_box is not None:
        x, y, w, h = result.face_box
        cv2.rectangle(image, (x, y), (x + w, y + h), (0, 220, 0), max(1, int(2 * scale)))
    cv2.putText(image, text, (int(12 * scale), int(40 * scale)), cv2.FONT_HERSHEY_SIMPLEX,
                1.0 * scale, (0, 0, 0), int(5 * scale), cv2.LINE_AA)
    cv2.putText(image, text, (int(12 * scale), int(40 * scale)), cv2.FONT_HERSHEY_SIMPLEX,
                1.0 * scale, (255, 255, 255), max(1, int(2 * scale)), cv2.LINE_AA)
    return image


class AnnotatedWriter:
    """Writes the frames passing through :meth:`tap` to ``path`` (mp4v), annotated with the
    result last given to :meth:`update`."""

    def __init__(self, path: str | Path, fps: float = 30.0) -> None:
        self.path, self.fps = Path(path), float(fps)
        self.result = None
        self._writer = None
        self._last_t = None

    def update(self, result) -> None:
        self.result = result

    def write(self, frame_bgr: np.ndarray) -> np.ndarray:
        image = draw(frame_bgr, self.result)
        if self._writer is None:
            h, w = image.shape[:2]
            self._writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*"mp4v"),
                                           self.fps, (w, h))
            if not self._writer.isOpened():
                raise OSError(f"{self.path}: OpenCV cannot write an mp4v video there")
        self._writer.write(image)
        return image

    def tap(self, events):
        from emobench.live.frames import to_bgr

        for event in events:
            if event[0] == "video":
                self.write(to_bgr(event[1]))
            yield event

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
