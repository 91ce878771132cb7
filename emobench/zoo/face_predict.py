"""Input of a zoo frame model trained on face images (features ``face_images``): a video's
sampled face crops, or one still image's face, prepared as the training images were
(``preprocess``: the recipe of :mod:`emobench.preprocess.face_prep`). A still image where the detector
finds no face is taken as the face already (FER-style crops), and a note says so.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from emobench.datasets.files import IMAGE_EXTS


def face_images_input(path: Path, params: dict, notes: list[str]) -> np.ndarray:
    """(n, size, size, 1 or 3) float32: n sampled frames of a video, or 1 for an image."""
    import cv2

    from emobench.harness.image_to_video import clip_faces_input
    from emobench.preprocess.face_prep import FacePrep, model_input
    from emobench.preprocess.faces import face_crop

    recipe = FacePrep.from_dict(params)
    size, margin = recipe.size, recipe.margin
    if path.suffix.lower() not in IMAGE_EXTS:
        return clip_faces_input(path, recipe)
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError("image does not decode (corrupt or not an image)")
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    crop = face_crop(rgb, size, recipe.detector, margin) \
        if min(rgb.shape[:2]) > 2 * size else None
    if crop is None:
        notes.append("no face detected in the image: the whole image is taken as the face")
        crop = cv2.resize(rgb, (size, size), interpolation=cv2.INTER_AREA)
    return model_input(crop[None], recipe)
