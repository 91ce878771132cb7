"""The stage cache: keyed, atomic, resumable; bad clips skipped with a reason and a manifest line;
parallel runs equal serial ones and survive a crashing worker."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from emobench.datasets.clip import Clip
from emobench.preprocess.cache import StageCache, run_stage


def tiny_feature(clip: Clip) -> dict[str, np.ndarray]:
    """A stand-in stage (module level, so worker processes can import it): logs each call, and
    misbehaves on request through the clip file's content."""
    data = Path(clip.path).read_bytes()
    with open(Path(clip.path).parent / "calls.log", "a") as log:
        log.write(clip.clip_id + "\n")
    if data.startswith(b"BAD"):
        raise ValueError("bad content")
    if data.startswith(b"BUG"):
        raise KeyError("a bug")
    if data.startswith(b"CRASH"):
        os._exit(7)
    if data.startswith(b"STOP"):
        raise KeyboardInterrupt
    return {"data": np.array([len(data), data[-1]], np.float32)}


def make_clips(folder: Path, contents: list[bytes]) -> list[Clip]:
    folder.mkdir(parents=True, exist_ok=True)
    clips = []
    for i, content in enumerate(contents):
        path = folder / "Actor_01" / f"clip{i:02d}.bin"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content)
        clips.append(Clip(path, "happy", "01", "t", "audio", f"Actor_01/clip{i:02d}"))
    return clips


def calls(folder: Path) -> list[str]:
    log = folder / "Actor_01" / "calls.log"
    return log.read_text().split() if log.exists() else []


def good(n: int) -> list[bytes]:
    return [b"x" * (i + 1) + bytes([i]) for i in range(n)]


def test_save_load_roundtrip_and_layout(tmp_path):
    clip = make_clips(tmp_path / "data", good(1))[0]
    cache = StageCache(tmp_path / "cache", "audio:emobase", {"rate": 16000})
    assert cache.load(clip) is None
    path = cache.save(clip, {"data": np.arange(3, dtype=np.float32), "n": np.int64(2)})
    assert path == cache.path_for(clip)
    assert path.parent == tmp_path / "cache" / "audio_emobase" / cache.key / "Actor_01"
    assert path.name.startswith("clip00.") and path.suffix == ".npz"
    loaded = cache.load(clip)
    assert loaded["data"].tolist() == [0, 1, 2] and int(loaded["n"]) == 2
    params = json.loads((cache.dir / "params.json").read_text())
    assert params["stage"] == "audio:emobase" and params["params"] == {"rate": 16000}
    assert not [p for p in cache.dir.rglob("*") if p.name.endswith(".tmp")]  # no leftovers


