"""From a run's cells to table models: each layout's grid filled with this run's values
(mean, std and count over folds) beside the thesis's, split by protocol, never averaged across.

Everything is read through :class:`~emobench.harness.store.ResultStore`; nothing is recomputed.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from emobench.harness.metrics import summarize
from emobench.report.layouts import Layout, Spec, with_models

PROTOCOL_ORDER = ("speaker-independent", "speaker-dependent")
NOT_RUN, NOT_MEASURED, OK = "not run", "not measured", "ok"


@dataclass
class Result:
    """This run's value of one table cell, over the folds (and seeds) that finished."""

    spec: Spec
    values: list[float]
    expected: int
    cells: int

    @property
    def status(self) -> str:
        return OK if self.values else NOT_MEASURED if self.cells else NOT_RUN

    @property
    def stats(self) -> tuple[float, float, int]:
        return summarize(self.values)

    def to_dict(self) -> dict:
        mean, std, n = self.stats
        return {"metric": self.spec.metric, "unit": self.spec.unit, "status": self.status,
                "mean": None if math.isnan(mean) else mean,
                "std": None if math.isnan(std) else std, "n": n, "expected": self.expected,
                "values": self.values, "thesis": self.spec.thesis}


@dataclass
class Detail:
    """The cells behind one (row, selection, variant): what the HTML's figures are drawn from."""

    title: str
    variant: dict
    cells: list[dict]


@dataclass
class TableRow:
    label: str
    variant: dict
    results: list[Result | None]


@dataclass
class Table:
    layout: Layout
    groups: list[tuple[str, int]]
    rows: list[TableRow]
    chance: dict[str, float] = field(default_factory=dict)
    details: list[Detail] = field(default_factory=list)

    @property
    def variant_fields(self) -> tuple[str, ...]:
        return self.layout.split_by

    @property
    def protocols(self) -> list[str]:
        return _ordered({r.variant["protocol"] for r in self.rows})


def protocol_rank(protocol: str) -> tuple[int, str]:
    """Speaker-independent first, then speaker-dependent, then anything else by name."""
    known = protocol in PROTOCOL_ORDER
    return (PROTOCOL_ORDER.index(protocol) if known else len(PROTOCOL_ORDER), protocol)


def _ordered(protocols) -> list[str]:
    return sorted(protocols, key=protocol_rank)


def field_of(cell: dict, name: str):
    """A cell's field: a column (``model``) or a dotted path into its JSON (``options.video``)."""
    if "." not in name and name in cell:
        return cell[name]
    value = cell.get("cell") or {}
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def matches(cell: dict, selection: dict) -> bool:
    return all(field_of(cell, k) == v for k, v in selection.items())


def _result(spec: Spec, cells: list[dict]) -> Result:
    cells = sorted(cells, key=lambda c: (c.get("seed") or 0, c.get("fold") or 0))
    values = [c["metrics"][spec.metric] for c in cells if spec.metric in c["metrics"]]
    seeds = {c.get("seed") for c in cells}
    expected = max((c.get("folds") or 1 for c in cells), default=0) * max(len(seeds), 1)
    return Result(spec, values, expected, len(cells))


def _variants(layout: Layout, cells: list[dict], protocols: list[str]) -> list[dict]:
    """Every protocol of the run (so the protocols always sit side by side, even where one has
    no result) times the other ``split_by`` values found in the table's cells."""
    specs = [s for row in layout.rows for s in row.specs if s is not None]
    used = [c for c in cells if any(matches(c, s.selection) for s in specs)]
    others = sorted({tuple(field_of(c, f) for f in layout.split_by[1:]) for c in used},
                    key=lambda k: [str(v) for v in k]) or [(None,) * (len(layout.split_by) - 1)]
    return [dict(zip(layout.split_by, (p, *k))) for p in protocols for k in others]


