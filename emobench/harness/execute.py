"""Training the planned cells: the inputs of each (its fold's rows of the cached features, or
the branch cells' probabilities for a fusion cell), the training itself, and the store write
that makes a finished cell permanent; in this process or in a pool of worker processes.

Independent cells of one run share nothing but the (already filled) preprocessing cache and the
results database, which takes concurrent writers, so they can train side by side: on a CPU one
TensorFlow process keeps about one core busy with the small batches of these models.
"""
from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from emobench import quiet
from emobench.harness.cell import Cell
from emobench.harness.data import AUDIO_FEATURES, FeatureTable, compute_features, num_classes
from emobench.harness.pretrain import PRETRAINED_FOR, gray_crops, pretrain_model
from emobench.harness.store import ResultStore, now
from emobench.harness.train import Split, TrainConfig, train_and_score


@dataclass
class RunContext:
    """What any process needs to train a cell of one run (picklable, sent to workers)."""

    config: Any  # RunConfig
    run_id: str
    run_dir: Path
    clips: list
    rml_clips: list
    folds: dict  # protocol -> [Fold]
    labels: dict[str, int]
    rml_labels: dict[str, int]
    rml_classes: list[int]
    provenance: dict
    pretrain: Any = None  # (images scan, PretrainSpec) or None
    tables: dict = field(default_factory=dict, repr=False)
    cross_clips: list = field(default_factory=list)  # an audio corpus scored, never trained on
    cross_labels: dict = field(default_factory=dict)
    cross_classes: list = field(default_factory=list)

    def clips_of(self, which: str) -> list:
        return {"main": self.clips, "rml": self.rml_clips, "cross": self.cross_clips}[which]

    def table(self, feature: str, which: str = "main") -> FeatureTable:
        """The feature table of the dataset (or of RML), through the preprocessing cache."""
        if (feature, which) not in self.tables:
            c = self.config
            clips = self.clips_of(which)
            self.tables[feature, which] = compute_features(
                clips, feature, frames=c.frames, size=c.size, detector=c.detector,
                flow_method=c.flow_method, cache_dir=c.cache_dir, jobs=c.jobs,
                progress=c.progress)
        return self.tables[feature, which]

    def pretrained_cnn(self, model: str = "lrcn") -> str:
        """The frame network of video model ``model`` (lrcn: its frame CNN; resnet50)
        pretrained on the configured images (trained on first use)."""
        scan, spec = self.pretrain
        path, _ = pretrain_model(scan, spec, self.run_dir / "pretrained", PRETRAINED_FOR[model],
                                 progress=self.config.progress)
        return str(path)

    def prepare(self, cells: Sequence[Cell]) -> None:
        """Fill the preprocessing cache (in parallel, with progress bars) and pretrain LRCN's
        CNN for ``cells``, so that training, wherever it runs, only reads them."""
        for feature in dict.fromkeys(c.features for c in cells if not c.branches):
            self.table(feature)
            if self.rml_clips:
                self.table(feature, "rml")
            if _scores_cross(self, feature):
                self.table(feature, "cross")
        if self.pretrain:
            for model in dict.fromkeys(c.model for c in cells
                                       if dict(c.options).get("pretrain")):
                self.pretrained_cnn(model)


def _split(table: FeatureTable, ids: Sequence[str], labels: dict[str, int]) -> Split:
    kept, x = table.take(ids)
    return Split(kept, x, np.array([labels[i] for i in kept], np.int64))


def _speaker_normalized(split: Split, clips: Sequence) -> Split:
    """``split`` with each clip's features standardised over its own speaker's clips in it."""
    from emobench.preprocess.speaker_norm import speaker_standardize

    if not len(split):
        return split
    speaker = {c.clip_id: c.speaker for c in clips}
    return replace(split, x=speaker_standardize(split.x, [speaker[i] for i in split.ids]))


def _fused_split(store: ResultStore, branches: tuple[str, str], which: str,
                 labels: dict[str, int]) -> Split:
    """[p_audio | p_video] of the clips both branch cells scored on ``which`` split."""
    parts = []
    for key in branches:
        ids, proba = store.array(key, f"{which}_ids"), store.array(key, f"{which}_proba")
        if ids is None or proba is None:
            return Split([], np.zeros((0, 0), np.float32), np.zeros(0, np.int64))
        parts.append(dict(zip(ids, np.asarray(proba, np.float32))))
    common = [i for i in parts[0] if i in parts[1]]
    x = np.array([np.concatenate([parts[0][i], parts[1][i]]) for i in common], np.float32)
    return Split(common, x, np.array([labels[i] for i in common], np.int64))


