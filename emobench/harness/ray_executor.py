"""Running a suite on a Ray cluster (``emobench run --executor ray [--ray-address ADDR]``).

Ray does the scheduling, retries and data movement; this module only maps the harness onto it:

- preprocessing: one Ray task per clip and stage (1 CPU). The task computes the clip as the local
  stage does and sends the clip's cache entry back; the driver writes whatever its own cache
  lacks, so the driver's cache is complete whether or not the workers share its file system.
- training: one Ray task per cell (a GPU when the cluster has GPUs and the model is a Keras one,
  else 1 CPU). Feature tables are put in Ray's object store once by the driver and read by every
  task on a node without copies; a fusion task takes its branch tasks' probabilities as
  arguments, so Ray starts it only when both branches have finished (branches stored by earlier
  runs are read from the database and put in the store).
- one writer: tasks return their results (metrics, arrays, the saved model's files) to the
  driver, which alone writes the SQLite database, the model folders and the cache.
- faults: a task whose worker dies (killed, out of memory, node lost) is retried by Ray up to
  ``MAX_RETRIES`` times; a cell that raises is returned as a failure (``retry_exceptions`` off)
  and recorded as one, exactly as the local executor records it.
"""
from __future__ import annotations

import functools
import importlib
import io
import json
import os
import platform
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Iterator, Sequence

from emobench.atomic import atomic_write_bytes
from emobench.harness.cell import Cell
from emobench.harness.execute import CellOutcome, RunContext, store_outcome, train_outcome
from emobench.harness.store import ResultStore, _jsonable
from emobench.preprocess.cache import CLIP_MAPPER, StageCache, _work

#: Retries of a task whose worker process or node died (Ray's ``max_retries``).
MAX_RETRIES = 3
#: A fusion cell's inputs: its branch cells' scored ids and probabilities.
BRANCH_ARRAYS = tuple(f"{split}_{what}" for split in ("train", "val", "rml")
                      for what in ("ids", "proba"))


