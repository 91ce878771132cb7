"""The HTML report's figures (matplotlib, Agg, no pyplot state) as PNG data URIs: a confusion
matrix per table cell (summed over its folds) and its learning curves (one line per fold)."""
from __future__ import annotations

import base64
import io

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

DPI = 90


def png_data_uri(fig: Figure) -> str:
    """The figure as a ``data:image/png;base64,...`` URI (no timestamp: same input, same bytes)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def sum_confusions(matrices: list, labels: list) -> tuple[np.ndarray | None, list, int]:
    """Sum the folds' matrices that share the first fold's labels; (matrix, labels, folds)."""
    pairs = [(np.asarray(m, dtype=np.int64), list(lab or [])) for m, lab in zip(matrices, labels)
             if m is not None]
    if not pairs:
        return None, [], 0
    first_labels, shape = pairs[0][1], pairs[0][0].shape
    same = [m for m, lab in pairs if lab == first_labels and m.shape == shape]
    names = first_labels or [str(i) for i in range(shape[0])]
    return np.sum(same, axis=0), names, len(same)


def _draw_confusion(ax, matrix: np.ndarray, labels: list, title: str) -> None:
    totals = matrix.sum(axis=1, keepdims=True)
    rates = np.divide(matrix, totals, out=np.zeros(matrix.shape), where=totals > 0)
    ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=9)
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(j, i, str(count), ha="center", va="center", fontsize=7,
                color="white" if rates[i, j] > 0.5 else "black")


def confusion_figure(panels: list[tuple[np.ndarray, list, str]]) -> str:
    """One or more confusion matrices side by side (validation, and RML when scored)."""
    fig = Figure(figsize=(3.6 * len(panels), 3.4))
    for k, (matrix, labels, title) in enumerate(panels):
        _draw_confusion(fig.add_subplot(1, len(panels), k + 1), matrix, labels, title)
    fig.tight_layout()
    return png_data_uri(fig)


def curves_figure(histories: list[tuple[str, dict]]) -> str | None:
    """Loss and accuracy per epoch, train solid and validation dashed, one colour per fold;
    None when no fold has a per-epoch history (e.g. an SVM)."""
    histories = [(name, h) for name, h in histories if h.get("loss") or h.get("accuracy")]
    if not histories:
        return None
    fig = Figure(figsize=(7.2, 2.8))
    axes = fig.subplots(1, 2)
    for k, (name, history) in enumerate(histories):
        colour = f"C{k % 10}"
        for ax, metric in zip(axes, ("loss", "accuracy")):
            for key, style in ((metric, "-"), (f"val_{metric}", "--")):
                values = history.get(key)
                if values:
                    ax.plot(range(1, len(values) + 1), values, style, color=colour,
                            marker="o", markersize=3,
                            label=f"{name} {'val' if key.startswith('val') else 'train'}")
    for ax, metric in zip(axes, ("loss", "accuracy")):
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(metric, fontsize=9)
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize=6, loc="best")
    fig.tight_layout()
    return png_data_uri(fig)
