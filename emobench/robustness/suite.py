"""The ``robustness`` suite: the audio, video and fusion cells trained through the ordinary
path (reused when the results database has them: nothing is retrained), each scored again on
its own validation clips under every corruption and severity. One row per (cell, corruption,
severity, seed) in the ``robustness`` table of the same database; a row already there is not
recomputed, so a rerun computes nothing.

Accuracy counts every validation clip of the clean cell: a clip whose face the detector loses
under a corruption (no crops) is a wrong answer, as it would be on a robot.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from emobench.harness.runner import RunSummary, run_suite
from emobench.harness.store import ResultStore
from emobench.harness.suites import FUSION_AUDIO_FEATURES
from emobench.robustness.corruptions import (AUDIO_CORRUPTIONS, MISSING, SEVERITIES,
                                             VIDEO_CORRUPTIONS)

BASE_SUITES = "audio,video,fusion"

_SCHEMA = """CREATE TABLE IF NOT EXISTS robustness (
    key TEXT, corruption TEXT, severity INTEGER, seed INTEGER, accuracy REAL, n INTEGER,
    lost INTEGER, predict_seconds REAL, preprocess_seconds REAL, computed INTEGER,
    PRIMARY KEY (key, corruption, severity, seed))"""


@dataclass
class RobustnessSummary(RunSummary):
    """A run's summary plus the corrupted evaluations it computed and those it found stored."""

    evaluated: int = 0
    reused_evaluations: int = 0
    failed_evaluations: dict = field(default_factory=dict)


def ensure_table(store: ResultStore) -> None:
    with store.transaction() as db:
        db.execute(_SCHEMA)


def stored_rows(store: ResultStore, keys: Sequence[str] | None = None) -> list[dict]:
    """The robustness rows of ``keys`` (every row when None); [] when the table is absent."""
    conn = store._conn
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'robustness'").fetchone():
        return []
    rows = [dict(r) for r in conn.execute("SELECT * FROM robustness").fetchall()]
    return rows if keys is None else [r for r in rows if r["key"] in set(keys)]


def plan(modality: str, corruptions: Sequence[str] | None,
         severities: Sequence[int]) -> list[tuple[str, int]]:
    """The (corruption, severity) pairs a cell of ``modality`` is scored under."""
    names = {"audio": list(AUDIO_CORRUPTIONS), "video": list(VIDEO_CORRUPTIONS),
             "fusion": list(MISSING)}[modality]
    if corruptions:
        names = [n for n in names if n in corruptions]
    return [(n, 1) for n in names] if modality == "fusion" else \
        [(n, s) for n in names for s in severities]


def _check(corruptions, severities) -> None:
    known = {*AUDIO_CORRUPTIONS, *VIDEO_CORRUPTIONS, *MISSING}
    bad = [c for c in corruptions or () if c not in known]
    if bad:
        raise ValueError(f"unknown corruption(s) {', '.join(bad)}; choose from "
                         f"{', '.join(sorted(known))}")
    if not severities or any(s not in SEVERITIES for s in severities):
        raise ValueError(f"severities must be among 1-5; got {list(severities)}")


def run_robustness(models: Sequence[str] | None = None,
                   corruptions: Sequence[str] | None = None,
                   severities: Sequence[int] = SEVERITIES, **options: Any) -> RobustnessSummary:
    """Train (or reuse) the audio, video and fusion cells of ``models`` and score each under
    ``corruptions`` (default: all of its modality) at ``severities``. ``options`` are
    :class:`~emobench.harness.runner.RunConfig`'s; the audio cells use the fusion's feature
    set (emobase2010) unless ``feature_sets`` says otherwise."""
    from tqdm.auto import tqdm

    _check(corruptions, severities)
    options["feature_sets"] = options.get("feature_sets") or (FUSION_AUDIO_FEATURES,)
    options["save_models"] = True  # a corrupted evaluation needs the trained model
    base = run_suite(BASE_SUITES, models=tuple(models) if models else None, **options)
    summary = RobustnessSummary(**vars(base))
    config = _Config(options)
    with ResultStore(base.db_path) as store:
        ensure_table(store)
        cells = store.cells(base.run_id)
        done = {(r["key"], r["corruption"], r["severity"]) for r in stored_rows(store)}
        jobs = [(c, corruption, s) for c in cells
                for corruption, s in plan(_modality(c), corruptions, severities)]
        todo = [j for j in jobs if (j[0]["key"], j[1], j[2]) not in done]
        summary.reused_evaluations = len(jobs) - len(todo)
        if todo:
            clips = _clips(options)
            with tqdm(total=len(todo), desc="robustness", unit="eval",
                      disable=not config.progress, dynamic_ncols=True) as bar:
                for cell, corruption, severity in todo:
                    try:
                        row = evaluate(store, cell, corruption, severity, clips, config)
                    except (ValueError, OSError) as err:
                        summary.failed_evaluations[f"{cell['key']} {corruption} {severity}"] = \
                            " ".join(str(err).split())
                    else:
                        _save(store, row)
                        summary.evaluated += 1
                    bar.update()
    return summary


