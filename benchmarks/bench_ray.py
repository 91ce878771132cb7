"""The Ray executor's overhead on one machine: the same small suite through ``--executor ray``
(a local Ray started by the run, its start-up included) and through the local process pool,
on the same warm preprocessing cache; then the preprocessing itself, cold, through each. The
per-cell times it prints feed the cluster estimate in reports/ray-scaling.md.

Suite: audio_svm and audio_cnn on emobase plus c3d on 8 face crops of 48 px, 3 speaker-
independent folds, 15 epochs (the main job's settings), on a generated corpus of 12 actors (84
clips, 1 s at 480x270).

Run: ``.venv/bin/python -m pytest benchmarks/bench_ray.py --benchmark-only -s``
"""
from __future__ import annotations

import time

import pytest

ray = pytest.importorskip("ray")

SUITE = dict(suite="audio,video", models=("audio_svm", "audio_cnn", "c3d"),
             feature_sets=("emobase",), folds=3, epochs=15, frames=8, size=48, progress=False)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    from emobench.datasets.synth import generate_corpus

    return generate_corpus(tmp_path_factory.mktemp("ray-corpus"), actors=12, width=480,
                           height=270, duration=1.0, seed=0, progress=False)


def _run(corpus, run_dir, cache, **options):
    from emobench.harness import ResultStore, run_suite

    start = time.perf_counter()
    summary = run_suite(dataset="synth", data_root=str(corpus), run_dir=str(run_dir),
                        cache_dir=str(cache), **{**SUITE, **options})
    wall = time.perf_counter() - start
    assert not summary.failed and len(summary.trained) == summary.planned, summary.failed
    with ResultStore(run_dir) as store:
        seconds = {}
        for c in store.cells(summary.run_id):
            seconds.setdefault(c["model"], []).append(c["seconds"])
    return wall, seconds


def test_suite_through_ray_vs_local_pool(benchmark, figure, corpus, tmp_path):
    cache = tmp_path / "cache"
    _run(corpus, tmp_path / "warm", cache, train_jobs=1, folds=1, epochs=1)  # fills the cache
    local, local_cells = _run(corpus, tmp_path / "local", cache)
    walls: list[float] = []
    cells: list[dict] = []

    def through_ray():
        wall, seconds = _run(corpus, tmp_path / f"ray{len(walls)}", cache, executor="ray")
        walls.append(wall)
        cells.append(seconds)

    benchmark.pedantic(through_ray, rounds=1, iterations=1)
    start = time.perf_counter()
    ray.init(include_dashboard=False, logging_level="WARNING")
    ray.shutdown()
    startup = time.perf_counter() - start
    ratio = walls[0] / local
    benchmark.extra_info.update(local_s=local, ray_s=walls[0], ratio=ratio,
                                ray_start_stop_s=startup)
    figure("ray vs local pool", "suite wall time (warm cache, 9 cells)",
           f"local {local:.1f} s, ray {walls[0]:.1f} s, ratio {ratio:.2f}")
    figure("ray vs local pool", "ray start + stop alone", f"{startup:.1f} s")
    for model in sorted(local_cells):
        figure("per-cell seconds (local / ray)", model,
               " / ".join(f"{sum(s[model]) / len(s[model]):.1f}" for s in (local_cells,
                                                                           cells[0])))


def test_preprocessing_cold_through_ray_vs_local_pool(benchmark, figure, corpus, tmp_path):
    from emobench.datasets import load_dataset
    from emobench.harness.ray_executor import ray_preprocessing
    from emobench.preprocess import run_preprocess

    scan = load_dataset("synth", corpus)
    options = dict(stages=("audio", "faces"), feature_sets=("emobase",), frames=8, size=48,
                   progress=False)
    start = time.perf_counter()
    run_preprocess(scan, cache_dir=tmp_path / "local", jobs=2, **options)
    local = time.perf_counter() - start
    walls: list[float] = []

    def through_ray():
        start = time.perf_counter()
        with ray_preprocessing():
            out = run_preprocess(scan, cache_dir=tmp_path / "ray", **options)
        walls.append(time.perf_counter() - start)
        assert all(o.computed == len(scan.clips) and not o.skipped for o in out.values())

    benchmark.pedantic(through_ray, rounds=1, iterations=1)
    ratio = walls[0] / local
    benchmark.extra_info.update(local_s=local, ray_s=walls[0], ratio=ratio)
    figure("ray vs local pool", f"cold preprocessing, emobase + faces of {len(scan.clips)} clips",
           f"local (2 processes) {local:.1f} s, ray {walls[0]:.1f} s, ratio {ratio:.2f}")
