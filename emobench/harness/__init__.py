"""The benchmark harness: suites of (dataset, features, model, fold) cells, trained, scored and
stored with their provenance in a SQLite results database.

    summary = run_suite("video", dataset="synth", epochs=5)
    store = ResultStore(summary.db_path)
"""
from __future__ import annotations

from emobench.harness.cell import Cell
from emobench.harness.runner import DEFAULT_RUN_DIR, RunConfig, RunSummary, run_suite
from emobench.harness.store import ResultStore
from emobench.harness.suites import SUITE_NAMES, SUITES

__all__ = ["Cell", "DEFAULT_RUN_DIR", "ResultStore", "RunConfig", "RunSummary", "SUITES",
           "SUITE_NAMES", "run_suite"]
