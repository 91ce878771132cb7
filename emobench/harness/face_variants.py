"""What each step between a decoded frame and a frame model changes: one model scored on real
video clips under every crop recipe (margin x contrast x frame choice x aggregation), and on
still face images under every contrast step, with accuracy and the share of "neutral" answers.

    result = run_variants(net, video_sets={"RAVDESS AV": clips}, still_sets={"CK+48": (x, y)})
    print(variants_markdown(result))

A per-speaker variant is kept apart from the plain ones: each clip's log-probabilities are
standardised over the clips of its speaker (as ``--same-speaker`` does for audio), which uses
the test speaker's unlabelled clips.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from emobench.labels import EMOTIONS
from emobench.preprocess.face_prep import AGGREGATES, CONTRASTS, DEFAULT, FacePrep, aggregate

MARGINS = (0.2, 0.0, -0.1, -0.2)
SKIPS = (0.0, 0.5)


@dataclass
class VideoSet:
    """Clips of one dataset and the classes they are scored over."""

    clips: list
    classes: tuple[str, ...] = EMOTIONS


def _frame_probs(net, clips, base: FacePrep, margins, contrasts, skips, progress=True):
    """{(margin, contrast, skip): [per-clip (frames, 7) probabilities or None]}; the face is
    tracked once per clip and frame choice, then cropped at every margin."""
    from emobench.harness.images import predict_tta
    from emobench.preprocess.face_prep import model_input
    from emobench.preprocess.faces import crop_face, smooth_boxes
    from emobench.preprocess.media import sample_frames
    from emobench.preprocess.tracking import track_face
    from emobench.progress import tqdm

    out = {k: [] for k in itertools.product(margins, contrasts, skips)}
    for clip in tqdm(clips, desc="variants", unit="clip", disable=not progress):
        for skip in skips:
            try:
                video = sample_frames(clip.path, base.frames, skip)
                boxes, found = track_face(video, base.detector)
                if not found.any():
                    raise ValueError("no face in any sampled frame")
            except ValueError:
                for m, c in itertools.product(margins, contrasts):
                    out[(m, c, skip)].append(None)
                continue
            steady = smooth_boxes(boxes)
            for m in margins:
                crops = np.stack([crop_face(f, b, base.size, m) for f, b in zip(video, steady)])
                for c in contrasts:
                    x = model_input(crops, base.replace(margin=m, contrast=c))
                    out[(m, c, skip)].append(predict_tta(net, x))
    return out


def _clip_scores(probs, vset: VideoSet, how: str, per_speaker: bool = False) -> dict:
    from emobench.harness.metrics import classification_scores

    cols = [EMOTIONS.index(c) for c in vset.classes]
    kept = [(clip, p) for clip, p in zip(vset.clips, probs) if p is not None]
    scores = np.array([np.log(aggregate(p, how)[cols]) for _, p in kept]).reshape(-1, len(cols))
    if per_speaker and len(kept):
        speakers = np.array([clip.speaker for clip, _ in kept])
        for s in set(speakers.tolist()):
            rows = speakers == s
            mu, sd = scores[rows].mean(0), scores[rows].std(0)
            scores[rows] = (scores[rows] - mu) / np.where(sd > 0, sd, 1.0)
    truth = [clip.emotion for clip, _ in kept]
    pred = [vset.classes[int(i)] for i in scores.argmax(1)] if len(kept) else []
    out = classification_scores(truth, pred, vset.classes)
    out["neutral_share"] = out["answers"].get("neutral", 0.0)
    out["lost"] = len(vset.clips) - len(kept)
    return out


def run_variants(net, video_sets: dict[str, VideoSet], still_sets: dict | None = None,
                 base: FacePrep = DEFAULT, margins=MARGINS, contrasts=CONTRASTS, skips=SKIPS,
                 aggregates=AGGREGATES, progress: bool = True) -> dict:
    """Every recipe's scores: ``{"video": [row], "stills": [row], "base": recipe}``; a video row
    holds the recipe and, per video set, accuracy, UAR, neutral share and clips lost."""
    from emobench.harness.images import predict_tta
    from emobench.harness.metrics import classification_scores
    from emobench.preprocess.face_prep import prepare_gray

    probs = {name: _frame_probs(net, vs.clips, base, margins, contrasts, skips, progress)
             for name, vs in video_sets.items()}
    rows = []
    for (m, c, s), how, per_speaker in itertools.product(
            itertools.product(margins, contrasts, skips), aggregates, (False, True)):
        row = {"margin": m, "contrast": c, "skip_start_s": s, "aggregate": how,
               "per_speaker": per_speaker}
        for name, vs in video_sets.items():
            row[name] = _clip_scores(probs[name][(m, c, s)], vs, how, per_speaker)
        rows.append(row)
    stills = []
    for name, (x, y) in (still_sets or {}).items():
        present = sorted(set(np.asarray(y).tolist()))
        classes = [EMOTIONS[i] for i in present]
        for c in contrasts:
            p = predict_tta(net, prepare_gray(x, base.replace(contrast=c)).astype("float32"))
            pred = [EMOTIONS[i] for i in p.argmax(1)]
            sc = classification_scores([EMOTIONS[i] for i in y], pred, EMOTIONS)
            stills.append({"data": name, "contrast": c, "n": len(y), "classes": classes,
                           "accuracy": sc["accuracy"], "uar": sc["uar"],
                           "neutral_share": sc["answers"]["neutral"]})
    return {"base": base.as_dict(), "video": rows, "stills": stills,
            "video_sets": {k: {"clips": len(v.clips), "classes": list(v.classes)}
                           for k, v in video_sets.items()}}


def _fmt(score: dict) -> tuple[str, str]:
    return f"{score['accuracy']:.3f} ({score['n']})", f"{score['neutral_share']:.2f}"


def variants_markdown(result: dict) -> str:
    """The variant tables: crops (mean probability), aggregation (at the default crop), the
    per-speaker option, and contrast on still images."""
    from tabulate import tabulate

    base = result["base"]
    names = list(result["video_sets"])
    head = ["margin", "contrast", "skip s"]
    for n in names:
        head += [f"{n} acc (clips)", f"{n} neutral"]

    def table(rows, lead):
        body = []
        for r in rows:
            cells = [r[k] for k in lead]
            for n in names:
                cells += _fmt(r[n])
            body.append(cells)
        return tabulate(body, headers=head if lead[0] == "margin" else
                        ["aggregate", "per-speaker"] + head[3:], tablefmt="github",
                        disable_numparse=True)

    plain = [r for r in result["video"] if not r["per_speaker"]]
    crops = [r for r in plain if r["aggregate"] == base["aggregate"]]
    at_default = [r for r in result["video"] if r["margin"] == base["margin"]
                  and r["contrast"] == base["contrast"]
                  and r["skip_start_s"] == base["skip_start_s"]]
    sets = ", ".join(f"{n}: {v['clips']} clips, {len(v['classes'])} classes"
                     for n, v in result["video_sets"].items())
    parts = [f"Crop recipes ({sets}; frames {base['frames']}, detector {base['detector']}, "
             f"clip = {base['aggregate']} of flip-averaged frames; margin is a fraction of the "
             "detector's box side, negative = inside it):", "",
             table([{**r, "skip_start_s": f"{r['skip_start_s']:g}"} for r in crops],
                   ["margin", "contrast", "skip_start_s"]), "",
             f"Aggregation at the default crop (margin {base['margin']:g}, {base['contrast']}, "
             f"skip {base['skip_start_s']:g} s); per-speaker rows standardise each clip's "
             "log-probabilities over its speaker's clips and are not comparable with plain "
             "ones:", "",
             table([{**r, "per_speaker": "yes" if r["per_speaker"] else "no"}
                    for r in at_default], ["aggregate", "per_speaker"])]
    if result["stills"]:
        parts += ["", "Contrast step on still face images (already cropped; flip TTA):", "",
                  tabulate([[s["data"], s["contrast"], s["n"], f"{s['accuracy']:.3f}",
                        f"{s['uar']:.3f}", f"{s['neutral_share']:.3f}"]
                       for s in result["stills"]],
                      headers=["images", "contrast", "n", "accuracy", "UAR", "neutral share"],
                      tablefmt="github", disable_numparse=True)]
    return "\n".join(parts) + "\n"
