"""Early stopping on speakers carved from the TRAINING speakers (issue 14).

The thesis's EarlyStopping and ModelCheckpoint watched the validation split, which is also the
split the harness scores, so the scored speakers chose the epoch. With a carve, ``n`` of the
cell's training speakers (a seeded choice) are held out of the fit and watched instead; the
scored fold reaches nothing but the final scoring. The carve is speaker-grouped because
stopping on clips of speakers the model trains on would stop far too late for new speakers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

#: After the carve at least this many speakers must remain to train on.
MIN_FIT_SPEAKERS = 2


@dataclass
class Carve:
    """The training rows split into what the model fits (``fit_rows``) and what early stopping
    watches (``stop_rows``, all clips of ``stop_speakers``)."""

    fit_rows: np.ndarray
    stop_rows: np.ndarray
    stop_speakers: list[str]

    def describe(self, patience: int) -> dict:
        """What the cell's provenance records about its early stopping."""
        if not self.stop_speakers:
            return {"watched": "training loss (too few training speakers to carve)",
                    "patience": patience}
        return {"watched": "val_loss of held-out training speakers", "patience": patience,
                "speakers": list(self.stop_speakers), "clips": int(len(self.stop_rows)),
                "restore_best_weights": True}


def carve_speakers(speakers: Sequence[str], n: int, seed: int = 0) -> Carve:
    """Hold ``n`` of the distinct ``speakers`` (one per training row) out for early stopping,
    chosen with ``seed``. With fewer than ``n + MIN_FIT_SPEAKERS`` speakers nothing is carved
    (``stop_speakers`` empty): early stopping then watches the training loss."""
    speakers = np.asarray([str(s) for s in speakers], dtype=object)
    rows = np.arange(len(speakers))
    distinct = sorted(set(speakers.tolist()))
    if n < 1 or len(distinct) < n + MIN_FIT_SPEAKERS:
        return Carve(rows, rows[:0], [])
    chosen = sorted(np.random.default_rng(seed).choice(distinct, n, replace=False).tolist())
    held = np.isin(speakers, chosen)
    return Carve(rows[~held], rows[held], chosen)


def best_epoch(callbacks) -> int | None:
    """The 1-based epoch whose weights an EarlyStopping with ``restore_best_weights`` kept."""
    import keras

    for cb in callbacks:
        if isinstance(cb, keras.callbacks.EarlyStopping) and cb.restore_best_weights:
            epoch = getattr(cb, "best_epoch", None)
            return None if epoch is None else int(epoch) + 1
    return None


def stop_history(history: dict[str, list[float]]) -> dict[str, list[float]]:
    """Keras names the watched split's curves ``val_*``; with a carve they are the held-out
    training speakers', so they are stored as ``stop_*`` and never read as the scored fold's."""
    return {("stop_" + k[4:] if k.startswith("val_") else k): v for k, v in history.items()}
