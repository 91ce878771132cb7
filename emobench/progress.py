"""One switch for every progress bar: ``emobench --no-progress CMD`` (or a command's own
``--no-progress``) turns off all of them, also those of work the command starts indirectly
(the generated corpus made on first use, preprocessing inside a run), which the command's
``progress`` argument does not reach.

    from emobench.progress import tqdm       # instead of tqdm.auto's, at every bar
    with progress.silenced():                 # what the CLI does for --no-progress
        ...
"""
from __future__ import annotations

from contextlib import contextmanager

_silenced = 0


def enabled() -> bool:
    """Whether bars are drawn (no :func:`silenced` block is open)."""
    return _silenced == 0


@contextmanager
def silenced():
    """No progress bar is drawn inside the block."""
    global _silenced
    _silenced += 1
    try:
        yield
    finally:
        _silenced -= 1


def tqdm(*args, **kwargs):
    """``tqdm.auto.tqdm``, disabled inside :func:`silenced`."""
    from tqdm.auto import tqdm as bar

    if not enabled():
        kwargs["disable"] = True
    return bar(*args, **kwargs)
