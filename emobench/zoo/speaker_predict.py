"""Prediction with speaker normalisation: several files of one speaker are standardised over
each other (the ``speaker_norm`` recipe of the harness) before an audio zoo model scores them.

A model trained on speaker-normalised features needs the speaker's other clips; with a single
file (no context) its features fall back to the training statistics, and a note says so.
The live predictor does the same over a running window:
:class:`emobench.preprocess.speaker_norm.RunningSpeakerNorm`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from emobench.preprocess.speaker_norm import (MIN_CLIPS, speaker_standardize,
                                              with_training_statistics)
from emobench.zoo.predict import Prediction, PredictError, model_input


def predict_same_speaker(paths: Sequence[str | Path], model, *, manifest=None,
                         trusted=None) -> tuple[list[Prediction], list[str]]:
    """Predictions for ``paths`` (one speaker) from audio zoo entry ``model``, with the files'
    features standardised over each other when the model was trained that way; and the
    files skipped, each ``"path: reason"``. Raises PredictError when no file is usable."""
    from emobench.zoo.fetch import load_pretrained

    if isinstance(model, str):
        model = load_pretrained(model, manifest=manifest, trusted=trusted)
    info = getattr(model, "zoo_info", None) or {}
    rows, kept, skipped, notes = [], [], [], []
    for path in map(Path, paths):
        try:
            if not path.is_file():
                raise PredictError(f"{path}: no such file")
            x, file_notes = model_input(path, info)
        except PredictError as err:
            skipped.append(str(err))
            continue
        rows.append(x[0]), kept.append(path), notes.extend(file_notes)
    if not rows:
        raise PredictError("no usable file: " + "; ".join(skipped))
    x = np.stack(rows).astype(np.float32)
    if not (info.get("options") or {}).get("speaker_norm"):
        notes.append(f"{info.get('name', model.name)} was trained without speaker "
                     "normalisation: each file scored on its own")
    elif len(rows) >= MIN_CLIPS:
        x = speaker_standardize(x, ["speaker"] * len(rows))
        notes.append(f"speaker-normalised over the {len(rows)} files given")
    elif info.get("train_mean") is not None and info.get("train_std") is not None:
        x = no_context_input(x, info, notes)
    else:
        raise PredictError(f"{kept[0]}: {info.get('name', model.name)} needs at least "
                           f"{MIN_CLIPS} files of the speaker (its entry records no training "
                           "statistics to fall back to)")
    proba = model.predict_proba(x)
    preds = [Prediction(p, info.get("name", model.name), list(model.labels), pr, list(notes))
             for p, pr in zip(kept, proba)]
    return preds, skipped


def no_context_input(x: np.ndarray, info: dict, notes: list[str]) -> np.ndarray:
    """``x`` of a file with no speaker context for a speaker-normalised entry: standardised
    with the training corpus's statistics (stored in the entry), noted in ``notes``; ``x``
    unchanged for an entry trained without speaker normalisation."""
    if not (info.get("options") or {}).get("speaker_norm"):
        return x
    if info.get("train_mean") is None or info.get("train_std") is None:
        raise PredictError(f"{info.get('name')}: trained with speaker normalisation but records "
                           "no training statistics; give several files with --same-speaker")
    notes.append("one file, no speaker context: normalised with the training statistics")
    return with_training_statistics(x, info["train_mean"], info["train_std"])
