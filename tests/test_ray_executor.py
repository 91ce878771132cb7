"""The Ray executor (issue 17) on a local Ray started inside the tests: the same results as the
local process pool for the same seeds (fusion through Ray's task dependencies, preprocessing
fanned out per clip), a worker killed mid-cell retried with nothing lost or stored twice, a cell
that fails for its own reasons recorded once and never retried, and the CLI flag."""
from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")

import harness_dummies  # noqa: E402,F401 - registers dummy_audio
import ray_dummies  # noqa: E402,F401 - registers dummy_video and probe_audio
from emobench.harness import ResultStore, run_suite  # noqa: E402
from emobench.harness.suites import SUITES, FusionSuite  # noqa: E402

#: A fusion suite of tiny models, so fusion's branch dependencies run in seconds.
TINY_FUSION = FusionSuite("tinyfusion", ("dummy_video",), "dummy_audio", ("fusion_avg",))


@pytest.fixture(autouse=True)
def no_default_rml(monkeypatch):
    """No RML cross set from $EMOBENCH_DATA: the cache counts below are the corpus's alone."""
    monkeypatch.delenv("EMOBENCH_DATA", raising=False)


@pytest.fixture
def tiny_fusion(monkeypatch):
    monkeypatch.setitem(SUITES, "tinyfusion", TINY_FUSION)


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray of 2 CPUs for the module (a run reuses the instance it finds)."""
    if ray.is_initialized():
        ray.shutdown()
    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING")
    yield ray
    ray.shutdown()


def _common(corpus, tmp: Path, name: str, **extra) -> dict:
    return dict(dataset="synth", data_root=str(corpus), folds=2, frames=2, size=16,
                feature_sets=("emobase",), fusion_audio_features="emobase",
                run_dir=str(tmp / f"run-{name}"), cache_dir=str(tmp / f"cache-{name}"),
                progress=False, **extra)


def _by_key(run_dir) -> dict:
    with ResultStore(run_dir) as store:
        run = store.run()
        return {c["key"]: {**c, "val_proba": store.array(c["key"], "val_proba"),
                           "failures": store.failures(run["run_id"])}
                for c in store.cells(run["run_id"])}


def _entries(cache: Path) -> set[str]:
    return {str(p.relative_to(cache)) for p in cache.rglob("*.npz")}


def test_ray_run_equals_the_local_pool_and_stops_the_ray_it_started(synth_corpus, tmp_path,
                                                                     tiny_fusion, monkeypatch):
    was_up = ray.is_initialized()  # the module's Ray when another test started it first
    # one BLAS thread per cell in both (Ray gives a 1-CPU task OMP_NUM_THREADS=1): another
    # thread count sums in another order, and lbfgs then stops a few 1e-4 away
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    models = ("audio_svm", "dummy_audio", "dummy_video", "fusion_avg")
    local = run_suite("audio,tinyfusion", models=models, train_jobs=2,
                      **_common(synth_corpus, tmp_path, "local"))
    on_ray = run_suite("audio,tinyfusion", models=models, executor="ray",
                       **_common(synth_corpus, tmp_path, "ray"))
    assert ray.is_initialized() == was_up  # a Ray started for the run is stopped after it
    assert not local.failed and not on_ray.failed, on_ray.failed
    # audio_svm and dummy_audio x 2 folds (dummy_audio doubles as fusion's audio branch),
    # dummy_video x 2, fusion_avg x 2
    assert local.planned == on_ray.planned == len(on_ray.trained) == 8
    a, b = _by_key(tmp_path / "run-local"), _by_key(tmp_path / "run-ray")
    assert set(a) == set(b) == set(on_ray.trained)
    for key, cell in b.items():
        for name in ("val_accuracy", "val_loss", "train_accuracy", "n_train", "n_val"):
            assert cell["metrics"][name] == pytest.approx(a[key]["metrics"][name], abs=1e-9)
        np.testing.assert_allclose(cell["val_proba"], a[key]["val_proba"], atol=1e-7)
        assert cell["split"] == a[key]["split"]
        assert (tmp_path / "run-ray" / cell["model_path"]).is_dir()
        assert cell["provenance"]["executor"]["name"] == "ray"
    fused = [c for c in b.values() if c["model"] == "fusion_avg"]
    assert len(fused) == 2 and all(k in b for c in fused for k in c["cell"]["branches"])
    # every clip preprocessed by a Ray task is in the driver's cache, named as locally
    assert _entries(tmp_path / "cache-ray") == _entries(tmp_path / "cache-local")
    assert len(_entries(tmp_path / "cache-ray")) == 2 * 28  # emobase and faces of 28 clips


def _attempts(folder: Path) -> list[int]:
    return sorted(int(p.name.split("-")[0]) for p in folder.glob("*")) if folder.is_dir() \
        else []


def test_worker_killed_mid_cell_is_retried_and_stored_once(synth_corpus, tmp_path, local_ray):
    attempts, killed = tmp_path / "attempts", []

    def kill_first_attempt():
        deadline = time.time() + 120
        while not _attempts(attempts) and time.time() < deadline:
            time.sleep(0.05)
        if _attempts(attempts):
            killed.append(_attempts(attempts)[0])
            os.kill(killed[0], signal.SIGKILL)  # the Ray worker process training the cell

    killer = threading.Thread(target=kill_first_attempt, daemon=True)
    killer.start()
    summary = run_suite("audio", models=("probe_audio",), executor="ray",
                        model_options={"probe_audio": {"attempts": str(attempts),
                                                       "sleep": 2.0}},
                        **_common(synth_corpus, tmp_path, "kill"))
    killer.join(5)
    assert killed, "no training attempt was seen to kill"
    assert not summary.failed, summary.failed
    assert summary.planned == 2 and sorted(summary.trained) == sorted(set(summary.trained))
    assert len(summary.trained) == 2
    tries = _attempts(attempts)
    assert len(tries) == 3 and killed[0] in tries  # 2 cells + the retry of the killed one
    cells = _by_key(tmp_path / "run-kill")
    assert set(cells) == set(summary.trained)
    assert not next(iter(cells.values()))["failures"]
    with ResultStore(tmp_path / "run-kill") as store:
        assert store.run()["status"] == "done" and len(store.cells()) == 2


def test_cell_failing_by_itself_is_recorded_once_not_retried(synth_corpus, tmp_path,
                                                            local_ray):
    attempts = tmp_path / "attempts"
    summary = run_suite("audio", models=("probe_audio", "dummy_audio"), executor="ray",
                        model_options={"probe_audio": {"attempts": str(attempts),
                                                       "fail": True}},
                        **_common(synth_corpus, tmp_path, "fail"))
    assert len(summary.failed) == 2 and len(summary.trained) == 2  # dummy_audio unharmed
    assert all("probe_audio was asked to fail" in r for r in summary.failed.values())
    assert len(_attempts(attempts)) == 2  # one attempt per cell: no retry
    with ResultStore(tmp_path / "run-fail") as store:
        run = store.run()
        assert run["status"] == "done-with-failures"
        failures = store.failures(run["run_id"])
        assert sorted(f["key"] for f in failures) == sorted(summary.failed)
        assert "Traceback" in failures[0]["error"]
    again = run_suite("audio", models=("probe_audio", "dummy_audio"), executor="ray",
                      model_options={"probe_audio": {"attempts": str(attempts),
                                                     "fail": True}},
                      **_common(synth_corpus, tmp_path, "fail"))
    assert len(again.reused) == 2 and set(again.failed) == set(summary.failed)  # tried again


def test_clip_entries_reach_a_driver_cache_on_another_file_system(synth_scan, tmp_path):
    """What a worker on another machine sends back (arrays, JPEG crops, a skip reason) lands
    in the driver's cache as if the driver had computed it."""
    from dataclasses import replace

    from emobench.harness.ray_executor import _clip_task, _save_entry
    from emobench.preprocess.cache import StageCache
    from emobench.preprocess.faces import face_stage, jpeg_folder

    worker, make = face_stage(frames=2, size=16, cache_dir=tmp_path / "worker")
    driver = StageCache(tmp_path / "driver", worker.stage, worker.params)
    bad_file = tmp_path / "bad.mp4"
    bad_file.write_bytes(b"not a video")
    good, bad = synth_scan.clips[0], replace(synth_scan.clips[0], path=bad_file,
                                             clip_id="Actor_99/bad")
    reason, files = _clip_task(make, worker, good)
    assert reason is None and "entry" in files
    _save_entry(driver, good, files)
    np.testing.assert_array_equal(driver.load(good)["data"], worker.load(good)["data"])
    assert sorted(p.name for p in jpeg_folder(driver, good).iterdir()) == ["00.jpg", "01.jpg"]
    reason, files = _clip_task(make, worker, bad)
    assert reason and "skip" in files and "entry" not in files
    _save_entry(driver, bad, files)
    assert driver.skip_reason(bad) == reason and driver.load(bad) is None


