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


#: A column whose spread is under this fraction of its largest magnitude is constant up to
#: float32 rounding and becomes 0. The test is relative because openSMILE has real features in
#: tiny units (emobase's ``pcm_intensity_sma_de_amean`` varies around 1e-9): an absolute cut-off
#: (1e-8 until issue 14's EmoDB check) left such a column unscaled for some speakers and scaled
#: for others, and a model's own scaler then blew the unscaled residue up by 1e9 (a
#: RAVDESS-trained emobase model put every EmoDB clip in one class).
RELATIVE_EPS = 1e-6


def column_statistics(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(mean, std)`` of the rows of ``x`` (float64) for :func:`apply_statistics`; a constant
    column's std is ``inf``, so it standardises to 0."""
    flat = np.asarray(x, np.float64).reshape(-1, np.shape(x)[-1])
    std = flat.std(axis=0)
    varies = std > RELATIVE_EPS * np.abs(flat).max(axis=0)
    return flat.mean(axis=0), np.where(varies, std, np.inf)


def apply_statistics(x: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """``(x - mean) / std`` as float32."""
    return ((np.asarray(x, np.float64) - mean) / std).astype(np.float32)


def with_training_statistics(x: np.ndarray, mean, std) -> np.ndarray:
    """``x`` standardised with stored statistics (a corpus's mean and std; a zero std
    leaves its column centred only): the no-context fallback of a speaker-normalised model."""
    std = np.asarray(std, np.float64)
    return apply_statistics(x, np.asarray(mean, np.float64), np.where(std > 0, std, 1.0))


def standardize(x: np.ndarray) -> np.ndarray:
    """``(x - mean) / std`` over the rows of ``x`` (a constant column becomes 0); for rows of
    more than one axis (spectrograms (n, frames, mels)) per last axis over all the others."""
    return apply_statistics(x, *column_statistics(x))


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
            mean, std = column_statistics(np.stack(self._seen))
            self.normalized = True
        elif self.fallback is not None:
            self.normalized = False
            return with_training_statistics(x, *self.fallback)
        else:
            self.normalized = False
            return x
        return apply_statistics(x, mean, std)

    def __len__(self) -> int:
        return len(self._seen)
