"""Per-stage latency of a live run: p50 / p95 over its hops, and the real-time factor."""
from __future__ import annotations

import time

import numpy as np

#: Stages in pipeline order; "compute" is the predictor's own work per hop (everything but
#: decoding), "end_to_end" adds the decoding of the hop's frames and audio.
STAGES = ("decode", "face", "video_model", "audio_features", "audio_model", "fusion",
          "compute", "end_to_end")


class Stopwatch:
    """Milliseconds per stage of one hop: wall time, and CPU time of this process (what the
    stage costs a core of its own, however busy the machine is)."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @staticmethod
    def start() -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    def stop(self, stage: str, started: tuple[float, float]) -> None:
        wall, cpu = self.start()
        self.wall[stage] = (wall - started[0]) * 1000.0
        self.cpu[stage] = (cpu - started[1]) * 1000.0


def hop_timings(result, cpu: bool = False) -> dict[str, float]:
    """One hop's ms per stage (wall, or ``cpu``) from a :class:`LiveResult` whose ``decode``
    entry :func:`emobench.live.sources.run` filled in."""
    times = result.cpu_ms if cpu else result.latency_ms
    row = {k: v for k, v in times.items() if k != "total"}
    row.update(compute=times["total"], end_to_end=times.get("decode", 0.0) + times["total"])
    return row


def latency_table(rows: list[dict[str, float]], media_seconds: float,
                  cpu_rows: list[dict[str, float]] | None = None) -> str:
    """A markdown table: per stage, the hops it ran in, p50 and p95 ms (wall, and CPU when
    ``cpu_rows`` are given); then the real-time factor (all compute and decoding over the
    media's duration; < 1 keeps up)."""
    def pcts(table, stage):
        values = np.array([r[stage] for r in table if stage in r])
        return values.size, np.percentile(values, 50), np.percentile(values, 95)

    head = "| stage | hops | p50 ms | p95 ms |"
    if cpu_rows is not None:
        head += " CPU p50 ms | CPU p95 ms |"
    lines = [head, "|---|" + "---:|" * (head.count("|") - 2)]
    for stage in STAGES:
        if not any(stage in r for r in rows):
            continue
        n, p50, p95 = pcts(rows, stage)
        line = f"| {stage} | {n} | {p50:.1f} | {p95:.1f} |"
        if cpu_rows is not None:
            _, c50, c95 = pcts(cpu_rows, stage)
            line += f" {c50:.1f} | {c95:.1f} |"
        lines.append(line)
    spent = sum(r["end_to_end"] for r in rows) / 1000.0
    lines.append(f"\nreal-time factor: {spent / media_seconds:.3f} ({spent:.2f} s of compute "
                 f"and decoding for {media_seconds:.2f} s of media, {len(rows)} hops)")
    if cpu_rows is not None:
        busy = sum(r["end_to_end"] for r in cpu_rows) / 1000.0
        lines.append(f"CPU real-time factor: {busy / media_seconds:.3f} ({busy:.2f} s of CPU)")
    return "\n".join(lines)
