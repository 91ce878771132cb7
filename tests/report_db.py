"""A realistic results database for the report tests, written through ResultStore exactly as
the harness writes it: 3 folds of 6 speakers, some cells missing, one fold failed, histories
for the Keras models, confusion matrices, RML scores for the fusion cells."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from emobench.harness.cell import Cell
from emobench.harness.store import ResultStore
from emobench.labels import EMOTIONS

RML_LABELS = [e for e in EMOTIONS if e != "neutral"]
FOLDS, SEED, EPOCHS = 3, 0, 4

#: (suite, model, features, options) of every group of cells the database holds; not there:
#: audio emo_large, video lrcn, flow_alexnet, every fusion row but the C3D ones.
GROUPS = [
    ("audio", "audio_svm", "emobase", {}), ("audio", "audio_svm", "emobase2010", {}),
    ("audio", "audio_cnn", "emobase", {}), ("audio", "audio_cnn", "emobase2010", {}),
    ("video", "resnet50", "faces", {}), ("video", "c3d", "faces", {}),
    ("flow", "flow_resnet50", "flow", {}),
    ("fusion", "fusion_avg", "emobase2010+faces",
     {"audio": "audio_cnn", "video": "c3d", "audio_features": "emobase2010"}),
    ("fusion", "fusion_svm", "emobase2010+faces",
     {"audio": "audio_cnn", "video": "c3d", "audio_features": "emobase2010"}),
]
#: (model, features, protocol, fold) that failed: the database has no cell for it.
FAILED = {("audio_cnn", "emobase2010", "speaker-independent", 1)}


def config(protocol: str) -> dict:
    return {"suite": "thesis", "dataset": "synth", "data_root": "/tmp/synth", "epochs": EPOCHS,
            "folds": FOLDS, "seed": SEED, "protocol": protocol,
            "models": sorted({g[1] for g in GROUPS}), "feature_sets": ["emobase", "emobase2010"],
            "frames": 16, "size": 112}


def provenance() -> dict:
    return {"date": "2024-11-24T12:00:00+0000", "command": "emobench run --suite thesis",
            "git": "0123456789abcdef0123456789abcdef01234567", "python": "3.11.9",
            "backend": "tensorflow", "versions": {"emobench": "0.1.0", "keras": "3.6.0"},
            "hardware": {"platform": "Linux-x86_64", "cpu": "Test CPU", "cores": 2,
                         "memory_gib": 7.7, "accelerators": []},
            "dataset": {"name": "synth", "root": "/tmp/synth", "files": 96, "clips": 42,
                        "speakers": [f"{a:02d}" for a in range(1, 7)], "rejected": 0},
            "rml": {"root": "/tmp/rml", "clips": 60}}


def _split(protocol: str, fold: int) -> dict:
    speakers = [f"{a:02d}" for a in range(1, 7)]
    if protocol == "speaker-dependent":
        return {"train_speakers": speakers, "val_speakers": speakers, "n_train": 34,
                "n_val": 8}
    val = speakers[2 * fold:2 * fold + 2]
    return {"train_speakers": [s for s in speakers if s not in val], "val_speakers": val,
            "n_train": 28, "n_val": 14}


def _metrics(rng, model: str, fusion: bool, protocol: str) -> dict:
    bump = 0.25 if protocol == "speaker-dependent" else 0.0
    m = {"train_accuracy": rng.uniform(0.8, 1.0), "val_accuracy": rng.uniform(0.3, 0.5) + bump,
         "val_loss": rng.uniform(1.0, 2.0), "val_uar": rng.uniform(0.3, 0.5),
         "val_f1": rng.uniform(0.3, 0.5), "train_time": rng.uniform(1, 300),
         "n_train": 28, "n_val": 14, "chance": 1 / 7}
    if model != "audio_svm" and model != "fusion_avg":
        m["train_loss"] = rng.uniform(0.1, 0.5)
    if model not in ("audio_svm", "fusion_avg", "fusion_svm"):
        m.update(epoch_time_first=rng.uniform(5, 20), epoch_time_median=rng.uniform(1, 5),
                 params=float(rng.integers(100_000, 3_000_000)), epochs_run=EPOCHS)
    if fusion:
        m.update(rml_accuracy=rng.uniform(0.15, 0.4), rml_uar=rng.uniform(0.15, 0.4),
                 rml_loss=rng.uniform(1.5, 2.5), n_rml=60)
    return m


def build(path: Path, protocols=("speaker-independent",), seed: int = 0) -> tuple[Path, dict]:
    """Write one run holding ``protocols`` into ``path``; returns (database, expected values:
    ``{(model, features, protocol): [metrics per fold]}``)."""
    rng = np.random.default_rng(seed)
    expected: dict[tuple, list[dict]] = {}
    with ResultStore(path) as store:
        run_id = store.start_run("thesis", config(protocols[0]), provenance(),
                                 command="emobench run --suite thesis")
        for protocol in protocols:
            for suite, model, features, options in GROUPS:
                for fold in range(FOLDS):
                    cell = Cell("synth", "ds0", features, model, protocol, FOLDS, fold, SEED,
                                EPOCHS, options=Cell.frozen(options))
                    if (model, features, protocol, fold) in FAILED:
                        store.record_failure(run_id, cell, "RuntimeError: OOM\nTraceback ...")
                        continue
                    metrics = _metrics(rng, model, suite == "fusion", protocol)
                    expected.setdefault((model, features, protocol), []).append(metrics)
                    store.link(run_id, cell, suite)
                    store.save_cell(run_id, cell, metrics=metrics, split=_split(protocol, fold),
                                    history=_history(rng, model), arrays=_arrays(rng, suite))
        store.finish_run(run_id, "done-with-failures")
    return path, expected


def _history(rng, model: str) -> dict | None:
    if model in ("audio_svm", "fusion_svm", "fusion_avg"):
        return None
    loss = np.sort(rng.uniform(0.3, 2.0, EPOCHS))[::-1]
    return {"loss": loss.tolist(), "val_loss": (loss + 0.3).tolist(),
            "accuracy": np.sort(rng.uniform(0.2, 0.9, EPOCHS)).tolist(),
            "val_accuracy": np.sort(rng.uniform(0.1, 0.5, EPOCHS)).tolist(),
            "epoch_time": rng.uniform(1, 5, EPOCHS).tolist()}


def _arrays(rng, suite: str) -> dict:
    arrays = {"labels": list(EMOTIONS), "val_confusion": rng.integers(0, 4, (7, 7)).tolist()}
    if suite == "fusion":
        arrays.update(rml_labels=RML_LABELS, rml_confusion=rng.integers(0, 9, (6, 6)).tolist())
    return arrays
