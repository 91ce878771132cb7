"""The text formats of a report: markdown and LaTeX (tables by tabulate), CSV (one line per
table cell) and JSON (numbers as numbers: mean, std and n per cell, the thesis value apart)."""
from __future__ import annotations

import csv
import io
import json
import re

from tabulate import tabulate

from emobench.report.document import (LEGEND, Report, cell_text, chance_text, split_lines,
                                      variant_columns, variant_values)
from emobench.report.tables import Table


def table_grid(table: Table, pm: str = "±") -> tuple[list[str], list[list[str]]]:
    """Headers (``group column``) and rows of cell texts, in the thesis's arrangement."""
    headers = [""] + variant_columns(table) + [
        f"{group} {column}" for (group, span), columns in _grouped(table) for column in columns]
    rows = [[row.label] + variant_values(table, row) + [cell_text(r, pm) for r in row.results]
            for row in table.rows]
    return headers, rows


def _grouped(table: Table):
    columns, start = list(table.layout.columns), 0
    for group, span in table.groups:
        yield (group, span), columns[start:start + span]
        start += span


def _title(number: int, table: Table) -> str:
    return (f"{number}. {table.layout.suite.capitalize()}: {table.layout.title} "
            f"[{', '.join(table.protocols)}]")


# ---- markdown ---------------------------------------------------------------------------------
def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(report: Report) -> str:
    out = [f"# emobench report: run {report.run['run_id']}", ""]
    out += [f"- **{k}**: {_md_escape(v)}" for k, v in report.header] + [""]
    out += [f"> **{note}**\n" for note in report.notes]
    out += ["## Splits", ""] + [f"- {line}" for line in split_lines(report)] + [""]
    out += [f"_{LEGEND}_", ""]
    for number, table in enumerate(report.tables, 1):
        headers, rows = table_grid(table)
        out += [f"## {_title(number, table)}", "", table.layout.note, "",
                chance_text(report, table), "",
                tabulate([[_md_escape(c) for c in r] for r in rows],
                         headers=[_md_escape(h) for h in headers], tablefmt="pipe"), ""]
    for table in report.extra.get("robustness", []):
        out += [f"## Robustness: {table.modality}", "", table.note, "",
                tabulate(table.rows, headers=table.headers, tablefmt="pipe",
                         disable_numparse=True), ""]
    out += _failure_lines(report, "## Failures", "- ")
    out += skipped_lines(report, "## Skipped files", "- ")
    return "\n".join(out).rstrip() + "\n"


def skipped_lines(report: Report, heading: str, bullet: str) -> list[str]:
    """The files preprocessing skipped for the run's cells, with the reasons."""
    lines, unnamed = report.extra.get("skipped", ([], 0))
    if not lines and not unnamed:
        return [heading, "", "No file was skipped.", ""]
    if not lines:
        return [heading, "", f"{unnamed} file(s) skipped; these cells predate the list (see "
                             f"the preprocessing cache's skipped.jsonl).", ""]
    return [heading, ""] + [f"{bullet}{_md_escape(line)}" for line in lines] + [""]


def _failure_lines(report: Report, heading: str, bullet: str) -> list[str]:
    if not report.failures:
        return [heading, "", "No cell failed.", ""]
    return [heading, ""] + [f"{bullet}cell {f['key']} at {f['time']}: "
                            f"{f['error'].strip().splitlines()[0] if f['error'] else '?'}"
                            for f in report.failures] + [""]


# ---- LaTeX ------------------------------------------------------------------------------------
_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
                  "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                  "\\": r"\textbackslash{}", "±": r"$\pm$"}


def latex_escape(text: str) -> str:
    return re.sub(r"[&%$#_{}~^\\±]", lambda m: _LATEX_SPECIAL[m.group()], str(text))


