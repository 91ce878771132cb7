"""Shared fixtures: the real recordings (when $EMOBENCH_DATA is set)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def real_data() -> Path:
    """$EMOBENCH_DATA (e.g. ../shared/data); tests using it skip cleanly when it is absent."""
    root = os.environ.get("EMOBENCH_DATA")
    if not root or not Path(root).is_dir():
        pytest.skip("EMOBENCH_DATA is not set to a folder of real recordings")
    return Path(root)
