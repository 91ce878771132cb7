"""The "train on images, test on video" protocol: a frame model trained on face images
(FER2013) scores video clips it never trained on, each clip its sampled face crops'
probabilities combined. Crops are prepared like the training images: see
:mod:`emobench.preprocess.face_prep`.
"""
from __future__ import annotations

import numpy as np

from emobench.labels import EMOTIONS
from emobench.preprocess.face_prep import DEFAULT, aggregate, as_prep, model_input
from emobench.preprocess.faces import video_faces

#: The default recipe as a card's ``preprocess`` mapping.
FACE_PREP = DEFAULT.as_dict()
to_model_input = model_input


def clip_faces_input(path, prep=None) -> np.ndarray:
    """The model input of a clip's sampled face crops, (frames, size, size, channels)."""
    p = as_prep(prep)
    faces = video_faces(path, frames=p.frames, size=p.size, detector=p.detector,
                        margin=p.margin, skip_s=p.skip_start_s)
    return model_input(faces["data"], p)


def clip_probs(net, path, prep=None) -> np.ndarray:
    """The clip's probabilities: its sampled frames' flip-averaged probabilities combined as the
    recipe says (``aggregate``)."""
    from emobench.harness.images import predict_tta

    p = as_prep(prep)
    return aggregate(predict_tta(net, clip_faces_input(path, p)), p.aggregate)


def score_clips(net, clips, classes: tuple[str, ...] = EMOTIONS, prep=None) -> dict:
    """Accuracy, UAR and the share of "neutral" answers over ``classes`` (a 7-way model is
    scored on RML over its 6); a clip with no face is skipped with its reason."""
    from emobench.harness.metrics import classification_scores

    p = as_prep(prep)
    cols = [EMOTIONS.index(c) for c in classes]
    truth, pred, skipped, rows = [], [], [], []
    for clip in clips:
        try:
            probs = clip_probs(net, clip.path, p)
        except ValueError as err:
            skipped.append(f"{clip.path}: {err}")
            continue
        guess = classes[int(np.argmax(probs[cols]))]
        truth.append(clip.emotion)
        pred.append(guess)
        rows.append({"clip": clip.clip_id, "true": clip.emotion, "pred": guess})
    scores = classification_scores(truth, pred, list(classes))
    return {**scores, "classes": list(classes), "chance": 1 / len(classes),
            "skipped": skipped, "clips": rows, "prep": p.as_dict()}
