"""A run's report as one document model: provenance header, protocol notes, splits, the tables
and the failures, ready for any output format. Also the number formatting every format shares."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from emobench.harness.store import ResultStore
from emobench.report.layouts import Layout, thesis_layouts
from emobench.report.tables import (NOT_MEASURED, NOT_RUN, Result, Table, build_table,
                                    compact_speakers, protocol_rank, splits)

LEGEND = ("Each cell: this run's value (mean ± sample std over folds, with n/expected when "
          "some folds did not finish) / the thesis's value. '-' after the slash: the thesis "
          "gives no value. 'not run': no finished cell in this run (not asked for, or failed: see "
          "Failures); 'not measured': the cells finished "
          "without this metric. Empty: the thesis's table has no cell there.")


@dataclass
class Report:
    run: dict
    command: str | None
    header: list[tuple[str, str]]
    protocols: list[str]
    notes: list[str]
    splits: list[dict]
    tables: list[Table]
    failures: list[dict]
    rml_chance: float | None = None
    extra: dict = field(default_factory=dict)


def fmt(value: float | None, unit: str) -> str:
    """A number in its unit's style (parameters in millions)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit == "millions":
        return f"{value / 1e6:.3g}"
    if unit == "seconds":
        return f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"
    return f"{value:.3f}"


def thesis_text(result: Result) -> str:
    """The thesis's value as the thesis prints it (``0.49``, ``22``, ``2.5`` M), or ``-``."""
    value = result.spec.thesis
    if value is None:
        return "-"
    return f"{value / 1e6:g}" if result.spec.unit == "millions" else f"{value:g}"


def run_text(result: Result, pm: str = "±") -> str:
    """This run's part of a cell: ``0.742 ± 0.031``, ``(2/3 folds)`` when some are missing."""
    if result.status in (NOT_RUN, NOT_MEASURED):
        return result.status
    mean, std, n = result.stats
    unit = result.spec.unit
    text = fmt(mean, unit)
    if n > 1 and unit != "millions":
        text += f" {pm} {fmt(std, unit)}"
    if n < result.expected:
        text += f" ({n}/{result.expected} folds)"
    return text


def cell_text(result: Result | None, pm: str = "±") -> str:
    """The whole cell: this run's value / the thesis's value (empty where the layout has none)."""
    if result is None:
        return ""
    return f"{run_text(result, pm)} / {thesis_text(result)}"


def variant_columns(table: Table) -> list[str]:
    return [{"protocol": "Protocol", "features": "Features",
             "options.speaker_norm": "Speaker norm"}.get(f, f) for f in table.variant_fields]


def variant_values(table: Table, row) -> list[str]:
    if "options.speaker_norm" in table.variant_fields:  # an absent option means off
        return [("on" if row.variant[f] else "off") if f == "options.speaker_norm"
                else "-" if row.variant[f] is None else str(row.variant[f])
                for f in table.variant_fields]
    return ["-" if row.variant[f] is None else str(row.variant[f]) for f in table.variant_fields]


def _header(run: dict, command: str | None) -> list[tuple[str, str]]:
    prov, config = run.get("provenance") or {}, run.get("config") or {}
    hw, versions = prov.get("hardware") or {}, prov.get("versions") or {}
    ds = prov.get("dataset") or config.get("dataset_info") or {}
    accel = ", ".join(hw.get("accelerators") or []) or "none"
    speakers = ds.get("speakers", "?")
    if isinstance(speakers, list):  # the harness records the speaker ids themselves
        speakers = f"{len(speakers)} speakers ({compact_speakers(speakers)})"
    else:
        speakers = f"{speakers} speakers"
    rml = prov.get("rml") or {}
    items = [("Report command", f"`{command}`" if command else None),
             ("Run", f"{run['run_id']} ({run.get('status')}, started {run.get('started')}, "
                     f"finished {run.get('finished') or '-'})"),
             ("Run command", f"`{prov.get('command') or run.get('command') or '-'}`"),
             ("Git", prov.get("git") or "unknown (not a git checkout)"),
             ("Date", prov.get("date") or run.get("started")),
             ("Backend", f"{prov.get('backend', '?')} (Python {prov.get('python', '?')}; "
                         + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())) + ")"),
             ("Hardware", f"{hw.get('cpu', '?')}, {hw.get('cores', '?')} cores, "
                          f"{hw.get('memory_gib', '?')} GiB, accelerators: {accel} "
                          f"({hw.get('platform', '?')})"),
             ("Dataset", f"{ds.get('name', config.get('dataset', '?'))} at "
                         f"{ds.get('root', config.get('data_root', '?'))}: "
                         f"{ds.get('clips', '?')} clips, {speakers}, "
                         f"{ds.get('files', '?')} files, {ds.get('rejected', '?')} rejected"),
             ("Cross-dataset (RML)", f"{rml.get('clips')} clips at {rml.get('root')}" if rml
              else "not available in this run: the RML column stays empty"),
             ("Cross-corpus (audio)", (lambda x: f"{x['name']}: {x['clips']} clips, speakers "
                                       f"{', '.join(x['speakers'])}, scored over "
                                       f"{', '.join(x['classes'])} (chance "
                                       f"1/{len(x['classes'])}) at {x['root']}")
              (prov["cross"]) if prov.get("cross") else None),
             ("Configuration", ", ".join(f"{k} {config[k]}" for k in (
                 "suite", "protocol", "folds", "seed", "epochs", "frames", "size")
                 if k in config))]
    return [(k, str(v)) for k, v in items if v is not None]