def _latex_table(number: int, report: Report, table: Table) -> list[str]:
    headers, rows = table_grid(table)
    lead = 1 + len(table.layout.split_by)
    short = headers[:lead] + list(table.layout.columns)
    body = tabulate([[latex_escape(c) for c in r] for r in rows],
                    headers=[latex_escape(h) for h in short], tablefmt="latex_raw",
                    disable_numparse=True).splitlines()
    rules = iter((r"\toprule", r"\midrule", r"\bottomrule"))
    body = [next(rules) if line == r"\hline" else line for line in body]
    groups = " & ".join([""] * lead + [
        rf"\multicolumn{{{span}}}{{c}}{{{latex_escape(g)}}}" for g, span in table.groups]) \
        + r" \\"
    cmid, start = [], lead + 1
    for _, span in table.groups:
        cmid.append(rf"\cmidrule(lr){{{start}-{start + span - 1}}}")
        start += span
    at = body.index(r"\toprule") + 1
    body[at:at] = [groups, " ".join(cmid)]
    return [r"\begin{table}[ht]", r"\centering", r"\resizebox{\textwidth}{!}{%"] + body + [
        "}", rf"\caption{{{latex_escape(_title(number, table))}. "
             rf"{latex_escape(table.layout.note)} {latex_escape(chance_text(report, table))}}}",
        rf"\label{{tab:emobench-{table.layout.name}}}", r"\end{table}", ""]


def to_latex(report: Report) -> str:
    out = [r"\documentclass{article}", r"\usepackage[margin=2cm,landscape]{geometry}",
           r"\usepackage{booktabs}", r"\usepackage{graphicx}", r"\begin{document}",
           rf"\section*{{emobench report: run {latex_escape(report.run['run_id'])}}}",
           r"\begin{itemize}"]
    out += [rf"\item \textbf{{{latex_escape(k)}}}: {latex_escape(v.replace('`', ''))}"
            for k, v in report.header] + [r"\end{itemize}", ""]
    out += [rf"\noindent\fbox{{\parbox{{0.97\textwidth}}{{\textbf{{{latex_escape(n)}}}}}}}"
            "\n" for n in report.notes]
    out += [r"\subsection*{Splits}", r"\begin{itemize}"]
    out += [rf"\item {latex_escape(line)}" for line in split_lines(report)]
    out += [r"\end{itemize}", latex_escape(LEGEND), ""]
    for number, table in enumerate(report.tables, 1):
        out += _latex_table(number, report, table)
    out += [r"\subsection*{Failures}"] + [
        latex_escape(line) + r"\\" for line in _failure_lines(report, "", "")[2:] if line]
    return "\n".join(out + [r"\end{document}"]) + "\n"


# ---- CSV and JSON -----------------------------------------------------------------------------
CSV_FIELDS = ("run_id", "table", "row", "protocol", "features", "group", "column", "metric",
              "unit", "status", "mean", "std", "n", "expected", "thesis")


def table_records(report: Report):
    """Every filled layout position as a flat record (the CSV's lines, the JSON's cells)."""
    for table in report.tables:
        names = [(g, c) for (g, _), cols in _grouped(table) for c in cols]
        for row in table.rows:
            for (group, column), result in zip(names, row.results):
                if result is not None:
                    yield table, row, {"group": group, "column": column, **result.to_dict()}


def to_csv(report: Report) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for table, row, record in table_records(report):
        writer.writerow({"run_id": report.run["run_id"], "table": table.layout.name,
                         "row": row.label, "protocol": row.variant["protocol"],
                         "features": row.variant.get("features") or "", **{
                             k: "" if v is None else v for k, v in record.items()}})
    return buf.getvalue()


def to_json(report: Report) -> str:
    tables = []
    for table in report.tables:
        rows = [{"label": row.label, "variant": row.variant, "cells": []} for row in table.rows]
        index = {id(row): out for row, out in zip(table.rows, rows)}
        for t, row, record in table_records(report):
            if t is table:
                index[id(row)]["cells"].append(record)
        tables.append({"name": table.layout.name, "title": table.layout.title,
                       "suite": table.layout.suite, "split_by": list(table.layout.split_by),
                       "groups": [{"name": g, "span": s} for g, s in table.groups],
                       "columns": list(table.layout.columns), "note": table.layout.note,
                       "chance": table.chance, "rows": rows})
    doc = {"run_id": report.run["run_id"], "status": report.run.get("status"),
           "report_command": report.command, "config": report.run.get("config"),
           "provenance": report.run.get("provenance"), "protocols": report.protocols,
           "notes": report.notes, "splits": report.splits, "rml_chance": report.rml_chance,
           "tables": tables, "failures": report.failures,
           "skipped": report.extra.get("skipped", ([], 0))[0]}
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"
