"""Per-stage latency of a live run: p50 / p95 over its hops, and the real-time factor."""
from __future__ import annotations

import numpy as np

#: Stages in pipeline order; "compute" is the predictor's own work per hop (everything but
#: decoding), "end_to_end" adds the decoding of the hop's frames and audio.
STAGES = ("decode", "face", "video_model", "audio_features", "audio_model", "fusion",
          "compute", "end_to_end")


def hop_timings(result, decode_ms: float) -> dict[str, float]:
    """One hop's ms per stage, from a :class:`LiveResult` and the decoding time before it."""
    row = {k: v for k, v in result.latency_ms.items() if k != "total"}
    row.update(decode=decode_ms, compute=result.latency_ms["total"],
               end_to_end=decode_ms + result.latency_ms["total"])
    return row


def latency_table(rows: list[dict[str, float]], media_seconds: float) -> str:
    """A markdown table: per stage, the hops it ran in, p50 and p95 ms; then the real-time
    factor (all compute and decoding over the media's duration; < 1 keeps up)."""
    lines = ["| stage | hops | p50 ms | p95 ms |", "|---|---:|---:|---:|"]
    for stage in STAGES:
        values = np.array([r[stage] for r in rows if stage in r])
        if values.size:
            lines.append(f"| {stage} | {values.size} | {np.percentile(values, 50):.1f} | "
                         f"{np.percentile(values, 95):.1f} |")
    spent = sum(r["end_to_end"] for r in rows) / 1000.0
    lines.append(f"\nreal-time factor: {spent / media_seconds:.3f} ({spent:.2f} s of compute "
                 f"and decoding for {media_seconds:.2f} s of media, {len(rows)} hops)")
    return "\n".join(lines)
