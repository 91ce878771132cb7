"""The results database: one SQLite file per run directory, in WAL mode.

Tables::

    runs       run_id, started, finished, status, command, suite, config (JSON), provenance (JSON)
    cells      key, the cell's fields, cell (JSON), split (JSON: the speaker lists themselves),
               provenance (JSON), model_path, first run_id, started, finished, seconds
    run_cells  run_id, key, suite: which cells each run asked for (a rerun links finished cells)
    metrics    key, name, value                     one row per scalar metric
    history    key, epoch, name, value              per-epoch training curves
    arrays     key, name, value (JSON)              confusion matrices, probabilities, ids
    failures   run_id, key, time, error, cell (JSON)  cells that raised (retried next run)

A finished cell is written in one transaction, so a run killed at any moment keeps every cell it
finished and loses only the one in progress; a second writer waits (busy timeout) instead of
failing, and the first result for a cell key wins.
"""
from __future__ import annotations

import json
import sqlite3
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from emobench.harness.cell import Cell, canonical_json

SCHEMA_VERSION = 2
DB_NAME = "results.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, started TEXT, finished TEXT, status TEXT, command TEXT,
    suite TEXT, config TEXT, provenance TEXT);
CREATE TABLE IF NOT EXISTS cells (
    key TEXT PRIMARY KEY, dataset TEXT, dataset_id TEXT, features TEXT, model TEXT,
    protocol TEXT, folds INTEGER, fold INTEGER, seed INTEGER, epochs INTEGER, cell TEXT,
    split TEXT, provenance TEXT, model_path TEXT, run_id TEXT, started TEXT, finished TEXT,
    seconds REAL);
CREATE TABLE IF NOT EXISTS run_cells (
    run_id TEXT, key TEXT, suite TEXT, PRIMARY KEY (run_id, key, suite));
CREATE TABLE IF NOT EXISTS metrics (
    key TEXT, name TEXT, value REAL, PRIMARY KEY (key, name));
CREATE TABLE IF NOT EXISTS history (
    key TEXT, epoch INTEGER, name TEXT, value REAL, PRIMARY KEY (key, epoch, name));
CREATE TABLE IF NOT EXISTS arrays (
    key TEXT, name TEXT, value TEXT, PRIMARY KEY (key, name));
CREATE TABLE IF NOT EXISTS failures (
    run_id TEXT, key TEXT, time TEXT, error TEXT, cell TEXT);
