"""Package a frame model trained on FER2013 (``emobench.harness.images``) as a zoo entry of
features ``face_images``: usable on a still face image and on a video (each sampled face crop
scored, the clip the mean of its frames).

    python -m emobench.zoo.export_images runs/face_cnn/best.keras --result result.json \
        --cross cross.json --name face_cnn-faces.fer2013_official --out zoo-export --ship

``result.json`` is the training record (scores per official split, epochs, timing),
``cross.json`` the train-on-images/test-on-video scores (``emobench.harness.image_to_video``).
Unlike a cell of ``emobench run`` there are no speaker folds: the protocol is FER2013's official
splits (trained on Training, scored on PublicTest).
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from emobench.atomic import atomic_write_text
from emobench.labels import EMOTIONS
from emobench.zoo.archive import ARCHIVE_FORMAT, write_archive
from emobench.zoo.export import Exported, ship
from emobench.zoo.manifest import Entry, Manifest, ZooError, check_name, jsonable

PROTOCOL = "official"


def _scores(s: dict) -> dict:
    return {"accuracy": s["accuracy"], "uar": s["uar"], "f1": s.get("macro_f1"),
            "clips": s.get("n")}


def _cross(c: dict) -> dict:
    return {"accuracy": c["accuracy"], "uar": c["uar"], "clips": c["n"],
            "classes": len(c["classes"]), "chance": c["chance"]}


def build_fields(record: dict, cross: dict, name: str, net, prep: dict) -> dict:
    """The manifest entry's fields (all but file, size and hash)."""
    from emobench.harness.provenance import provenance

    prov = provenance(record.get("command", ""))
    public = record["scores"]["PublicTest"]
    selected = record.get("selected_on", "PublicTest")
    selection = ("the best epoch on PublicTest was kept: the PublicTest score is optimistic"
                 if selected == "PublicTest" else
                 f"the best epoch on {selected} was kept; PublicTest had no say in the weights")
    if selected == "PublicTest" and record.get("best_epoch") == record.get("epochs"):
        selection = ("the last epoch was also the best on PublicTest, so the pick changed "
                     "nothing: these are the final weights")
    metrics = {"held_out": {**_scores(public), "split": "PublicTest", "speakers": []},
               "train": {}, "cv": {}, "chance": 1 / len(EMOTIONS),
               "majority": max(map(sum, public["confusion"])) / public["n"],
               "splits": {k: _scores(v) for k, v in record["scores"].items()},
               "confusion": {"PublicTest": public["confusion"]}}
    for key, label in (("rml", "rml"), ("ravdess_av", "ravdess_av")):
        if key in cross:
            metrics[label] = _cross(cross[key])
    n_train = record["n_train"]
    dataset = {"name": "fer2013", "id": "fer2013-official", "clips": n_train, "speakers": [],
               "root": "fer2013",
               "description": f"FER2013 Training (official split): {n_train:,} 48x48 grayscale "
                              f"faces" + (f" ({record['n_holdout']:,} more held out to pick the "
                                          f"epoch)" if record.get("n_holdout") else "")}
    training = {k: record[k] for k in ("epochs", "batch_size", "lr", "weight_decay", "recipe",
                                       "best_epoch") if k in record}
    if "time_per_epoch_s" in record:
        training["time_per_epoch_s"] = round(float(record["time_per_epoch_s"]), 1)
    protocol = {"name": PROTOCOL, "folds": 1, "fold": 0, "train_speakers": [],
                "val_speakers": [], "trained_on": "Training", "scored_on": "PublicTest",
                "selected_on": selected, "selection": selection}
    provenance_out = {"run_id": None, "cell": None, "run_dir": None,
                      "command": record.get("command", ""),
                      "cross_command": cross.get("command", ""), "git": prov["git"],
                      "date": prov["date"], "backend": prov["backend"],
                      "versions": prov["versions"], "cpu": prov["hardware"]["cpu"],
                      "train_seconds": record.get("train_wall_s"), "training": training,
                      "seed": record.get("seed")}
    options = {k: v for k, v in net.options.items()
               if k not in ("optimizer", "learning_rate", "epochs", "batch_size", "seed")}
    return jsonable(dict(name=name, model=net.name, options=options, features="face_images",
                         preprocess=prep, labels=list(net.labels),
                         input_shape=list(net.input_shape), params=net.count_params(),
                         dataset=dataset, protocol=protocol, metrics=metrics, source="package",
                         url=None, provenance=provenance_out))