def _notes(protocols: list[str], dataset: str) -> list[str]:
    gap = ("on real RAVDESS speech a scaled SVM on openSMILE emobase scores about 0.55 "
           "speaker-independent but about 0.75 with a random 80/20 split")
    if len(protocols) > 1:
        notes = [f"THIS RUN HOLDS {len(protocols)} PROTOCOLS ({', '.join(protocols)}). They "
                 f"sit in separate rows of every table and are never averaged together. "
                 f"Speaker-dependent splits put the same actors in train and validation and "
                 f"score far higher: {gap}. Compare like with like."]
    elif protocols == ["speaker-dependent"]:
        notes = [f"ALL NUMBERS ARE SPEAKER-DEPENDENT (a stratified random split over clips: "
                 f"the same actors on both sides). They do not measure generalisation to new "
                 f"speakers and are far higher than speaker-independent ones: {gap}."]
    else:
        notes = [f"ALL NUMBERS ARE SPEAKER-INDEPENDENT (no actor in both train and "
                 f"validation). The thesis does not state its split; a random split over clips "
                 f"scores far higher ({gap}), so put them beside the thesis with care."]
    if dataset == "synth":
        notes.append("The dataset is emobench's generated corpus (drawn faces, synthetic "
                     "voices): these numbers test the pipeline end to end; they are not "
                     "comparable with the thesis's RAVDESS numbers.")
    return notes


def _rml_chance(store: ResultStore, cells: list[dict]) -> float | None:
    for c in cells:
        if "rml_accuracy" in c["metrics"]:
            labels = store.array(c["key"], "rml_labels")
            return 1.0 / len(labels) if labels else 1.0 / 6
    return None


def build_report(store: ResultStore, run_id: str | None = None, command: str | None = None,
                 layouts: tuple[Layout, ...] | None = None) -> Report:
    """Read one run (the latest when ``run_id`` is None) and fill every layout from it."""
    run = store.run(run_id)
    cells = store.cells(run["run_id"])
    config = run.get("config") or {}
    protocols = sorted({c["protocol"] for c in cells} or
                       {config.get("protocol") or "speaker-independent"}, key=protocol_rank)
    dataset = config.get("dataset") or (cells[0]["dataset"] if cells else "dataset")
    tables = [build_table(layout, cells, dataset, protocols)
              for layout in (layouts or thesis_layouts())]
    from emobench.harness.skipped import cell_skips
    from emobench.report.robustness import robustness_tables

    return Report(run, command, _header(run, command), protocols, _notes(protocols, dataset),
                  splits(cells), tables, store.failures(run["run_id"]),
                  _rml_chance(store, cells),
                  {"robustness": robustness_tables(store, cells), "skipped": cell_skips(cells)})


def split_lines(report: Report) -> list[str]:
    """One line per fold: which speakers were validated on."""
    lines = []
    for s in report.splits:
        fold = f"fold {(s['fold'] or 0) + 1}/{s['folds'] or 1}"
        n_val = "/".join(map(str, s["n_val"])) or "?"
        if s["protocol"] == "speaker-dependent":
            who = (f"random stratified clips from speakers {compact_speakers(s['val_speakers'])}"
                   f" (the same speakers train)")
        else:
            who = f"speakers {compact_speakers(s['val_speakers'])}"
        lines.append(f"{s['dataset']}, {s['protocol']}, seed {s['seed']}, {fold}: validated on "
                     f"{who}; {n_val} validation clips")
    return lines


def chance_text(report: Report, table: Table) -> str:
    parts = [f"{p}: {v:.3f} (1/{round(1 / v)})" for p, v in sorted(
        table.chance.items(), key=lambda kv: protocol_rank(kv[0])) if v > 0]
    text = "Chance level (validation): " + ("; ".join(parts) if parts else "no result here")
    if table.layout.name == "fusion" and report.rml_chance:
        text += f"; RML: {report.rml_chance:.3f} (1/{round(1 / report.rml_chance)})"
    return text