"""


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def database_file(path: str | Path) -> Path:
    """The results database of a run directory (``<dir>/results.sqlite``), or ``path`` itself
    when it names a file."""
    path = Path(path)
    return path / DB_NAME if path.is_dir() or not path.suffix else path


class ResultStore:
    """Read and write one results database (``<run_dir>/results.sqlite`` or any path)."""

    def __init__(self, path: str | Path, *, readonly: bool = False):
        """Open (and create, unless ``readonly``) the database at ``path``: a run directory or
        the .sqlite file itself. ``readonly`` never writes, so a report can read a database on
        read-only storage; a missing one is then a FileNotFoundError."""
        self.path = database_file(path)
        if readonly:
            if not self.path.is_file():
                raise FileNotFoundError(f"{self.path}: no results database")
            self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                         timeout=60.0, isolation_level=None)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA busy_timeout = 60000")
        if not readonly:
            self._enable_wal()
            self._conn.execute("PRAGMA synchronous = NORMAL")
            with self.transaction() as db:
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    db.execute(statement)
                db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                           (str(SCHEMA_VERSION),))
        try:
            found = self.meta("schema_version")
        except sqlite3.DatabaseError as err:
            raise ValueError(f"{self.path}: not a readable results database ({err})") from None
        if found != str(SCHEMA_VERSION):
            raise ValueError(f"{self.path}: results schema {found}, this emobench reads "
                             f"{SCHEMA_VERSION}")


    def _enable_wal(self) -> None:
        """WAL mode, retried: while another process creates the same database, SQLite can
        answer the mode switch "database is locked" at once, without waiting on busy_timeout."""
        import time

        for attempt in range(50):
            try:
                self._conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as err:
                if "locked" not in str(err) or attempt == 49:
                    raise
                time.sleep(0.1)
    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "ResultStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """An immediate (write-locking) transaction, committed on success, rolled back on error."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def meta(self, name: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    # ---- runs ---------------------------------------------------------------------------
    def start_run(self, suite: str, config: dict, provenance: dict, command: str = "") -> str:
        """Record a new run; returns its id (date and a random suffix, sortable by time)."""
        run_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        with self.transaction() as db:
            db.execute("INSERT INTO runs VALUES (?, ?, NULL, 'running', ?, ?, ?, ?)",
                       (run_id, now(), command, suite, canonical_json(config),
                        canonical_json(provenance)))
        return run_id

    def finish_run(self, run_id: str, status: str = "done") -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET finished = ?, status = ? WHERE run_id = ?",
                       (now(), status, run_id))

    def runs(self) -> list[dict]:
        """Every run, oldest first, with config and provenance decoded."""
        rows = self._conn.execute("SELECT * FROM runs ORDER BY rowid").fetchall()  # start order
        return [self._decode(r, ("config", "provenance")) for r in rows]

    def run(self, run_id: str | None = None) -> dict:
        """One run (the latest when ``run_id`` is None); a clear error when there is none."""
        runs = self.runs()
        if not runs:
            raise LookupError(f"{self.path}: no runs recorded")
        if run_id is None:
            return runs[-1]
        for r in runs:
            if r["run_id"] == run_id:
                return r
        raise LookupError(f"{self.path}: no run {run_id!r}; runs: "
                          f"{', '.join(r['run_id'] for r in runs)}")

    def link(self, run_id: str, cell: Cell, suite: str) -> None:
        """Note that ``run_id`` asked for ``cell`` as part of ``suite``."""
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO run_cells VALUES (?, ?, ?)",
                       (run_id, cell.key, suite))

    # ---- cells --------------------------------------------------------------------------
    def is_done(self, key: str) -> bool:
        return self._conn.execute("SELECT 1 FROM cells WHERE key = ?", (key,)).fetchone() \
            is not None

    def save_cell(self, run_id: str, cell: Cell, *, metrics: dict[str, float],
                  history: dict[str, list[float]] | None = None,
                  arrays: dict[str, Any] | None = None, split: dict | None = None,
                  provenance: dict | None = None, model_path: str | None = None,
                  started: str | None = None, seconds: float | None = None) -> bool:
        """Store a finished cell in one transaction; False when the key was already stored
        (another writer finished it first: its result stands)."""
        d = cell.to_dict()
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM cells WHERE key = ?", (cell.key,)).fetchone():
                return False
            db.execute(
                "INSERT INTO cells VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (cell.key, d["dataset"], d["dataset_id"], d["features"], d["model"],
                 d["protocol"], d["folds"], d["fold"], d["seed"], d["epochs"],
                 canonical_json(d), canonical_json(split or {}),
                 canonical_json(provenance or {}), model_path, run_id, started or now(), now(),
                 seconds))
            db.executemany("INSERT INTO metrics VALUES (?, ?, ?)",
                           [(cell.key, k, float(v)) for k, v in metrics.items()
                            if v is not None and np.isfinite(v)])
            db.executemany("INSERT INTO history VALUES (?, ?, ?, ?)",
                           [(cell.key, epoch, name, float(v))
                            for name, values in (history or {}).items()
                            for epoch, v in enumerate(values) if v is not None])
            db.executemany("INSERT INTO arrays VALUES (?, ?, ?)",
                           [(cell.key, k, json.dumps(_jsonable(v)))
                            for k, v in (arrays or {}).items()])
        return True

    def record_failure(self, run_id: str, cell: Cell, error: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO failures VALUES (?, ?, ?, ?, ?)",
                       (run_id, cell.key, now(), error, canonical_json(cell.to_dict())))

    def failures(self, run_id: str) -> list[dict]:
        """The cells of ``run_id`` that raised: key, time, error (first line: the reason, then
        the traceback) and the cell's fields (model, features, fold, ...)."""
        rows = self._conn.execute("SELECT * FROM failures WHERE run_id = ? ORDER BY rowid",
                                  (run_id,)).fetchall()
        return [self._decode(r, ("cell",)) for r in rows]

    def cells(self, run_id: str | None = None, suite: str | None = None) -> list[dict]:
        """The finished cells a run asked for (every finished cell when ``run_id`` is None), each
        with ``metrics`` (dict), ``cell``/``split``/``provenance`` decoded and ``suites``."""
        if run_id is None:
            rows = self._conn.execute("SELECT *, '' AS suites FROM cells ORDER BY finished")
        else:
            rows = self._conn.execute(
                "SELECT c.*, group_concat(rc.suite) AS suites FROM run_cells rc "
                "JOIN cells c ON c.key = rc.key WHERE rc.run_id = ? "
                + ("AND rc.suite = ? " if suite else "")
                + "GROUP BY c.key ORDER BY c.model, c.features, c.fold",
                (run_id, suite) if suite else (run_id,))
        out = []
        for row in rows.fetchall():
            d = self._decode(row, ("cell", "split", "provenance"))
            d["suites"] = sorted(set((d.get("suites") or "").split(","))) if d.get("suites") \
                else []
            d["metrics"] = self.metrics(d["key"])
            out.append(d)
        return out

    def metrics(self, key: str) -> dict[str, float]:
        rows = self._conn.execute("SELECT name, value FROM metrics WHERE key = ?", (key,))
        return {name: value for name, value in rows.fetchall()}

    def history(self, key: str) -> dict[str, list[float]]:
        rows = self._conn.execute(
            "SELECT name, epoch, value FROM history WHERE key = ? ORDER BY name, epoch", (key,))
        out: dict[str, list[float]] = {}
        for name, _, value in rows.fetchall():
            out.setdefault(name, []).append(value)
        return out

    def array(self, key: str, name: str) -> Any:
        """A stored array (as nested lists / values), or None."""
        row = self._conn.execute("SELECT value FROM arrays WHERE key = ? AND name = ?",
                                 (key, name)).fetchone()
        return json.loads(row[0]) if row else None

    def array_names(self, key: str) -> list[str]:
        rows = self._conn.execute("SELECT name FROM arrays WHERE key = ? ORDER BY name", (key,))
        return [r[0] for r in rows.fetchall()]

    @staticmethod
    def _decode(row: sqlite3.Row, json_fields: tuple[str, ...]) -> dict:
        d = dict(row)
        for name in json_fields:
            if d.get(name):
                d[name] = json.loads(d[name])
        return d
