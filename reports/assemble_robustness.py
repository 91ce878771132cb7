"""Assemble reports/robustness-real.{md,html} (issue 16) from the robustness sections of
`emobench report` outputs of several runs, below a hand-written preface (the commands, the
protocol and the conclusion). Reads reports only; never re-runs anything.

    python reports/assemble_robustness.py PREFACE.md OUT_STEM A.md A.html [B.md B.html ...]
"""
from __future__ import annotations

import re
import sys
from pathlib import Path


def md_sections(text: str) -> str:
    """The report's header block (up to its first table) and its '## Robustness' sections."""
    head = text.split("\n## ", 1)[0]
    parts = re.split(r"(?m)^## ", text)
    keep = ["## " + p.rstrip() for p in parts[1:]
            if p.startswith("Robustness") or p.startswith("Splits")]
    return "\n\n".join([head.rstrip(), *keep])


def html_sections(text: str) -> str:
    start = text.find('<h2 id="robustness-')
    end = text.find("<h2>Failures</h2>")
    return text[start:end] if start >= 0 else ""


def main(preface: str, out: str, *pairs: str) -> None:

    texts_md = [Path(p).read_text() for p in pairs[0::2]]
    texts_html = [Path(p).read_text() for p in pairs[1::2]]
    pre = Path(preface).read_text()
    Path(out + ".md").write_text(pre.rstrip() + "\n\n" + "\n\n---\n\n".join(
        md_sections(t) for t in texts_md) + "\n")
    first = texts_html[0]
    head = first[:first.find("<body>") + len("<body>")] if "<body>" in first else "<html><body>"
    body = "\n<hr>\n".join(html_sections(t) for t in texts_html)
    Path(out + ".html").write_text(head + "\n" + _preface_html(pre) + body
                                   + "\n</body></html>\n")


def _preface_html(text: str) -> str:
    try:
        import markdown

        return markdown.markdown(text, extensions=["tables"])
    except ImportError:
        from html import escape

        return f"<pre>{escape(text)}</pre>"


if __name__ == "__main__":
    main(*sys.argv[1:])
