"""The harness: suites planned into cells, a small suite trained and stored with provenance,
reruns that reuse finished cells, resume after a SIGKILL, concurrent writers, and splits that
are speaker-independent in what was actually trained."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import harness_dummies  # noqa: F401 - registers dummy_audio and slow_dummy_audio
from emobench.harness import ResultStore, RunConfig, run_suite
from emobench.harness.runner import plan_cells

TESTS = Path(__file__).parent


def _speaker(clip_id: str) -> str:
    return clip_id.split("/")[0].removeprefix("Actor_")


def test_plan_of_all_suites_shares_cells_and_orders_fusion_last():
    plan = plan_cells(RunConfig(suite="all"), "ds", 3)
    keys = {p.cell.key for p in plan}
    by_suite = {s: [p.cell for p in plan if p.suite == s] for s in ("audio", "video", "flow",
                                                                     "fusion")}
    # 3 openSMILE models x 5 sets, and the spectrogram CRNN on the log-mel only, x 3 folds
    assert len(by_suite["audio"]) == (3 * 5 + 1) * 3 and len(by_suite["video"]) == 3 * 3
    assert {c.features for c in by_suite["audio"] if c.model == "audio_logmel_crnn"} == {
        "logmel"}
    assert len(by_suite["flow"]) == 2 * 3
    fused = [c for c in by_suite["fusion"] if c.branches]
    assert len(fused) == 6 * 3
    # fusion's branches are the audio suite's audio_cnn/emobase2010 and the video suite's cells
    assert len(keys) == 48 + 9 + 6 + 18
    for cell in fused:
        audio, video = (next(p.cell for p in plan if p.cell.key == k) for k in cell.branches)
        assert (audio.model, audio.features, audio.fold) == ("audio_cnn", "emobase2010", cell.fold)
        assert video.model == dict(cell.options)["video"] and video.fold == cell.fold
    order = [p.cell.key for p in plan]
    assert max(order.index(c.key) for c in by_suite["video"]) < min(order.index(c.key)
                                                                     for c in fused)
    # sklearn cells do not depend on the number of epochs, Keras cells do
    svm = next(c for c in by_suite["audio"] if c.model == "audio_svm")
    assert svm.epochs == 0 and svm == next(
        p.cell for p in plan_cells(RunConfig(suite="audio", epochs=50), "ds", 3)
        if p.cell.key == svm.key)
    # --models picks fusion cells per kind: named video branches and fusers, all of the other
    picked = plan_cells(RunConfig(suite="fusion", models=("c3d", "fusion_avg")), "ds", 3)
    assert {(p.cell.model, dict(p.cell.options).get("video")) for p in picked
            if p.cell.branches} == {("fusion_avg", "c3d")}
    picked = plan_cells(RunConfig(suite="fusion", models=("fusion_svm",)), "ds", 3)
    assert {dict(p.cell.options)["video"] for p in picked if p.cell.branches} == {
        "resnet50", "c3d", "lrcn"}
    only_audio = plan_cells(RunConfig(suite="all", models=("audio_svm",)), "ds", 3)
    assert {p.cell.model for p in only_audio} == {"audio_svm"}
    with pytest.raises(KeyError, match="unknown model 'c4d'"):
        plan_cells(RunConfig(suite="video", models=("c4d",)), "ds", 3)
    with pytest.raises(ValueError, match="unknown suite"):
        plan_cells(RunConfig(suite="lips"), "ds", 3)


def test_small_audio_suite_stores_everything_and_beats_chance(synth_corpus, tmp_path):
    run_dir, cache = tmp_path / "run", tmp_path / "cache"
    common = dict(dataset="synth", data_root=str(synth_corpus), folds=2, run_dir=str(run_dir),
                  cache_dir=str(cache), feature_sets=("emobase",), progress=False)
    summary = run_suite("audio", models=("audio_svm", "dummy_audio"), train_jobs=1, **common)
    assert summary.planned == 4 and len(summary.trained) == 4 and not summary.failed
    with ResultStore(run_dir) as store:
        run = store.run()
        assert run["status"] == "done" and run["config"]["folds"] == 2
        assert run["provenance"]["dataset"]["clips"] == 28
        assert run["provenance"]["versions"]["scikit-learn"]
        cells = store.cells(run["run_id"])
        assert len(cells) == 4 and all(c["suites"] == ["audio"] for c in cells)
        for c in cells:
            m, split = c["metrics"], c["split"]
            assert split["protocol"] == "speaker-independent"
            assert not set(split["train_speakers"]) & set(split["val_speakers"])
            trained = {_speaker(i) for i in store.array(c["key"], "train_ids")}
            scored = {_speaker(i) for i in store.array(c["key"], "val_ids")}
            assert trained == set(split["train_speakers"]) and scored == set(split["val_speakers"])
            assert m["n_train"] == 14 and m["n_val"] == 14 and m["chance"] == pytest.approx(1 / 7)
            assert 0 <= m["val_uar"] <= 1 and 0 <= m["val_f1"] <= 1 and m["params"] > 0
            assert np.array(store.array(c["key"], "val_confusion")).sum() == 14
            assert (run_dir / c["model_path"] / "meta.json").is_file()
            assert c["provenance"]["preprocess"]["feature_set"] == "emobase"
        svm = [c["metrics"]["val_accuracy"] for c in cells if c["model"] == "audio_svm"]
        assert np.mean(svm) > 2 / 7, svm  # twice chance on held-out actors
    again = run_suite("audio", models=("audio_svm", "dummy_audio"), train_jobs=2, **common)
    assert not again.trained and len(again.reused) == 4
    with ResultStore(run_dir) as store:
        assert len(store.runs()) == 2 and len(store.cells(again.run_id)) == 4


def test_every_suite_at_tiny_size_with_fusion_after_its_branches(synth_corpus, tmp_path):
    summary = run_suite("all", dataset="synth", data_root=str(synth_corpus), folds=2, epochs=2,
                        frames=4, size=32, feature_sets=("emobase2010",),
                        models=("audio_svm", "audio_cnn", "c3d", "flow_alexnet", "fusion_avg",
                                "fusion_svm"),
                        run_dir=str(tmp_path), cache_dir=str(tmp_path / "cache"),
                        progress=False, jobs=1, train_jobs=1)
    assert not summary.failed, summary.failed
    assert summary.planned == len(summary.trained) == 4 + 2 + 2 + 4
    with ResultStore(tmp_path) as store:
        cells = store.cells(summary.run_id)
        suites = {s for c in cells for s in c["suites"]}
        assert suites == {"audio", "video", "flow", "fusion"}
        by_key = {c["key"]: c for c in cells}
        for c in cells:
            m = c["metrics"]
            assert m["n_train"] == 14 and m["n_val"] == 14 and 0 <= m["val_accuracy"] <= 1
            if c["model"] in ("audio_cnn", "c3d", "flow_alexnet"):
                assert m["epochs_run"] == 2 and m["epoch_time_first"] > 0 and m["params"] > 0
                assert len(store.history(c["key"])["val_loss"]) == 2
            if c["model"].startswith("fusion"):
                audio, video = (by_key[k] for k in c["cell"]["branches"])
                assert (audio["model"], video["model"]) == ("audio_cnn", "c3d")
                assert audio["fold"] == video["fold"] == c["fold"]
                # the fusion head scored the clips both branches scored
                assert store.array(c["key"], "val_ids") == store.array(video["key"], "val_ids")
        avg = [c for c in cells if c["model"] == "fusion_avg"][0]
        audio, video = (np.array(store.array(k, "val_proba")) for k in avg["cell"]["branches"])
        np.testing.assert_allclose(np.array(store.array(avg["key"], "val_proba")),
                                   (audio + video) / 2, atol=2e-4)


def test_both_protocols_in_one_run_get_their_own_folds(synth_corpus, tmp_path):
    summary = run_suite("audio", dataset="synth", data_root=str(synth_corpus), folds=2,
                        protocol="both", models=("dummy_audio",), feature_sets=("emobase",),
                        run_dir=str(tmp_path), cache_dir=str(tmp_path / "cache"),
                        progress=False, jobs=1, train_jobs=1)
    assert summary.planned == 4 and not summary.failed
    with ResultStore(tmp_path) as store:
        cells = store.cells(summary.run_id)
        by = {(c["protocol"], c["fold"]): c["split"] for c in cells}
        assert sorted(by) == [("speaker-dependent", 0), ("speaker-dependent", 1),
                              ("speaker-independent", 0), ("speaker-independent", 1)]
        for fold in (0, 1):
            si, sd = by["speaker-independent", fold], by["speaker-dependent", fold]
            assert not set(si["train_speakers"]) & set(si["val_speakers"])
            # a random split over clips: the same actors are on both sides
            assert set(sd["train_speakers"]) == set(sd["val_speakers"]) == {"01", "02", "03",
                                                                            "04"}
    with pytest.raises(ValueError, match="unknown protocol 'speaker-blind'"):
        run_suite("audio", data_root=str(synth_corpus), protocol="speaker-blind",
                  run_dir=str(tmp_path), progress=False)


_SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
import harness_dummies
from emobench.harness import run_suite
run_suite("audio", dataset="synth", data_root={root!r}, folds=4, models=("slow_dummy_audio",),
          feature_sets=("emobase", "emobase2010"), run_dir={run_dir!r}, cache_dir={cache!r},
          model_options={{"slow_dummy_audio": {{"sleep": {sleep}}}}}, progress=False)
"""


