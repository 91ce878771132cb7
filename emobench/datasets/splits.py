"""Train/validation splits, recorded with every result as the speaker lists themselves.

- speaker-independent (default): no speaker on both sides. ``kfold_by_speaker`` with no seed
  gives the literature's RAVDESS folds (6 folds of 4 consecutive actors: 1-4, 5-8, ...).
- speaker-dependent: a stratified random split over clips, as many papers (and probably the
  thesis) used; it scores far higher on RAVDESS and is named as such wherever it is reported.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np

from emobench.datasets.clip import Clip

PROTOCOLS = ("speaker-independent", "speaker-dependent")


@dataclass(frozen=True)
class Fold:
    index: int
    protocol: str
    seed: int | None
    train_speakers: tuple[str, ...]
    val_speakers: tuple[str, ...]
    train_ids: tuple[str, ...]
    val_ids: tuple[str, ...]

    def to_dict(self) -> dict:
        d = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    def select(self, clips: Sequence[Clip]) -> tuple[list[Clip], list[Clip]]:
        """The train and validation clips of ``clips``, in their given order."""
        train, val = set(self.train_ids), set(self.val_ids)
        return [c for c in clips if c.clip_id in train], [c for c in clips if c.clip_id in val]


def _natural_key(s: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def _speakers(clips: Sequence[Clip]) -> list[str]:
    return sorted({c.speaker for c in clips}, key=_natural_key)


def _fold(index: int, protocol: str, seed: int | None, clips: Sequence[Clip],
          val_speakers: set[str]) -> Fold:
    train = [c for c in clips if c.speaker not in val_speakers]
    val = [c for c in clips if c.speaker in val_speakers]
    return Fold(index, protocol, seed, tuple(_speakers(train)), tuple(_speakers(val)),
                tuple(c.clip_id for c in train), tuple(c.clip_id for c in val))


def kfold_by_speaker(clips: Sequence[Clip], k: int = 6, seed: int | None = None) -> list[Fold]:
    """``k`` folds of speakers; each speaker is validated on exactly once.

    With ``seed`` None the sorted speakers are cut into ``k`` consecutive groups (for 24 RAVDESS
    actors: 1-4, 5-8, ..., 21-24); with a seed they are shuffled first.
    """
    speakers = _speakers(clips)
    if not 2 <= k <= len(speakers):
        raise ValueError(f"k-fold by speaker needs 2 <= k <= {len(speakers)} speakers, got k={k}")
    if seed is not None:
        speakers = list(np.random.default_rng(seed).permutation(speakers))
    groups = np.array_split(np.array(speakers, dtype=object), k)
    return [_fold(i, "speaker-independent", seed, clips, set(g)) for i, g in enumerate(groups)]


def holdout_by_speaker(clips: Sequence[Clip], val_fraction: float = 0.25,
                       seed: int = 0) -> Fold:
    """One split holding out a seeded random ``val_fraction`` of the speakers (at least one)."""
    speakers = _speakers(clips)
    if len(speakers) < 2:
        raise ValueError("a speaker-independent split needs at least 2 speakers")
    n_val = min(len(speakers) - 1, max(1, round(len(speakers) * val_fraction)))
    val = set(np.random.default_rng(seed).permutation(speakers)[:n_val])
    return _fold(0, "speaker-independent", seed, clips, val)


def speaker_dependent_split(clips: Sequence[Clip], val_fraction: float = 0.2, seed: int = 0,
                            k: int | None = None) -> list[Fold]:
    """Stratified random split(s) over clips, ignoring speakers (``k`` folds, or one split)."""
    from sklearn.model_selection import StratifiedKFold, train_test_split

    ids = np.array([c.clip_id for c in clips])
    labels = np.array([c.emotion for c in clips])
    if k:
        parts = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(ids, labels)
        pairs = [(ids[tr], ids[va]) for tr, va in parts]
    else:
        tr, va = train_test_split(ids, test_size=val_fraction, stratify=labels, random_state=seed)
        pairs = [(tr, va)]
    folds = []
    for i, (tr, va) in enumerate(pairs):
        tr_set, va_set = set(tr), set(va)
        folds.append(Fold(
            i, "speaker-dependent", seed,
            tuple(_speakers([c for c in clips if c.clip_id in tr_set])),
            tuple(_speakers([c for c in clips if c.clip_id in va_set])),
            tuple(c.clip_id for c in clips if c.clip_id in tr_set),
            tuple(c.clip_id for c in clips if c.clip_id in va_set)))
    return folds


def make_folds(clips: Sequence[Clip], protocol: str = "speaker-independent",
               k: int | None = 6, seed: int | None = None) -> list[Fold]:
    """Folds for ``protocol``; ``k`` of 1 or None means a single hold-out split."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; expected one of {PROTOCOLS}")
    if protocol == "speaker-dependent":
        return speaker_dependent_split(clips, seed=seed or 0, k=k if k and k > 1 else None)
    if not k or k == 1:
        return [holdout_by_speaker(clips, seed=seed or 0)]
    return kfold_by_speaker(clips, k=k, seed=seed)
