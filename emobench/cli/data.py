"""``emobench data``: generate the synthetic corpus, inspect a dataset folder."""
from __future__ import annotations

from pathlib import Path

import click

from emobench.cli.group import main, EmobenchError, _no_bars


@main.group()
def data() -> None:
    """Datasets: generate the synthetic corpus, inspect a dataset folder."""


@data.command("info")
@click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--dataset", default="auto", show_default=True,
              help="ravdess, rml, affectnet, images, synth, or auto (guess from the layout).")
@click.option("--include-calm", is_flag=True, help="Keep RAVDESS's calm clips as an 8th label.")
def data_info(root: Path, dataset: str, include_calm: bool) -> None:
    """Print counts per emotion and per speaker, and every rejected file."""
    from emobench.datasets import describe, load_dataset

    try:
        scan = load_dataset(dataset, root, include_calm=include_calm)
    except (ValueError, FileNotFoundError) as err:
        raise EmobenchError(str(err)) from None
    click.echo(describe(scan))


@data.command("synth")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the corpus into (Actor_XX/ folders and corpus.json).")
@click.option("--actors", default=12, show_default=True, help="Number of actors (1-24).")
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@click.option("--width", default=1280, show_default=True, help="Video width, pixels.")
@click.option("--height", default=720, show_default=True, help="Video height, pixels.")
@click.option("--duration", default=2.0, show_default=True, help="Clip length, seconds.")
@click.option("--fps", default=30, show_default=True, help="Video frame rate.")
@click.option("--jobs", "-j", default=None, type=int,
              help="Worker processes [default: CPU count, at most 8].")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def data_synth(out: Path, actors: int, seed: int, width: int, height: int, duration: float,
               fps: int, jobs: int, no_progress: bool) -> None:
    """Generate the synthetic corpus in RAVDESS's layout (.mp4 + .wav per clip)."""
    from emobench.datasets.synth import generate_corpus
    from emobench.workers import default_jobs

    _no_bars(no_progress)
    try:
        root = generate_corpus(out, actors=actors, seed=seed, width=width, height=height,
                               duration=duration, fps=fps,
                               jobs=jobs or default_jobs(),
                               progress=not no_progress)
    except ValueError as err:
        raise EmobenchError(str(err)) from None
    mp4 = len(list(root.glob("Actor_*/*.mp4")))
    wav = len(list(root.glob("Actor_*/*.wav")))
    click.echo(f"{root}: {mp4} .mp4 + {wav} .wav files, parameters in {root / 'corpus.json'}")
