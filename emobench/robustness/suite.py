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


#: The sets a cell is scored on under corruption: its own validation clips, and the
#: cross-dataset sets it was scored on clean (RML; the second audio corpus, e.g. EmoDB).
EVAL_SETS = ("val", "rml", "cross")


def row_key(key: str, which: str) -> str:
    """The ``robustness`` table's key of cell ``key`` scored on set ``which``."""
    return key if which == "val" else f"{key}@{which}"


def split_key(key: str) -> tuple[str, str]:
    """``(cell key, set)`` of a ``robustness`` row's key."""
    cell, _, which = key.partition("@")
    return cell, which or "val"


def run_robustness(models: Sequence[str] | None = None,
                   corruptions: Sequence[str] | None = None,
                   severities: Sequence[int] = SEVERITIES, frame_models: Sequence[str] = (),
                   images_root: str | None = None, image_limit: int | None = 1000,
                   video_sets: dict | None = None, eval_folds: Sequence[int] | None = None,
                   **options: Any) -> RobustnessSummary:
    """Train (or reuse) the audio, video and fusion cells of ``models`` and score each under
    ``corruptions`` (default: all of its modality) at ``severities``, on its validation clips
    and on the cross-dataset sets it was scored on clean (RML, ``cross_root``).
    ``options`` are :class:`~emobench.harness.runner.RunConfig`'s; the audio cells use the
    fusion's feature set (emobase2010) unless ``feature_sets`` says otherwise.

    ``frame_models``: face-image models, zoo entry names (e.g.
    ``face_cnn-faces.fer2013_official``) or saved ``.keras`` files, scored under the video
    corruptions on ``images_root`` (labelled face images, a seeded stratified subset of
    ``image_limit``) and on the video sets ``video_sets`` (name -> folder,
    default RML and RAVDESS AV of ``$EMOBENCH_DATA`` when present); see
    :mod:`emobench.robustness.frame_models`. ``models=()``: no harness cells, frame models only.
    ``eval_folds``: only the cells of these folds (0-based) are scored under corruption (all
    are trained), to bound the cost on a large corpus."""
    from emobench.progress import tqdm

    _check(corruptions, severities)
    if frame_models:  # an unknown entry or a missing file fails before anything trains
        from emobench.robustness.frame_models import frame_model_id

        for spec in frame_models:
            frame_model_id(spec)
    options["feature_sets"] = options.get("feature_sets") or (FUSION_AUDIO_FEATURES,)
    options["save_models"] = True  # a corrupted evaluation needs the trained model
    if models is not None and not len(models):
        base = _empty_run(options)
    else:
        base = run_suite(BASE_SUITES, models=tuple(models) if models else None, **options)
    summary = RobustnessSummary(**vars(base))
    config = _Config(options)
    with ResultStore(base.db_path) as store:
        ensure_table(store)
        cells = [c for c in (store.cells(base.run_id) if base.run_id else [])
                 if eval_folds is None or (c["fold"] or 0) in eval_folds]
        done = {(r["key"], r["corruption"], r["severity"]) for r in stored_rows(store)}
        sets = _eval_sets(options, cells, store)
        jobs = [(c, which, corruption, s) for c in cells for which in sets
                if _scored_on(store, c, which)
                for corruption, s in plan(_modality(c), corruptions, severities)]
        todo = [j for j in jobs if (row_key(j[0]["key"], j[1]), j[2], j[3]) not in done]
        summary.reused_evaluations = len(jobs) - len(todo)
        with tqdm(total=len(todo), desc="robustness", unit="eval",
                  disable=not config.progress or not todo, dynamic_ncols=True) as bar:
            for cell, which, corruption, severity in todo:
                try:
                    row = evaluate(store, cell, corruption, severity, sets[which][0], config,
                                   which=which, classes=sets[which][1])
                except (ValueError, OSError) as err:
                    summary.failed_evaluations[
                        f"{row_key(cell['key'], which)} {corruption} {severity}"] = \
                        " ".join(str(err).split())
                else:
                    _save(store, row)
                    summary.evaluated += 1
                bar.update()
        if frame_models:
            from emobench.robustness.frame_models import run_frame_models

            done, reused, failed = run_frame_models(
                store, frame_models, corruptions, severities, images_root=images_root,
                image_limit=image_limit, video_sets=video_sets, seed=config.seed,
                cache_dir=config.cache_dir, progress=config.progress)
            summary.evaluated += done
            summary.reused_evaluations += reused
            summary.failed_evaluations.update(failed)
    return summary


def _empty_run(options: dict) -> RunSummary:
    from emobench.harness.runner import DEFAULT_RUN_DIR

    run_dir = Path(options.get("run_dir") or DEFAULT_RUN_DIR)
    run_dir.mkdir(parents=True, exist_ok=True)
    return RunSummary("", run_dir / "results.sqlite", 0)


@dataclass
class _Config:
    options: dict

    def __getattr__(self, name):
        from emobench.harness.runner import RunConfig

        return self.options.get(name, getattr(RunConfig, name, None))


def _modality(cell: dict) -> str:
    from emobench.registry import get_model_info

    return get_model_info(cell["model"]).modality


def _scored_on(store: ResultStore, cell: dict, which: str) -> bool:
    """Whether ``cell`` was scored clean on ``which`` (a fusion cell: its branches were)."""
    if which == "val":
        return True
    if _modality(cell) == "fusion" and which != "rml":
        return False
    return bool(store.array(cell["key"], f"{which}_ids"))


