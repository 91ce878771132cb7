"""The robustness tables (issue 16) of a run: per modality, each model's accuracy per
corruption and severity (mean over folds), its mean corruption accuracy (mCA), ImageNet-C's
mean corruption error normalised by a reference model (mCE) and the relative mCE (the drop
from clean, normalised by the reference's drop), plus an accuracy-versus-severity figure."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from emobench.harness.store import ResultStore

#: The reference of each modality's corruption errors (the thesis's baselines).
REFERENCE = {"video": "resnet50", "audio": "audio_svm"}


@dataclass
class RobustnessTable:
    modality: str
    headers: list[str]
    rows: list[list[str]]
    note: str
    #: model label -> corruption -> [accuracy at severity 0 (clean), 1, ... 5] (None: absent)
    curves: dict = field(default_factory=dict)


def _modality(model: str) -> str:
    from emobench.registry import get_model_info

    try:
        return get_model_info(model).modality
    except KeyError:
        return "?"


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None


def _f(v) -> str:
    return "-" if v is None else f"{v:.3f}"


def robustness_tables(store: ResultStore, cells: list[dict]) -> list[RobustnessTable]:
    """The tables of ``cells`` (a run's), empty when none has a robustness row."""
    from emobench.robustness.suite import stored_rows

    by_key = {c["key"]: c for c in cells}
    rows = stored_rows(store, list(by_key))
    if not rows:
        return []
    # (modality, label) -> corruption -> severity -> [accuracy per fold]
    acc: dict = {}
    clean: dict = {}
    lost: dict = {}
    for r in rows:
        c = by_key[r["key"]]
        label = f"{c['model']} ({c['features']}, {c['protocol']})"
        key = (_modality(c["model"]), label, c["model"])
        acc.setdefault(key, {}).setdefault(r["corruption"], {}).setdefault(
            r["severity"], {})[r["key"]] = r["accuracy"]
        lost.setdefault(key, 0)
        lost[key] += r["lost"]
        clean.setdefault(key, {})[r["key"]] = c["metrics"].get("val_accuracy")
    tables = []
    for modality in ("video", "audio", "fusion"):
        keys = sorted(k for k in acc if k[0] == modality)
        if keys:
            tables.append(_table(modality, keys, acc, clean, lost))
    return tables


def _table(modality, keys, acc, clean, lost) -> RobustnessTable:
    corruptions = list(dict.fromkeys(c for k in keys for c in acc[k]))
    severities = sorted({s for k in keys for c in acc[k] for s in acc[k][c]})
    mean_acc = {k: {c: {s: _mean(acc[k][c].get(s, {}).values()) for s in severities}
                    for c in corruptions} for k in keys}
    clean_acc = {k: _mean(clean[k].values()) for k in keys}
    ref_model = REFERENCE.get(modality)
    ref = next((k for k in keys if k[2] == ref_model), None)

    def ce(k, c, relative=False):
        """Sum over severities of the error (minus clean error), over the reference's."""
        def total(m):
            errs = [1 - v for v in mean_acc[m][c].values() if v is not None]
            base = (1 - clean_acc[m]) * len(errs) if relative and clean_acc[m] is not None \
                else 0.0
            return sum(errs) - base
        if ref is None:
            return None
        denominator = total(ref)
        return total(k) / denominator if denominator > 1e-9 else None

    many = len(severities) > 1
    headers = ["model", "clean"] + [f"{c} s{s}" if many else c for c in corruptions
                                    for s in severities]
    headers += ["mCA", "faces/clips lost"]
    if ref is not None and modality != "fusion":
        headers += [f"mCE vs {ref_model}", f"rel. mCE vs {ref_model}"]
    out_rows, curves = [], {}
    for k in keys:
        values = [mean_acc[k][c][s] for c in corruptions for s in severities]
        row = [k[1], _f(clean_acc[k])] + [_f(v) for v in values]
        row += [_f(_mean(values)), str(lost[k])]
        if ref is not None and modality != "fusion":
            ces = [ce(k, c) for c in corruptions]
            rces = [ce(k, c, True) for c in corruptions]
            row += [_f(_mean(ces)), _f(_mean(rces))]
        out_rows.append(row)
        curves[k[1]] = {c: [clean_acc[k]] + [mean_acc[k][c].get(s) for s in severities]
                        for c in corruptions}
    note = (f"Accuracy on each cell's own validation clips (mean over folds) under each "
            f"corruption at severity s (1 mild ... 5 severe); a clip whose face or audio is lost "
            f"counts as wrong. mCA: mean over corruptions and severities. ")
    if modality == "fusion":
        note += "Fusion with one modality missing falls back to the other branch."
    elif ref is not None:
        note += (f"mCE: ImageNet-C's corruption error, summed over severities and divided by "
                 f"{ref_model}'s, averaged over corruptions (below 1: more robust than "
                 f"{ref_model}); rel. mCE: the same on the drop from clean accuracy.")
    else:
        note += f"No {ref_model or 'reference'} cell in this run: no mCE."
    table = RobustnessTable(modality, headers, out_rows, note, curves)
    table.severities = [0, *severities]
    return table


def severity_figure(table: RobustnessTable) -> str | None:
    """Accuracy versus severity, one panel per corruption, one line per model (PNG data URI)."""
    from matplotlib.figure import Figure

    from emobench.report.plots import png_data_uri

    corruptions = list(dict.fromkeys(c for curves in table.curves.values() for c in curves))
    if not corruptions or len(table.severities) < 2:
        return None
    cols = min(4, len(corruptions))
    rows = -(-len(corruptions) // cols)
    fig = Figure(figsize=(3.2 * cols, 2.6 * rows))
    for i, corruption in enumerate(corruptions):
        ax = fig.add_subplot(rows, cols, i + 1)
        for j, (label, curves) in enumerate(table.curves.items()):
            ys = curves.get(corruption)
            if ys:
                ax.plot(table.severities, [np.nan if v is None else v for v in ys], "-o",
                        color=f"C{j % 10}", markersize=3, label=label.split(" (")[0])
        ax.set_title(corruption, fontsize=9)
        ax.set_xlabel("severity (0 = clean)", fontsize=8)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    fig.axes[0].set_ylabel("accuracy")
    fig.axes[0].legend(fontsize=6)
    fig.tight_layout()
    return png_data_uri(fig)
