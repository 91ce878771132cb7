"""``emobench run --suite images --dataset fer2013``: frame models trained on FER2013's
Training split and scored on PublicTest (and PrivateTest when present), one results-database
cell per model, like every other suite's cells.

    run_image_suite(data_root="fer2013", models=("face_cnn",), epochs=3, train_limit=3000)

A cell's ``val_*`` metrics are PublicTest's (``split["scored_on"]`` says so), PrivateTest's
are ``privatetest_*``; the confusion matrices, per-epoch history, time per epoch and parameter
count are stored as for any cell. The epoch is picked on a stratified slice of Training
(``holdout``), so PublicTest never chooses the weights. The default run is a small one
(``train_limit`` images of Training, few epochs) that fits a 2-core CPU; ``train_limit=0``
trains on all 28,709.
"""
from __future__ import annotations

import time
from pathlib import Path

from emobench.harness.cell import Cell
from emobench.harness.runner import RunSummary
from emobench.report.fer2013 import ANCHORS, confusion_block

#: The image suite's models: the compact modern CNN for 48 px faces, LRCN's frame CNN and
#: the thesis's per-frame ResNet50 (both given the grayscale faces as RGB).
IMAGE_MODELS = ("face_cnn", "frame_cnn", "resnet50")
DEFAULT_LIMIT = 3000
DEFAULT_EPOCHS = 3
SCORED = {"PublicTest": "val_", "PrivateTest": "privatetest_"}


def plan(ds_id: str, models, *, epochs: int, seed: int, train_limit: int, batch_size: int,
         holdout: float, size: int = 48) -> list[Cell]:
    return [Cell("fer2013", ds_id, "face_images", m, "official", 1, 0, seed, epochs,
                 Cell.frozen({"size": size, "grayscale": True}),
                 Cell.frozen({"train_limit": train_limit, "batch_size": batch_size,
                              "holdout": holdout}))
            for m in models]


def _metrics(rec: dict) -> tuple[dict, dict]:
    metrics = {"params": rec["params"], "train_time": rec["train_wall_s"],
               "time_per_epoch": rec["time_per_epoch_s"], "epochs_run": rec["epochs"],
               "best_epoch": rec["best_epoch"], "n_train": rec["n_train"],
               "chance": 1 / 7}
    arrays = {}
    for split, prefix in SCORED.items():
        s = rec["scores"].get(split)
        if s is None:
            continue
        metrics.update({f"{prefix}accuracy": s["accuracy"], f"{prefix}uar": s["uar"],
                        f"{prefix}f1": s["macro_f1"], f"n_{split.lower()}": s["n"]})
        arrays[f"{prefix}confusion"] = s["confusion"]
    return metrics, arrays


def run_image_suite(dataset: str = "fer2013", data_root: str | None = None,
                    models=None, epochs: int | None = None, seed: int = 0,
                    run_dir: str = "emobench-runs", train_limit: int | None = None,
                    batch_size: int | None = None, holdout: float = 0.1,
                    progress: bool = True, **_ignored) -> RunSummary:
    """Train and score each image model once on FER2013's official splits; stored cells are
    reused, so a rerun trains nothing."""
    from tqdm.auto import tqdm

    from emobench.datasets.fer2013 import scan_fer2013
    from emobench.harness.data import dataset_id
    from emobench.harness.images import train_face_model
    from emobench.harness.provenance import provenance
    from emobench.harness.store import ResultStore

    if dataset != "fer2013":
        raise ValueError(f"the images suite runs on --dataset fer2013, not {dataset!r}")
    if not data_root:
        raise ValueError("the images suite needs --data-root (FER2013's folder or fer2013.csv)")
    models = tuple(models) if models else IMAGE_MODELS
    unknown = [m for m in models if m not in IMAGE_MODELS]
    if unknown:
        raise ValueError(f"images suite: unknown model(s) {', '.join(unknown)}; "
                         f"choose from {', '.join(IMAGE_MODELS)}")
    limit = DEFAULT_LIMIT if train_limit is None else int(train_limit)
    epochs = int(epochs or DEFAULT_EPOCHS)
    batch = int(batch_size or 64)
    scan = scan_fer2013(data_root, verify=False)
    ds_id = dataset_id(scan)
    cells = plan(ds_id, models, epochs=epochs, seed=seed, train_limit=limit, batch_size=batch,
                 holdout=holdout)
    run_dir = Path(run_dir)
    store = ResultStore(run_dir)
    prov = provenance()
    prov["dataset"] = {"name": "fer2013", "root": str(scan.root), "id": ds_id,
                       "clips": len(scan.clips), "rejected": len(scan.rejected)}
    config = {"suite": "images", "dataset": dataset, "data_root": str(scan.root),
              "models": list(models), "epochs": epochs, "seed": seed, "train_limit": limit,
              "batch_size": batch, "holdout": holdout}
    run_id = store.start_run("images", config, prov, prov["command"])
    summary = RunSummary(run_id, store.path, len(cells))
    status = "interrupted"
    try:
        for cell in cells:
            store.link(run_id, cell, "images")
        summary.reused = [c.key for c in cells if store.is_done(c.key)]
        todo = [c for c in cells if c.key not in summary.reused]
        for cell in tqdm(todo, desc="run images", unit="cell", disable=not progress):
            out = run_dir / "models" / cell.key
            started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            try:
                rec = train_face_model(data_root, out, model=cell.model, epochs=epochs,
                                       batch_size=batch, seed=seed, limit=limit or None,
                                       holdout=holdout, verbose=2 if progress else 0)
            except (ValueError, MemoryError) as err:
                store.record_failure(run_id, cell, f"{type(err).__name__}: {err}")
                summary.failed[cell.key] = str(err)
                continue
            metrics, arrays = _metrics(rec)
            split = {"trained_on": "Training", "n_train": rec["n_train"],
                     "selected_on": rec.get("selected_on"), "n_holdout": rec.get("n_holdout"),
                     "scored_on": [s for s in SCORED if s in rec["scores"]],
                     "n_val": metrics.get("n_publictest")}
            history = {k: v for k, v in rec.get("history", {}).items()}
            store.save_cell(run_id, cell, metrics=metrics, history=history, arrays=arrays,
                            split=split, provenance={**prov, "recipe": rec["recipe"]},
                            model_path=str((out / "best.keras").relative_to(run_dir)),
                            started=started, seconds=rec["train_wall_s"])
            summary.trained.append(cell.key)
        status = "done" if not summary.failed else "done-with-failures"
    finally:
        store.finish_run(run_id, status)
        store.close()
    return summary