def _start(synth_corpus, run_dir, cache, sleep=1.0) -> subprocess.Popen:
    code = _SCRIPT.format(tests=str(TESTS), root=str(synth_corpus), run_dir=str(run_dir),
                          cache=str(cache), sleep=sleep)
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def _done(run_dir) -> int:
    if not (Path(run_dir) / "results.sqlite").exists():
        return 0
    with ResultStore(run_dir) as store:
        return len(store.cells())


def test_run_killed_mid_suite_resumes_without_repeating_or_losing_cells(synth_corpus,
                                                                        tmp_path):
    run_dir, cache = tmp_path / "run", tmp_path / "cache"
    proc = _start(synth_corpus, run_dir, cache)
    deadline = time.time() + 240
    while _done(run_dir) < 2 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with ResultStore(run_dir) as store:
        before = {c["key"]: c["finished"] for c in store.cells()}
        assert 2 <= len(before) < 8, "the kill must land mid-suite"
        assert store.run()["status"] == "running"  # killed: never marked finished
    resumed = run_suite("audio", dataset="synth", data_root=str(synth_corpus), folds=4,
                        models=("slow_dummy_audio",), feature_sets=("emobase", "emobase2010"),
                        run_dir=str(run_dir), cache_dir=str(cache),
                        model_options={"slow_dummy_audio": {"sleep": 1.0}}, progress=False)
    assert set(resumed.reused) == set(before)  # nothing finished was lost...
    assert not set(resumed.trained) & set(before)  # ...or trained again
    assert len(resumed.trained) + len(before) == resumed.planned == 8
    with ResultStore(run_dir) as store:
        after = {c["key"]: c["finished"] for c in store.cells()}
        assert len(after) == 8 and all(after[k] == v for k, v in before.items())


