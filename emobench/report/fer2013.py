"""Markdown report of a FER2013 image run and its train-on-images/test-on-video scores.

    python -m emobench.report.fer2013 RESULT.json CROSS.json --out reports/fer2013-images.md
"""
from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
from pathlib import Path

#: Published FER2013 PublicTest anchors (DESIGN.md's fixed facts).
ANCHORS = [("human raters", "about 0.65"),
           ("mini-Xception (fer package), as measured", "about 0.58"),
           ("Khaireddin & Chen 2021 (best single network)", "0.733")]


def render(result: dict, cross: dict | None, command: str, epochs_csv: Path | None) -> str:
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True).stdout.strip()
    import keras

    lines = [f"Command: `{command}`", "",
             *([f"Trained with: `{result['command']}`", ""] if result.get("command") else []),
             *([f"Scored with: `{cross['command']}`", ""] if cross and cross.get("command")
               else []),
             f"git {git}, Keras {keras.__version__} ({keras.backend.backend()}), "
             f"{platform.processor() or platform.machine()}, 2 shared CPU cores", "",
             "# FER2013 image suite (official splits: trained on Training, scored on "
             "PublicTest)", "",
             "| model | split | accuracy | UAR | macro F1 | params | epochs | s/epoch |",
             "|---|---|---|---|---|---|---|---|"]
    for split, s in result["scores"].items():
        lines.append(f"| {result['model']} | {split} | {s['accuracy']:.3f} | {s['uar']:.3f} | "
                     f"{s['macro_f1']:.3f} | {result['params']:,} | {result['epochs']} | "
                     f"{result['time_per_epoch_s']:.0f} |")
    for name, acc in ANCHORS:
        lines.append(f"| {name} (published) | PublicTest | {acc} | | | | | |")
    lines += ["", f"Recipe: {result['recipe']}; batch {result['batch_size']}, lr "
                  f"{result['lr']}, weight decay {result['weight_decay']}, seed "
                  f"{result['seed']}; best epoch {result['best_epoch']} of {result['epochs']};"
                  f" training wall time {result['train_wall_s'] / 60:.1f} min.",
              "Note: the PublicTest split also chose the kept epoch (checkpoint on "
              "val_accuracy), so its score is slightly optimistic; PrivateTest is absent here.",
              "", "Confusion (PublicTest, rows true, columns predicted, order neutral happy sad "
                  "fear angry surprise disgust):", "", "```"]
    lines += [" ".join(f"{v:4d}" for v in row) for row in result["scores"]["PublicTest"]
              ["confusion"]] + ["```"]
    if epochs_csv and epochs_csv.is_file():
        lines += ["", "Per-epoch PublicTest accuracy:", "", "```",
                  epochs_csv.read_text().strip(), "```"]
    if cross:
        lines += ["", "# Train on images, test on video", "",
                  f"Protocol: {cross['protocol']}. Each clip: the mean of its 16 sampled face "
                  "crops' probabilities (Haar detector, margin 0.2, grayscale, 48 px, flip "
                  "averaged). Tiny samples: read as a smoke test of the pipeline, not as a "
                  "benchmark.", "",
                  "| model | test data | clips | classes | accuracy | UAR | chance |",
                  "|---|---|---|---|---|---|---|"]
        for key, label in (("rml", "RML sample (1 speaker)"),
                           ("ravdess_av", "RAVDESS AV Actor_05")):
            if key in cross:
                c = cross[key]
                lines.append(f"| {result['model']} (FER2013) | {label} | {c['n']} | "
                             f"{len(c['classes'])} | {c['accuracy']:.3f} | {c['uar']:.3f} | "
                             f"{c['chance']:.3f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("result")
    ap.add_argument("cross", nargs="?")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    result = json.loads(Path(args.result).read_text())
    cross = json.loads(Path(args.cross).read_text()) if args.cross else None
    command = "python -m emobench.report.fer2013 " + " ".join(sys.argv[1:] if argv is None
                                                               else argv)
    text = render(result, cross, command, Path(args.result).parent / "epochs.csv")
    Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
