"""Shared fixtures: the real recordings (when $EMOBENCH_DATA is set)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# Keep generated corpora and caches out of the user's home during tests.
if "EMOBENCH_CACHE" not in os.environ:
    import tempfile

    os.environ["EMOBENCH_CACHE"] = tempfile.mkdtemp(prefix="emobench-test-cache-")
os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def real_data() -> Path:
    """$EMOBENCH_DATA (e.g. ../shared/data); tests using it skip cleanly when it is absent."""
    root = os.environ.get("EMOBENCH_DATA")
    if not root or not Path(root).is_dir():
        pytest.skip("EMOBENCH_DATA is not set to a folder of real recordings")
    return Path(root)
