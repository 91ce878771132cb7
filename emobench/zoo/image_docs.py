"""Card and recipe of a zoo entry trained on face images (features ``face_images``, FER2013's
official splits): no speaker folds, scores per official split, and the cross-dataset
train-on-images/test-on-video scores on RML and RAVDESS clips."""
from __future__ import annotations

from emobench.zoo.manifest import Entry


def _f(value, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _options(d: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(d.items()))


def input_summary(entry: Entry) -> str:
    p = entry.preprocess
    color = "grayscale" if p.get("grayscale") else "RGB"
    return (f"{color} face crops of {p.get('size')}x{p.get('size')} px (margin "
            f"{p.get('margin')}, {p.get('detector')} detector): one per still image, "
            f"{p.get('frames')} evenly spaced frames of a video (clip = their mean)")


def held_out_summary(entry: Entry) -> str:
    h = entry.held_out
    return (f"{h.get('split', 'test')} {_f(h.get('accuracy'))} / {_f(h.get('uar'))} on "
            f"{h.get('clips')} images")


def _cross_rows(e: Entry) -> list[str]:
    rows = []
    for key, label in (("rml", "RML sample, 6 classes"),
                       ("ravdess_av", "RAVDESS audio-visual, Actor 05, 7 classes")):
        s = e.metrics.get(key)
        if s:
            rows.append(f"| {label} (clips, never trained on) | {_f(s.get('accuracy'))} | "
                        f"{_f(s.get('uar'))} | - | {s.get('clips')} | "
                        f"{_f(s.get('chance'))} |")
    return rows


def render_image_card(e: Entry, note: str) -> str:
    p, pr, tr = e.provenance, e.protocol, e.provenance.get("training", {})
    splits = e.metrics.get("splits", {})
    lines = [
        f"# {e.name}", "", note, "",
        "| | |", "|---|---|",
        f"| model | `{e.model}` ({e.params:,} parameters), factory options "
        f"`{_options(e.options) or 'defaults'}` |",
        f"| input | {input_summary(e)} |",
        f"| output | probabilities of {', '.join(e.labels)} (in this order) |",
        f"| trained on | {e.dataset.get('description')} |",
        f"| file | `{e.file}`, {e.size:,} bytes, sha256 `{e.sha256}` |",
        "| where | inside the package |" if e.source == "package" else f"| where | {e.url} |",
        "", "## Protocol", "",
        "FER2013's official splits: trained on Training only, scored on PublicTest (PrivateTest "
        "too when the data has it); nothing from a test split ever trained.", "",
        f"Model selection: {pr.get('selection')}.", "",
        "## Scores", "",
        "| data | accuracy | UAR | macro F1 | images / clips | chance |",
        "|---|---|---|---|---|---|"]
    for split, s in splits.items():
        lines.append(f"| FER2013 {split} (flip-averaged) | {_f(s.get('accuracy'))} | "
                     f"{_f(s.get('uar'))} | {_f(s.get('f1'))} | {s.get('clips')} | "
                     f"{_f(e.metrics.get('chance'))} (majority "
                     f"{_f(e.metrics.get('majority'))}) |")
    lines += _cross_rows(e)
    lines += [
        "", "Cross-dataset rows follow the train-on-images/test-on-video protocol: each clip's "
        "sampled face crops, prepared like the training images, are scored and the clip is "
        "the mean of its frames' probabilities (flip-averaged); a 7-way model is scored on "
        "RML over its 6 classes. Both samples are tiny (one speaker each): read them as a "
        "check that the model transfers to real video, not as benchmarks.", "",
        "Published anchors on PublicTest: human raters about 0.65; the `fer` package's "
        "mini-Xception about 0.58 measured; best single network 0.733 (Khaireddin & Chen "
        "2021).", "",
        "## Preparation of the faces", "",
        f"- grayscale: {e.preprocess.get('grayscale')}, size {e.preprocess.get('size')} px, "
        f"crop margin {e.preprocess.get('margin')} around the {e.preprocess.get('detector')} "
        f"detector's box, {e.preprocess.get('frames')} frames per video",
        f"- still images: {e.preprocess.get('still_image')}",
        "- `emobench predict` scores the plain crops (no flip averaging), so its "
        "probabilities differ slightly from the table's flip-averaged scores.", "",
        "## Use", "", "```python", "import emobench", "",
        f'model = emobench.load_pretrained("{e.name}")',
        f"probs = model.predict_proba(x)   # x: (n, {', '.join(map(str, e.input_shape))}) "
        f"face crops, 0-255 floats", "```", "",
        f"`emobench predict face.jpg --model {e.name}` (a still image) or "
        f"`emobench predict clip.mp4 --model {e.name}` (a video: the mean of its frames).", "",
        "## Provenance", "",
        f"- training command: `{p.get('command')}` (recipe: "
        f"[`zoo/recipes/{e.name}.sh`](../recipes/{e.name}.sh))",
        f"- cross-dataset command: `{p.get('cross_command')}`",
        f"- training: {_options({'seed': p.get('seed'), **tr})}; "
        f"{_f(p.get('train_seconds'), 0)} s of training "
        f"({_f((p.get('train_seconds') or 0) / 60, 1)} min) on {p.get('cpu')} "
        f"(2 cores shared with other jobs)",
        f"- git {p.get('git')}, packaged {p.get('date')}, Keras backend {p.get('backend')}",
        f"- versions: {_options(p.get('versions', {}))}",
        f"- preprocessing: `{_options(e.preprocess)}`", ""]
    return "\n".join(lines)


def render_image_recipe(e: Entry, generated: str) -> str:
    p = e.provenance
    return "\n".join([
        "#!/bin/sh", f"# Recipe of zoo entry {e.name}", f"# {generated}",
        f"# It made {e.file} (sha256 {e.sha256}), git {p.get('git')}.",
        "# Run from the root of an emobench checkout with EMOBENCH_DATA set. CPU training is",
        "# not bit-for-bit deterministic: a rerun gives close, not identical, weights.",
        "set -e", "", "# 1. Train on FER2013 Training (official splits), score PublicTest:",
        p.get("command", ""), "",
        "# 2. Train on images, test on video (RML and RAVDESS audio-visual clips):",
        p.get("cross_command", ""), "",
        "# 3. Package it (--ship adds it to the package and zoo/):",
        f"python -m emobench.zoo.export_images runs/face_cnn/best.keras --result "
        f"runs/face_cnn/result.json --cross cross.json --name {e.name} "
        f"--filters {','.join(map(str, e.options.get('filters', [])))} --ship", ""])
