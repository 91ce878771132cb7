"""Assemble reports/robustness-real.{md,html} (issue 16) from `emobench report` outputs: their
header blocks, splits and '## Robustness' sections, below a preface generated from the run
itself (the commands and their wall times and load from the script's times.tsv, a summary
parsed from the report's own tables, the seconds per corrupted evaluation from the results
database) and a hand-written notes file (what the numbers say). Reads reports and the database
only; never re-runs anything. reports/make_robustness_real.sh calls it:

    python reports/assemble_robustness.py [--times TSV] [--db results.sqlite] [--notes MD]
        [--title TEXT] [--intro MD] OUT_STEM A.md A.html [B.md B.html ...]
"""
from __future__ import annotations

import argparse
import re
import sqlite3
import subprocess
from pathlib import Path


def md_sections(text: str) -> str:
    """The report's header block (up to its first table) and its '## Robustness' sections."""
    head = text.split("\n## ", 1)[0]
    parts = re.split(r"(?m)^## ", text)
    keep = ["## " + p.rstrip() for p in parts[1:]
            if p.startswith("Robustness") or p.startswith("Splits")]
    return "\n\n".join([head.rstrip(), *keep])


def html_sections(text: str) -> str:
    """The report's header (its run, git, hardware, splits; its title one level down) and
    its robustness sections."""
    start = text.find('<h2 id="robustness-')
    end = text.find("<h2>Failures</h2>")
    if start < 0:
        return ""
    top = text.find("<h1>")
    first = min((i for i in (text.find('<h2 id="table-'), start) if i >= 0))
    head = re.sub(r"</?h1>", lambda m: m.group(0).replace("h1", "h2"), text[top:first]) \
        if 0 <= top < first else ""
    return head + text[start:end]


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def robustness_tables(text: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """``(title, headers, rows)`` of each '## Robustness: ...' table of a markdown report."""
    out = []
    for part in re.split(r"(?m)^## ", text)[1:]:
        if not part.startswith("Robustness"):
            continue
        title = part.split("\n", 1)[0].removeprefix("Robustness: ").strip()
        lines = [ln for ln in part.splitlines() if ln.startswith("|")]
        if len(lines) < 3:
            continue
        out.append((title, _cells(lines[0]), [_cells(ln) for ln in lines[2:]]))
    return out


def _num(v: str) -> float | None:
    try:
        return float(v)
    except ValueError:
        return None


def summary(texts: list[str]) -> str:
    """One line per (table, model): clean, mCA, relative drop, the worst corrupted cell, the
    lost faces/clips and the mCE, all read off the report's tables."""
    lines = ["| table | model | clean | mCA | mCA / clean | worst (corruption, severity) | "
             "faces/clips lost | mCE |", "|---|---|---|---|---|---|---|---|"]
    for text in texts:
        for title, headers, rows in robustness_tables(text):
            col = {h: i for i, h in enumerate(headers)}
            mce = next((h for h in headers if h.startswith("mCE vs")), None)
            scored = [h for h in headers[2:] if h not in ("mCA", "faces/clips lost")
                      and not h.startswith(("mCE", "rel. mCE"))]
            for row in rows:
                clean, mca = _num(row[col["clean"]]), _num(row[col["mCA"]])
                vals = [(v, h) for h in scored if (v := _num(row[col[h]])) is not None]
                worst = min(vals) if vals else None
                ties = sum(v == worst[0] for v, _ in vals) - 1 if worst else 0
                ratio = f"{mca / clean:.2f}" if clean and mca is not None else "-"
                lines.append(" | ".join([
                    f"| {title}", row[0].split(" (")[0], row[col["clean"]], row[col["mCA"]],
                    ratio, (f"{worst[0]:.3f} ({worst[1]}" + (f", +{ties} more" if ties else "")
                            + ")") if worst else "-",
                    row[col["faces/clips lost"]], row[col[mce]] if mce else "-"]) + " |")
    return "\n".join(lines)


def seconds_per_evaluation(db: Path) -> str:
    """Mean seconds per corrupted evaluation computed in the run (preprocess + predict), by
    set and stage, from the results database (rows reused from a cache count 0 s)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    has = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    lines = ["| evaluations | n | clips each | mean s / evaluation | max s |", "|---|---|---|---|---|"]
    if "robustness" in has:
        q = ("SELECT CASE WHEN instr(key, '@') THEN substr(key, instr(key, '@') + 1) "
             "ELSE 'val' END AS s, corruption IN ('audio_missing', 'video_missing'), count(*), "
             "avg(n), avg(preprocess_seconds + predict_seconds), "
             "max(preprocess_seconds + predict_seconds) FROM robustness WHERE computed > 0 "
             "GROUP BY s, 2")
        names = {"val": "audio cells on their validation clips (corrupted features computed)",
                 "rml": "audio cells on RML", "cross": "audio cells on EmoDB"}
        for which, _, n, clips, mean, top in conn.execute(q):
            lines.append(f"| {names.get(which, which)} | {n} | {clips:.0f} | {mean:.1f} | "
                         f"{top:.1f} |")
    if "robustness_frame" in has:
        q = ("SELECT eval_set, count(*), avg(n), avg(seconds), max(seconds) FROM "
             "robustness_frame WHERE severity > 0 GROUP BY eval_set")
        for which, n, clips, mean, top in conn.execute(q):
            lines.append(f"| frame model on {which} | {n} | {clips:.0f} | {mean:.1f} | "
                         f"{top:.1f} |")
    conn.close()
    return "\n".join(lines)


def times_table(tsv: Path) -> tuple[str, str]:
    """(the commands as a shell block, a table of their wall times and load averages)."""
    rows = [ln.split("\t") for ln in tsv.read_text().splitlines() if ln.strip()]
    commands = "\n".join(f"# {r[0]}\n" + _wrap(r[6]) for r in rows)
    table = ["| step | start (UTC) | end (UTC) | wall | load average (1 min; mean / max of "
             "30 s samples) |", "|---|---|---|---|---|"]
    for name, start, end, sec, mean, top, _ in rows:
        s = int(sec)
        table.append(f"| {name} | {start} | {end} | {s // 60} min {s % 60:02d} s | "
                     f"{mean} / {top} |")
    return commands, "\n".join(table)


def _wrap(command: str, width: int = 92) -> str:
    """A shell command over lines of at most ``width``, broken before its options."""
    lines, line = [], ""
    for part in command.replace(" --", "\0--").split("\0"):
        if line and len(line) + len(part) + 3 > width:
            lines.append(line + " \\")
            line = "  " + part
        else:
            line = f"{line} {part}" if line else part
    return "\n".join(lines + [line])


def _git() -> str:
    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True).stdout.strip()

    return git("rev-parse", "--short", "HEAD") + ("+dirty" if git("status", "--porcelain",
                                                                 "--untracked-files=no") else "")


def preface(args, texts: list[str]) -> str:
    parts = [f"# {args.title}"]
    if args.intro:
        parts.append(Path(args.intro).read_text().strip())
    if args.times:
        commands, table = times_table(Path(args.times))
        parts += [f"## Commands (this run; repository at {_git()})",
                  "```bash\n" + commands + "\n```",
                  "## Wall time of each command", table]
    parts += ["## Summary (read off the tables below)", summary(texts),
              "_mCA: mean accuracy over the corruptions and severities scored; mCA / clean: the "
              "share of its clean accuracy a model keeps; worst: its lowest corrupted score; "
              "mCE: ImageNet-C's corruption error against the table's reference model (below 1: "
              "more robust than the reference)._"]
    if args.db:
        parts += ["## Seconds per corrupted evaluation (from the results database)",
                  seconds_per_evaluation(Path(args.db))]
    if args.notes:
        parts.append(Path(args.notes).read_text().strip())
    return "\n\n".join(parts) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--times", help="times.tsv of reports/make_robustness_real.sh")
    ap.add_argument("--db", help="the run's results.sqlite (seconds per evaluation)")
    ap.add_argument("--notes", help="hand-written conclusions (markdown) after the summary")
    ap.add_argument("--intro", help="markdown between the title and the commands")
    ap.add_argument("--title", default="Robustness on real data (issue 16)")
    ap.add_argument("out", help="output stem: writes OUT.md and OUT.html")
    ap.add_argument("reports", nargs="+", help="pairs of report.md report.html")
    args = ap.parse_args(argv)
    if len(args.reports) % 2:
        ap.error("reports come in pairs: A.md A.html ...")
    texts_md = [Path(p).read_text() for p in args.reports[0::2]]
    texts_html = [Path(p).read_text() for p in args.reports[1::2]]
    pre = preface(args, texts_md)
    Path(args.out + ".md").write_text(pre.rstrip() + "\n\n" + "\n\n---\n\n".join(
        md_sections(t) for t in texts_md) + "\n")
    first = texts_html[0]
    head = first[:first.find("<body>") + len("<body>")] if "<body>" in first else "<html><body>"
    body = "\n<hr>\n".join(html_sections(t) for t in texts_html)
    Path(args.out + ".html").write_text(head + "\n" + _preface_html(pre) + body
                                        + "\n</body></html>\n")


def _preface_html(text: str) -> str:
    try:
        import markdown

        return markdown.markdown(text, extensions=["tables", "fenced_code"])
    except ImportError:
        from html import escape

        return f"<pre>{escape(text)}</pre>"


if __name__ == "__main__":
    main()
