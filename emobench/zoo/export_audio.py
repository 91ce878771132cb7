"""Final audio zoo entries (issue 14): a recipe trained on ALL speakers of a corpus once its
cross-validation is known, with the card's scores measured here, for the same recipe:

- the k-fold speaker-independent CV (the harness's folds), scored two ways when the recipe
  uses speaker normalisation: with each held-out speaker's own statistics (all their clips
  given, ``--same-speaker``) and file by file with no speaker context (the fallback: the
  training corpus's statistics, what ``emobench predict FILE`` does);
- a cross corpus (EmoDB) never trained on, over the emotions it shares, the same two ways.

``--no-context-copies`` (with ``--speaker-norm``) also trains on a second copy of every clip,
standardised with the training corpus's statistics: the input the no-context fallback gives.
A model fitted on speaker-normalised clips alone has never seen that input (each speaker's own
loudness and pitch range are still in it) and loses 9-14 points on it (real RAVDESS speech, 6
folds); with the copies a linear model keeps its normalised score within about a point (an SVM
gains) and loses 0.3-5 points less file by file.

    python -m emobench.zoo.export_audio --model audio_logreg --features ComParE_2016 \
        --speaker-norm --data-root ../shared/data/ravdess-speech --cross ../shared/data/emodb \
        --name audio_logreg-ComParE_2016.ravdess_speaker-independent --ship

Only scikit-learn recipes are packaged this way (they train in seconds and need no epoch
choice); Keras recipes would need the epoch count fixed from their CV first.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from emobench.atomic import atomic_write_text
from emobench.preprocess.speaker_norm import speaker_standardize, with_training_statistics
from emobench.zoo.archive import ARCHIVE_FORMAT, write_archive
from emobench.zoo.export import Exported, describe_dataset, ship
from emobench.zoo.manifest import Entry, Manifest, ZooError, check_name, jsonable

PROTOCOL = "all-speakers"
SCORES = ("accuracy", "uar", "f1", "loss")


def _fit(model: str, x: np.ndarray, y: np.ndarray, options: dict):
    from emobench.harness.data import num_classes
    from emobench.registry import create_model, get_model_info

    if get_model_info(model).backend != "sklearn":
        raise ZooError(f"{model}: only scikit-learn recipes are packaged by export_audio")
    return create_model(model, num_classes=num_classes(), input_shape=x.shape[1:],
                        **options).fit(x, y)


def _stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x.mean(0).astype(np.float32), x.std(0).astype(np.float32)


def _pick(s: dict, prefix: str, n: int) -> dict:
    return {**{k: float(s[prefix + k]) for k in SCORES if prefix + k in s}, "clips": n}


def training_rows(x: np.ndarray, y: np.ndarray, speakers, *, norm: bool,
                  copies: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The rows a recipe fits on: ``x`` as it is, or speaker-normalised; with ``copies`` (a
    normalised recipe only) followed by every row again, standardised with the statistics of
    all of ``x`` (what the no-context fallback gives a file), labels repeated."""
    if copies and not norm:
        raise ValueError("no-context copies belong to a speaker-normalised recipe")
    if not norm:
        return x, y
    xn = speaker_standardize(x, speakers)
    if not copies:
        return xn, y
    return (np.concatenate([xn, with_training_statistics(x, *_stats(x))]),
            np.concatenate([y, y]))


