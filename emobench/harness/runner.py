"""``run_suite``: plan a suite's cells, preprocess what they need, train and score each cell
not already in the results database (independent cells side by side in worker processes,
fusion cells after their branches), and store it with its provenance.

A cell is stored in one transaction the moment it finishes, so a run killed at any point resumes
with every finished cell kept; a rerun only trains what is missing.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from emobench.datasets.splits import PROTOCOLS, make_folds
from emobench.harness.cell import Cell
from emobench.harness.data import AUDIO_FEATURES, dataset_id, labels_of, preprocess_params
from emobench.harness.execute import RunContext, execute_cell, execute_parallel
from emobench.harness.pretrain import PRETRAINED_FOR, PretrainSpec, make_spec
from emobench.harness.provenance import provenance
from emobench.harness.store import ResultStore
from emobench.harness.suites import (FUSION_AUDIO_FEATURES, SUITES, FusionSuite,
                                     audio_features_for, expand, models_for)
from emobench.labels import EMOTIONS, RML_KEYS
from emobench.preprocess.opensmile_sets import FEATURE_SETS
from emobench.workers import default_jobs

DEFAULT_RUN_DIR = "emobench-runs"
#: Speaker normalisation choices of a run's audio cells: which values of option speaker_norm.
SPEAKER_NORM = {"off": (False,), "on": (True,), "both": (False, True)}
#: Where cells train: a local process pool, or Ray tasks on a (local or existing) Ray cluster.
EXECUTORS = ("local", "ray")


@dataclass
class RunConfig:
    """Everything a run depends on (recorded with it). ``folds`` None: 6 for RAVDESS (the
    literature's folds of 4 consecutive actors), 3 otherwise. ``rml_root`` None: the ``rml-sample``
    or ``rml`` folder of ``$EMOBENCH_DATA`` when there is one. ``pretrain_images``: a folder of
    labelled face images (FER2013: its Training split only; AffectNet, or CK+-style label
    folders) to pretrain LRCN's frame CNN and ResNet50 on for ``pretrain_epochs`` before they
    train (the thesis's AffectNet step), on ``pretrain_limit`` of them (0: all; else a seeded,
    stratified subset); ``pretrain_models`` which of the two (default both); None: they start
    from random weights."""

    suite: str = "all"
    dataset: str = "synth"
    data_root: str | None = None
    epochs: int = 15
    folds: int | None = None
    seed: int = 0
    protocol: str = "speaker-independent"
    models: tuple[str, ...] | None = None
    feature_sets: tuple[str, ...] | None = None
    fusion_audio_features: str = FUSION_AUDIO_FEATURES
    #: the fusion suite's audio branch (None: the suite's, audio_cnn); a spectrogram model
    #: (audio_logmel_crnn) runs on the log-mel spectrogram whatever fusion_audio_features says
    fusion_audio_model: str | None = None
    frames: int = 8
    size: int = 48
    detector: str = "haar"
    flow_method: str = "dis"
    batch_size: int = 8
    #: every Keras model's learning rate; None: each model's own (RMSprop 0.001 as in the
    #: thesis; LRCN Adam 0.0003, see emobench.models.lrcn)
    learning_rate: float | None = None
    early_stopping: int = 5
    #: audio Keras cells early-stop on this many of their TRAINING speakers, carved out of the
    #: fit (emobench.harness.early_stop), never on the scored fold; 0: the thesis's way (the
    #: scored fold's val_loss chooses the epoch)
    early_stop_speakers: int = 2
    include_calm: bool = False
    rml_root: str | None = None
    pretrain_images: str | None = None
    pretrain_epochs: int = 10
    pretrain_limit: int = 0
    pretrain_models: tuple[str, ...] = tuple(PRETRAINED_FOR)
    #: audio cells without ("off"), with ("on") or both ways ("both") of per-speaker feature
    #: standardisation (emobench.preprocess.speaker_norm); recorded as option speaker_norm
    speaker_norm: str = "off"
    #: an audio corpus (EmoDB, a label-folder corpus) every audio cell is also scored on,
    #: over the emotions it shares with the training set, never trained on
    cross_root: str | None = None
    model_options: dict[str, dict] = field(default_factory=dict)
    jobs: int = 1
    train_jobs: int | None = None
    run_dir: str = DEFAULT_RUN_DIR
    cache_dir: str | None = None
    save_models: bool = True
    progress: bool = True
    executor: str = "local"  # or "ray": cells and preprocessing as Ray tasks (ray_executor.py)
    ray_address: str | None = None  # None: a local Ray started for the run


@dataclass
class RunSummary:
    run_id: str
    db_path: Path
    planned: int
    trained: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


@dataclass
class _Planned:
    suite: str
    cell: Cell


def _default_rml_root() -> str | None:
    from emobench.paths import data_root

    root = data_root()
    for name in ("rml-sample", "rml", "RML"):
        if root is not None and (root / name).is_dir():
            return str(root / name)
    return None


def _check(config: RunConfig) -> None:
    for protocol in protocols_of(config):
        if protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol {protocol!r}; choose from "
                             f"{', '.join(PROTOCOLS)} (or both, comma-separated)")
    for name in config.feature_sets or ():
        if name not in FEATURE_SETS:
            raise ValueError(f"unknown openSMILE feature set {name!r}; choose from "
                             f"{', '.join(FEATURE_SETS)}")
    if config.executor not in EXECUTORS:
        raise ValueError(f"unknown executor {config.executor!r}; choose from "
                         f"{', '.join(EXECUTORS)}")
    if config.executor == "ray":  # before a run is recorded, not after
        from emobench.harness.ray_executor import require_ray
        require_ray()
    if config.speaker_norm not in SPEAKER_NORM:
        raise ValueError(f"unknown speaker_norm {config.speaker_norm!r}; choose from "
                         f"{', '.join(SPEAKER_NORM)}")
    if config.epochs < 1 or config.batch_size < 1:
        raise ValueError("epochs and batch size must be at least 1")


def fusion_choice(suite: FusionSuite, wanted: set[str] | None) -> tuple[list, list]:
    """The video branches and fusers a ``--models`` list selects: naming some of either kind
    keeps just those of that kind (all of the other); naming neither selects no fusion cell."""
    if not wanted:
        return list(suite.video_models), list(suite.fusers)
    videos = [m for m in suite.video_models if m in wanted]
    fusers = [m for m in suite.fusers if m in wanted]
    if not videos and not fusers:
        return [], []
    return videos or list(suite.video_models), fusers or list(suite.fusers)


def protocols_of(config: RunConfig) -> list[str]:
    """The run's protocols: one, several comma-separated, or ``both`` (each gets its own folds,
    and the report shows them side by side)."""
    text = "speaker-independent,speaker-dependent" if config.protocol == "both" \
        else config.protocol
    return [p.strip() for p in text.split(",") if p.strip()]


def plan_cells(config: RunConfig, ds_id: str, n_folds: int,
               pretrain: PretrainSpec | None = None) -> list[_Planned]:
    """Every cell of the configured suites, branches before the fusion cells that use them."""
    from emobench.registry import get_model_info

    wanted = set(config.models) if config.models else None
    for name in wanted or ():
        get_model_info(name)  # an unknown name fails here, with the list of known ones
    audio_sets = tuple(config.feature_sets or FEATURE_SETS)
    pre = {name: preprocess_params(name, frames=config.frames, size=config.size,
                                   detector=config.detector, flow_method=config.flow_method)
           for name in (*AUDIO_FEATURES, "faces", "flow")}

    def cell(model: str, features: str, fold: int, extra: dict | None = None,
             branches: tuple = ()) -> Cell:
        """The cell of ``model`` on ``features`` in ``fold`` of the current ``protocol``."""
        info = get_model_info(model)
        options = dict(config.model_options.get(model, {}), **(extra or {}))
        if pretrain is not None and model in config.pretrain_models:
            options["pretrain"] = pretrain.identity(PRETRAINED_FOR[model])
        keras_model = info.backend == "keras"
        if keras_model:
            options.update(batch_size=config.batch_size, early_stopping=config.early_stopping)
            if config.learning_rate is not None:
                options["learning_rate"] = config.learning_rate
            if info.modality == "audio" and config.early_stopping and config.early_stop_speakers:
                options["early_stop_speakers"] = config.early_stop_speakers
        parts = features.split("+")
        return Cell(config.dataset, ds_id, features, model, protocol, n_folds, fold,
                    config.seed, config.epochs if keras_model else 0,
                    Cell.frozen({p: pre[p] for p in parts}), Cell.frozen(options), branches)

    planned: list[_Planned] = []
    fusions: list[_Planned] = []
    for protocol in protocols_of(config):
        for suite_name in expand(config.suite):
            suite = SUITES[suite_name]
            for fold in range(n_folds):
                if isinstance(suite, FusionSuite):
                    audio_model = config.fusion_audio_model or suite.audio_model
                    audio_features = audio_features_for(audio_model,
                                                        (config.fusion_audio_features,))[0]
                    audio = cell(audio_model, audio_features, fold)
                    videos, fusers = fusion_choice(suite, wanted)
                    for video_model in videos:
                        for fuser in fusers:
                            video = cell(video_model, "faces", fold)
                            planned += [_Planned(suite_name, audio), _Planned(suite_name, video)]
                            fusions.append(_Planned(suite_name, cell(
                                fuser, f"{audio_features}+faces", fold,
                                {"audio": audio_model, "video": video_model,
                                 "audio_features": audio_features},
                                (audio.key, video.key))))
                    continue
                norms = SPEAKER_NORM[config.speaker_norm] if suite_name == "audio" else (False,)
                for model in models_for(suite, config.models):
                    for features in (audio_features_for(model, audio_sets)
                                     if suite_name == "audio" else suite.features):
                        for norm in norms:  # un-normalised cells keep their keys
                            planned.append(_Planned(suite_name, cell(
                                model, features, fold, {"speaker_norm": True} if norm else None)))
    if not planned:
        raise ValueError(f"suite {config.suite!r} has no cells for models "
                         f"{', '.join(config.models or ())}")
    seen, ordered = set(), []
    for p in planned + fusions:  # each cell once, fusion cells last
        if (p.suite, p.cell.key) not in seen:
            seen.add((p.suite, p.cell.key))
            ordered.append(p)
    return ordered


def run_suite(suite: str = "all", **options: Any) -> RunSummary:
    """Run ``suite`` (audio, video, flow, fusion or all) with :class:`RunConfig` ``options``;
    results go to ``<run_dir>/results.sqlite``. Returns what was trained, reused and failed."""
    from emobench.progress import tqdm

    from emobench.datasets import load_dataset, scan_rml

    if suite == "robustness":  # the trained cells again, on corrupted inputs (issue 16)
        from emobench.robustness.suite import run_robustness
        return run_robustness(**options)
    if suite == "images":  # FER2013's official splits, not speaker folds (issue 13)
        from emobench.harness.image_suite import run_image_suite
        return run_image_suite(**options)
    config = RunConfig(suite=suite, **options)
    _check(config)
    scan = load_dataset(config.dataset, config.data_root, include_calm=config.include_calm)
    if not scan.clips:
        raise ValueError(f"{scan.root}: no usable clips ({len(scan.rejected)} rejected)")
    n_folds = config.folds or (6 if config.dataset == "ravdess" else 3)
    # speaker-independent folds are consecutive speaker groups (RAVDESS: the literature's
    # 1-4, 5-8, ...), the same whatever the seed, so numbers compare across runs and papers
    folds = {p: make_folds(scan.clips, p, k=n_folds,
                           seed=config.seed if p == "speaker-dependent" else None)
             for p in protocols_of(config)}
    ds_id = dataset_id(scan)
    pretrain = None
    if config.pretrain_images:
        from emobench.preprocess.faces import MARGIN

        unknown = sorted(set(config.pretrain_models) - set(PRETRAINED_FOR))
        if unknown:
            raise ValueError(f"cannot pretrain {', '.join(unknown)}; choose from "
                             f"{', '.join(PRETRAINED_FOR)}")
        images = load_dataset("auto", config.pretrain_images, verify=False)
        pretrain = (images, make_spec(images, dataset_id(images), size=config.size,
                                      epochs=config.pretrain_epochs, seed=config.seed,
                                      limit=config.pretrain_limit, margin=MARGIN))
    n_folds = len(next(iter(folds.values())))
    plan = plan_cells(config, ds_id, n_folds, pretrain[1] if pretrain else None)
    rml_root = config.rml_root or _default_rml_root()
    rml_clips = scan_rml(rml_root).clips if rml_root else []
    rml_classes = [EMOTIONS.index(e) for e in EMOTIONS if e in RML_KEYS.values()]
    cross = load_dataset("auto", config.cross_root) if config.cross_root else None
    cross_clips = [c for c in cross.clips if c.has_audio] if cross else []
    cross_labels = labels_of(cross_clips)
    cross_classes = sorted(set(cross_labels.values()))

    run_dir = Path(config.run_dir)
    store = ResultStore(run_dir)
    prov = provenance()
    prov["dataset"] = {"name": scan.name, "root": str(scan.root), "id": ds_id,
                       "files": len(scan.clips) + len(scan.rejected) + len(scan.excluded),
                       "clips": len(scan.clips), "speakers": scan.speakers(),
                       "rejected": len(scan.rejected)}
    prov["rml"] = {"root": rml_root, "clips": len(rml_clips)} if rml_root else None
    prov["cross"] = ({"name": cross.name, "root": str(cross.root), "clips": len(cross_clips),
                      "speakers": cross.speakers(), "rejected": len(cross.rejected),
                      "classes": [EMOTIONS[i] for i in cross_classes]} if cross else None)
    prov["pretrain"] = ({**pretrain[1].identity(), "models": list(config.pretrain_models),
                         "root": pretrain[1].root, "images": len(pretrain[0].clips)}
                        if pretrain else None)
    recorded = {**asdict(config), "data_root": str(scan.root), "folds": n_folds,
                "rml_root": rml_root}
    run_id = store.start_run(config.suite, recorded, prov, prov["command"])
    summary = RunSummary(run_id, store.path, len({p.cell.key for p in plan}))
    for p in plan:
        store.link(run_id, p.cell, p.suite)
    ctx = RunContext(config, run_id, run_dir, scan.clips, rml_clips, folds,
                     labels_of(scan.clips, config.include_calm), labels_of(rml_clips),
                     rml_classes, prov, pretrain, cross_clips=cross_clips,
                     cross_labels=cross_labels, cross_classes=cross_classes)
    unique = list({p.cell.key: p.cell for p in plan}.values())
    summary.reused = [c.key for c in unique if store.is_done(c.key)]
    todo = [c for c in unique if c.key not in set(summary.reused)]
    status = "interrupted"
    try:
        with tqdm(total=len(unique), initial=len(summary.reused), desc=f"run {config.suite}",
                  unit="cell", disable=not config.progress, dynamic_ncols=True) as bar:
            if config.executor == "ray":
                from emobench.harness.ray_executor import execute_ray
                results = execute_ray(ctx, todo, store, config.ray_address)
            else:
                results = _execute_local(ctx, todo, store)
            for key, ok, message in results:
                (summary.trained.append(key) if ok
                 else summary.failed.__setitem__(key, message.split(": ", 1)[-1]))
                bar.write(message)
                bar.update()
        status = "done" if not summary.failed else "done-with-failures"
    finally:
        store.finish_run(run_id, status)
        store.close()
    return summary


def _execute_local(ctx: RunContext, todo: list[Cell], store: ResultStore):
    """The local executor: preprocessing, then independent cells in a process pool, then
    fusion cells in this process once their branches are stored."""
    ctx.prepare(todo)
    independent = [c for c in todo if not c.branches]
    workers = min(train_workers(ctx.config.train_jobs), len(independent))
    outcomes = (execute_parallel(ctx, independent, workers, store) if workers > 1
                else (execute_cell(ctx, c, store) for c in independent))
    fused = (execute_cell(ctx, c, store) for c in todo if c.branches)
    return chain(outcomes, fused)


def train_workers(train_jobs: int | None) -> int:
    """Processes that train cells side by side: ``train_jobs``, or by default one per CPU core
    (at most 4; TensorFlow keeps about one core busy with these models' small batches) on a
    CPU-only machine, and 1 where Keras sees an accelerator (one process owns a GPU's memory)."""
    if train_jobs:
        return max(1, int(train_jobs))
    from emobench.harness.provenance import accelerators

    if accelerators():
        return 1
    return default_jobs(limit=4)
