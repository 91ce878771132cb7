"""Reports: the thesis's comparison tables from a results database, beside the thesis's numbers.

A report only reads the database the harness wrote (through
:class:`~emobench.harness.store.ResultStore`); it never re-runs anything.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from emobench.harness.store import ResultStore, database_file

FORMATS = ("markdown", "latex", "csv", "html", "json")
SUFFIXES = {"markdown": ".md", "latex": ".tex", "csv": ".csv", "html": ".html", "json": ".json"}

__all__ = ["FORMATS", "SUFFIXES", "database_path", "render_report", "write_report"]


def database_path(source: str | Path) -> Path:
    """The results database of a run directory (``<dir>/results.sqlite``) or the file itself;
    FileNotFoundError when there is none (a report never creates one)."""
    db = database_file(source)
    if not db.is_file():
        raise FileNotFoundError(f"{db}: no results database (run 'emobench run' first, or pass "
                                f"--run-dir/--db)")
    return db


def render_report(source: str | Path, format: str = "markdown", run_id: str | None = None,
                  command: str | None = None) -> str:
    """The report of one run (the latest when ``run_id`` is None) of the results database at
    ``source`` (a run directory or the database file), as text in ``format``: markdown, latex,
    csv, html (a whole self-contained document) or json. ``command``, when given, is printed
    as the report's own command. Raises FileNotFoundError (no database), LookupError (no such
    run) or ValueError (unknown format, unreadable database)."""
    if format not in FORMATS:
        raise ValueError(f"unknown report format {format!r}; expected one of {', '.join(FORMATS)}")
    db = database_path(source)
    from emobench.report import render
    from emobench.report.document import build_report

    try:
        with ResultStore(db, readonly=True) as store:
            if format == "markdown" and store.run(run_id).get("suite") == "images":
                from emobench.harness.image_suite import suite_markdown
                return suite_markdown(store, run_id, command)  # FER2013: no thesis layouts
            report = build_report(store, run_id, command)
            if format == "html":
                from emobench.report.html import to_html

                return to_html(report, store)
    except sqlite3.DatabaseError as err:
        raise ValueError(f"{db}: not a readable results database ({err})") from None
    return {"markdown": render.to_markdown, "latex": render.to_latex, "csv": render.to_csv,
            "json": render.to_json}[format](report)


def write_report(source: str | Path, out: str | Path, format: str = "markdown",
                 run_id: str | None = None, command: str | None = None) -> Path:
    """Render the report and write it to ``out`` atomically (temporary file, then rename)."""
    text = render_report(source, format, run_id, command)
    from emobench.atomic import atomic_write_text

    return atomic_write_text(out, text)