def test_two_runs_writing_one_database_at_once_lose_nothing(synth_corpus, tmp_path):
    run_dir, cache = tmp_path / "run", tmp_path / "cache"
    run_suite("audio", dataset="synth", data_root=str(synth_corpus), folds=4,
              models=("dummy_audio",), feature_sets=("emobase", "emobase2010"),
              run_dir=str(tmp_path / "warm"), cache_dir=str(cache), progress=False)
    procs = [_start(synth_corpus, run_dir, cache, sleep=0.3) for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-2000:]
    with ResultStore(run_dir) as store:
        runs = store.runs()
        assert len(runs) == 2 and all(r["status"] == "done" for r in runs)
        assert len(store.cells()) == 8  # each cell stored once
        for r in runs:  # and each run links all 8, whichever process trained them
            assert len(store.cells(r["run_id"])) == 8


def test_cli_run_and_its_errors(synth_corpus, tmp_path):
    from click.testing import CliRunner

    from emobench.cli import main

    args = ["run", "--suite", "audio", "--models", "dummy_audio", "--feature-sets", "emobase",
            "--data-root", str(synth_corpus), "--folds", "2", "--run-dir", str(tmp_path),
            "--cache-dir", str(tmp_path / "cache"), "--no-progress"]
    ok = CliRunner().invoke(main, args)
    assert ok.exit_code == 0, ok.output
    assert "2 cells, 2 trained, 0 reused, 0 failed" in ok.output
    bad = CliRunner().invoke(main, args[:2] + ["lips"] + args[3:])
    assert bad.exit_code == 1 and "unknown suite 'lips'" in bad.output
    bad = CliRunner().invoke(main, args[:4] + ["c4d"] + args[5:])
    assert bad.exit_code != 0 and "unknown model 'c4d'" in bad.output
    assert "Traceback" not in bad.output
