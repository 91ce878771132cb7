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


#: Table titles of the cross-dataset sets (a cell's stored set name, or a frame model's).
SET_TITLES = {"rml": "on RML (cross-dataset)", "cross": "on the cross corpus (EmoDB)",
              "ravdess_av": "on RAVDESS AV (cross-dataset)",
              "images": "images: FER2013 PublicTest"}


def robustness_tables(store: ResultStore, cells: list[dict]) -> list[RobustnessTable]:
    """The tables of ``cells`` (a run's), and of the frame models in the same database (under
    the video corruptions: face images, and video sets beside the video cells scored there);
    empty when there is no robustness row."""
    from emobench.robustness.frame_models import frame_rows
    from emobench.robustness.suite import split_key, stored_rows

    by_key = {c["key"]: c for c in cells}
    rows = [r for r in stored_rows(store) if split_key(r["key"])[0] in by_key]
    frames = frame_rows(store)
    if not rows and not frames:
        return []
    # (table, label, model) -> corruption -> severity -> {fold key: accuracy}
    acc: dict = {}
    clean: dict = {}
    lost: dict = {}
    for r in rows:
        cell_key, which = split_key(r["key"])
        c = by_key[cell_key]
        modality = _modality(c["model"])
        name = modality if which == "val" else f"{modality} {SET_TITLES.get(which, which)}"
        label = f"{c['model']} ({c['features']}, {c['protocol']})"
        key = (name, label, c["model"])
        acc.setdefault(key, {}).setdefault(r["corruption"], {}).setdefault(
            r["severity"], {})[cell_key] = r["accuracy"]
        lost[key] = lost.get(key, 0) + r["lost"]
        clean.setdefault(key, {})[cell_key] = c["metrics"].get(
            "val_accuracy" if which == "val" else f"{which}_accuracy")
    for r in frames:
        title = SET_TITLES.get(r["eval_set"], r["eval_set"])
        name = title if r["eval_set"] == "images" else f"video {title}"
        key = (name, f"{r['model']} (frame model, {r['note']})", "frame model")
        if r["corruption"] == "clean":
            clean.setdefault(key, {})[r["model"]] = r["accuracy"]
            continue
        acc.setdefault(key, {}).setdefault(r["corruption"], {}).setdefault(
            r["severity"], {})[r["model"]] = r["accuracy"]
        lost[key] = lost.get(key, 0) + r["lost"]
    tables = []
    names = list(dict.fromkeys(k[0] for k in sorted(acc, key=_order)))
    for name in names:
        keys = sorted((k for k in acc if k[0] == name), key=lambda k: k[1])
        tables.append(_table(name, keys, acc, {k: clean.get(k, {}) for k in keys}, lost))
    return tables


def _order(key) -> tuple:
    base = key[0].split(" ")[0]
    rank = {"video": 0, "audio": 1, "fusion": 2, "images:": 3}.get(base, 4)
    return rank, key[0] != base, key[0]


def _table(modality, keys, acc, clean, lost) -> RobustnessTable:
    """One table; ``modality`` its title, whose first word picks the reference model."""
    corruptions = list(dict.fromkeys(c for k in keys for c in acc[k]))
    severities = sorted({s for k in keys for c in acc[k] for s in acc[k][c]})
    mean_acc = {k: {c: {s: _mean(acc[k].get(c, {}).get(s, {}).values()) for s in severities}
                    for c in corruptions} for k in keys}
    clean_acc = {k: _mean(clean[k].values()) for k in keys}
    base = modality.split(" ")[0]
    ref_model = REFERENCE.get(base)
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
    if ref is not None and base != "fusion":
        headers += [f"mCE vs {ref_model}", f"rel. mCE vs {ref_model}"]
    out_rows, curves = [], {}
    for k in keys:
        values = [mean_acc[k][c][s] for c in corruptions for s in severities]
        row = [k[1], _f(clean_acc[k])] + [_f(v) for v in values]
        row += [_f(_mean(values)), str(lost[k])]
        if ref is not None and base != "fusion":
            ces = [ce(k, c) for c in corruptions]
            rces = [ce(k, c, True) for c in corruptions]
            row += [_f(_mean(ces)), _f(_mean(rces))]
        out_rows.append(row)
        curves[k[1]] = {c: [clean_acc[k]] + [mean_acc[k][c].get(s) for s in severities]
                        for c in corruptions}
    note = (f"Accuracy on each cell's own validation clips (mean over folds) under each "
            f"corruption at severity s (1 mild ... 5 severe); a clip whose face or audio is lost "
            f"counts as wrong. mCA: mean over corruptions and severities. ")
    if modality != base:
        note = note.replace("each cell's own validation clips (mean over folds)",
                            f"the set named in the title (cells: mean over folds; never trained"
                            f" on); clean: the same set uncorrupted")
    if base == "fusion":
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
