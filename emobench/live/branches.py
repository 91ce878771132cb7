"""The two branches of the live predictor. Each turns one window of a modality into the input
its model was trained on, with the functions offline prediction uses
(:mod:`emobench.zoo.predict`), and abstains (returns None with a reason) when the window holds
no usable signal."""
from __future__ import annotations

import time

import cv2
import numpy as np

from emobench.preprocess import faces
from emobench.preprocess.media import evenly_spaced
from emobench.preprocess.tracking import track_face

#: Windows quieter than this RMS (-50 dBFS) are silence: the audio branch abstains.
SILENCE_RMS = 10 ** (-50 / 20)
#: Fewer sampled frames with a face than this fraction: the video branch abstains.
MIN_FACE_FRACTION = 0.5


def _info(model) -> dict:
    info = getattr(model, "zoo_info", None)
    if info is None:
        raise ValueError(f"{model!r}: not a zoo model; load it with emobench.load_pretrained "
                         f"(its preprocessing parameters come from the entry)")
    return info


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


class AudioBranch:
    """openSMILE functionals of the window's samples, then the audio model."""

    def __init__(self, model, silence_rms: float = SILENCE_RMS) -> None:
        from emobench.preprocess.audio import MIN_SECONDS
        from emobench.preprocess.opensmile_sets import FEATURE_SETS, config_digest

        info = _info(model)
        params = info.get("preprocess", {})
        self.feature_set = params.get("feature_set", info.get("features"))
        if self.feature_set not in FEATURE_SETS:
            raise ValueError(f"{info.get('name')}: features {info.get('features')!r} are not "
                             f"an openSMILE set; the audio branch needs an audio entry")
        self.notes = []
        if params.get("config") and params["config"] != config_digest(self.feature_set):
            self.notes.append(f"the {self.feature_set} openSMILE config differs from training's")
        self.model, self.rate = model, int(params.get("rate", 16000))
        self.min_samples = int(MIN_SECONDS * self.rate)
        self.silence_rms = float(silence_rms)

    def predict(self, signal: np.ndarray, timings: dict) -> tuple[np.ndarray | None, str | None]:
        from emobench.preprocess.opensmile_sets import extract

        if len(signal) < self.min_samples:
            return None, "no audio in the window"
        if float(np.sqrt(np.mean(np.square(signal, dtype=np.float64)))) < self.silence_rms:
            return None, "silence"
        start = time.perf_counter()
        try:
            x = extract(signal, self.feature_set, self.rate)[None]
        except ValueError as err:
            return None, f"no audio features: {err}"
        timings["audio_features"] = _ms(start)
        start = time.perf_counter()
        probs = self.model.predict_proba(x)[0]
        timings["audio_model"] = _ms(start)
        return probs, None


class VideoBranch:
    """Face crops of the window's evenly sampled frames (tracked from the previous window's
    face), then the video model."""

    def __init__(self, model, min_face_fraction: float = MIN_FACE_FRACTION) -> None:
        from emobench.zoo.predict import _detector

        info = _info(model)
        if info.get("features") != "faces":
            raise ValueError(f"{info.get('name')}: features {info.get('features')!r}; the live "
                             f"video branch takes face-crop clip models (features 'faces')")
        params = info.get("preprocess", {})
        self.notes: list[str] = []
        self.detector = _detector(params, self.notes)
        self.frames, self.size = int(params["frames"]), int(params["size"])
        self.margin = float(params.get("margin", faces.MARGIN))
        self.smooth = int(params.get("smooth", faces.SMOOTH))
        self.model, self.min_face_fraction = model, float(min_face_fraction)
        self.last_box = None  # carried over between windows
        self.box = None       # the face box of the window's last sampled frame (for drawing)

    def reset(self) -> None:
        self.last_box = self.box = None

    def predict(self, window: list[np.ndarray], timings: dict
                ) -> tuple[np.ndarray | None, str | None]:
        if not window:
            return None, "no video in the window"
        start = time.perf_counter()
        rgb = [cv2.cvtColor(window[i], cv2.COLOR_BGR2RGB)
               for i in evenly_spaced(len(window), self.frames)]
        boxes, found = track_face(rgb, self.detector, last=self.last_box)
        if found.any():
            self.last_box = tuple(boxes[np.flatnonzero(found)[-1]])
            self.box = tuple(int(v) for v in boxes[-1])
        else:
            self.last_box = self.box = None
        if found.mean() < self.min_face_fraction:
            timings["face"] = _ms(start)
            return None, f"no face ({int(found.sum())} of {len(found)} sampled frames)"
        steady = faces.smooth_boxes(boxes, self.smooth)
        crops = np.stack([faces.crop_face(f, b, self.size, self.margin)
                          for f, b in zip(rgb, steady)])
        timings["face"] = _ms(start)
        start = time.perf_counter()
        probs = self.model.predict_proba(crops[None])[0]
        timings["video_model"] = _ms(start)
        return probs, None