@dataclass
class _Config:
    options: dict

    def __getattr__(self, name):
        from emobench.harness.runner import RunConfig

        return self.options.get(name, getattr(RunConfig, name, None))


def _modality(cell: dict) -> str:
    from emobench.registry import get_model_info

    return get_model_info(cell["model"]).modality


def _clips(options: dict) -> dict:
    from emobench.datasets import load_dataset

    scan = load_dataset(options.get("dataset", "synth"), options.get("data_root"),
                        include_calm=options.get("include_calm", False))
    return {c.clip_id: c for c in scan.clips}


def _labels(store: ResultStore, key: str, ids: list[str], clips: dict, include_calm: bool):
    from emobench.labels import label_index

    return np.array([label_index(clips[i].emotion, include_calm) for i in ids], np.int64)


def evaluate(store: ResultStore, cell: dict, corruption: str, severity: int, clips: dict,
             config) -> dict:
    """One corrupted evaluation of a stored cell: its row for the ``robustness`` table."""
    from emobench.models.base import EmotionModel
    from emobench.robustness.stages import corrupted_table

    key = cell["key"]
    val_ids = [i for i in store.array(key, "val_ids") or [] if i in clips]
    if not val_ids:
        raise ValueError(f"cell {key}: no stored validation clips to corrupt")
    y = _labels(store, key, val_ids, clips, config.include_calm)
    row = {"key": key, "corruption": corruption, "severity": severity, "seed": config.seed,
           "n": len(val_ids), "preprocess_seconds": 0.0, "computed": 0}
    if corruption in MISSING:
        from emobench.models.fusion import fuse_with_missing

        x = _fusion_inputs(store, cell, val_ids, missing=corruption.removesuffix("_missing"))
        model = EmotionModel.load(Path(config.run_dir) / cell["model_path"])
        t0 = time.perf_counter()
        proba = fuse_with_missing(model, x)
        kept = val_ids
    else:
        table = corrupted_table([clips[i] for i in val_ids], cell["features"], corruption,
                                severity, seed=config.seed, frames=config.frames,
                                size=config.size, detector=config.detector,
                                cache_dir=config.cache_dir, jobs=config.jobs or 1)
        row.update(preprocess_seconds=table.seconds, computed=table.computed)
        kept, x = table.take(val_ids)
        model = EmotionModel.load(Path(config.run_dir) / cell["model_path"])
        t0 = time.perf_counter()
        proba = model.predict_proba(x) if len(kept) else np.zeros((0, model.num_classes))
    row["predict_seconds"] = time.perf_counter() - t0
    pred = dict(zip(kept, np.asarray(proba).argmax(axis=1)))
    correct = sum(pred.get(i, -1) == t for i, t in zip(val_ids, y))
    row.update(accuracy=correct / len(val_ids), lost=len(val_ids) - len(kept))
    return row


def _fusion_inputs(store: ResultStore, cell: dict, ids: list[str], missing: str) -> np.ndarray:
    """[p_audio | p_video] of the branch cells on ``ids``, the missing modality's half NaN."""
    parts = []
    for branch in cell["cell"]["branches"]:
        p = dict(zip(store.array(branch, "val_ids"), store.array(branch, "val_proba")))
        parts.append(np.array([p[i] for i in ids], np.float32))
    audio, video = parts
    (audio if missing == "audio" else video)[:] = np.nan
    return np.concatenate([audio, video], axis=1)


def _save(store: ResultStore, row: dict) -> None:
    with store.transaction() as db:
        db.execute("INSERT OR IGNORE INTO robustness VALUES (?,?,?,?,?,?,?,?,?,?)",
                   tuple(row[k] for k in ("key", "corruption", "severity", "seed", "accuracy",
                                          "n", "lost", "predict_seconds",
                                          "preprocess_seconds", "computed")))
