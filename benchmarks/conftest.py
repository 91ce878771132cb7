"""Shared benchmark fixtures: a generated corpus at RAVDESS's size (1280x720 H.264 + AAC, 3.5 s
clips), made once per session in a temporary folder, and a table of derived figures (frames/s,
ms per pair, recall, ...) printed after pytest-benchmark's own timing table.

Benchmarks are not collected by the default ``pytest`` run (its testpaths is ``tests``); run
them with ``.venv/bin/python -m pytest benchmarks --benchmark-only`` (or one file of them).
"""
from __future__ import annotations

import os
import tempfile

import pytest

# Keep caches out of the user's home, as the tests do.
os.environ.setdefault("EMOBENCH_CACHE", tempfile.mkdtemp(prefix="emobench-bench-cache-"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: The benchmark corpus: 3 actors x 4 emotions (happy, sad, angry, surprised) at 1280x720,
#: 3.5 s at 30 fps (105 frames), as RAVDESS's AV clips are.
CORPUS = {"actors": 3, "emotions": (3, 4, 5, 8), "width": 1280, "height": 720,
          "duration": 3.5, "fps": 30, "seed": 0}

#: (section, name, value) rows reported at the end of the session.
FIGURES: list[tuple[str, str, str]] = []


@pytest.fixture(scope="session")
def corpus_720p(tmp_path_factory):
    """The benchmark corpus's scan (12 AV clips at 1280x720, 3.5 s each)."""
    from emobench.datasets import load_dataset
    from emobench.datasets.synth import generate_corpus

    root = generate_corpus(tmp_path_factory.mktemp("corpus-720p"), jobs=os.cpu_count() or 1,
                           progress=False, **CORPUS)
    return load_dataset("synth", root)


@pytest.fixture
def figure():
    """``figure(section, name, value)`` records a derived figure for the end-of-run table."""
    def record(section: str, name: str, value: str) -> None:
        FIGURES.append((section, name, value))
    return record


def pytest_collect_file(file_path, parent):
    """Collect ``bench_*.py`` too, so ``pytest benchmarks`` finds every suite (a file named on
    the command line is collected by pytest itself)."""
    if (file_path.suffix == ".py" and file_path.name.startswith("bench_")
            and not parent.session.isinitpath(file_path)):
        return pytest.Module.from_parent(parent, path=file_path)
    return None


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    from tabulate import tabulate

    terminalreporter.section("derived figures")
    terminalreporter.write_line(tabulate(FIGURES, headers=["what", "item", "figure"]))