def _inputs(ctx: RunContext, cell: Cell, store: ResultStore):
    """Train, validation and RML splits of ``cell``, and what made them (provenance)."""
    fold = ctx.folds[cell.protocol][cell.fold]
    rml = cross = None
    if cell.branches:
        train = _fused_split(store, cell.branches, "train", ctx.labels)
        val = _fused_split(store, cell.branches, "val", ctx.labels)
        if ctx.rml_clips:
            rml = _fused_split(store, cell.branches, "rml", ctx.rml_labels)
        return fold, train, val, rml, cross, {"preprocess": {}, "skipped_clips": 0}
    table = ctx.table(cell.features)
    train, val = _split(table, fold.train_ids, ctx.labels), _split(table, fold.val_ids,
                                                                    ctx.labels)
    if ctx.rml_clips:
        rml_table = ctx.table(cell.features, "rml")
        rml = _split(rml_table, rml_table.ids, ctx.rml_labels)
    if _scores_cross(ctx, cell.features):
        cross_table = ctx.table(cell.features, "cross")
        cross = _split(cross_table, cross_table.ids, ctx.cross_labels)
    prep = (dict(cell.options).get("pretrain") or {}).get("prep") or {}
    if prep.get("grayscale") and cell.features == "faces":  # crops as the images were
        train, val = _gray(train), _gray(val)
        rml, cross = (_gray(s) if s is not None else None for s in (rml, cross))
    if dict(cell.options).get("speaker_norm"):  # train and validation speakers alike
        train, val = _speaker_normalized(train, ctx.clips), _speaker_normalized(val, ctx.clips)
        rml = _speaker_normalized(rml, ctx.rml_clips) if rml is not None else None
        cross = _speaker_normalized(cross, ctx.cross_clips) if cross is not None else None
    params = {**table.params, "grayscale": True} if prep.get("grayscale") else table.params
    return fold, train, val, rml, cross, {"preprocess": params,
                                          "skipped_clips": len(table.skipped),
                                          "skipped": sorted(map(str, table.skipped))}


def _scores_cross(ctx: RunContext, feature: str) -> bool:
    """Whether cells of ``feature`` are scored on the run's cross corpus: audio features, and
    face crops when that corpus has video (e.g. RAVDESS audio-visual clips)."""
    if not ctx.cross_clips:
        return False
    return feature in AUDIO_FEATURES or (feature == "faces"
                                         and any(c.has_video for c in ctx.cross_clips))


def _gray(split: Split) -> Split:
    return replace(split, x=gray_crops(split.x)) if len(split) else split


def train_cell(ctx: RunContext, cell: Cell, store: ResultStore):
    """Build ``cell``'s model, train and score it: ``(CellResult, split, provenance)``."""
    from emobench.registry import create_model

    fold, train, val, rml, cross, prov = _inputs(ctx, cell, store)
    if len(train) == 0:
        raise ValueError(f"{cell.label}: no training clips with {cell.features} features")
    options = dict(cell.options)
    for k in ("audio", "video", "audio_features", "speaker_norm"):  # not factory options
        options.pop(k, None)
    stop_speakers = int(options.pop("early_stop_speakers", 0) or 0)
    if options.pop("pretrain", None):
        options["cnn_weights"] = ctx.pretrained_cnn(cell.model)
    patience = options.pop("early_stopping", None)
    seed = cell.seed + cell.fold
    if "batch_size" in options:  # a Keras model: optimizer settings and seed go to the factory
        options["seed"] = seed
    model = create_model(cell.model, num_classes=num_classes(ctx.config.include_calm),
                         input_shape=train.x.shape[1:], **options)
    train_config = TrainConfig(epochs=max(1, cell.epochs), seed=seed,
                               batch_size=options.get("batch_size", 8),
                               early_stopping=patience if patience is not None else 5,
                               stop_speakers=stop_speakers)
    speaker = {c.clip_id: c.speaker for c in ctx.clips}
    result = train_and_score(model, train, val, config=train_config,
                             cell_dir=ctx.run_dir / "cells" / cell.key, rml=rml,
                             rml_classes=ctx.rml_classes, cross=cross,
                             cross_classes=ctx.cross_classes,
                             train_speakers=[speaker.get(i, "") for i in train.ids])
    split = {"protocol": fold.protocol, "fold": fold.index, "folds": cell.folds,
             "seed": fold.seed, "train_speakers": list(fold.train_speakers),
             "val_speakers": list(fold.val_speakers), "n_train": len(train), "n_val": len(val),
             "n_rml": len(rml) if rml is not None else 0,
             "n_cross": len(cross) if cross is not None else 0}
    if result.early_stop is not None:  # the carve: which training speakers chose the epoch
        split["early_stop"] = result.early_stop
    return result, split, prov


