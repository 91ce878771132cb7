"""What people read about the zoo, generated from the manifest (never written by hand, so it
cannot drift from it): the table ``zoo/README.md``, a card per entry ``zoo/cards/<name>.md`` and
a recipe per entry ``zoo/recipes/<name>.sh`` (the commands that made its weight file).

    python -m emobench.zoo docs zoo      # rewrite zoo/ from emobench/zoo_manifest.json
    python -m emobench.zoo table         # the table alone, to stdout
"""
from __future__ import annotations

import shlex
from pathlib import Path

from emobench.atomic import atomic_write_text
from emobench.zoo.manifest import Entry, Manifest

GENERATED = "Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; " \
            "do not edit by hand."
_SYNTH_DEFAULTS = {"emotions": list(range(1, 9)), "intensities": [2], "statements": [1],
                   "repetitions": [1]}


def _f(value, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _mean_std(pair) -> str:
    return f"{pair[0]:.3f} ± {pair[1]:.3f}" if pair else "-"


def _where(entry: Entry) -> str:
    return "inside the package" if entry.source == "package" else f"download: {entry.url}"


def input_summary(entry: Entry) -> str:
    """The model's input in words, e.g. ``openSMILE emobase2010 (1582 values, 16 kHz mono)``."""
    p = entry.preprocess
    if "feature_set" in p:
        trim = (f", leading and trailing silence ({p['trim_db']:g} dB below the loudest frame) "
                f"trimmed" if p.get("trim_db") else "")
        return (f"openSMILE {p['feature_set']} functionals ({entry.input_shape[0]} values) of "
                f"the audio at {p.get('rate', 16000) // 1000} kHz mono{trim}")
    if entry.features == "faces":
        return (f"{p.get('frames')} face crops of {p.get('size')}x{p.get('size')} px "
                f"({_detector(p)} detector), evenly spaced over the video")
    if entry.features == "face_images":
        from emobench.zoo.image_docs import input_summary as image_input
        return image_input(entry)
    if entry.features == "flow":
        return (f"optical flow ({p.get('method')}) between {p.get('frames')} face crops of "
                f"{p.get('size')} px")
    return entry.features


def _detector(p: dict) -> str:
    d = p.get("detector")
    return d.get("detector", "haar") if isinstance(d, dict) else str(d)


def render_table(manifest: Manifest, demo: bool | None = None) -> str:
    """The markdown table of every entry (only pipeline demos, or only the others, when
    ``demo`` is given), with links to its card and recipe."""
    head = ("| entry | model | input | trained on | held-out acc / UAR (these weights) | "
            "CV acc, mean ± std | chance | params | file | where |")
    rows = [head, "|" + "---|" * 10]
    for e in manifest:
        if demo is not None and e.demo != demo:
            continue
        rows.append(
            f"| [{e.name}](cards/{e.name}.md) ([recipe](recipes/{e.name}.sh)) | `{e.model}` | "
            f"{input_summary(e)} | {e.dataset.get('description', e.dataset.get('name'))} | "
            f"{_held_out(e)} | "
            f"{_cv(e)} | "
            f"{_f(e.metrics.get('chance'))} | {e.params:,} | {_mb(e.size)} | "
            f"{'package' if e.source == 'package' else 'url'} |")
    return "\n".join(rows) + "\n"


def _cv(e: Entry) -> str:
    if not e.cv.get("scored"):  # e.g. FER2013's official splits: no folds to cross-validate
        return "- (official split)" if e.features == "face_images" else "-"
    return f"{_mean_std(e.cv.get('accuracy'))} ({e.cv.get('scored')} folds)"


def _held_out(e: Entry) -> str:
    if e.features == "face_images":
        from emobench.zoo.image_docs import held_out_summary
        return held_out_summary(e)
    if e.protocol.get("name") == "all-speakers":
        from emobench.zoo.audio_docs import held_out_summary as all_speakers
        return all_speakers(e)
    h = e.held_out
    return (f"{_f(h.get('accuracy'))} / {_f(h.get('uar'))} on {h.get('clips')} clips of "
            f"speakers {', '.join(h.get('speakers', []))}")


def render_readme(manifest: Manifest) -> str:
    total = sum(e.size for e in manifest if e.source == "package")
    return "\n".join([
        "# emobench model zoo", "", GENERATED, "",
        "Each entry is one trained cell of an `emobench run`, packaged by `emobench zoo export`.",
        "Load one with `emobench.load_pretrained(NAME)` or run it on a file with",
        "`emobench predict FILE --model NAME`; `emobench zoo list | pull NAME | verify` manage",
        "the files (every file is checked against its sha256 before it is loaded).", "",
        "*Held-out* scores are those of the shipped weights on speakers they never saw (their",
        "fold's validation speakers); *CV* is the mean ± std over all folds of the same cell in",
        "the same run, for context. Accuracy and UAR are over the 7 emotions (calm left out).",
        "The real-face entry (`face_cnn-faces.fer2013_official`) is a frame model trained on",
        "FER2013's face images: on a video it scores every sampled face crop and averages them.",
        "",
        "Every entry ships the model of fold 1 of its run (a rule fixed before training, not a",
        "pick of the best fold); its card gives the speakers it was trained and scored on.", "",
        render_table(manifest, demo=False), "## Pipeline demos", "",
        "Trained on emobench's generated corpus of drawn faces: they show that the video",
        "pipeline (face crops -> clip model -> prediction) runs end to end; their scores say",
        "nothing about real faces. Use the real-face entry above for real videos.", "",
        render_table(manifest, demo=True),
        f"{len(manifest)} entries; files inside the package: {_mb(total)} in all.", "",
        "Not shipped: `resnet50`, `flow_resnet50` and `flow_alexnet` hold 23-25 M parameters",
        "(about 95-100 MB of weights) whatever the input size, too much for a wheel. Train and",
        "package them yourself with `emobench run` and `emobench zoo export --url URL`: an",
        "entry whose source is a URL is downloaded once with pooch into the zoo cache",
        "(`$EMOBENCH_ZOO_DIR`, else `$EMOBENCH_CACHE/zoo`), and used from there offline.", "",
        "Dropped: `audio_svm-emo_large.ravdess_speaker-independent` (issue 14): its RBF SVM kept",
        "thousands of 6552-wide support vectors (20 MB, most of the wheel) and scored below",
        "`audio_logreg-emo_large` (a 7 x 6552 linear model, well under 1 MB), which replaces it.",
        "Also dropped: the three `audio_cnn-*` entries (issue 14). They were fold-1 models of 8",
        "actors with a recipe since replaced (three conv blocks with pooling 4: 0.32-0.36 in",
        "3-fold CV), and on every feature set a linear or SVM recipe scores higher than the CNN",
        "in 6-fold CV (reports/real-ravdess-audio.md); those are the entries shipped per set.",
        "The `audio_logreg-*` and `audio_svm-*` entries are trained on ALL 12 actors (protocol",
        "all-speakers); their cards give the same recipe's 6-fold CV and the EmoDB cross-corpus",
        "score.", ""])


def render_card(entry: Entry, note: str = GENERATED) -> str:
    """The model card of one entry: what it is, its data and protocol, scores, provenance."""
    if entry.features == "face_images":
        from emobench.zoo.image_docs import render_image_card
        return render_image_card(entry, note)
    if entry.protocol.get("name") == "all-speakers":
        from emobench.zoo.audio_docs import render_audio_card
        return render_audio_card(entry, note)
    e, h, cv, p = entry, entry.held_out, entry.cv, entry.provenance
    tr, pr = e.metrics.get("train", {}), e.protocol
    lines = [
        f"# {e.name}", "", note, "",
        "| | |", "|---|---|",
        f"| model | `{e.model}` ({e.params:,} parameters), factory options "
        f"`{_options(e.options) or 'defaults'}` |",
        f"| input | {input_summary(e)} |",
        f"| output | probabilities of {', '.join(e.labels)} (in this order) |",
        f"| trained on | {e.dataset.get('description')} (dataset id `{e.dataset.get('id')}`) |",
        f"| file | `{e.file}`, {e.size:,} bytes, sha256 `{e.sha256}` |",
        f"| where | {_where(e)} |", "",
        "## Protocol", "",
        f"{pr.get('name')}, {pr.get('folds')} folds by speaker. These weights are fold "
        f"{pr.get('fold', 0) + 1}: trained on speakers {', '.join(pr.get('train_speakers', []))} "
        f"({tr.get('clips')} clips) and scored on the held-out speakers "
        f"{', '.join(pr.get('val_speakers', []))} ({h.get('clips')} clips).", "",
        f"Model selection: {pr.get('selection')}.", "",
        "## Scores", "",
        "| split | accuracy | UAR | macro F1 | loss | clips |", "|---|---|---|---|---|---|",
        _score_row("held-out speakers (these weights)", h),
        _score_row("training speakers (these weights)", tr),
        f"| {cv.get('scored')}-fold CV, mean ± std (context) | {_mean_std(cv.get('accuracy'))} "
        f"| {_mean_std(cv.get('uar'))} | {_mean_std(cv.get('f1'))} | - | - |"]
    if "rml" in e.metrics:
        lines.append(_score_row("RML sample, cross-dataset, 6 classes (chance 0.167)",
                                e.metrics["rml"]))
    lines += ["", f"Chance on the held-out clips: {_f(e.metrics.get('chance'))} "
              f"(1 / number of emotions present).", "",
              "## Use", "", "```python", "import emobench", "",
              f'model = emobench.load_pretrained("{e.name}")',
              "probs = model.predict_proba(x)   # x: " + _x_doc(e), "```", "",
              f"`emobench predict FILE --model {e.name}` runs the same preprocessing as training "
              f"on one {'audio or video' if 'feature_set' in e.preprocess else 'video'} file.",
              "", "## Provenance", "",
              f"- run `{p.get('run_id')}`, cell `{p.get('cell')}` "
              f"(recipe: [`zoo/recipes/{e.name}.sh`](../recipes/{e.name}.sh))",
              f"- command: `{p.get('command')}`",
              f"- training: {_options({'seed': p.get('seed'), **p.get('training', {})})}; "
              f"{_f(p.get('train_seconds'), 1)} s on {p.get('cpu')}",
              f"- git {p.get('git')}, finished {p.get('date')}, Keras backend {p.get('backend')}",
              f"- versions: {_options(p.get('versions', {}))}",
              f"- preprocessing: `{_options(e.preprocess)}`", ""]
    return "\n".join(lines)


def _x_doc(e: Entry) -> str:
    shape = ", ".join(map(str, e.input_shape))
    kind = "raw (unscaled) features; the model scales them itself" if "feature_set" in \
        e.preprocess else "uint8 RGB face crops"
    return f"(n, {shape}) {kind}"


def _options(d: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(d.items()))


def _score_row(label: str, s: dict) -> str:
    return (f"| {label} | {_f(s.get('accuracy'))} | {_f(s.get('uar'))} | {_f(s.get('f1'))} | "
            f"{_f(s.get('loss'))} | {s.get('clips', '-')} |")


def synth_command(params: dict, out: str) -> str:
    """The ``emobench data synth`` command (or Python call) that makes a corpus of ``params``."""
    actors = params.get("actors", [])
    plain = all(params.get(k, v) == v for k, v in _SYNTH_DEFAULTS.items()) \
        and actors == list(range(1, len(actors) + 1))
    if plain:
        return (f"emobench data synth --out {shlex.quote(out)} --actors {len(actors)} "
                f"--width {params['width']} --height {params['height']} --duration "
                f"{params['duration']} --fps {params['fps']} --seed {params['seed']}")
    keep = {k: v for k, v in params.items() if k != "sample_rate"}
    return (f"python -c 'from emobench.datasets.synth import generate_corpus; "
            f"generate_corpus({out!r}, **{keep!r})'")


def render_recipe(entry: Entry) -> str:
    """A shell script: the commands that made the entry's weight file, run from the root of a
    checkout. A rerun trains the same cell (same key) but not bit-identical weights."""
    if entry.features == "face_images":
        from emobench.zoo.image_docs import render_image_recipe
        return render_image_recipe(entry, GENERATED)
    if entry.protocol.get("name") == "all-speakers":
        from emobench.zoo.audio_docs import render_audio_recipe
        return render_audio_recipe(entry, GENERATED)
    p, d = entry.provenance, entry.dataset
    lines = ["#!/bin/sh", f"# Recipe of zoo entry {entry.name}", f"# {GENERATED}",
             f"# It made {entry.file} (sha256 {entry.sha256}) in run {p.get('run_id')}, "
             f"cell {p.get('cell')}",
             f"# (fold {entry.protocol.get('fold', 0) + 1} of {entry.protocol.get('folds')}), "
             f"git {p.get('git')}.",
             "# Run from the root of an emobench checkout. Training on CPU is not bit-for-bit",
             "# deterministic: a rerun gives the same cell key, close but not identical weights.",
             "set -e", "", f"# 1. Data: {d.get('description')}."]
    root = _data_root(p.get("command", ""))
    if d.get("generator"):
        lines.append(synth_command(d["generator"], root or "synth-corpus"))
    else:
        lines.append(f"#    expected at {root} (dataset id {d.get('id')})")
    lines += ["", "# 2. The run (every fold of the cell; the entry is one fold's model):",
              p.get("command", ""), "",
              "# 3. Package that cell as the entry (--ship adds it to the package and zoo/):",
              f"emobench zoo export --run-dir {shlex.quote(p.get('run_dir', ''))} "
              f"--cell {p.get('cell')} --name {entry.name} --ship", ""]
    return "\n".join(lines)


def _data_root(command: str) -> str | None:
    words = shlex.split(command) if command else []
    for flag, value in zip(words, words[1:]):
        if flag == "--data-root":
            return value
    return None


def write_docs(manifest: Manifest, folder: str | Path) -> list[Path]:
    """Write README.md, cards/ and recipes/ under ``folder`` (atomically, file by file) and
    delete cards and recipes of entries no longer in the manifest; returns the files written."""
    folder = Path(folder)
    written = [atomic_write_text(folder / "README.md", render_readme(manifest))]
    names = {e.name for e in manifest}
    for sub, suffix in (("cards", ".md"), ("recipes", ".sh")):
        for old in (folder / sub).glob(f"*{suffix}"):
            if old.name[:-len(suffix)] not in names:
                old.unlink()
    for e in manifest:
        written.append(atomic_write_text(folder / "cards" / f"{e.name}.md", render_card(e)))
        recipe = atomic_write_text(folder / "recipes" / f"{e.name}.sh", render_recipe(e))
        recipe.chmod(0o755)
        written.append(recipe)
    return written
