"""Shared fixtures: one small generated corpus per session, and the real recordings (when
$EMOBENCH_DATA is set)."""
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

#: The session corpus: 4 actors (2 male, 2 female) x 8 emotions, 1 s clips at 480x270, 30 fps.
#: About 2 s to generate; calm is excluded by the scan, so 28 clips of the 7 emotions remain.
SYNTH_PARAMS = {"actors": 4, "width": 480, "height": 270, "duration": 1.0, "seed": 0}


@pytest.fixture(scope="session")
def synth_corpus(tmp_path_factory) -> Path:
    """The root of a small generated corpus in RAVDESS's layout, made once per session."""
    from emobench.datasets.synth import generate_corpus

    return generate_corpus(tmp_path_factory.mktemp("synth-corpus"), progress=False,
                           **SYNTH_PARAMS)


@pytest.fixture(scope="session")
def synth_scan(synth_corpus):
    """The session corpus scanned into Clip records (AV clips, calm excluded)."""
    from emobench.datasets import load_dataset

    return load_dataset("synth", synth_corpus)


@pytest.fixture(scope="session")
def real_data() -> Path:
    """$EMOBENCH_DATA (e.g. ../shared/data); tests using it skip cleanly when it is absent."""
    root = os.environ.get("EMOBENCH_DATA")
    if not root or not Path(root).is_dir():
        pytest.skip("EMOBENCH_DATA is not set to a folder of real recordings")
    return Path(root)
