"""A benchmark cell: one (dataset, features, model, options, protocol, fold, seed, epochs).

The hash of a cell's canonical JSON is its key in the results database, so a rerun recognises
the cells it already finished, whichever run produced them.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace: equal values give equal strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class Cell:
    """One trained-and-evaluated unit of a suite (the same cell may serve several suites: the
    video suite's c3d cell is a branch of the fusion suite's c3d cells).

    ``features`` names the input (``emobase``, ``faces``, ``flow``, or ``emobase+faces`` for a
    fusion cell); ``preprocess`` the parameters that made it (frames, size, detector, ...);
    ``options`` the model factory's and the training's options; ``branches`` the keys of the
    cells a fusion cell combines. ``dataset_id`` fingerprints the dataset's files, so a changed
    corpus is a new cell.
    """

    dataset: str
    dataset_id: str
    features: str
    model: str
    protocol: str
    folds: int
    fold: int
    seed: int
    epochs: int
    preprocess: tuple = ()
    options: tuple = ()
    branches: tuple = ()

    @staticmethod
    def frozen(mapping: dict | None) -> tuple:
        """A dict as a sorted tuple of pairs (hashable, order-free)."""
        return tuple(sorted((mapping or {}).items()))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["preprocess"], d["options"] = dict(self.preprocess), dict(self.options)
        d["branches"] = list(self.branches)
        return d

    @property
    def key(self) -> str:
        """The first 16 hex digits of the SHA-256 of the cell's canonical JSON."""
        return hashlib.sha256(canonical_json(self.to_dict()).encode()).hexdigest()[:16]

    @property
    def label(self) -> str:
        """A short human name, e.g. ``c3d/faces fold 1/3``."""
        return f"{self.model}/{self.features} fold {self.fold + 1}/{self.folds}"
