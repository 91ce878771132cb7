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


def confusion_block(split: str, matrix) -> list[str]:
    """Markdown lines: one split's confusion matrix, rows true, in ``EMOTIONS`` order."""
    from emobench.labels import EMOTIONS

    return [f"Confusion ({split}, rows true, columns predicted, order {' '.join(EMOTIONS)}):",
            "", "```", *(" ".join(f"{int(v):4d}" for v in row) for row in matrix), "```"]


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
              _selection_note(result), "",
              *confusion_block("PublicTest", result["scores"]["PublicTest"]["confusion"])]
    if epochs_csv and epochs_csv.is_file():
        lines += ["", f"Per-epoch accuracy on the selection split "
                      f"({result.get('selected_on', 'PublicTest')}) as val_accuracy:", "", "```",
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


def _selection_note(result: dict) -> str:
    selected = result.get("selected_on", "PublicTest")
    absent = "" if "PrivateTest" in result["scores"] else "; PrivateTest is absent here"
    if selected == "PublicTest":
        return ("Note: the PublicTest split also chose the kept epoch (checkpoint on "
                f"val_accuracy), so its score is slightly optimistic{absent}.")
    return (f"The kept epoch was chosen on {selected} ({result.get('n_holdout')} images, never "
            f"trained on): PublicTest had no say in the weights, its score is clean{absent}.")


def render_fusion(fusion: dict) -> str:
    """The real audio-visual section: audio, video and fused scores on the test actor."""
    t, a = fusion["test"], fusion["audio_model"]
    fit = fusion.get("svm_fit")
    lines = ["", "# First real audio-visual number (RAVDESS Actor 05, 7 clips)", "",
             f"Scored with: `{fusion.get('command', '')}`", "",
             f"Audio: `{a['model']}` on openSMILE {a['features']}, trained on {a['trained_on']} "
             f"({a['clips']} clips), applied to the AAC track of each audio-visual mp4. Video: "
             f"the FER2013-trained face model (`{Path(fusion['face_model']).name}`), each clip "
             f"the mean of its 16 face crops. Neither branch ever saw actor {t['actor']}.", "",
             "Audio features as extracted (raw), or standardised per speaker (each training "
             "actor over its own clips; actor 05 over its 7 unlabelled test clips, which uses "
             "their statistics but not their labels; RML over its speaker's clips).", "",
             "| branch / fusion | fitted on | audio features | accuracy | UAR | predictions |",
             "|---|---|---|---|---|---|"]
    what = {"audio": "RAVDESS speech, other actors", "video": "FER2013 Training",
            "fusion_avg": "nothing (mean of the two)",
            "fusion_svm_loo": "the other 6 of these 7 clips (leave one clip out)",
            "audio_speech_files": "(scored on actor 05's audio-only speech files instead)",
            "fusion_svm_rml": (f"the {fit['clips']} clips of the RML sample (6 classes, no "
                               f"neutral)" if fit else "")}
    for variant, label in (("scores", "raw"), ("scores_speaker_norm", "speaker-norm")):
        for key, s in fusion.get(variant, {}).items():
            if key == "video" and variant != "scores":
                continue  # the video branch has no audio features: the same either way
            lines.append(f"| {key} | {what.get(key, '')} | "
                         f"{'-' if key == 'video' else label} | {s['accuracy']:.3f} | "
                         f"{s['uar']:.3f} | {_preds(s['pred'])} |")
    lines += ["", f"Truth: {', '.join(t['truth'])}. Chance 1/7 = 0.143. Seven clips of one "
              "actor: one clip moves accuracy by 0.14, so this shows that real audio-visual "
              "files go through both branches and fusion end to end, and says little about "
              "how well. The fusion SVM (linear SVC on the 14 concatenated probabilities) needs "
              "training clips with both modalities and there are none of this actor beyond "
              "these 7: leave-one-clip-out cannot answer a class that only the left-out clip "
              f"has ({_singletons(t['truth'])} of the {len(t['truth'])} clips), and the RML "
              "fit cannot answer neutral.", ""]
    return "\n".join(lines)


def _preds(pred: list[str]) -> str:
    if len(pred) <= 10:
        return ", ".join(pred)
    return f"{len(pred)} clips" + "".join(f", {pred.count(k)} {k}" for k in sorted(set(pred)))


def _singletons(truth: list[str]) -> int:
    return sum(truth.count(t) == 1 for t in truth)


def render_bench(bench: dict) -> str:
    """Epoch times on FER2013 and per-frame inference times from bench_faces.py's JSON."""
    lines = ["", "# Speed (benchmarks/bench_faces.py)", "",
             f"Machine: {bench.get('machine_info', {}).get('cpu', {}).get('brand_raw', '?')}, "
             "2 CPU cores shared with other jobs (load average above 10 while measured): "
             "these are upper bounds.", "",
             "| benchmark | params | figure |", "|---|---|---|"]
    for b in bench["benchmarks"]:
        x = b.get("extra_info", {})
        if "fer2013_epoch_s" in x:
            lines.append(f"| {b['name']} | {x['params']:,} | {x['fer2013_epoch_s']:.0f} s per "
                         f"FER2013 epoch (28,709 images, extrapolated from 256) |")
        elif "per_frame_ms" in x:
            lines.append(f"| {b['name']} | face_cnn 16-128 | {x['per_frame_ms']:.3g} ms per "
                         f"frame at batch {x['batch']} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("result")
    ap.add_argument("cross", nargs="?")
    ap.add_argument("--fusion", help="av_fusion's JSON (the real audio-visual section)")
    ap.add_argument("--bench", help="bench_faces.py's --benchmark-json output")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    result = json.loads(Path(args.result).read_text())
    cross = json.loads(Path(args.cross).read_text()) if args.cross else None
    command = "python -m emobench.report.fer2013 " + " ".join(sys.argv[1:] if argv is None
                                                               else argv)
    text = render(result, cross, command, Path(args.result).parent / "epochs.csv")
    if args.fusion:
        text += render_fusion(json.loads(Path(args.fusion).read_text()))
    if args.bench:
        text += render_bench(json.loads(Path(args.bench).read_text()))
    Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