def cross_validate(model: str, x, y, speakers, folds, options: dict, norm: bool,
                   copies: bool = False) -> dict:
    """Mean ± std over ``folds`` of the held-out accuracy/UAR/F1: ``speaker`` (each held-out
    speaker normalised over their own clips; the plain score without normalisation) and, for
    a normalised recipe, ``no_context`` (file by file, the training folds' statistics)."""
    from emobench.harness.metrics import scores, summarize

    ways: dict[str, list[dict]] = {"speaker": [], "no_context": []}
    for fold in folds:
        val_set = set(fold.val_speakers)
        va = np.array([s in val_set for s in speakers])
        fitted = _fit(model, *training_rows(x[~va], y[~va], speakers[~va], norm=norm,
                                            copies=copies), options)
        xv = speaker_standardize(x[va], speakers[va]) if norm else x[va]
        ways["speaker"].append(scores(y[va], fitted.predict_proba(xv)))
        if norm:
            xn = with_training_statistics(x[va], *_stats(x[~va]))
            ways["no_context"].append(scores(y[va], fitted.predict_proba(xn)))
    out = {}
    for way, rows in ways.items():
        if rows:
            out[way] = {"folds": len(folds), "scored": len(rows)}
            for k in ("accuracy", "uar", "f1"):
                mean, std, _ = summarize([r[k] for r in rows])
                out[way][k] = [mean, std]
    return out


def _features(clips, features: str, progress: bool):
    from emobench.harness.data import compute_features, labels_of

    table = compute_features(clips, features, progress=progress)
    labels = labels_of(clips)
    speaker = {c.clip_id: c.speaker for c in clips}
    return (table, np.asarray(table.data, np.float32), np.array([labels[i] for i in table.ids]),
            np.array([speaker[i] for i in table.ids], dtype=object))


def build_entry(model: str, features: str, *, norm: bool, data_root: str,
                cross_root: str | None, name: str, folds: int = 6, options: dict | None = None,
                copies: bool = False, progress: bool = False, command: str = ""):
    """Train the recipe on every speaker of ``data_root``; ``(fields, info, fitted model)``."""
    from emobench.datasets import load_dataset
    from emobench.datasets.splits import make_folds
    from emobench.harness.data import dataset_id
    from emobench.harness.metrics import subset_scores
    from emobench.harness.provenance import provenance

    options = dict(options or {})
    scan = load_dataset("ravdess", data_root)
    table, x, y, spk = _features(scan.clips, features, progress)
    kfolds = make_folds(scan.clips, k=folds)
    cv = cross_validate(model, x, y, spk, kfolds, options, norm, copies)
    mean, std = _stats(x)
    start = time.perf_counter()
    fitted = _fit(model, *training_rows(x, y, spk, norm=norm, copies=copies), options)
    seconds = time.perf_counter() - start
    from emobench.harness.metrics import scores
    train = _pick(scores(y, fitted.predict_proba(speaker_standardize(x, spk) if norm else x),
                         "t_"), "t_", len(y))
    metrics = {"held_out": {}, "train": train, "cv": cv["speaker"],
               "cv_no_context": cv.get("no_context", {}), "chance": 1 / 7}
    if cross_root:
        cross = load_dataset("auto", cross_root)
        cclips = [c for c in cross.clips if c.has_audio]
        _, cx, cy, cspk = _features(cclips, features, progress)
        classes = sorted(set(cy.tolist()))
        ways = {"cross": speaker_standardize(cx, cspk) if norm else cx}
        if norm:
            ways["cross_no_context"] = with_training_statistics(cx, mean, std)
        for key, xin in ways.items():
            s = subset_scores(cy, fitted.predict_proba(xin), classes, "c_")
            metrics[key] = {**_pick(s, "c_", len(cy)), "classes": len(classes),
                            "chance": 1 / len(classes), "name": cross.name,
                            "speakers": cross.speakers()}
    prov = provenance(command)
    run = {"provenance": {"dataset": {"clips": len(scan.clips), "speakers": scan.speakers(),
                                      "root": str(scan.root)}}, "config": {}}
    row = {"dataset": scan.name, "dataset_id": dataset_id(scan)}
    protocol = {"name": PROTOCOL, "folds": folds, "fold": None,
                "train_speakers": list(scan.speakers()), "val_speakers": [],
                "speaker_norm": norm, "no_context_copies": copies,
                "selection": "none: a scikit-learn fit with fixed options on every speaker"
                             + (" (each clip twice: speaker-normalised, and standardised with the "
                                "corpus's statistics as the no-context fallback gives it)"
                                if copies else "")
                             + f"; the scores are the same recipe's {folds}-fold CV and a corpus "
                             "never trained on"}
    provenance_out = {"run_id": None, "cell": None, "run_dir": None, "command": command,
                      "git": prov["git"], "date": prov["date"], "backend": prov["backend"],
                      "versions": prov["versions"], "cpu": prov["hardware"]["cpu"],
                      "train_seconds": seconds,
                      "training": {"speaker_norm": norm, "no_context_copies": copies},
                      "seed": fitted.options.get("seed"),
                      "skipped_clips": len(table.skipped)}
    fields = dict(name=name, model=model, options=dict(fitted.options), features=features,
                  preprocess=table.params, labels=list(fitted.labels),
                  input_shape=list(fitted.input_shape), params=int(fitted.count_params()),
                  dataset=describe_dataset(row, run, list(table.ids)), protocol=protocol,
                  metrics=metrics, source="package", url=None, provenance=provenance_out)
    # the archive's own record: what predict follows (speaker_predict reads these)
    info = {"format": ARCHIVE_FORMAT, "name": name, "model": model, "features": features,
            "preprocess": table.params, "labels": list(fitted.labels),
            "input_shape": list(fitted.input_shape), "kind": fitted.kind,
            "options": {"speaker_norm": norm}}
    if norm:
        info.update(train_mean=mean.tolist(), train_std=std.tolist())
    return jsonable(fields), jsonable(info), fitted