def require_ray():
    """The ``ray`` module, or a one-line error saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ValueError("the ray executor needs Ray: pip install 'emobench[ray]'") from None
    return ray


@contextmanager
def ray_session(address: str | None = None):
    """Ray for the duration of the block: the instance this process is already connected to,
    else the cluster at ``address`` (disconnected after), else a local instance started here
    and stopped after (Ray's own ``RAY_ADDRESS`` applies when ``address`` is None)."""
    ray = require_ray()
    if ray.is_initialized():
        yield ray
        return
    options = {"address": address} if address else {"include_dashboard": False}
    try:
        ray.init(logging_level="WARNING", **options)
    except (ConnectionError, RuntimeError) as err:
        raise ValueError(f"cannot start or reach Ray at {address or 'a local instance'}: "
                         f"{_first_line(err)}") from None
    try:
        yield ray
    finally:
        ray.shutdown()


@contextmanager
def clips_on_ray(ray):
    """Preprocessing stages run inside the block send their clips to Ray tasks."""
    token = CLIP_MAPPER.set(functools.partial(_map_clips, ray))
    try:
        yield
    finally:
        CLIP_MAPPER.reset(token)


@contextmanager
def ray_preprocessing(address: str | None = None):
    """``with ray_preprocessing(): run_preprocess(...)`` fans the clips out over Ray."""
    with ray_session(address) as ray, clips_on_ray(ray):
        yield


def execute_ray(ctx: RunContext, cells: Sequence[Cell], store: ResultStore,
                address: str | None = None) -> Iterator[tuple[str, bool, str]]:
    """Preprocess for and train ``cells`` (fusion cells included) as Ray tasks; yield
    ``(key, ok, message)`` as the driver stores each one."""
    with ray_session(address) as ray:
        with clips_on_ray(ray):
            ctx.prepare(cells)
        yield from _run_cells(ray, ctx, cells, store)


# ---- driver ---------------------------------------------------------------------------------
def _run_cells(ray, ctx: RunContext, cells: Sequence[Cell], store: ResultStore):
    from emobench.registry import get_model_info

    gpus = ray.cluster_resources().get("GPU", 0) > 0
    light = replace(ctx, config=replace(ctx.config, jobs=1, progress=False), tables={})
    ctx_ref, setup_ref = ray.put(light), ray.put(_worker_setup(cells))
    tables = {k: ray.put(t) for k, t in ctx.tables.items()}
    task = ray.remote(num_returns=2, max_retries=MAX_RETRIES,
                      retry_exceptions=False)(_cell_task)
    branch_refs, pending = {}, {}
    for cell in sorted(cells, key=lambda c: bool(c.branches)):  # branches are submitted first
        if cell.branches:
            keys = ()
            inputs = [branch_refs[k] if k in branch_refs else ray.put(_stored_branch(store, k))
                      for k in cell.branches]
        else:
            keys = [(cell.features, "main")] + ([(cell.features, "rml")] if ctx.rml_clips
                                                 else [])
            inputs = [tables[k] for k in keys]
        keras = get_model_info(cell.model).backend == "keras"
        out, branch_refs[cell.key] = task.options(
            num_cpus=1, num_gpus=1 if gpus and keras else 0).remote(
            ctx_ref, setup_ref, cell, keys, *inputs)
        pending[out] = cell
    for ref in _as_completed(ray, pending):
        cell = pending.pop(ref)
        try:
            outcome, files = ray.get(ref)
        except ray.exceptions.RayError as err:  # the worker died MAX_RETRIES + 1 times
            reason = f"Ray task failed ({type(err).__name__}): {_first_line(err)}"
            outcome, files = CellOutcome(cell, False, f"FAILED {cell.label}: {reason}",
                                         reason, f"{reason}\n{err}"), {}
        if files:
            _write_missing(ctx.run_dir / outcome.record["model_path"], files)
        yield store_outcome(ctx, outcome, store)


def _as_completed(ray, pending: dict):
    """The refs of ``pending`` as their tasks finish (``pending`` shrinks as the caller pops)."""
    while pending:
        ready, rest = ray.wait(list(pending), num_returns=1)
        if rest:  # whatever else is done too, in one call instead of one per ref
            more, _ = ray.wait(rest, num_returns=len(rest), timeout=0)
            ready += more
        yield from ready


def _stored_branch(store: ResultStore, key: str) -> dict:
    """A branch cell finished by an earlier run: its probabilities from the database."""
    found = {name: store.array(key, name) for name in BRANCH_ARRAYS}
    return {k: v for k, v in found.items() if v is not None}


def _worker_setup(cells: Sequence[Cell]) -> tuple[list, list]:
    """What a worker needs to find the cells' models: each factory's module with the folder
    that holds it (a user's or a test's own module may be outside the installed package), and
    the registry entries of models defined in the driver's ``__main__`` (shipped by value)."""
    from emobench.registry import get_model_info

    modules, infos = {}, {}
    for cell in cells:
        info = get_model_info(cell.model)
        name = info.factory.__module__
        if name in ("__main__", "__mp_main__"):
            infos[info.name] = info
            continue
        file = getattr(sys.modules.get(name), "__file__", None)
        depth = name.count(".") + (Path(file).name == "__init__.py" if file else 0)
        modules[name] = str(Path(file).resolve().parents[depth]) if file else None
    return sorted(modules.items()), list(infos.values())


def _write_missing(folder: Path, files: dict[str, bytes]) -> None:
    for rel, blob in files.items():
        target = folder / rel
        if not target.exists():
            atomic_write_bytes(target, lambda fh, b=blob: fh.write(b))


def _map_clips(ray, todo: list[int], clips: list, fn, cache: StageCache):
    """:data:`CLIP_MAPPER` for Ray: one task per clip; yields ``(index, reason | None)``."""
    task = ray.remote(num_cpus=1, max_retries=MAX_RETRIES, retry_exceptions=False)(_clip_task)
    fn_ref, cache_ref = ray.put(fn), ray.put(cache)
    pending = {task.remote(fn_ref, cache_ref, clips[i]): i for i in todo}
    for ref in _as_completed(ray, pending):
        i, files = pending.pop(ref), {}
        try:
            reason, files = ray.get(ref)
        except ray.exceptions.RayTaskError as err:  # e.g. the worker cannot write the cache
            reason = _first_line(err.cause if getattr(err, "cause", None) else err)
        except ray.exceptions.RayError:  # it killed its worker every time: never try it again
            reason = "worker process died while processing this clip"
            cache.save_skip(clips[i], reason)
        _save_entry(cache, clips[i], files)
        yield i, reason


def _save_entry(cache: StageCache, clip, files: dict[str, bytes]) -> None:
    """Write a worker's cache entry of ``clip`` where the driver's cache keeps it, unless it is
    there already (a shared or local file system: the worker wrote it itself)."""
    import numpy as np

    entry = cache.path_for(clip)
    for name, blob in files.items():
        if name.startswith("dir/"):
            _write_missing(entry.with_suffix(""), {name[4:]: blob})
    if "skip" in files and cache.skip_reason(clip) is None:
        cache.save_skip(clip, json.loads(files["skip"])["reason"])
    if "entry" in files and not entry.exists():
        with np.load(io.BytesIO(files["entry"]), allow_pickle=False) as npz:
            cache.save(clip, {k: npz[k] for k in npz.files})


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return " ".join((text.splitlines() or [type(err).__name__])[0].split())


# ---- worker (inside Ray tasks) --------------------------------------------------------------
class _Branches:
    """A fusion task's branch probabilities, read the way the results database is read."""

    def __init__(self, arrays: dict[str, dict]):
        self.arrays = arrays

    def array(self, key: str, name: str):
        return self.arrays.get(key, {}).get(name)


def _setup(modules: list, infos: list) -> None:
    from emobench import quiet
    from emobench.registry import list_models, register_model

    quiet.install()  # TensorFlow's log lines off the worker's stderr (unless --verbose)
    for name, root in modules:
        if root and os.path.isdir(root) and root not in sys.path:
            sys.path.append(root)
        importlib.import_module(name)
    known = {info.name for info in list_models()}
    for info in infos:
        if info.name not in known:
            register_model(modality=info.modality, input_kind=info.input_kind,
                           backend=info.backend)(info.factory)


def _writable(run_dir: Path) -> Path:
    """The run directory where this worker can write it (the driver's path on a shared or the
    same machine), else a temporary one: the model files go back to the driver anyway."""
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        if os.access(run_dir, os.W_OK):
            return run_dir
    except OSError:
        pass
    return Path(tempfile.gettempdir()) / "emobench-ray" / run_dir.name


def _where() -> dict:
    """The node a cell trained on (its provenance: the driver's machine may have no GPU)."""
    import ray

    from emobench.harness import provenance as prov

    hardware = prov.hardware() if "keras" in sys.modules else {  # no backend import for sklearn
        "platform": platform.platform(), "machine": platform.machine(),
        "cpu": prov._cpu_model(), "cores": os.cpu_count(), "memory_gib": prov._memory_gib(),
        "accelerators": []}
    return {"hardware": hardware,
            "executor": {"name": "ray", "node": ray.util.get_node_ip_address(),
                         "host": platform.node(), "gpu_ids": [str(g) for g in ray.get_gpu_ids()]}}


def _cell_task(ctx: RunContext, setup: tuple, cell: Cell, keys: list, *inputs):
    """Train one cell; returns ``((CellOutcome, model files), branch arrays)``."""
    _setup(*setup)
    ctx = replace(ctx, run_dir=_writable(Path(ctx.run_dir)), tables=dict(zip(keys, inputs)))
    branches = _Branches(dict(zip(cell.branches, inputs)) if cell.branches else {})
    outcome = train_outcome(ctx, cell, branches)
    files, arrays = {}, {}
    if outcome.ok:
        outcome.record["provenance"].update(_where())
        if outcome.record.get("model_path"):
            folder = ctx.run_dir / outcome.record["model_path"]
            files = {str(p.relative_to(folder)): p.read_bytes()
                     for p in sorted(folder.rglob("*")) if p.is_file()}
        # as the database would give them back, so fusion here equals fusion there
        arrays = {n: json.loads(json.dumps(_jsonable(outcome.record["arrays"][n])))
                  for n in BRANCH_ARRAYS if n in outcome.record["arrays"]}
    return (outcome, files), arrays


def _clip_task(fn, cache: StageCache, clip) -> tuple[str | None, dict[str, bytes]]:
    """Preprocess one clip into this node's copy of the cache; returns the reason it was
    skipped (None: done) and the entry's files for the driver's cache."""
    reason = _work(fn, cache, clip)
    entry, files = cache.path_for(clip), {}
    if entry.exists():
        files["entry"] = entry.read_bytes()
    if entry.with_suffix(".skip").exists():
        files["skip"] = entry.with_suffix(".skip").read_bytes()
    folder = entry.with_suffix("")
    if folder.is_dir():
        files.update({f"dir/{p.relative_to(folder)}": p.read_bytes()
                      for p in sorted(folder.rglob("*")) if p.is_file()})
    return reason, files
