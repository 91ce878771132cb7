"""``emobench faces``: frame models on face images — train on FER2013 (resumable), score on
real video ("train on images, test on video"), and measure the crop recipes."""
from __future__ import annotations

import json
from pathlib import Path

import click

from emobench.cli.group import EmobenchError, main

_DIR = click.Path(exists=True, file_okay=False, path_type=Path)


@main.group()
def faces() -> None:
    """Frame models on face images: train, score on video, crop-recipe variants."""


def _load_net(spec: str):
    """A ``.keras`` file, or a zoo entry's name (verified, safe mode); with its recipe."""
    from emobench.robustness.frame_models import frame_model_id, load_frame_model

    try:
        _, prep = frame_model_id(spec)
        return load_frame_model(spec), prep
    except (KeyError, FileNotFoundError, ValueError) as err:
        raise EmobenchError(f"{spec}: {err}") from None


def _video_sets(rml: Path | None, ravdess: Path | None) -> dict:
    from emobench.datasets import load_dataset
    from emobench.harness.face_variants import VideoSet
    from emobench.labels import rml_classes

    sets = {}
    if ravdess:
        clips = [c for c in load_dataset("ravdess", ravdess).clips if c.has_video]
        sets["RAVDESS AV"] = VideoSet(clips)
    if rml:
        sets["RML"] = VideoSet(load_dataset("rml", rml).clips, rml_classes())
    if not sets:
        raise EmobenchError("give --rml and/or --ravdess: the video clips to score")
    return sets


@faces.command("score")
@click.argument("model")
@click.option("--rml", type=_DIR, help="RML clips (scored over its 6 classes).")
@click.option("--ravdess", type=_DIR, help="RAVDESS audio-visual clips (7 classes).")
@click.option("--recipe", "recipe_json", help="Crop recipe as JSON, e.g. "
              "'{\"margin\": 0.0, \"contrast\": \"equalize\"}' (default: the model's own).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Scores as JSON.")
def faces_score(model: str, rml, ravdess, recipe_json, out) -> None:
    """Score a frame model (a .keras file or zoo entry) on video clips it never trained on."""
    from emobench.harness.image_to_video import score_clips
    from emobench.preprocess.face_prep import FacePrep

    net, prep = _load_net(model)
    try:
        recipe = FacePrep.from_dict({**prep, **json.loads(recipe_json or "{}")})
    except (ValueError, TypeError) as err:
        raise EmobenchError(f"--recipe: {err}") from None
    result = {"model": model, "protocol": "train on images, test on video; never trained on "
                                           "these clips", "recipe": recipe.as_dict()}
    for name, vs in _video_sets(rml, ravdess).items():
        s = score_clips(net, vs.clips, vs.classes, recipe)
        result[name] = s
        click.echo(f"{name}: accuracy {s['accuracy']:.3f} UAR {s['uar']:.3f} over {s['n']} "
                   f"clips ({len(vs.classes)} classes), neutral answered "
                   f"{s['answers'].get('neutral', 0):.2f}, {len(s['skipped'])} skipped")
    if out:
        out.write_text(json.dumps(result, indent=1))


@faces.command("variants")
@click.argument("model")
@click.option("--rml", type=_DIR, help="RML clips.")
@click.option("--ravdess", type=_DIR, help="RAVDESS audio-visual clips.")
@click.option("--ck", type=_DIR, help="Still faces in label folders (CK+48).")
@click.option("--fer", type=_DIR, help="FER2013 (its PublicTest split is scored).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="All rows as JSON; the tables go to OUT with .md.")
def faces_variants(model: str, rml, ravdess, ck, fer, out: Path) -> None:
    """Score every crop recipe (margin, contrast, frame choice, aggregation) on real clips."""
    from emobench.harness.face_variants import run_variants, variants_markdown
    from emobench.preprocess.face_prep import DEFAULT

    net, _ = _load_net(model)
    size = int(net.input_shape[1])
    stills = {}
    if ck:
        from emobench.datasets.fer2013 import load_images
        from emobench.datasets.images import scan_image_folder

        stills["CK+48"] = load_images(scan_image_folder(ck).clips, size, rejected=[])
    if fer:
        from emobench.datasets.fer2013 import load_split, scan_fer2013

        stills["FER2013 PublicTest"] = load_split(scan_fer2013(fer), "PublicTest", size,
                                                  rejected=[])
    result = run_variants(net, _video_sets(rml, ravdess), stills,
                          base=DEFAULT.replace(size=size))
    result["model"] = model
    out.write_text(json.dumps(result, indent=1))
    md = variants_markdown(result)
    out.with_suffix(".md").write_text(md)
    click.echo(md)


@faces.command("train")
@click.argument("root", type=_DIR)
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Run folder: run.json, state.npz (resumable), best.keras, result.json.")
@click.option("--model", default="face_cnn", show_default=True, help="Registered image model.")
@click.option("--epochs", default=30, show_default=True, help="Epochs of the whole schedule.")
@click.option("--budget-min", type=float, help="Instead of --epochs: as many as fit (measured).")
@click.option("--batch-size", default=64, show_default=True)
@click.option("--lr", default=2e-3, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--limit", type=int, help="Train on this many Training images only.")
@click.option("--holdout", default=0.1, show_default=True,
              help="Share of Training held out to pick the kept epoch (0: keep the last).")
@click.option("--contrast", default=None, help="Contrast step of the images (default: the "
              "face recipe's, equalize).")
@click.option("--filters", help="Comma-separated widths, e.g. 16,32,64,128.")
@click.option("--max-minutes", type=float, help="Stop this call after the epoch that passes "
              "this many minutes; the same command resumes.")
def faces_train(root, out, model, epochs, budget_min, batch_size, lr, seed, limit, holdout,
                contrast, filters, max_minutes) -> None:
    """Train a frame model on FER2013 Training; rerun the same command to resume."""
    from emobench.harness.images import train_face_model
    from emobench.preprocess.face_prep import DEFAULT

    extra = {"filters": [int(w) for w in filters.split(",")]} if filters else {}
    try:
        rec = train_face_model(root, out, model=model, epochs=epochs, budget_min=budget_min,
                               batch_size=batch_size, lr=lr, seed=seed, limit=limit,
                               holdout=holdout, max_minutes=max_minutes,
                               prep=DEFAULT.replace(contrast=contrast or DEFAULT.contrast),
                               **extra)
    except (ValueError, FileNotFoundError) as err:
        raise EmobenchError(str(err)) from None
    state = "finished" if rec["finished"] else "stopped: run the same command to resume"
    click.echo(f"{rec['epochs_done']} of {rec['epochs']} epochs ({state}), "
               f"{rec['time_per_epoch_s']:.0f} s/epoch, kept epoch {rec['best_epoch']}")
    for split, s in rec["scores"].items():
        click.echo(f"{split}: accuracy {s['accuracy']:.3f} UAR {s['uar']:.3f} (n {s['n']})")