def _eval_sets(options: dict, cells: list, store: ResultStore) -> dict:
    """set name -> (clip id -> Clip, the class indices it is scored over; None: all)."""
    from emobench.datasets import load_dataset, scan_rml
    from emobench.harness.runner import _default_rml_root
    from emobench.labels import EMOTIONS, RML_KEYS, label_index

    if not cells:
        return {}
    sets = {"val": (_clips(options), None)}
    rml_root = options.get("rml_root") or _default_rml_root()
    if rml_root and any(store.array(c["key"], "rml_ids") for c in cells):
        sets["rml"] = ({c.clip_id: c for c in scan_rml(rml_root).clips},
                       [EMOTIONS.index(e) for e in EMOTIONS if e in RML_KEYS.values()])
    if options.get("cross_root"):
        clips = [c for c in load_dataset("auto", options["cross_root"]).clips if c.has_audio]
        sets["cross"] = ({c.clip_id: c for c in clips},
                         sorted({label_index(c.emotion) for c in clips}))
    return sets


def _clips(options: dict) -> dict:
    from emobench.datasets import load_dataset

    scan = load_dataset(options.get("dataset", "synth"), options.get("data_root"),
                        include_calm=options.get("include_calm", False))
    return {c.clip_id: c for c in scan.clips}


def _labels(ids: list[str], clips: dict, include_calm: bool):
    from emobench.labels import label_index

    return np.array([label_index(clips[i].emotion, include_calm) for i in ids], np.int64)


def predictions(proba: np.ndarray, classes: Sequence[int] | None) -> np.ndarray:
    """Class indices of the model's outputs, argmax over ``classes`` only when given (a 7-way
    model on RML's 6 emotions, as the clean cross-dataset scores are)."""
    proba = np.asarray(proba)
    if classes is None or not len(proba):
        return proba.argmax(axis=1) if len(proba) else np.zeros(0, np.int64)
    classes = np.asarray(classes)
    return classes[proba[:, classes].argmax(axis=1)]


def evaluate(store: ResultStore, cell: dict, corruption: str, severity: int, clips: dict,
             config, which: str = "val", classes: Sequence[int] | None = None) -> dict:
    """One corrupted evaluation of a stored cell on its ``which`` set (its validation clips,
    or a cross-dataset set scored over ``classes``): its row for the ``robustness`` table."""
    from emobench.models.base import EmotionModel
    from emobench.robustness.stages import corrupted_table

    key = cell["key"]
    ids_of = (cell["cell"]["branches"][0] if _modality(cell) == "fusion" and which != "val"
              else key)
    ids = [i for i in store.array(ids_of, f"{which}_ids") or [] if i in clips]
    if not ids:
        raise ValueError(f"cell {key}: no stored {which} clips to corrupt")
    y = _labels(ids, clips, config.include_calm if which == "val" else False)
    row = {"key": row_key(key, which), "corruption": corruption, "severity": severity,
           "seed": config.seed, "n": len(ids), "preprocess_seconds": 0.0, "computed": 0}
    if corruption in MISSING:
        from emobench.models.fusion import fuse_with_missing

        x = _fusion_inputs(store, cell, ids, missing=corruption.removesuffix("_missing"),
                           which=which)
        kept = [i for i, ok in zip(ids, x[1]) if ok]
        model = EmotionModel.load(Path(config.run_dir) / cell["model_path"])
        t0 = time.perf_counter()
        proba = fuse_with_missing(model, x[0][x[1]])
    else:
        table = corrupted_table([clips[i] for i in ids], cell["features"], corruption,
                                severity, seed=config.seed, frames=config.frames,
                                size=config.size, detector=config.detector,
                                cache_dir=config.cache_dir, jobs=config.jobs or 1)
        row.update(preprocess_seconds=table.seconds, computed=table.computed)
        kept, x = table.take(ids)
        if _speaker_norm(cell) and len(kept):
            from emobench.preprocess.speaker_norm import speaker_standardize

            x = speaker_standardize(x, [clips[i].speaker for i in kept])
        model = EmotionModel.load(Path(config.run_dir) / cell["model_path"])
        t0 = time.perf_counter()
        proba = model.predict_proba(x) if len(kept) else np.zeros((0, model.num_classes))
    row["predict_seconds"] = time.perf_counter() - t0
    pred = dict(zip(kept, predictions(proba, classes)))
    correct = sum(pred.get(i, -1) == t for i, t in zip(ids, y))
    row.update(accuracy=correct / len(ids), lost=len(ids) - len(kept))
    return row


def _speaker_norm(cell: dict) -> bool:
    options = cell["cell"].get("options") or {}
    return bool(dict(options).get("speaker_norm"))


def _fusion_inputs(store: ResultStore, cell: dict, ids: list[str], missing: str,
                   which: str = "val") -> tuple[np.ndarray, np.ndarray]:
    """[p_audio | p_video] of the branch cells on ``ids``, the missing modality's half NaN,
    and a mask of the ids the present branch scored (a clip it lost counts as wrong)."""
    parts = []
    for branch in cell["cell"]["branches"]:
        p = dict(zip(store.array(branch, f"{which}_ids") or [],
                     store.array(branch, f"{which}_proba") or []))
        width = len(next(iter(p.values()))) if p else 0
        parts.append(np.array([p.get(i, np.full(width, np.nan)) for i in ids], np.float32))
    audio, video = parts
    (audio if missing == "audio" else video)[:] = np.nan
    present = video if missing == "audio" else audio
    return np.concatenate([audio, video], axis=1), ~np.isnan(present).any(axis=1)


def _save(store: ResultStore, row: dict) -> None:
    with store.transaction() as db:
        db.execute("INSERT OR IGNORE INTO robustness VALUES (?,?,?,?,?,?,?,?,?,?)",
                   tuple(row[k] for k in ("key", "corruption", "severity", "seed", "accuracy",
                                          "n", "lost", "predict_seconds",
                                          "preprocess_seconds", "computed")))