def build_table(layout: Layout, cells: list[dict], dataset: str,
                protocols: list[str]) -> Table:
    """Fill ``layout`` from the run's finished ``cells`` (each with ``suites``): one row per
    layout row and variant (protocol, and e.g. the fusion's audio set); empty cells stay empty.
    A cell lands wherever its model and features match (a fusion run's branch cells fill the
    audio and video tables: they are the same cells); a model the thesis lacks, run in the
    table's suite, gets its own row or column group."""
    specs = [s for row in layout.rows for s in row.specs if s is not None]
    extra = sorted({c["model"] for c in cells if layout.suite in c.get("suites", [])
                    and not any(matches(c, s.selection) for s in specs)})
    layout = with_models(layout, extra) if extra else layout
    groups = [(g.replace("{dataset}", dataset), span) for g, span in layout.groups]
    table = Table(layout, groups, [])
    variants = _variants(layout, cells, protocols)
    subsets = [[c for c in cells if all(field_of(c, k) == v for k, v in variant.items())]
               for variant in variants]
    for row in layout.rows:  # each layout row once per variant, adjacent: side by side
        for variant, here in zip(variants, subsets):
            results = [None if s is None else
                       _result(s, [c for c in here if matches(c, s.selection)])
                       for s in row.specs]
            table.rows.append(TableRow(row.label, variant, results))
    for variant, here in zip(variants, subsets):
        table.details += _details(layout, here, variant)
        chance = sorted({c["metrics"]["chance"] for c in here if "chance" in c["metrics"]})
        if chance:
            table.chance.setdefault(variant["protocol"], chance[0])
    return table


def _details(layout: Layout, cells: list[dict], variant: dict) -> list[Detail]:
    """One entry per distinct selection (a model on a feature set), named by its row and, when
    the row spans several selections, by its column group."""
    out, seen = [], set()
    for row in layout.rows:
        named = [(s, g) for s, g in zip(row.specs, _group_names(layout)) if s is not None]
        several = len({s.select for s, _ in named}) > 1
        for spec, group in named:
            if spec.select in seen:
                continue
            seen.add(spec.select)
            chosen = [c for c in cells if matches(c, spec.selection)]
            if chosen:
                parts = ([row.label] if row.label != "Metric" else []) + ([group] if several
                                                                           else [])
                out.append(Detail(" / ".join(parts), variant, sorted(
                    chosen, key=lambda c: (c.get("seed") or 0, c.get("fold") or 0))))
    return out


def _group_names(layout: Layout) -> list[str]:
    return [g for g, span in layout.groups for _ in range(span)]


def compact_speakers(speakers) -> str:
    """``['01', '02', '03', '04', '09']`` -> ``'01-04, 09'`` (non-numeric names listed)."""
    numeric = [s for s in speakers if re.fullmatch(r"\d+", str(s))]
    if len(numeric) != len(speakers) or not speakers:
        return ", ".join(map(str, speakers))
    nums = sorted(int(s) for s in numeric)
    width = len(str(speakers[0]))
    parts, start = [], nums[0]
    for prev, cur in zip(nums, nums[1:] + [None]):
        if cur != prev + 1:
            parts.append(f"{start:0{width}d}" + (f"-{prev:0{width}d}" if prev != start else ""))
            start = cur
    return ", ".join(parts)


def splits(cells: list[dict]) -> list[dict]:
    """The validation speakers of each (dataset, protocol, seed, fold) the run's cells used."""
    found: dict[tuple, dict] = {}
    for c in cells:
        split = c.get("split") or {}
        key = (c["dataset"], c["protocol"], c.get("seed"), c.get("fold"))
        entry = found.setdefault(key, {
            "dataset": c["dataset"], "protocol": c["protocol"], "seed": c.get("seed"),
            "fold": c.get("fold"), "folds": c.get("folds"),
            "val_speakers": list(split.get("val_speakers", [])),
            "train_speakers": list(split.get("train_speakers", [])), "n_val": set()})
        if "n_val" in split:
            entry["n_val"].add(split["n_val"])
    out = []
    for key in sorted(found, key=lambda k: (protocol_rank(k[1]), str(k[0]), k[2] or 0,
                                            k[3] or 0)):
        entry = found[key]
        entry["n_val"] = sorted(entry["n_val"])
        out.append(entry)
    return out
