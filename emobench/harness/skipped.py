"""The files a run's preprocessing skipped: counted in ``emobench run``'s summary and listed
by ``emobench report``. Each cell's provenance keeps the skipped clips of its features
(``path: reason``); every stage also appends them to ``<cache>/skipped.jsonl``."""
from __future__ import annotations

from pathlib import Path


def run_skips(source: str | Path, run_id: str | None = None) -> tuple[list[str], int]:
    """``(lines, unnamed)``: the distinct ``path: reason`` lines of the run's cells (the latest
    run when ``run_id`` is None), and how many skips older cells counted without naming them."""
    from emobench.harness.store import ResultStore, database_file

    with ResultStore(database_file(source), readonly=True) as store:
        cells = store.cells(store.run(run_id)["run_id"])
    return cell_skips(cells)


def cell_skips(cells: list[dict]) -> tuple[list[str], int]:
    """:func:`run_skips` of cells already read from the results store."""
    lines: set[str] = set()
    unnamed = 0
    for cell in cells:
        prov = cell.get("provenance") or {}
        if "skipped" in prov:
            lines.update(prov["skipped"])
        else:
            unnamed = max(unnamed, int(prov.get("skipped_clips", 0)))
    return sorted(lines), unnamed


def manifest_path(cache_dir: str | Path | None = None) -> Path:
    """The skip manifest of the preprocessing cache (``--cache-dir`` or the default)."""
    from emobench.paths import cache_root

    return Path(cache_dir) / "skipped.jsonl" if cache_dir else \
        cache_root() / "features" / "skipped.jsonl"


def summary_line(count: int, cache_dir: str | Path | None = None) -> str:
    """"N files skipped ..., reasons in <manifest>" for a command's summary."""
    if not count:
        return "no file skipped"
    return f"{count} file(s) skipped by preprocessing; reasons in {manifest_path(cache_dir)}"
