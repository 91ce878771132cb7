"""Where emobench keeps what it generates or downloads, overridable for offline or shared use."""
from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """``$EMOBENCH_CACHE``, else ``$XDG_CACHE_HOME/emobench``, else ``~/.cache/emobench``."""
    env = os.environ.get("EMOBENCH_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "emobench"


def data_root() -> Path | None:
    """``$EMOBENCH_DATA`` (a folder of real datasets, e.g. ``../shared/data``) or None."""
    env = os.environ.get("EMOBENCH_DATA")
    return Path(env).expanduser() if env else None
