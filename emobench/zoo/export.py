"""``emobench zoo export``: package one trained cell of a results database as a zoo entry.

    ex = export_cell("runs/audio", "3b9a9c9f", run_id="20261124-121915-346a7b", out_dir="out")
    ex.archive     out/<name>-<sha8>.zip  (the saved model + preprocessing + labels)
    ex.manifest    out/<name>.json        (a manifest holding just this entry: usable as is)
    ex.card        out/<name>.md          (data, protocol, scores, provenance)

The held-out scores are those of the exported weights on their fold's validation speakers; the
mean and std over the run's other folds of the same cell are recorded beside them for context.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from emobench.atomic import atomic_write_bytes, atomic_write_text
from emobench.zoo.archive import ARCHIVE_FORMAT, write_archive
from emobench.zoo.manifest import (FILES_DIR, MANIFEST_NAME, Entry, Manifest, ZooError,
                                   check_name, jsonable)

SCORES = ("accuracy", "uar", "f1", "loss")
TRAINING_OPTIONS = ("batch_size", "learning_rate", "early_stopping")
DATASET_TITLES = {
    "ravdess": "RAVDESS",
    "synth": "emobench's generated corpus (drawn faces and source-filter voices in "
             "RAVDESS's layout)",
    "rml": "RML", "affectnet": "AffectNet", "images": "a folder of labelled face images",
}
_RAVDESS_KINDS = {("01", "01"): "audio-visual speech", ("02", "01"): "video-only speech",
                  ("03", "01"): "audio-only speech", ("01", "02"): "audio-visual song",
                  ("02", "02"): "video-only song", ("03", "02"): "audio-only song"}


@dataclass
class Exported:
    entry: Entry
    archive: Path
    manifest: Path
    card: Path


def find_cell(store, run_id: str, cell: str) -> dict:
    """The finished cell of run ``run_id`` whose key is or starts with ``cell``."""
    rows = store.cells(run_id)
    hits = [r for r in rows if r["key"].startswith(cell)] if cell else []
    if len(hits) == 1:
        return hits[0]
    listing = "; ".join(f"{r['key']} {r['model']}/{r['features']} fold {r['fold'] + 1}"
                        for r in rows[:40]) or "none"
    what = "matches several cells" if hits else "matches no finished cell"
    raise ZooError(f"cell {cell!r} {what} of run {run_id}; its cells: {listing}")


def default_name(row: dict) -> str:
    """``<model>-<features>.<dataset>_<protocol>``, e.g. ``c3d-faces.synth_speaker-independent``."""
    return f"{row['model']}-{row['features']}.{row['dataset']}_{row['protocol']}".lower()


def _scores(metrics: dict, prefix: str) -> dict:
    return {k: metrics[prefix + k] for k in SCORES if prefix + k in metrics}


def _cv(row: dict, rows: list[dict]) -> dict:
    """Mean and std of the held-out scores over the folds of the same cell in the run."""
    from emobench.harness.metrics import summarize

    def without_fold(r: dict) -> dict:
        return {k: v for k, v in r["cell"].items() if k != "fold"}

    folds = [r for r in rows if without_fold(r) == without_fold(row)]
    out: dict = {"folds": row["folds"], "scored": len(folds)}
    for k in ("accuracy", "uar", "f1"):
        mean, std, n = summarize([r["metrics"].get(f"val_{k}") for r in folds])
        if n:
            out[k] = [mean, std]
    return out


def _compact(speakers: list[str]) -> str:
    """``01-04, 07`` for a sorted list of numbered speakers; names joined otherwise."""
    if not all(s.isdigit() for s in speakers):
        return ", ".join(speakers)
    nums, parts, start = sorted(int(s) for s in speakers), [], None
    width = max(len(s) for s in speakers)
    for i, n in enumerate(nums):
        start = n if start is None else start
        if i + 1 == len(nums) or nums[i + 1] != n + 1:
            parts.append(f"{start:0{width}d}" + (f"-{n:0{width}d}" if n != start else ""))
            start = None
    return ", ".join(parts)


def describe_dataset(row: dict, run: dict, ids: list[str]) -> dict:
    """What the entry was trained and scored on, in words and as data."""
    prov = run["provenance"].get("dataset", {})
    name = row["dataset"]
    title = DATASET_TITLES.get(name, name)
    kinds = sorted({_RAVDESS_KINDS.get(tuple(Path(i).name.split("-")[:2]), "")
                    for i in ids} - {""})
    if name == "ravdess" and kinds:
        title = f"RAVDESS {' + '.join(kinds)}"
    speakers = [str(s) for s in prov.get("speakers", [])]
    calm = "calm included" if run["config"].get("include_calm") else "calm left out"
    out = {"name": name, "id": row["dataset_id"], "clips": prov.get("clips"),
           "speakers": speakers, "root": Path(str(prov.get("root", ""))).name,
           "description": f"{title}, speakers {_compact(speakers)}: {prov.get('clips')} clips "
                          f"({calm})"}
    corpus = Path(str(prov.get("root", ""))) / "corpus.json"
    if name == "synth" and corpus.is_file():
        out["generator"] = json.loads(corpus.read_text()).get("params", {})
    return out


def _command(command: str) -> str:
    """The run's command line with the program written as ``emobench``."""
    words = command.split()
    if words and Path(words[0]).name == "emobench":
        words[0] = "emobench"
    return " ".join(words)