def wrap_checkpoint(checkpoint: Path | str, model: str = "face_cnn", **options):
    """The saved Keras network of a FER2013 run as an emobench model of factory ``model``
    (same architecture, the checkpoint's weights)."""
    import keras

    from emobench.registry import create_model

    try:
        net = keras.saving.load_model(checkpoint, compile=False)
    except Exception as err:  # Keras raises many types; say which file and why
        raise ZooError(f"{checkpoint}: cannot load ({type(err).__name__}: {err})") from None
    wrapper = create_model(model, num_classes=len(EMOTIONS),
                           input_shape=tuple(net.input_shape[1:]), **options)
    wrapper.keras_model.set_weights(net.get_weights())
    return wrapper


def export_image_model(checkpoint, record: dict, cross: dict, *, name: str,
                       out_dir: Path | str = "zoo-export", model: str = "face_cnn",
                       **options) -> Exported:
    """Package ``checkpoint`` with its training record and cross-dataset scores."""
    from emobench.preprocess.face_prep import LEGACY, FacePrep
    from emobench.zoo.docs import render_card

    name, out_dir = check_name(name), Path(out_dir)
    wrapper = wrap_checkpoint(checkpoint, model, **options)
    # the recipe the images were trained with (a record from before recipes: the first one)
    prep = {**FacePrep.from_dict(record.get("prep", LEGACY.as_dict())).as_dict(), "size": int(wrapper.input_shape[0]),
            "grayscale": wrapper.input_shape[-1] == 1, "still_image": "face crop by the "
            "detector, or the whole image when it finds none (FER-style crops)"}
    fields = build_fields(record, cross, name, wrapper, prep)
    info = {"format": ARCHIVE_FORMAT, "name": name, "model": model, "features": "face_images",
            "preprocess": prep, "labels": list(wrapper.labels),
            "input_shape": list(wrapper.input_shape), "kind": wrapper.kind}
    with tempfile.TemporaryDirectory(prefix="emobench-export-") as tmp:
        archive, digest, size = write_archive(wrapper.save(Path(tmp) / "model"), jsonable(info),
                                              out_dir, name)
    entry = Entry(**fields, file=archive.name, size=size, sha256=digest)
    manifest_path = atomic_write_text(out_dir / f"{name}.json",
                                      Manifest([entry], out_dir).to_json())
    card = atomic_write_text(out_dir / f"{name}.md", render_card(
        entry, note=f"Written by `python -m emobench.zoo.export_images` with {archive.name}."))
    return Exported(entry, archive, manifest_path, card)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkpoint")
    ap.add_argument("--result", required=True, help="the training record (result.json)")
    ap.add_argument("--cross", required=True, help="image_to_video's scores (cross.json)")
    ap.add_argument("--name", default=f"face_cnn-faces.fer2013_{PROTOCOL}")
    ap.add_argument("--model", default="face_cnn")
    ap.add_argument("--filters", help="comma-separated widths the checkpoint was built with")
    ap.add_argument("--out", default="zoo-export")
    ap.add_argument("--ship", action="store_true",
                    help="also add the entry to this checkout's package and zoo/")
    args = ap.parse_args(argv)
    extra = {"filters": [int(w) for w in args.filters.split(",")]} if args.filters else {}
    read = lambda p: json.loads(Path(p).read_text())  # noqa: E731
    ex = export_image_model(args.checkpoint, read(args.result), read(args.cross),
                            name=args.name, out_dir=args.out, model=args.model, **extra)
    print(ex.archive)
    if args.ship:
        print(ship(ex))


if __name__ == "__main__":
    main()
