"""The preprocessing cache: one .npz per (clip, stage parameters), written atomically, plus the
parallel map that fills it, skips bad clips with a one-line reason, and resumes after a kill.

Layout under ``root`` (default ``cache_root()/"features"``)::

    <root>/<stage>/<params-key>/params.json            the stage name and parameters, readable
    <root>/<stage>/<params-key>/<clip_id>.<fp>.npz     the arrays of one clip
    <root>/<stage>/<params-key>/<clip_id>.<fp>.skip    the reason a clip was skipped (input errors)
    <root>/skipped.jsonl                               one JSON line per newly skipped clip

``params-key`` hashes the stage name and parameters; ``fp`` hashes the clip file's resolved path,
size and modification time, so an edited or replaced file is recomputed.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from emobench.atomic import atomic_write_bytes
from emobench.datasets.clip import Clip, Rejected

#: Bumped when the cache layout or file format changes, so old entries are never misread.
CACHE_FORMAT = 1

#: Where stages send their clips when set (a Ray run sets it, see
#: :mod:`emobench.harness.ray_executor`): ``mapper(todo, clips, fn, cache)`` yields
#: ``(index, reason | None)`` as clips finish, with every finished clip saved in ``cache``.
CLIP_MAPPER: ContextVar[Callable | None] = ContextVar("emobench_clip_mapper", default=None)


@dataclass
class StageOutput:
    """What a preprocessing stage produced for a list of clips, in input order."""

    stage: str
    params: dict
    ids: list[str]
    data: np.ndarray
    skipped: list[Rejected] = field(default_factory=list)
    names: list[str] | None = None
    computed: int = 0       # clips processed by this call (the rest came from the cache)
    seconds: float = 0.0    # wall time spent processing them

    def __len__(self) -> int:
        return len(self.ids)


def params_key(stage: str, params: dict) -> str:
    """A short stable hash of a stage and its (JSON-serialisable) parameters."""
    blob = json.dumps({"stage": stage, "params": params, "format": CACHE_FORMAT},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "_"


class StageCache:
    """The cache of one stage with one set of parameters; cheap to pickle into worker processes."""

    def __init__(self, root: str | Path, stage: str, params: dict, *, compress: bool = True):
        self.root = Path(root)
        self.stage = stage
        self.params = dict(params)
        self.compress = compress
        self.key = params_key(stage, self.params)
        self.dir = self.root / _safe(stage) / self.key
        self.manifest = self.root / "skipped.jsonl"

    def fingerprint(self, clip: Clip) -> str:
        """Hash of the clip file's resolved path, size and mtime (changes when the file does)."""
        path = Path(clip.path).resolve()
        try:
            st = path.stat()
            ident = f"{path}|{st.st_size}|{st.st_mtime_ns}"
        except OSError:
            ident = f"{path}|missing"
        return hashlib.sha256(ident.encode()).hexdigest()[:12]

    def path_for(self, clip: Clip) -> Path:
        """Where the arrays of ``clip`` live (whether or not they exist yet)."""
        parts = [_safe(p) for p in str(clip.clip_id).replace("\\", "/").split("/") if p]
        stem = Path(*parts) if parts else Path("_")
        return self.dir / stem.with_name(f"{stem.name}.{self.fingerprint(clip)}.npz")

    def load(self, clip: Clip) -> dict[str, np.ndarray] | None:
        """The cached arrays of ``clip``, or None when absent or unreadable."""
        path = self.path_for(clip)
        try:
            with np.load(path, allow_pickle=False) as npz:
                return {k: npz[k] for k in npz.files}
        except (OSError, ValueError, EOFError):
            return None

    def save(self, clip: Clip, arrays: dict[str, np.ndarray]) -> Path:
        """Write ``arrays`` for ``clip`` atomically; returns the file."""
        if not arrays:
            raise ValueError("nothing to save")
        self._write_params()
        saver = np.savez_compressed if self.compress else np.savez
        return atomic_write_bytes(self.path_for(clip), lambda fh: saver(fh, **arrays))

    def skip_reason(self, clip: Clip) -> str | None:
        """The recorded reason ``clip`` was skipped by an earlier run, if any."""
        try:
            return json.loads(self.path_for(clip).with_suffix(".skip").read_text())["reason"]
        except (OSError, ValueError, KeyError):
            return None

    def save_skip(self, clip: Clip, reason: str) -> None:
        """Remember that ``clip`` is unusable for this stage (until its file changes)."""
        self._write_params()
        blob = json.dumps({"path": str(clip.path), "reason": reason}).encode()
        atomic_write_bytes(self.path_for(clip).with_suffix(".skip"), lambda fh: fh.write(blob))

    def record_skips(self, skipped: list[tuple[Clip, str]]) -> None:
        """Append one line per newly skipped clip to the skip manifest."""
        if not skipped:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        lines = "".join(json.dumps({"time": stamp, "stage": self.stage, "params_key": self.key,
                                    "clip_id": c.clip_id, "path": str(c.path), "reason": r}) + "\n"
                        for c, r in skipped)
        with open(self.manifest, "a", encoding="utf-8") as fh:  # O_APPEND: lines never interleave
            fh.write(lines)

    def _write_params(self) -> None:
        target = self.dir / "params.json"
        if not target.exists():
            blob = json.dumps({"stage": self.stage, "params": self.params, "format": CACHE_FORMAT},
                              indent=1, sort_keys=True, default=str).encode()
            atomic_write_bytes(target, lambda fh: fh.write(blob))