@dataclass
class CellOutcome:
    """What training one cell gave, ready for the store wherever it was trained: ``record``
    holds :meth:`ResultStore.save_cell`'s arguments, or ``reason``/``error`` the failure."""

    cell: Cell
    ok: bool
    message: str = ""
    reason: str = ""
    error: str = ""
    record: dict = field(default_factory=dict)


def train_outcome(ctx: RunContext, cell: Cell, store) -> CellOutcome:
    """Train ``cell`` and save its model under ``ctx.run_dir``, without writing the results
    database (``store`` is only read, for a fusion cell's branches)."""
    started, t0 = now(), time.perf_counter()
    try:
        result, split, prov = train_cell(ctx, cell, store)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as err:  # noqa: BLE001 - one cell's failure must not end the run
        reason = " ".join(f"{type(err).__name__}: {err}".split())
        return CellOutcome(cell, False, f"FAILED {cell.label}: {reason}", reason,
                           reason + "\n" + traceback.format_exc())
    model_path = None
    if ctx.config.save_models:
        model_path = str(result.model.save(ctx.run_dir / "models" / cell.key)
                         .relative_to(ctx.run_dir))
    prov.update({k: ctx.provenance[k] for k in ("git", "backend", "versions", "date",
                                                 "hardware")})
    m = result.metrics
    return CellOutcome(cell, True, (f"{cell.label}: val acc "
                                    f"{m.get('val_accuracy', float('nan')):.3f}"
                                    f" ({m['train_time']:.1f} s)"),
                       record=dict(metrics=result.metrics, history=result.history,
                                   arrays=result.arrays, split=split, provenance=prov,
                                   model_path=model_path, started=started,
                                   seconds=time.perf_counter() - t0))


def store_outcome(ctx: RunContext, outcome: CellOutcome,
                  store: ResultStore) -> tuple[str, bool, str]:
    """Write ``outcome`` (a stored cell, or a recorded failure): ``(key, ok, message)``."""
    if not outcome.ok:
        store.record_failure(ctx.run_id, outcome.cell, outcome.error)
    else:
        store.save_cell(ctx.run_id, outcome.cell, **outcome.record)
    return outcome.cell.key, outcome.ok, outcome.message


def execute_cell(ctx: RunContext, cell: Cell, store: ResultStore) -> tuple[str, bool, str]:
    """Train ``cell`` and store it (or its failure): ``(key, ok, one-line message)``."""
    return store_outcome(ctx, train_outcome(ctx, cell, store), store)


# ---- worker processes ---------------------------------------------------------------------
_WORKER: dict = {}


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the run's process dies (a killed run must not leave
    workers training on), and exit now if that already happened."""
    import ctypes
    import signal
    import sys

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() == 1:
        os._exit(1)


def _init_worker(ctx: RunContext, threads: int, modules: list[str]) -> None:
    import importlib

    _die_with_parent()

    # a spawned worker does not re-run `python -m emobench.cli`'s __main__, so it keeps
    # TensorFlow's log lines off stderr itself (unless --verbose)
    quiet.install()
    for name in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
        os.environ[name] = str(threads)
    for module in modules:  # where the cells' models are registered (a user's own, too)
        importlib.import_module(module)
    _WORKER["ctx"] = ctx
    _WORKER["store"] = ResultStore(ctx.run_dir)


def _work(cell: Cell) -> tuple[str, bool, str]:
    return execute_cell(_WORKER["ctx"], cell, _WORKER["store"])


def execute_parallel(ctx: RunContext, cells: Sequence[Cell], workers: int,
                     store: ResultStore):
    """Yield ``(key, ok, message)`` as ``workers`` processes finish ``cells`` (independent
    cells only: no fusion cell, whose branches must be stored first). A worker that dies
    costs its cell, recorded in ``store`` as failed."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from emobench.registry import get_model_info

    threads = max(1, (os.cpu_count() or 1) // workers)
    # workers read the (already filled) cache themselves, one process each and quietly
    light = replace(ctx, config=replace(ctx.config, jobs=1, progress=False), tables={})
    modules = sorted({get_model_info(c.model).factory.__module__ for c in cells}
                     - {"__main__", "__mp_main__"})  # a script's own models register on import
    pool = ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"),
                               initializer=_init_worker, initargs=(light, threads, modules))
    try:
        futures = {pool.submit(_work, cell): cell for cell in cells}
        for fut in as_completed(futures):
            cell = futures[fut]
            try:
                yield fut.result()
            except Exception as err:  # noqa: BLE001 - a worker died (out of memory, a crash)
                reason = "worker process failed: " + " ".join(f"{type(err).__name__}: {err}"
                                                               .split())
                store.record_failure(ctx.run_id, cell, reason)
                yield cell.key, False, f"FAILED {cell.label}: {reason}"
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
