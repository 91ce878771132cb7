"""``emobench live``: streaming prediction over a file or a camera."""
from __future__ import annotations

from pathlib import Path

import click

from emobench.cli.group import main, EmobenchError


@main.command("live")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--camera", type=int, default=None, help="Read camera N (OpenCV) instead of a file.")
@click.option("--mic", is_flag=True, help="With --camera: also the default microphone "
                                          "(needs the live extra: pip install 'emobench[live]').")
@click.option("--fast", is_flag=True, help="A file as fast as possible, not at its real rate.")
@click.option("--audio-model", default=None, help="Audio zoo entry ('none' leaves it out).")
@click.option("--video-model", default=None, help="Video zoo entry ('none' leaves it out).")
@click.option("--hop", default=0.5, show_default=True, help="Seconds between results.")
@click.option("--window", default=2.5, show_default=True, help="Seconds per modality's window.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the video with the face box and the current emotion drawn on it.")
def live_cmd(file: Path | None, camera: int | None, mic: bool, fast: bool,
             audio_model: str | None, video_model: str | None, hop: float, window: float,
             out: Path | None) -> None:
    """Continuous emotion recognition over a file (at its real rate, or --fast) or a camera:
    one JSON line per hop (fused, audio and video probabilities, window span, ms per stage)."""
    from emobench.live.cli import live_main

    try:
        live_main(file, camera=camera, mic=mic, fast=fast, audio_model=audio_model,
                  video_model=video_model, hop=hop, window=window, out=out, echo=click.echo)
    except (ValueError, RuntimeError, OSError) as err:
        raise EmobenchError(" ".join(str(err).split())) from None
