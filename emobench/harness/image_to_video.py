"""The "train on images, test on video" protocol: a frame model trained on face images
(FER2013) scores video clips it never trained on, each clip the mean of its sampled face
crops' probabilities. Crops are prepared like the training images (see ``FACE_PREP``).

    python -m emobench.harness.image_to_video MODEL.keras --rml DIR --ravdess DIR --out r.json
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from emobench.labels import EMOTIONS, rml_classes
from emobench.preprocess.faces import MARGIN, video_faces

#: How video face crops are prepared for a FER2013-trained model: as FER2013's images are.
FACE_PREP = {"grayscale": True, "size": 48, "margin": MARGIN, "frames": 16, "detector": "haar"}


def to_model_input(rgb_crops: np.ndarray, prep: dict = FACE_PREP) -> np.ndarray:
    """(n, S, S, 3) uint8 RGB crops -> float32 (n, size, size, 1 or 3) as the model trained."""
    out = []
    for img in rgb_crops:
        if img.shape[0] != prep["size"]:
            img = cv2.resize(img, (prep["size"],) * 2, interpolation=cv2.INTER_AREA)
        out.append(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)[..., None] if prep["grayscale"]
                   else img)
    return np.stack(out).astype("float32")


def clip_faces_input(path, prep: dict = FACE_PREP) -> np.ndarray:
    """The model input of a clip's sampled face crops, (frames, size, size, channels)."""
    faces = video_faces(path, frames=int(prep["frames"]), size=int(prep["size"]),
                        detector=prep.get("detector", "haar"),
                        margin=float(prep.get("margin", MARGIN)))
    return to_model_input(faces["data"], prep)


def clip_probs(net, path, prep: dict = FACE_PREP) -> np.ndarray:
    """The clip's probabilities: the mean over its sampled frames' face crops (flip-averaged)."""
    x = clip_faces_input(path, prep)
    return ((net.predict(x, verbose=0) + net.predict(x[:, :, ::-1], verbose=0)) / 2).mean(0)


def score_clips(net, clips, classes: tuple[str, ...] = EMOTIONS,
                prep: dict = FACE_PREP) -> dict:
    """Accuracy and UAR over ``classes`` (a 7-way model is scored on RML over its 6)."""
    from sklearn.metrics import balanced_accuracy_score

    cols = [EMOTIONS.index(c) for c in classes]
    truth, pred, skipped, rows = [], [], [], []
    for clip in clips:
        try:
            p = clip_probs(net, clip.path, prep)
        except ValueError as err:
            skipped.append(f"{clip.path}: {err}")
            continue
        guess = classes[int(np.argmax(p[cols]))]
        truth.append(clip.emotion)
        pred.append(guess)
        rows.append({"clip": clip.clip_id, "true": clip.emotion, "pred": guess})
    acc = float(np.mean([t == p for t, p in zip(truth, pred)])) if truth else float("nan")
    uar = float(balanced_accuracy_score(truth, pred)) if truth else float("nan")
    return {"accuracy": acc, "uar": uar, "n": len(truth), "classes": list(classes),
            "chance": 1 / len(classes), "skipped": skipped, "clips": rows, "prep": prep}


def main(argv=None) -> None:
    import keras

    from emobench.datasets import load_dataset

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--rml")
    ap.add_argument("--ravdess")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    net = keras.saving.load_model(args.model)
    result = {"model": args.model, "protocol": "train on images (FER2013 Training), test on "
                                               "video; never trained on these clips"}
    if args.rml:
        result["rml"] = score_clips(net, load_dataset("rml", args.rml).clips, rml_classes())
    if args.ravdess:
        clips = [c for c in load_dataset("ravdess", args.ravdess).clips if c.has_video]
        result["ravdess_av"] = score_clips(net, clips)
    Path(args.out).write_text(json.dumps(result, indent=1))
    for k in ("rml", "ravdess_av"):
        if k in result:
            print(k, {m: result[k][m] for m in ("accuracy", "uar", "n", "chance")})


if __name__ == "__main__":
    main()
