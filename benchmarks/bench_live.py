"""Latency of the live predictor on real 720p RAVDESS clips, on one thread:

    EMOBENCH_DATA=/work/shared/data taskset -c 0 .venv/bin/python -m pytest \
        benchmarks/bench_live.py --benchmark-only -s

Streams the audio-visual speech clips of ``ravdess-av/Actor_05`` (1280x720, ~3.5 s each) one
after another, as fast as possible, through the zoo's default entries (hop 0.5 s, windows
2.5 s) and reports per hop p50 / p95 of each stage and the real-time factor. With
``EMOBENCH_LIVE_REPORT=path.md`` the table is also written there.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
    os.environ[_var] = "1"  # before numpy / TensorFlow load: one core, as on a robot

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

CLIPS = 6


def _clips():
    root = os.environ.get("EMOBENCH_DATA")
    clips = sorted(Path(root, "ravdess-av", "Actor_05").glob("01-01-*.mp4")) if root else []
    if not clips:
        pytest.skip("EMOBENCH_DATA/ravdess-av/Actor_05 has no AV speech clips")
    return clips[:CLIPS]


def _stream(paths):
    """The clips' events back to back on one timeline."""
    from emobench.live.sources import file_events

    offset = 0.0
    for path in paths:
        end = 0.0
        for event in file_events(path):
            t = event[-1] + offset
            end = max(end, t)
            yield (*event[:-1], t)
        offset = end + 1 / 30


def test_live_latency_720p_one_thread(benchmark, figure):
    import cv2

    from emobench.live import LivePredictor
    from emobench.live.latency import hop_timings, latency_table
    from emobench.live.sources import run
    from emobench.preprocess.media import video_info

    cv2.setNumThreads(1)
    paths = _clips()
    live = LivePredictor.from_zoo()
    rows: list[dict] = []

    def stream():
        rows.clear()
        for result, decode_ms in run(live, _stream(paths)):
            rows.append(hop_timings(result, decode_ms))

    # warm-up (graph tracing, openSMILE start-up) on the first clip, untimed
    for _ in run(LivePredictor(live.audio.model, live.video.model), _stream(paths[:1])):
        pass
    benchmark.pedantic(stream, rounds=1, iterations=1)
    seconds = sum(n / fps for n, fps, _, _ in map(video_info, paths))
    table = latency_table(rows, seconds)
    header = (f"{len(paths)} RAVDESS AV speech clips of Actor_05 (1280x720, 30 fps) streamed "
              f"back to back, zoo defaults {live.audio.model.zoo_info['name']} + "
              f"{live.video.model.zoo_info['name']}, hop {live.hop} s, windows "
              f"{live.audio_window} s, one thread\n\n")
    print("\n" + header + table)
    e2e = sorted(r["end_to_end"] for r in rows)
    figure("live", "p95 end-to-end ms per hop", f"{e2e[int(0.95 * (len(e2e) - 1))]:.1f}")
    if os.environ.get("EMOBENCH_LIVE_REPORT"):
        from emobench.atomic import atomic_write_text
        atomic_write_text(os.environ["EMOBENCH_LIVE_REPORT"], header + table + "\n")
    assert len(rows) >= 5 * len(paths)
