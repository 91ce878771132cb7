"""Input of a zoo frame model trained on face images (features ``face_images``): a video's
sampled face crops, or one still image's face, prepared as the training images were
(``preprocess``: grayscale, size, margin, frames, detector). A still image where the detector
finds no face is taken as the face already (FER-style crops), and a note says so.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from emobench.datasets.files import IMAGE_EXTS


def face_images_input(path: Path, params: dict, notes: list[str]) -> np.ndarray:
    """(n, size, size, 1 or 3) float32: n sampled frames of a video, or 1 for an image."""
    import cv2

    from emobench.harness.image_to_video import clip_faces_input, to_model_input
    from emobench.preprocess.faces import MARGIN, face_crop

    size, margin = int(params["size"]), float(params.get("margin", MARGIN))
    if path.suffix.lower() not in IMAGE_EXTS:
        return clip_faces_input(path, params)
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError("image does not decode (corrupt or not an image)")
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    crop = face_crop(rgb, size, params.get("detector", "haar"), margin) \
        if min(rgb.shape[:2]) > 2 * size else None
    if crop is None:
        notes.append("no face detected in the image: the whole image is taken as the face")
        crop = cv2.resize(rgb, (size, size), interpolation=cv2.INTER_AREA)
    return to_model_input(crop[None], params)