@dataclass
class CellRecord:
    """Everything the results database says about one finished cell."""

    row: dict
    run: dict
    rows: list[dict]
    meta: dict
    run_dir: Path
    model_dir: Path
    ids: list[str]


def read_cell(run_dir: str | Path, cell: str, run_id: str | None = None) -> CellRecord:
    """The cell ``cell`` (key or unique prefix) of run ``run_id`` (default: the latest) in the
    results database of ``run_dir``, opened read-only, with its saved model's meta."""
    from emobench.harness.store import ResultStore
    from emobench.models.base import read_meta

    try:
        store = ResultStore(run_dir, readonly=True)
    except (ValueError, FileNotFoundError) as err:
        raise ZooError(str(err)) from None
    with store:
        run = store.run(run_id)
        row = find_cell(store, run["run_id"], cell)
        if row["cell"].get("branches"):
            raise ZooError(f"cell {row['key']} is a fusion cell over other cells' outputs; "
                           f"export its branch cells instead")
        if not row.get("model_path"):
            raise ZooError(f"cell {row['key']}: its run saved no model (save_models was off)")
        ids = [*(store.array(row["key"], "train_ids") or []),
               *(store.array(row["key"], "val_ids") or [])]
        rows, base = store.cells(run["run_id"]), store.path.parent
    try:
        meta = read_meta(base / row["model_path"])
    except (ValueError, FileNotFoundError) as err:
        raise ZooError(str(err)) from None
    return CellRecord(row, run, rows, meta, base, base / row["model_path"], ids)


def build_entry(rec: CellRecord, name: str, url: str | None) -> tuple[dict, dict]:
    """The manifest entry's fields (all but file, size and hash) and the archive's info."""
    row, meta = rec.row, rec.meta
    cell, split, prov, metrics = row["cell"], row["split"], row["provenance"], row["metrics"]
    features = row["features"]
    stage = prov.get("preprocess") or cell["preprocess"].get(features, {})
    info = {"format": ARCHIVE_FORMAT, "name": name, "model": row["model"],
            "features": features, "preprocess": stage, "labels": meta["labels"],
            "input_shape": meta["input_shape"], "kind": meta["kind"]}
    options, training = _split_options(meta, cell, metrics)
    keras = meta["kind"].startswith("keras")
    held_out = {**_scores(metrics, "val_"), "clips": split.get("n_val"),
                "speakers": split.get("val_speakers", [])}
    metrics_out = {"held_out": held_out,
                   "train": {**_scores(metrics, "train_"), "clips": split.get("n_train")},
                   "cv": _cv(row, rec.rows), "chance": metrics.get("chance")}
    if "rml_accuracy" in metrics:
        metrics_out["rml"] = {**_scores(metrics, "rml_"), "clips": int(metrics.get("n_rml", 0)),
                              "classes": 6}
    protocol = {
        "name": row["protocol"], "folds": row["folds"], "fold": row["fold"],
        "train_speakers": split.get("train_speakers", []),
        "val_speakers": split.get("val_speakers", []),
        "selection": _selection(keras, training)}
    provenance = {"run_id": rec.run["run_id"], "cell": row["key"],
                  "run_dir": str(rec.run_dir),
                  "command": _command(rec.run.get("command") or ""), "git": prov.get("git"),
                  "date": row.get("finished"), "backend": prov.get("backend"),
                  "versions": prov.get("versions", {}),
                  "cpu": (prov.get("hardware") or {}).get("cpu"),
                  "train_seconds": metrics.get("train_time"), "training": training,
                  "seed": cell.get("seed"), "skipped_clips": prov.get("skipped_clips")}
    entry = dict(name=name, model=row["model"], options=options, features=features,
                 preprocess=stage, labels=meta["labels"], input_shape=meta["input_shape"],
                 params=int(metrics.get("params", 0)),
                 dataset=describe_dataset(row, rec.run, rec.ids), protocol=protocol,
                 metrics=metrics_out, source="url" if url else "package", url=url,
                 provenance=provenance)
    return jsonable(entry), jsonable(info)


