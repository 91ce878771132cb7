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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