_DRIVER = """
import sys
sys.path.insert(0, {tests!r})
import ray_dummies
from emobench.harness import run_suite
run_suite("audio", dataset="synth", data_root={root!r}, folds=4, models=("probe_audio",),
          feature_sets=("emobase",), run_dir={run_dir!r}, cache_dir={cache!r}, progress=False,
          model_options={{"probe_audio": {{"attempts": {attempts!r}, "sleep": 1.0}}}},
          executor="ray", ray_address={address!r})
"""


def test_driver_killed_mid_run_resumes_on_rerun(synth_corpus, tmp_path, local_ray):
    import subprocess
    import sys

    run_dir, cache, attempts = tmp_path / "run", tmp_path / "cache", tmp_path / "attempts"
    address = local_ray.get_runtime_context().gcs_address  # the driver joins this "cluster"
    code = _DRIVER.format(tests=str(Path(__file__).parent), root=str(synth_corpus),
                          run_dir=str(run_dir), cache=str(cache), attempts=str(attempts),
                          address=address)
    driver = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while driver.poll() is None and time.time() < deadline:
        if (run_dir / "results.sqlite").exists():
            with ResultStore(run_dir) as store:
                if len(store.cells()) >= 2:
                    break
        time.sleep(0.1)
    driver.kill()
    driver.wait()
    with ResultStore(run_dir) as store:
        before = {c["key"]: c["finished"] for c in store.cells()}
        assert 2 <= len(before) < 4 and store.run()["status"] == "running"
    resumed = run_suite("audio", dataset="synth", data_root=str(synth_corpus), folds=4,
                        models=("probe_audio",), feature_sets=("emobase",),
                        run_dir=str(run_dir), cache_dir=str(cache), progress=False,
                        model_options={"probe_audio": {"attempts": str(attempts),
                                                       "sleep": 1.0}},
                        executor="ray", ray_address=address)
    assert set(resumed.reused) == set(before) and not set(resumed.trained) & set(before)
    assert len(resumed.trained) + len(before) == resumed.planned == 4 and not resumed.failed
    with ResultStore(run_dir) as store:
        after = {c["key"]: c["finished"] for c in store.cells()}
        assert len(after) == 4 and all(after[k] == v for k, v in before.items())