def _selection(keras: bool, training: dict) -> str:
    """Whether the held-out speakers had any say in which weights were kept."""
    if not keras:
        return "none: fitted once on the training speakers; nothing was chosen on the held-out " \
               "speakers"
    if training.get("early_stopping"):
        return "EarlyStopping on the held-out speakers' val_loss kept the best epoch: the " \
               "held-out scores are optimistic"
    return "none: these are the weights after the last training epoch; nothing was chosen on " \
           "the held-out speakers"


def _split_options(meta: dict, cell: dict, metrics: dict) -> tuple[dict, dict]:
    """The factory's own options, and how the run trained it (the run's batch size, epochs
    and so on, which override the factory's training defaults)."""
    training = {k: cell["options"][k] for k in TRAINING_OPTIONS if k in cell["options"]}
    options = dict(meta.get("options", {}))
    if meta["kind"].startswith("keras"):
        from emobench.models.factory import KERAS_TRAINING

        training.update({k: options[k] for k in KERAS_TRAINING if k in options})
        training.update(epochs=cell["epochs"], epochs_run=int(metrics.get("epochs_run", 0)))
        options = {k: v for k, v in options.items() if k not in KERAS_TRAINING}
    return options, training


def export_cell(run_dir: str | Path, cell: str, *, run_id: str | None = None,
                name: str | None = None, out_dir: str | Path = "zoo-export",
                url: str | None = None) -> Exported:
    """Package cell ``cell`` (its key or a unique prefix) of run ``run_id`` (default: the latest)
    in the results database of ``run_dir`` as a zoo entry under ``out_dir``."""
    from emobench.zoo.docs import render_card

    rec = read_cell(run_dir, cell, run_id)
    name = check_name(name or default_name(rec.row))
    fields, info = build_entry(rec, name, url)
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="emobench-export-") as tmp:
        archive, digest, size = write_archive(_inference_copy(rec.model_dir, rec.meta,
                                                              Path(tmp)), info, out_dir, name)
    entry = Entry(**fields, file=archive.name, size=size, sha256=digest)
    manifest = Manifest([entry], out_dir, str(out_dir / f"{name}.json"))
    manifest_path = atomic_write_text(out_dir / f"{name}.json", manifest.to_json())
    card = atomic_write_text(out_dir / f"{name}.md", render_card(
        entry, note=f"Written by `emobench zoo export` with {archive.name}."))
    return Exported(entry, archive, manifest_path, card)


def _inference_copy(model_dir: Path, meta: dict, tmp: Path) -> Path:
    """A Keras model re-saved as loaded for inference: the same weights without the
    optimizer's state, which a saved Keras model carries and which doubles its size.
    scikit-learn models are packaged as saved."""
    from emobench.models.base import load_model

    if not meta["kind"].startswith("keras"):
        return model_dir
    try:
        return load_model(model_dir).save(tmp / "model")
    except (ValueError, FileNotFoundError) as err:
        raise ZooError(f"{model_dir}: cannot load the cell's model ({err})") from None


def ship(exported: Exported, package_dir: str | Path | None = None,
         docs_dir: str | Path | None = None) -> Path:
    """Add an exported entry to the package of a source checkout: its file into
    ``emobench/zoo_files`` (for package entries), its line into ``emobench/zoo_manifest.json``
    (replacing an entry of the same name, whose old file goes), then regenerate ``zoo/``."""
    from emobench.zoo.docs import write_docs

    package_dir = Path(package_dir) if package_dir else Path(__file__).resolve().parents[1]
    if docs_dir is None:
        if not (package_dir.parent / "pyproject.toml").is_file():
            raise ZooError(f"{package_dir}: not inside a source checkout; shipping edits the "
                           f"package's own manifest and the checkout's zoo/ folder")
        docs_dir = package_dir.parent / "zoo"
    manifest_path = package_dir / MANIFEST_NAME
    files = package_dir / FILES_DIR
    current = Manifest.from_file(manifest_path)
    current.files_dir = files
    entry = exported.entry
    old = current.entries.get(entry.name)
    files.mkdir(exist_ok=True)
    if entry.source == "package":
        with open(exported.archive, "rb") as src:
            atomic_write_bytes(files / entry.file, lambda fh: shutil.copyfileobj(src, fh))
    updated = current.with_entry(entry)
    atomic_write_text(manifest_path, updated.to_json())
    if old is not None and old.file != entry.file \
            and all(e.file != old.file for e in updated):
        (files / old.file).unlink(missing_ok=True)
    write_docs(updated, docs_dir)
    return manifest_path
