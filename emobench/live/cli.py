"""What ``emobench live`` runs: a source, the predictor, one JSON line per result, and
optionally the annotated video."""
from __future__ import annotations

import json
from pathlib import Path

from emobench.live.predictor import DEFAULT_ENTRIES, LivePredictor
from emobench.live.sources import camera_events, file_events, run


def _entry(given: str | None, kind: str) -> str | None:
    if given is None:
        return DEFAULT_ENTRIES[kind]
    return None if given.lower() == "none" else given


def live_main(file: Path | None, *, camera: int | None = None, mic: bool = False,
              fast: bool = False, audio_model: str | None = None,
              video_model: str | None = None, hop: float = 0.5, window: float = 2.5,
              out: Path | None = None, echo=print) -> None:
    if (file is None) == (camera is None):
        raise ValueError("give a FILE or --camera N (not both)")
    if mic and camera is None:
        raise ValueError("--mic goes with --camera")
    audio = _entry(audio_model, "audio")
    if camera is not None and not mic:
        audio = None  # no sound source
    predictor = LivePredictor.from_zoo(audio, _entry(video_model, "video"), hop=hop,
                                       audio_window=window, video_window=window)
    for note in predictor.notes:
        echo(f"note: {note}")
    events = (file_events(file, realtime=not fast, audio=audio is not None)
              if file is not None else camera_events(camera, mic=mic))
    writer = None
    if out is not None:
        from emobench.live.annotate import AnnotatedWriter
        writer = AnnotatedWriter(out)
        events = writer.tap(events)
    try:
        for result, _ in run(predictor, events):
            if writer is not None:
                writer.update(result)
            echo(json.dumps(result.to_dict()))
    finally:
        if writer is not None:
            writer.close()
