"""Latency of the live predictor on real clips, on one core:

    EMOBENCH_DATA=/work/shared/data taskset -c 0 .venv/bin/python -m pytest \
        benchmarks/bench_live.py --benchmark-only -s

Streams, one after another as fast as possible, the first 6 audio-visual speech clips of
``ravdess-av/Actor_05`` (1280x720 H.264, ~3.5 s each) and, separately, the clips of
``rml-sample`` (320x240 Cinepak, 3-6 s), through the zoo's default entries (hop 0.5 s,
windows 2.5 s), and reports per hop p50 / p95 of each stage and the real-time factor.
``EMOBENCH_LIVE_VIDEO=ENTRY`` measures another video entry, ``EMOBENCH_LIVE_FRAMES=N`` a
frame model averaging N crops a window; with ``EMOBENCH_LIVE_REPORT=DIR``
each corpus's table is also written to ``DIR/<corpus>.md``.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
    os.environ[_var] = "1"  # before numpy / TensorFlow load: one core, as on a robot

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

#: corpus -> (folder under EMOBENCH_DATA, file pattern, clips streamed, description)
CORPORA = {
    "ravdess": ("ravdess-av/Actor_05", "01-01-*.mp4", 6,
                "RAVDESS AV speech clips of Actor_05 (1280x720 H.264, 30 fps)"),
    "rml": ("rml-sample", "*.avi", 11, "RML clips of rml-sample (320x240 Cinepak, 30 fps)"),
}


def _clips(corpus):
    folder, pattern, count, _ = CORPORA[corpus]
    root = os.environ.get("EMOBENCH_DATA")
    clips = sorted(Path(root, folder).glob(pattern)) if root else []
    if not clips:
        pytest.skip(f"EMOBENCH_DATA/{folder} has no {pattern} clips")
    return clips[:count]


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


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_live_latency_one_core(benchmark, figure, corpus):
    import cv2

    from emobench.live import DEFAULT_ENTRIES, LivePredictor
    from emobench.live.latency import hop_timings, latency_table
    from emobench.live.sources import run
    from emobench.preprocess.media import video_info

    cv2.setNumThreads(1)
    paths = _clips(corpus)
    live = LivePredictor.from_zoo(video=os.environ.get("EMOBENCH_LIVE_VIDEO",
                                                       DEFAULT_ENTRIES["video"]),
                                  **({"video_frames": int(os.environ["EMOBENCH_LIVE_FRAMES"])}
                                     if os.environ.get("EMOBENCH_LIVE_FRAMES") else {}))
    rows: list[dict] = []
    cpu_rows: list[dict] = []

    def stream():
        rows.clear()
        cpu_rows.clear()
        live.video.reset()
        for result, _ in run(live, _stream(paths)):
            rows.append(hop_timings(result))
            cpu_rows.append(hop_timings(result, cpu=True))

    # warm-up (graph tracing, openSMILE start-up) on the first clip, untimed
    for _ in run(LivePredictor(live.audio.model, live.video.model,
                               video_frames=live.video.window_frames), _stream(paths[:1])):
        pass
    load = os.getloadavg()[0]
    benchmark.pedantic(stream, rounds=1, iterations=1)
    load = (load, os.getloadavg()[0])
    seconds = sum(n / fps for n, fps, _, _ in map(video_info, paths))
    table = latency_table(rows, seconds, cpu_rows)
    cores = len(os.sched_getaffinity(0))
    header = (f"{len(paths)} {CORPORA[corpus][3]} streamed back to back, "
              f"{live.audio.model.zoo_info['name']} + {live.video.model.zoo_info['name']}, "
              f"hop {live.hop} s, windows {live.audio_window} s, {live.video.window_frames} "
              f"face crops a video window, {cores} core(s) allowed, "
              f"1 thread, load average {load[0]:.1f} before / {load[1]:.1f} after\n\n")
    print("\n" + header + table)
    e2e = sorted(r["end_to_end"] for r in rows)
    figure("live", f"{corpus}: p95 end-to-end ms per hop", f"{e2e[int(0.95 * (len(e2e) - 1))]:.1f}")
    if os.environ.get("EMOBENCH_LIVE_REPORT"):
        from emobench.atomic import atomic_write_text
        out = Path(os.environ["EMOBENCH_LIVE_REPORT"], f"{corpus}.md")
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out, header + table + "\n")
    assert len(rows) >= 5 * len(paths)
