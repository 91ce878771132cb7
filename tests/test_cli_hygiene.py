"""CLI hygiene (issue 15 item 5): TensorFlow's C++ start-up lines off stderr unless --verbose,
--no-progress silences every bar (also those a command starts indirectly), and the run
summary and the report name the files preprocessing skipped."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import harness_dummies  # noqa: F401 - registers dummy_audio
from click.testing import CliRunner

from emobench.cli import main
from emobench.quiet import NOISE

C3D = "c3d-faces.synth_speaker-independent"


def _emobench(*args):
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL",
                                                            "EMOBENCH_VERBOSE")}
    return subprocess.run([sys.executable, "-m", "emobench.cli", *args], capture_output=True,
                          text=True, env=env, timeout=600)


def test_tensorflow_start_up_lines_are_off_stderr(synth_scan):
    clip = next(str(c.path) for c in synth_scan.clips if c.path.suffix == ".mp4")
    res = _emobench("predict", clip, "--model", C3D, "--json")
    assert res.returncode == 0, res.stderr[-2000:]
    assert json.loads(res.stdout)["model"] == C3D  # TensorFlow did load and predict
    noise = [line for line in res.stderr.splitlines() if NOISE.match(line)]
    assert not noise, noise
    for text in ("oneDNN", "cuda drivers", "cuInit", "cpu_feature_guard", "absl::"):
        assert text not in res.stderr


def test_verbose_leaves_tensorflow_logs_alone(monkeypatch):
    from emobench import quiet

    monkeypatch.delenv(quiet.VERBOSE_ENV, raising=False)
    quiet.install()
    assert quiet._FINDER in sys.meta_path or "tensorflow" in sys.modules
    res = CliRunner().invoke(main, ["--verbose", "zoo", "list"])
    assert res.exit_code == 0, res.output
    assert quiet._FINDER not in sys.meta_path and os.environ[quiet.VERBOSE_ENV] == "1"
    monkeypatch.delenv(quiet.VERBOSE_ENV)


def test_a_real_error_still_reaches_stderr_while_tensorflow_loads(capfd):
    from emobench.quiet import filtered_stderr

    with filtered_stderr():
        os.write(2, b"I0000 00:00:1796174293.581079   22636 port.cc:153] oneDNN custom ops\n")
        os.write(2, b"something really went wrong\n")
    err = capfd.readouterr().err
    assert "something really went wrong" in err and "oneDNN" not in err


def test_no_progress_silences_every_bar(synth_corpus, tmp_path):
    args = ["preprocess", "--dataset", "synth", "--data-root", str(synth_corpus),
            "--stages", "audio", "--feature-sets", "eGeMAPSv02",
            "--cache-dir", str(tmp_path / "cache")]
    drawn = CliRunner().invoke(main, args)
    assert drawn.exit_code == 0, drawn.output
    assert "eGeMAPSv02" in drawn.stderr and "clip/s" in drawn.stderr  # the bar
    for silent in (["--no-progress", *args], [*args, "--no-progress"]):
        res = CliRunner().invoke(main, silent)
        assert res.exit_code == 0 and "clip/s" not in res.stderr and "%|" not in res.stderr


def test_no_progress_reaches_the_corpus_generator(tmp_path, capsys):
    from emobench import progress
    from emobench.datasets.synth import generate_corpus

    small = dict(actors=1, emotions=(1,), width=160, height=96, duration=0.5, seed=0)
    generate_corpus(tmp_path / "a", **small)  # progress=True: its bar is drawn
    assert "synth corpus" in capsys.readouterr().err
    with progress.silenced():
        generate_corpus(tmp_path / "b", **small)
    assert "synth corpus" not in capsys.readouterr().err


def test_run_summary_and_report_name_the_skipped_files(synth_corpus, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(synth_corpus, corpus)
    bad = sorted(corpus.glob("Actor_01/01-01-03-*.mp4"))[0]
    bad.write_bytes(bad.read_bytes()[:100])  # truncated: nothing decodes
    cache = tmp_path / "cache"
    args = ["--no-progress", "run", "--suite", "audio", "--models", "dummy_audio",
            "--feature-sets", "emobase", "--data-root", str(corpus), "--folds", "2",
            "--run-dir", str(tmp_path / "run"), "--cache-dir", str(cache)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    manifest = cache / "skipped.jsonl"
    assert f"1 file(s) skipped by preprocessing; reasons in {manifest}" in res.output
    assert bad.name in manifest.read_text()
    report = CliRunner().invoke(main, ["report", "--run-dir", str(tmp_path / "run")])
    assert report.exit_code == 0, report.output
    section = report.output.split("## Skipped files", 1)[1]
    assert str(bad) in section


def test_tensorflow_runtime_notices_during_training_are_off_stderr(synth_corpus, tmp_path):
    # a Keras cell's fit makes tf.data log "E0000 ... NodeDef mentions attribute ..." at
    # ERROR level from the training worker; a command's stderr stays free of it
    res = _emobench("--no-progress", "run", "--suite", "audio", "--models", "audio_cnn",
                    "--feature-sets", "eGeMAPSv02", "--data-root", str(synth_corpus),
                    "--folds", "2", "--epochs", "2", "--run-dir", str(tmp_path / "run"),
                    "--cache-dir", str(tmp_path / "cache"))
    assert res.returncode == 0, res.stderr[-2000:]
    assert "2 trained" in res.stdout + res.stderr
    noise = [line for line in res.stderr.splitlines() if NOISE.match(line)]
    assert not noise, noise


def test_tensorflow_python_warnings_are_off_stderr_too():
    code = ("import emobench.cli, tensorflow as tf\n"
            "tf.get_logger().warning('5 out of the last 9 calls triggered tf.function retracing')\n"
            "tf.get_logger().error('a real tensorflow error')\n")
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL",
                                                            "EMOBENCH_VERBOSE")}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "retracing" not in res.stderr and "a real tensorflow error" in res.stderr
