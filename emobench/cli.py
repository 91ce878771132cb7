"""The ``emobench`` command line: each command is a thin call of the public Python API.

Heavy modules (Keras, OpenCV, openSMILE) are imported inside the commands, so ``emobench --help``
starts instantly.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click


class EmobenchError(click.ClickException):
    """A one-line error for the user (bad input, missing data)."""


@click.group()
@click.version_option(package_name="emobench")
def main() -> None:
    """emobench: benchmark harness and model zoo for multimodal emotion recognition."""


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
@click.option("--actors", default=6, show_default=True, help="Number of actors (1-24).")
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@click.option("--width", default=1280, show_default=True, help="Video width, pixels.")
@click.option("--height", default=720, show_default=True, help="Video height, pixels.")
@click.option("--duration", default=2.0, show_default=True, help="Clip length, seconds.")
@click.option("--fps", default=30, show_default=True, help="Video frame rate.")
@click.option("--jobs", "-j", default=1, show_default=True, help="Worker processes.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def data_synth(out: Path, actors: int, seed: int, width: int, height: int, duration: float,
               fps: int, jobs: int, no_progress: bool) -> None:
    """Generate the synthetic corpus in RAVDESS's layout (.mp4 + .wav per clip)."""
    from emobench.datasets.synth import generate_corpus

    try:
        root = generate_corpus(out, actors=actors, seed=seed, width=width, height=height,
                               duration=duration, fps=fps, jobs=jobs, progress=not no_progress)
    except ValueError as err:
        raise EmobenchError(str(err)) from None
    mp4 = len(list(root.glob("Actor_*/*.mp4")))
    wav = len(list(root.glob("Actor_*/*.wav")))
    click.echo(f"{root}: {mp4} .mp4 + {wav} .wav files, parameters in {root / 'corpus.json'}")


def _csv(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


@main.command("preprocess")
@click.option("--dataset", default="synth", show_default=True,
              help="ravdess, rml, affectnet, images, synth, or auto.")
@click.option("--data-root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The dataset's folder (synth: the generated corpus when omitted).")
@click.option("--stages", default="audio,faces,flow", show_default=True,
              help="Comma-separated: audio, faces, flow.")
@click.option("--feature-sets", default="emobase", show_default=True,
              help="Comma-separated openSMILE sets: emobase, emobase2010, emo_large.")
@click.option("--frames", default=16, show_default=True, help="Frames sampled per video.")
@click.option("--size", default=112, show_default=True, help="Side of the face crops, pixels.")
@click.option("--detector", default="haar", show_default=True, help="Face detector.")
@click.option("--flow-method", default="dis", show_default=True, help="dis or tvl1.")
@click.option("--modalities", default=None,
              help="Comma-separated clip modalities to load (av, audio, video); default: the "
                   "dataset's own choice.")
@click.option("--include-calm", is_flag=True, help="Keep RAVDESS's calm clips as an 8th label.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the arrays go (default: $EMOBENCH_CACHE/features).")
@click.option("--jobs", "-j", default=1, show_default=True, help="Worker processes per stage.")
@click.option("--no-progress", is_flag=True, help="No progress bars.")
def preprocess_cmd(dataset: str, data_root: Path | None, stages: str, feature_sets: str,
                   frames: int, size: int, detector: str, flow_method: str,
                   modalities: str | None, include_calm: bool, cache_dir: Path | None,
                   jobs: int, no_progress: bool) -> None:
    """Decode, extract and cache features (audio, face crops, optical flow) for a dataset;
    a second run only reads the cache. Bad clips are skipped and listed with the reason."""
    from emobench.datasets import load_dataset
    from emobench.preprocess import describe_outputs, run_preprocess

    options: dict = {"include_calm": include_calm}
    if modalities:
        options["modalities"] = _csv(modalities)
    try:
        scan = load_dataset(dataset, data_root, **options)
        outputs = run_preprocess(scan, _csv(stages), feature_sets=_csv(feature_sets),
                                 frames=frames, size=size, detector=detector,
                                 flow_method=flow_method, cache_dir=cache_dir, jobs=jobs,
                                 progress=not no_progress)
    except (ValueError, FileNotFoundError) as err:
        raise EmobenchError(str(err)) from None
    click.echo(f"{scan.name} at {scan.root}: {len(scan.clips)} clips, "
               f"{len(scan.rejected)} rejected by the scan")
    click.echo(describe_outputs(outputs))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