def suite_table(run_dir: str | Path, run_id: str | None = None) -> str:
    """Markdown: each image cell's scores per split beside the published PublicTest anchors."""
    from emobench.harness.store import ResultStore

    with ResultStore(run_dir, readonly=True) as store:
        return _table(store, run_id)


def suite_markdown(store, run_id: str | None = None, command: str | None = None) -> str:
    """``emobench report`` of an images run: provenance, the table, how epochs were chosen."""
    run = store.run(run_id)
    prov, cfg = run.get("provenance") or {}, run.get("config") or {}
    hw = prov.get("hardware") or {}
    lines = ["# FER2013 image suite (official splits)", "",
             *([f"Report: `{command}`", ""] if command else []),
             f"Run `{run['run_id']}`: `{run.get('command')}`; git {prov.get('git')}, "
             f"{prov.get('date')}, Keras backend {prov.get('backend')}, {hw.get('cpu')} "
             f"({hw.get('cores')} cores).", "",
             f"Trained on FER2013 Training ({cfg.get('train_limit') or 'all'} images"
             f"{', a seeded subset' if cfg.get('train_limit') else ''}), {cfg.get('epochs')} "
             f"epochs, the epoch picked on a stratified {cfg.get('holdout', 0):.0%} of Training; "
             "scored on PublicTest (and PrivateTest when present), flip-averaged.", "",
             _table(store, run["run_id"]), *_confusions(store, run["run_id"])]
    return "\n".join(lines)


def _image_cells(store, run_id: str) -> list[dict]:
    return [r for r in store.cells(run_id) if r["features"] == "face_images"]


def _confusions(store, run_id: str) -> list[str]:
    """Each cell's training time and its confusion matrix per scored split."""
    out = []
    for r in _image_cells(store, run_id):
        m = r["metrics"]
        out += [f"## {r['model']}", "",
                f"Trained {m['train_time'] / 60:.1f} min ({int(m['epochs_run'])} epochs, best "
                f"epoch {int(m['best_epoch']) if m.get('best_epoch') is not None else '-'}), "
                f"{int(m['params']):,} parameters.", ""]
        for name, prefix in SCORED.items():
            conf = store.array(r["key"], f"{prefix}confusion")
            if conf is None:
                continue
            out += [*confusion_block(name, conf), ""]
    return out


def _table(store, run_id: str | None = None) -> str:
    run = store.run(run_id)
    rows = _image_cells(store, run["run_id"])
    lines = ["| model | trained on | scored on | accuracy | UAR | macro F1 | params | "
             "epochs | s/epoch |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        m, split = r["metrics"], r["split"]
        for name, prefix in SCORED.items():
            if f"{prefix}accuracy" not in m:
                continue
            lines.append(f"| {r['model']} | Training ({split.get('n_train'):,} images) | "
                         f"{name} | {m[f'{prefix}accuracy']:.3f} | {m[f'{prefix}uar']:.3f} | "
                         f"{m[f'{prefix}f1']:.3f} | {int(m['params']):,} | "
                         f"{int(m['epochs_run'])} | {m['time_per_epoch']:.0f} |")
    for name, acc in ANCHORS:
        lines.append(f"| {name} (published) | FER2013 Training | PublicTest | {acc} "
                     f"| | | | | |")
    return "\n".join(lines) + "\n"
