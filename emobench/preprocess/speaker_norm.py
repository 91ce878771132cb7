"""Speaker normalisation: standardise each speaker's feature vectors with that speaker's own
mean and standard deviation (over all of the speaker's clips, whatever their label), a standard
step of speaker-independent emotion recognition: it removes who is speaking, keeps how.

It needs several clips of the speaker. :func:`speaker_standardize` does a whole corpus (the
harness: training and validation speakers alike, each over its own clips);
:class:`RunningSpeakerNorm` keeps a running window of one speaker's vectors (a live predictor);
with fewer than ``min_clips`` vectors both fall back to the given fallback statistics (a model's
training statistics) or leave the vectors as they are.
"""
from __future__ import annotations

from collections import deque
from typing import Sequence

import numpy as np

#: Fewer clips than this give no usable per-speaker spread.
MIN_CLIPS = 2


def standardize(x: np.ndarray, eps: float = 1e-8) -> np.ndarray:
    """``(x - mean) / std`` over the rows of ``x`` (a constant column becomes 0); for rows of
    more than one axis (spectrograms (n, frames, mels)) per last axis over all the others."""
    x = np.asarray(x, np.float64)
    flat = x.reshape(-1, x.shape[-1])
    std = flat.std(axis=0)
    return ((x - flat.mean(axis=0)) / np.where(std > eps, std, 1.0)).astype(np.float32)


def speaker_standardize(x: np.ndarray, speakers: Sequence[str]) -> np.ndarray:
    """Each row standardised over the rows of its own speaker; ``(n, F)`` (or ``(n, T, F)``:
    per feature over the speaker's rows and frames) float32.

    Raises ``ValueError`` when a speaker has fewer than :data:`MIN_CLIPS` rows.
    """
    x = np.asarray(x, np.float32)
    speakers = np.asarray(list(speakers), dtype=object)
    if len(speakers) != len(x):
        raise ValueError(f"{len(x)} feature rows but {len(speakers)} speakers")
    out = np.empty_like(x)
    for s in dict.fromkeys(speakers.tolist()):
        rows = speakers == s
        if rows.sum() < MIN_CLIPS:
            raise ValueError(f"speaker {s!r} has {int(rows.sum())} clip(s); speaker "
                             f"normalisation needs at least {MIN_CLIPS}")
        out[rows] = standardize(x[rows])
    return out


class RunningSpeakerNorm:
    """Speaker normalisation over a running window of one speaker's last ``window`` vectors.

    ``fallback`` is ``(mean, std)`` to use until ``min_clips`` vectors have been seen (e.g. the
    training corpus's statistics); None leaves the vector unchanged until then. ``normalized``
    says whether the last :meth:`transform` used the speaker's own statistics.
    """

    def __init__(self, window: int = 30, min_clips: int = 5, fallback=None):
        self.window, self.min_clips, self.fallback = window, max(MIN_CLIPS, min_clips), fallback
        self._seen: deque = deque(maxlen=window)
        self.normalized = False

    def update(self, x: np.ndarray) -> "RunningSpeakerNorm":
        """Add one ``(F,)`` vector (or ``(n, F)`` rows) of the speaker to the window."""
        for row in np.atleast_2d(np.asarray(x, np.float32)):
            self._seen.append(row)
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        """``x`` standardised with the window's statistics (or the fallback's)."""
        x = np.atleast_2d(np.asarray(x, np.float32))
        if len(self._seen) >= self.min_clips:
            seen = np.stack(self._seen).astype(np.float64)
            mean, std = seen.mean(axis=0), seen.std(axis=0)
            self.normalized = True
        elif self.fallback is not None:
            mean, std = (np.asarray(v, np.float64) for v in self.fallback)
            self.normalized = False
        else:
            self.normalized = False
            return x
        return ((x - mean) / np.where(std > 1e-8, std, 1.0)).astype(np.float32)

    def __len__(self) -> int:
        return len(self._seen)
