"""Sliding buffers of a stream: timestamped video frames and a contiguous audio signal, each
keeping only what the longest window still needs."""
from __future__ import annotations

from collections import deque

import numpy as np


class FrameBuffer:
    """Video frames with their timestamps (seconds), oldest first."""

    def __init__(self, keep: float) -> None:
        self.keep = float(keep)
        self._frames: deque[tuple[float, np.ndarray]] = deque()

    def push(self, frame: np.ndarray, t: float) -> None:
        if self._frames and t <= self._frames[-1][0]:
            return  # a repeated or out-of-order frame (camera drivers resend them)
        self._frames.append((float(t), frame))
        while self._frames and self._frames[0][0] < t - self.keep:
            self._frames.popleft()

    @property
    def end(self) -> float | None:
        return self._frames[-1][0] if self._frames else None

    @property
    def start(self) -> float | None:
        return self._frames[0][0] if self._frames else None

    def between(self, a: float, b: float) -> list[np.ndarray]:
        """The frames with ``a <= t < b``."""
        return [f for t, f in self._frames if a <= t < b]

    def timed_between(self, a: float, b: float) -> tuple[np.ndarray, list]:
        """The times and frames with ``a <= t < b``."""
        pairs = [(t, f) for t, f in self._frames if a <= t < b]
        return np.array([t for t, _ in pairs], np.float64), [f for _, f in pairs]


class AudioBuffer:
    """Mono float32 samples at one rate; a chunk later than the end leaves a gap of zeros, one
    overlapping the end is trimmed."""

    def __init__(self, rate: int, keep: float) -> None:
        self.rate, self.keep = int(rate), float(keep)
        self._data = np.zeros(0, np.float32)
        self._t0: float | None = None  # time of _data[0]

    @property
    def end(self) -> float | None:
        return None if self._t0 is None else self._t0 + len(self._data) / self.rate

    @property
    def start(self) -> float | None:
        return self._t0

    def push(self, pcm: np.ndarray, t: float) -> None:
        pcm = np.asarray(pcm, np.float32).reshape(-1)
        if self._t0 is None:
            self._t0 = float(t)
        else:
            offset = int(round((t - self.end) * self.rate))
            if offset > 0:
                pcm = np.concatenate([np.zeros(offset, np.float32), pcm])
            elif offset < 0:
                pcm = pcm[-offset:]
        self._data = np.concatenate([self._data, pcm])
        drop = len(self._data) - int(self.keep * self.rate)
        if drop > 0:
            self._data = self._data[drop:]
            self._t0 += drop / self.rate

    def between(self, a: float, b: float) -> np.ndarray:
        """The samples from time ``a`` to ``b``."""
        if self._t0 is None:
            return np.zeros(0, np.float32)
        i = max(0, int(round((a - self._t0) * self.rate)))
        j = max(0, int(round((b - self._t0) * self.rate)))
        return self._data[i:j]