def test_cli_executor_option(synth_corpus, tmp_path, local_ray):
    from click.testing import CliRunner

    from emobench.cli import main

    args = ["run", "--suite", "audio", "--models", "dummy_audio", "--feature-sets", "emobase",
            "--data-root", str(synth_corpus), "--folds", "2", "--run-dir", str(tmp_path),
            "--cache-dir", str(tmp_path / "cache"), "--no-progress", "--executor", "ray"]
    ok = CliRunner().invoke(main, args)
    assert ok.exit_code == 0, ok.output
    assert "2 cells, 2 trained, 0 reused, 0 failed" in ok.output
    bad = CliRunner().invoke(main, args[:-1] + ["dask"])
    assert bad.exit_code != 0 and "'dask' is not one of 'local', 'ray'" in bad.output
    pre = CliRunner().invoke(main, ["preprocess", "--data-root", str(synth_corpus), "--stages",
                                    "audio", "--feature-sets", "emobase2010", "--cache-dir",
                                    str(tmp_path / "cache"), "--no-progress", "--executor",
                                    "ray"])
    assert pre.exit_code == 0, pre.output
    row = next(line.split() for line in pre.output.splitlines()
               if line.startswith("audio:emobase2010"))
    assert row[1:4] == ["28", "0", "28"]  # 28 clips, none skipped, all computed by Ray tasks
    assert len(list((tmp_path / "cache").rglob("*.npz"))) == 2 * 28  # emobase + emobase2010


def test_without_ray_the_ray_executor_is_a_one_line_error(synth_corpus, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(ValueError, match=r"needs Ray: pip install 'emobench\[ray\]'"):
        run_suite("audio", models=("dummy_audio",), executor="ray",
                  **_common(synth_corpus, tmp_path, "noray"))
    assert not (tmp_path / "run-noray").exists()  # refused before any run was recorded
    with pytest.raises(ValueError, match="unknown executor 'dask'"):
        run_suite("audio", models=("dummy_audio",), executor="dask",
                  **_common(synth_corpus, tmp_path, "noray"))