def test_key_follows_params_and_the_input_file(tmp_path):
    clip = make_clips(tmp_path / "data", good(1))[0]
    a = StageCache(tmp_path, "faces", {"size": 112})
    assert StageCache(tmp_path, "faces", {"size": 112}).path_for(clip) == a.path_for(clip)
    assert StageCache(tmp_path, "faces", {"size": 64}).path_for(clip) != a.path_for(clip)
    before = a.path_for(clip)
    st = clip.path.stat()
    os.utime(clip.path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # touched: recompute
    assert a.path_for(clip) != before


def test_unsafe_clip_ids_stay_inside_the_cache(tmp_path):
    clip = Clip(tmp_path / "x.wav", "sad", "01", "t", "audio", "../../etc/passwd")
    cache = StageCache(tmp_path / "cache", "s", {})
    assert cache.dir in cache.path_for(clip).parents


def test_second_run_does_no_work(tmp_path):
    clips = make_clips(tmp_path / "data", good(5))
    cache = StageCache(tmp_path / "cache", "t", {"v": 1})
    first = run_stage(clips, tiny_feature, cache, progress=False, names=["len", "last"])
    assert first.ids == [c.clip_id for c in clips] and first.data.shape == (5, 2)
    assert first.names == ["len", "last"] and first.computed == 5
    second = run_stage(clips, tiny_feature, cache, progress=False)
    assert second.computed == 0 and len(calls(tmp_path / "data")) == 5
    np.testing.assert_array_equal(first.data, second.data)
    reordered = run_stage(clips[::-1], tiny_feature, cache, progress=False)
    assert reordered.ids == first.ids[::-1]  # always in input order


def test_bad_clips_are_skipped_once_with_a_reason(tmp_path):
    clips = make_clips(tmp_path / "data", [b"ok1", b"BAD file", b"BUG", b"ok2"])
    cache = StageCache(tmp_path / "cache", "t", {})
    out = run_stage(clips, tiny_feature, cache, progress=False)
    assert out.ids == [clips[0].clip_id, clips[3].clip_id]
    assert [(r.path, r.reason) for r in out.skipped] == [
        (clips[1].path, "bad content"), (clips[2].path, "KeyError: 'a bug'")]
    manifest = [json.loads(line) for line in cache.manifest.read_text().splitlines()]
    assert [m["clip_id"] for m in manifest] == [clips[1].clip_id, clips[2].clip_id]
    assert manifest[0]["reason"] == "bad content" and manifest[0]["stage"] == "t"
    again = run_stage(clips, tiny_feature, cache, progress=False)
    assert [r.reason for r in again.skipped] == ["bad content", "KeyError: 'a bug'"]
    # the input error is remembered; the unexpected error (maybe a bug, now fixed) is retried
    assert calls(tmp_path / "data").count(clips[1].clip_id) == 1
    assert calls(tmp_path / "data").count(clips[2].clip_id) == 2
    assert len(cache.manifest.read_text().splitlines()) == 3


def test_all_clips_bad_gives_an_empty_output(tmp_path):
    clips = make_clips(tmp_path / "data", [b"BAD", b"BAD"])
    out = run_stage(clips, tiny_feature, StageCache(tmp_path / "c", "t", {}), progress=False)
    assert out.ids == [] and len(out.data) == 0 and len(out.skipped) == 2


def test_unreadable_cache_entry_is_recomputed(tmp_path):
    clips = make_clips(tmp_path / "data", good(2))
    cache = StageCache(tmp_path / "cache", "t", {})
    run_stage(clips, tiny_feature, cache, progress=False)
    cache.path_for(clips[1]).write_bytes(b"not a zip")
    out = run_stage(clips, tiny_feature, cache, progress=False)
    assert out.ids == [c.clip_id for c in clips] and out.data[1].tolist() == [3, 1]
    assert calls(tmp_path / "data").count(clips[1].clip_id) == 2


def test_parallel_equals_serial_and_a_crashing_worker_costs_one_clip(tmp_path):
    contents = good(6)
    contents[2] = b"CRASH"
    clips = make_clips(tmp_path / "data", contents)
    cache = StageCache(tmp_path / "p", "t", {})
    out = run_stage(clips, tiny_feature, cache, jobs=2, progress=False)
    expected = [c.clip_id for i, c in enumerate(clips) if i != 2]
    assert out.ids == expected
    assert [r.reason for r in out.skipped] == ["worker process died while processing this clip"]
    good_only = [c for i, c in enumerate(clips) if i != 2]
    ref = run_stage(good_only, tiny_feature, StageCache(tmp_path / "s", "t", {}), progress=False)
    np.testing.assert_array_equal(out.data, ref.data)
    rerun = run_stage(clips, tiny_feature, cache, jobs=2, progress=False)
    assert rerun.computed == 0 and rerun.ids == expected  # the crash is not retried


def test_interrupt_in_a_parallel_run_propagates_and_the_rerun_finishes(tmp_path):
    contents = good(4) + [b"STOP"] + good(3)
    clips = make_clips(tmp_path / "data", contents)
    cache = StageCache(tmp_path / "cache", "t", {})
    with pytest.raises(KeyboardInterrupt):
        run_stage(clips, tiny_feature, cache, jobs=2, progress=False)
    clips[4].path.write_bytes(b"fixed!")
    out = run_stage(clips, tiny_feature, cache, jobs=2, progress=False)
    assert out.ids == [c.clip_id for c in clips] and not out.skipped


KILLED_RUN = """
import sys, time
from pathlib import Path
import numpy as np
from emobench.datasets.clip import Clip
from emobench.preprocess.cache import StageCache, run_stage

def slow(clip):
    time.sleep(0.15)
    data = Path(clip.path).read_bytes()
    return {"data": np.array([len(data), data[-1]], np.float32)}

data, root = Path(sys.argv[1]), Path(sys.argv[2])
clips = [Clip(p, "happy", "01", "t", "audio", "Actor_01/" + p.stem)
         for p in sorted((data / "Actor_01").glob("*.bin"))]
run_stage(clips, slow, StageCache(root, "t", {}), progress=False)
"""


def test_a_killed_run_resumes_where_it_stopped(tmp_path):
    clips = make_clips(tmp_path / "data", good(16))
    cache = StageCache(tmp_path / "cache", "t", {})
    proc = subprocess.Popen([sys.executable, "-c", KILLED_RUN, str(tmp_path / "data"),
                             str(cache.root)])
    deadline = time.monotonic() + 60
    while len(list(cache.dir.rglob("*.npz"))) < 4 and time.monotonic() < deadline:
        assert proc.poll() is None, "the stage finished before it could be killed"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = {p: p.stat().st_mtime_ns for p in cache.dir.rglob("*.npz")}
    assert 4 <= len(done) < len(clips)
    out = run_stage(clips, tiny_feature, cache, progress=False)
    assert out.ids == [c.clip_id for c in clips] and out.computed == len(clips) - len(done)
    assert sorted(calls(tmp_path / "data")) == sorted(
        c.clip_id for c in clips if cache.path_for(c) not in done)
    assert all(p.stat().st_mtime_ns == t for p, t in done.items())  # finished work untouched
    assert out.data[:, 0].tolist() == [len(c.path.read_bytes()) for c in clips]
