"""The HTML report: one self-contained file (inline CSS, figures as PNG data URIs, no link or
source outside it) with the tables, a confusion matrix and learning curves per table cell, the
folds behind each, and the run's provenance."""
from __future__ import annotations

from html import escape

from emobench.harness.store import ResultStore
from emobench.report import plots
from emobench.report.document import (LEGEND, Report, chance_text, fmt, run_text, split_lines,
                                      thesis_text,
                                      variant_columns, variant_values)
from emobench.report.tables import Detail, Table, compact_speakers

_CSS = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.85em; }
th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: center; }
th.group { background: #eef; } td.label { text-align: left; font-weight: bold; }
td .thesis { display: block; color: #777; font-size: 0.85em; }
td.missing { color: #a00; font-style: italic; }
.note { border: 3px solid #c00; background: #fee; padding: 0.6em 1em; font-weight: bold;
        margin: 1em 0; }
.protocol { font-weight: bold; }
details { margin: 0.4em 0; } summary { cursor: pointer; }
"""

_FOLD_METRICS = (("train acc", "train_accuracy", "ratio"), ("val acc", "val_accuracy", "ratio"),
                 ("val UAR", "val_uar", "ratio"), ("val loss", "val_loss", "loss"),
                 ("RML acc", "rml_accuracy", "ratio"), ("epochs", "epochs_run", "count"),
                 ("train time (s)", "train_time", "seconds"))


def _table_html(table: Table) -> str:
    lead = 1 + len(table.variant_fields)
    head = [f'<tr><th colspan="{lead}"></th>' + "".join(
        f'<th class="group" colspan="{span}">{escape(g)}</th>' for g, span in table.groups)
        + "</tr>", "<tr><th></th>" + "".join(f"<th>{escape(c)}</th>" for c in
                                             variant_columns(table))
        + "".join(f"<th>{escape(c)}</th>" for c in table.layout.columns) + "</tr>"]
    body = []
    for row in table.rows:
        tds = [f'<td class="label">{escape(row.label)}</td>'] + [
            f'<td class="protocol">{escape(v)}</td>' for v in variant_values(table, row)]
        for result in row.results:
            if result is None:
                tds.append("<td></td>")
                continue
            css = ' class="missing"' if result.status != "ok" else ""
            tds.append(f"<td{css}>{escape(run_text(result))}<span class=\"thesis\">thesis "
                       f"{escape(thesis_text(result))}</span></td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    return ("<table><thead>" + "".join(head) + "</thead><tbody>" + "\n".join(body)
            + "</tbody></table>")


def _fold_table(cells: list[dict]) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("fold", "seed", "validated on", "n val")) + "".join(
        f"<th>{escape(label)}</th>" for label, _, _ in _FOLD_METRICS)
    rows = []
    for c in cells:
        split, m = c.get("split") or {}, c["metrics"]
        values = [fmt(m.get(k), u) if u != "count" or k not in m else str(int(m[k]))
                  for _, k, u in _FOLD_METRICS]
        rows.append("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in [
            f"{(c.get('fold') or 0) + 1}/{c.get('folds')}", c.get("seed"),
            compact_speakers(split.get("val_speakers", [])), split.get("n_val", "?"),
            *values]) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _detail_html(store: ResultStore, detail: Detail) -> str:
    cells = detail.cells
    panels = []
    for prefix, title in (("val", "validation"), ("rml", "RML (cross-dataset)")):
        labels_key = "labels" if prefix == "val" else "rml_labels"
        matrix, labels, folds = plots.sum_confusions(
            [store.array(c["key"], f"{prefix}_confusion") for c in cells],
            [store.array(c["key"], labels_key) for c in cells])
        if matrix is not None:
            panels.append((matrix, labels, f"{title}, {folds} fold(s) summed"))
    images = []
    if panels:
        images.append(f'<img alt="confusion matrix" src="{plots.confusion_figure(panels)}">')
    else:
        images.append("<p><i>No confusion matrix stored.</i></p>")
    curves = plots.curves_figure([(f"fold {(c.get('fold') or 0) + 1}", store.history(c["key"]))
                                  for c in cells])
    images.append(f'<img alt="learning curves" src="{curves}">' if curves else
                  "<p><i>No per-epoch history (not an iteratively trained model).</i></p>")
    variant = ", ".join(str(v) for v in detail.variant.values() if v is not None)
    return (f"<details><summary>{escape(detail.title)} [{escape(variant)}]: {len(cells)} "
            f"cell(s), model {escape(cells[0]['model'])} on {escape(cells[0]['features'])}"
            f"</summary>{_fold_table(cells)}{''.join(images)}</details>")


def to_html(report: Report, store: ResultStore) -> str:
    """The whole self-contained HTML document."""
    title = f"emobench report: run {report.run['run_id']}"
    out = [f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>'
           f'{escape(title)}</title><style>{_CSS}</style></head><body>',
           f"<h1>{escape(title)}</h1>",
           "<table>" + "".join(f'<tr><td class="label">{escape(k)}</td><td style="text-align:'
                               f'left">{escape(v.replace("`", ""))}</td></tr>'
                               for k, v in report.header) + "</table>"]
    out += [f'<div class="note">{escape(n)}</div>' for n in report.notes]
    out += ["<h2>Splits</h2><ul>"] + [f"<li>{escape(line)}</li>" for line in
                                      split_lines(report)] + ["</ul>", f"<p><i>{escape(LEGEND)}"
                                                              f"</i></p>"]
    drawn: dict[frozenset, int] = {}  # the same cells in two tables are drawn once
    for number, table in enumerate(report.tables, 1):
        out += [f'<h2 id="table-{table.layout.name}">{number}. '
                f"{escape(table.layout.title)} [{escape(', '.join(table.protocols))}]</h2>",
                f"<p>{escape(table.layout.note)}</p><p>{escape(chance_text(report, table))}</p>",
                _table_html(table), "<h3>Confusion matrices and learning curves</h3>"]
        fresh = [d for d in table.details
                 if frozenset(c["key"] for c in d.cells) not in drawn]
        earlier = sorted({drawn[frozenset(c["key"] for c in d.cells)] for d in table.details
                          if d not in fresh})
        drawn.update({frozenset(c["key"] for c in d.cells): number for d in fresh})
        out += [_detail_html(store, d) for d in fresh]
        out += [f"<p><i>Figures of the other cells: see table {n}.</i></p>" for n in earlier]
        if not table.details:
            out.append("<p><i>No results.</i></p>")
    for table in report.extra.get("robustness", []):
        from emobench.report.robustness import severity_figure

        figure = severity_figure(table)
        out += [f'<h2 id="robustness-{table.modality}">Robustness: {escape(table.modality)}'
                f"</h2><p>{escape(table.note)}</p><table><tr>"
                + "".join(f"<th>{escape(h)}</th>" for h in table.headers) + "</tr>"
                + "".join("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>"
                          for row in table.rows) + "</table>"]
        if figure:
            out.append(f'<img alt="accuracy versus severity" src="{figure}">')
    out.append("<h2>Failures</h2>")
    out += ([f"<details><summary>cell {escape(f['key'])} at {escape(f['time'])}: "
             f"{escape((f['error'] or '?').strip().splitlines()[0])}</summary><pre>"
             f"{escape(f['error'] or '')}</pre></details>" for f in report.failures]
            or ["<p>No cell failed.</p>"])
    return "\n".join(out + ["</body></html>"]) + "\n"