def export_audio(model: str, features: str, *, norm: bool, data_root: str,
                 cross_root: str | None = None, name: str | None = None,
                 out_dir: str | Path = "zoo-export", command: str = "",
                 **kwargs) -> Exported:
    """Train, score and package one final audio entry under ``out_dir``."""
    from emobench.zoo.docs import render_card

    name = check_name(name or f"{model}-{features}.ravdess_speaker-independent".lower())
    out_dir = Path(out_dir)
    fields, info, fitted = build_entry(model, features, norm=norm, data_root=data_root,
                                       cross_root=cross_root, name=name, command=command,
                                       **kwargs)
    with tempfile.TemporaryDirectory(prefix="emobench-export-") as tmp:
        archive, digest, size = write_archive(fitted.save(Path(tmp) / "model"), info, out_dir,
                                              name)
    entry = Entry(**fields, file=archive.name, size=size, sha256=digest)
    manifest_path = atomic_write_text(out_dir / f"{name}.json",
                                      Manifest([entry], out_dir).to_json())
    card = atomic_write_text(out_dir / f"{name}.md", render_card(
        entry, note=f"Written by `python -m emobench.zoo.export_audio` with {archive.name}."))
    return Exported(entry, archive, manifest_path, card)


def main(argv=None) -> None:
    import shlex
    import sys

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="audio_logreg or audio_svm")
    ap.add_argument("--features", required=True, help="an openSMILE set, e.g. ComParE_2016")
    ap.add_argument("--speaker-norm", action="store_true")
    ap.add_argument("--no-context-copies", action="store_true",
                    help="with --speaker-norm: also train on every clip standardised with the "
                         "corpus's statistics, the no-context fallback's input")
    ap.add_argument("--data-root", required=True, help="the RAVDESS speech folder")
    ap.add_argument("--cross", help="a corpus scored, never trained on (EmoDB)")
    ap.add_argument("--folds", type=int, default=6)
    ap.add_argument("--name")
    ap.add_argument("--out", default="zoo-export")
    ap.add_argument("--ship", action="store_true",
                    help="also add the entry to this checkout's package and zoo/")
    args = ap.parse_args(argv)
    command = "python -m emobench.zoo.export_audio " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    if args.no_context_copies and not args.speaker_norm:
        ap.error("--no-context-copies needs --speaker-norm")
    ex = export_audio(args.model, args.features, norm=args.speaker_norm,
                      copies=args.no_context_copies,
                      data_root=args.data_root, cross_root=args.cross, name=args.name,
                      out_dir=args.out, folds=args.folds, command=command)
    print(ex.archive)
    if args.ship:
        print(ship(ex))


if __name__ == "__main__":
    main()
