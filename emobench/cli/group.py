"""The ``emobench`` command group and what its commands share (the one-line error, the
--no-progress switch, comma lists); each command group lives in its own module of this package.

Heavy modules (Keras, OpenCV, openSMILE) are imported inside the commands, so ``emobench --help``
starts instantly.
"""
from __future__ import annotations

import click

from emobench import progress, quiet

# Before any command imports Keras: TensorFlow prints its C++ start-up lines while it is being
# imported, so they are kept off stderr from here on (unless --verbose).
quiet.install()


class EmobenchError(click.ClickException):
    """A one-line error for the user (bad input, missing data)."""


@click.group()
@click.version_option(package_name="emobench")
@click.option("--verbose", is_flag=True,
              help="Show TensorFlow's C++ log lines (oneDNN, CUDA probing, CPU features).")
@click.option("--no-progress", is_flag=True, help="No progress bar in any command.")
def main(verbose: bool, no_progress: bool) -> None:
    """emobench: benchmark harness and model zoo for multimodal emotion recognition."""
    if verbose:
        quiet.uninstall(verbose=True)
    _no_bars(no_progress)


def _no_bars(off: bool) -> None:
    """--no-progress: no bar for the rest of the command, also in work it starts indirectly
    (the generated corpus made on first use, preprocessing inside a run)."""
    if off:
        click.get_current_context().with_resource(progress.silenced())


def _csv(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())