def _reason(err: BaseException, clip: Clip) -> str:
    """A one-line reason, without the path the Rejected record already carries."""
    reason = getattr(err, "reason", None)  # MediaError has one
    if reason:
        return str(reason)
    text = " ".join(str(err).split())
    text = text.removeprefix(f"{clip.path}: ")
    return text if text and isinstance(err, ValueError) else f"{type(err).__name__}: {text}"


def _work(fn: Callable[[Clip], Any], cache: StageCache, clip: Clip) -> str | None:
    """Compute and store one clip; returns None on success, else the reason it was skipped."""
    try:
        out = fn(clip)
        arrays = out if isinstance(out, dict) else {"data": np.asarray(out)}
    except ValueError as err:
        # bad input (MediaError is a ValueError): deterministic, so remembered until the file changes
        reason = _reason(err, clip)
        cache.save_skip(clip, reason)
        return reason
    except Exception as err:  # noqa: BLE001 - a bug or a transient failure: skip now, retry next run
        return _reason(err, clip)
    cache.save(clip, arrays)
    return None


def _map_processes(todo: list[int], clips: list[Clip], fn, cache: StageCache, jobs: int):
    """Yield ``(index, reason | None)`` as worker processes finish clips. A worker that dies
    (a crash inside a C library) costs only the clip it was on: after a crash the remaining clips
    run one at a time until the culprit is found, then in parallel again."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    pending, solo = list(todo), False
    while pending:
        ex = ProcessPoolExecutor(1 if solo else min(jobs, len(pending)),
                                 mp_context=mp.get_context("spawn"))  # fork is unsafe with threads
        broken: list[int] = []
        try:
            futures = {ex.submit(_work, fn, cache, clips[i]): i for i in pending}
            for fut in as_completed(futures):
                try:
                    yield futures[fut], fut.result()
                except BrokenProcessPool:
                    broken.append(futures[fut])
        except BaseException:
            ex.shutdown(wait=False, cancel_futures=True)
            raise
        ex.shutdown()
        pending = [i for i in pending if i in set(broken)]
        if pending and solo:  # one worker runs in order: the first unfinished clip killed it
            culprit, reason = pending.pop(0), "worker process died while processing this clip"
            cache.save_skip(clips[culprit], reason)  # it would kill the next run's worker too
            yield culprit, reason
        solo = bool(pending) and not solo


def run_stage(clips: list[Clip], fn: Callable[[Clip], Any], cache: StageCache, *, jobs: int = 1,
              progress: bool = True, desc: str | None = None,
              names: list[str] | None = None, key: str = "data") -> StageOutput:
    """Map ``fn`` over the clips not yet in ``cache`` and return every clip's ``key`` array,
    stacked in input order.

    ``fn(clip)`` returns an array or a dict of arrays (``key`` among them) and raises on bad
    input; it must be picklable (a module-level function or a ``functools.partial`` of one) when
    ``jobs > 1``. Finished clips are saved as they complete, so a killed run resumes where it
    stopped. A clip that fails is skipped with a one-line reason, appended to the skip manifest;
    input errors (``ValueError``, incl. ``MediaError``) are also remembered so a rerun does no work.
    """
    from emobench.progress import tqdm

    clips = list(clips)
    reasons: dict[int, str] = {}
    todo = []
    for i, clip in enumerate(clips):
        if cache.path_for(clip).exists():
            continue
        old = cache.skip_reason(clip)
        if old is None:
            todo.append(i)
        else:
            reasons[i] = old
    mapper = CLIP_MAPPER.get()
    runner = (mapper(todo, clips, fn, cache) if mapper is not None and todo
              else _map_processes(todo, clips, fn, cache, jobs) if jobs > 1 and len(todo) > 1
              else ((i, _work(fn, cache, clips[i])) for i in todo))
    start = time.perf_counter()
    with tqdm(total=len(clips), initial=len(clips) - len(todo), desc=desc or cache.stage,
              unit="clip", disable=not progress, dynamic_ncols=True) as bar:
        for i, reason in runner:
            if reason is not None:
                reasons[i] = reason
                cache.record_skips([(clips[i], reason)])
            bar.update()
    out = _collect(clips, reasons, fn, cache, names, key)
    out.computed, out.seconds = len(todo), time.perf_counter() - start
    return out


def _collect(clips, reasons, fn, cache, names, key) -> StageOutput:
    ids, rows, skipped = [], [], []
    for i, clip in enumerate(clips):
        reason = reasons.get(i)
        arrays = None if reason else cache.load(clip)
        if arrays is None and not reason:  # an unreadable entry (disk trouble): compute it again
            cache.path_for(clip).unlink(missing_ok=True)
            reason = _work(fn, cache, clip)
            arrays = None if reason else cache.load(clip)
        if arrays is None or key not in arrays:
            skipped.append(Rejected(clip.path, reason or f"cache entry has no {key!r} array"))
            continue
        ids.append(clip.clip_id)
        rows.append(arrays[key])
    shapes = sorted({r.shape for r in rows})
    if len(shapes) > 1:
        raise ValueError(f"{cache.stage}: clips gave arrays of different shapes {shapes[:3]}")
    data = np.stack(rows) if rows else np.empty((0,), np.float32)
    return StageOutput(cache.stage, dict(cache.params), ids, data, skipped, names)
