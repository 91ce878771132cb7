"""The ``emobench`` command line: each command is a thin call of the public Python API.

Heavy modules (Keras, OpenCV, openSMILE) are imported inside the commands, so ``emobench --help``
starts instantly. Importing this package registers every command group on :data:`main`.
"""
from emobench.cli.group import EmobenchError, main
from emobench.cli import data, faces, harness, live, zoo  # noqa: F401 - registers their commands

__all__ = ["EmobenchError", "main"]
