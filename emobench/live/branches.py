"""The two branches of the live predictor. Each turns one window of a modality into the input
its model was trained on, with the functions offline prediction uses
(:mod:`emobench.zoo.predict`), and abstains (returns None with a reason) when the window holds
no usable signal."""
from __future__ import annotations

import cv2
import numpy as np

from emobench.live.frames import grid_indices, to_rgb
from emobench.preprocess import faces
from emobench.preprocess.media import evenly_spaced
from emobench.preprocess.speaker_norm import RunningSpeakerNorm
from emobench.preprocess.tracking import fill_gaps, follow_face, track_face

#: Windows quieter than this RMS (-50 dBFS) are silence: the audio branch abstains.
SILENCE_RMS = 10 ** (-50 / 20)
#: Fewer sampled frames with a face than this fraction: the video branch abstains.
MIN_FACE_FRACTION = 0.5
#: A speaker-normalised audio entry: the speaker's statistics come from their last this many
#: voiced windows (30 hops of 0.5 s: the last 15 s), used once this many have been seen.
SPEAKER_WINDOWS, SPEAKER_MIN_WINDOWS = 30, 5


def _info(model) -> dict:
    info = getattr(model, "zoo_info", None)
    if info is None:
        raise ValueError(f"{model!r}: not a zoo model; load it with emobench.load_pretrained "
                         f"(its preprocessing parameters come from the entry)")
    return info


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
        self.trim_db = params.get("trim_db")  # as the entry was trained (None: untrimmed)
        self.min_samples = int(MIN_SECONDS * self.rate)
        self.silence_rms = float(silence_rms)
        self.norm, self.context = self._speaker_norm(info), None

    def _speaker_norm(self, info: dict):
        """A running speaker normalisation for an entry trained on speaker-normalised features
        (the speaker's last voiced windows; the training statistics until enough are seen)."""
        if not (info.get("options") or {}).get("speaker_norm"):
            return None
        fallback = None
        if info.get("train_mean") is not None and info.get("train_std") is not None:
            fallback = (info["train_mean"], info["train_std"])
        norm = RunningSpeakerNorm(window=SPEAKER_WINDOWS, min_clips=SPEAKER_MIN_WINDOWS,
                                  fallback=fallback)
        self.notes.append(f"audio features speaker-normalised over the speaker's last "
                          f"{SPEAKER_WINDOWS} voiced windows ("
                          + ("training statistics" if fallback else "raw features")
                          + f" until {norm.min_clips} are seen)")
        return norm

    def reset(self) -> None:
        """Forget the speaker (a new stream or a new person)."""
        if self.norm is not None:
            self.norm = RunningSpeakerNorm(self.norm.window, self.norm.min_clips,
                                           self.norm.fallback)
        self.context = None

    def predict(self, signal: np.ndarray, clock) -> tuple[np.ndarray | None, str | None]:
        from emobench.preprocess.audio import speech_features

        if len(signal) < self.min_samples:
            return None, "no audio in the window"
        if float(np.sqrt(np.mean(np.square(signal, dtype=np.float64)))) < self.silence_rms:
            return None, "silence"
        start = clock.start()
        try:
            x = speech_features(signal, self.feature_set, self.rate, self.trim_db)[None]
        except ValueError as err:
            return None, f"no audio features: {err}"
        if self.norm is not None:
            x = self.norm.update(x).transform(x)
            self.context = (f"audio speaker-normalised over {len(self.norm)} windows"
                            if self.norm.normalized else
                            f"audio normalised with the training statistics "
                            f"({len(self.norm)} of {self.norm.min_clips} windows of the speaker)")
        clock.stop("audio_features", start)
        start = clock.start()
        probs = self.model.predict_proba(x)[0]
        clock.stop("audio_model", start)
        return probs, None


class VideoBranch:
    """Face crops of the window's sampled frames, then the video model: a clip model (features
    ``faces``) takes them as one clip, a frame model (``face_images``, e.g. trained on FER2013)
    scores each crop and the window is their mean, as ``emobench predict`` does for a video.

    Sliding windows sample the stream's fixed time grid (:func:`grid_indices`), so a frame
    shared by overlapping windows is converted and tracked once: its face box is kept, found
    near the last face (a full-frame search only when the track is lost). A whole-stream
    window (``whole``, the flush) is sampled and tracked afresh exactly as a clip offline."""

    def __init__(self, model, min_face_fraction: float = MIN_FACE_FRACTION,
                 window_frames: int | None = None) -> None:
        from emobench.zoo.predict import _detector

        info = _info(model)
        self.per_frame = info.get("features") == "face_images"
        if info.get("features") not in ("faces", "face_images"):
            raise ValueError(f"{info.get('name')}: features {info.get('features')!r}; the live "
                             f"video branch takes face-crop clip models (features 'faces') or "
                             f"face-image frame models ('face_images')")
        self.params = params = info.get("preprocess", {})
        self.notes: list[str] = []
        self.detector = _detector(params, self.notes)
        self.frames, self.size = int(params["frames"]), int(params["size"])
        # a frame model may average fewer crops a sliding window than a clip (cheaper); a clip
        # model takes exactly its frames
        self.window_frames = int(window_frames or self.frames)
        if self.window_frames != self.frames and not self.per_frame:
            raise ValueError(f"{info.get('name')}: a clip model takes {self.frames} frames; "
                             f"only frame models (face_images) sample another number")
        self.margin = float(params.get("margin", faces.MARGIN))
        self.smooth = int(params.get("smooth", faces.SMOOTH))
        self.model, self.min_face_fraction = model, float(min_face_fraction)
        self.reset()

    def reset(self) -> None:
        self.last_box = None  # the last face found, carried over between windows
        self.box = None       # the face box of the window's last sampled frame (for drawing)
        self._seen: dict[float, tuple] = {}  # frame time -> (rgb, box or None)
        self._crops: dict[tuple, np.ndarray] = {}  # (frame time, crop box) -> crop

    def predict(self, times: np.ndarray, window: list, clock, *,
                span: tuple[float, float] | None = None, origin: float = 0.0,
                stride: float | None = None) -> tuple[np.ndarray | None, str | None]:
        """Probabilities of the window's frames ``window`` shown at ``times`` (or None and
        why). A sliding window gives its ``span`` (start, end) and the grid (``origin``,
        ``stride``); without ``span`` the window is a whole clip, sampled as offline."""
        if not window:
            return None, "no video in the window"
        start = clock.start()
        if span is None:
            picked = evenly_spaced(len(window), self.frames)
            rgb = [to_rgb(window[i]) for i in picked]
            boxes, found = track_face(rgb, self.detector)
            self._seen, self._crops, keys = {}, {}, [None] * len(picked)
            if found.any():
                self.last_box = tuple(int(v) for v in boxes[np.flatnonzero(found)[-1]])
        else:
            picked = grid_indices(times, span[0], span[1], origin, stride,
                                  self.window_frames)
            keys = [float(times[i]) for i in picked]
            rgb, boxes, found = self._track(keys, [window[i] for i in picked], span[0])
        self.box = tuple(int(v) for v in boxes[-1]) if found.any() else None
        if found.mean() < self.min_face_fraction:
            clock.stop("face", start)
            return None, f"no face ({int(found.sum())} of {len(found)} sampled frames)"
        steady = faces.smooth_boxes(boxes, self.smooth)
        crops = np.stack([self._crop(f, b, t) for f, b, t in zip(rgb, steady, keys)])
        clock.stop("face", start)
        start = clock.start()
        if self.per_frame:
            from emobench.preprocess.face_prep import FacePrep, aggregate, model_input

            recipe = FacePrep.from_dict(self.params)
            probs = aggregate(self.model.predict_proba(model_input(crops, recipe)),
                              recipe.aggregate)
        else:
            probs = self.model.predict_proba(crops[None])[0]
        clock.stop("video_model", start)
        return probs, None

    def _track(self, times: list[float], frames: list, oldest: float):
        """RGB frames, filled boxes and found mask of the sampled frames, finding the face only
        in frames not seen before (in time order, each from the last face found)."""
        for t in [t for t in self._seen if t < oldest]:
            del self._seen[t]
        for key in [k for k in self._crops if k[0] < oldest]:
            del self._crops[key]
        for t, frame in sorted(dict(zip(times, frames)).items()):
            if t not in self._seen:
                rgb = to_rgb(frame)
                box = follow_face(rgb, self.detector, self.last_box)
                if box is not None:
                    self.last_box = box
                self._seen[t] = (rgb, box)
        seen = [self._seen[t] for t in times]
        found = np.array([box is not None for _, box in seen])
        boxes = np.array([box or (0, 0, 0, 0) for _, box in seen], np.int64).reshape(-1, 4)
        return [rgb for rgb, _ in seen], fill_gaps(boxes, found), found

    def _crop(self, rgb: np.ndarray, box, t: float | None) -> np.ndarray:
        if t is None:
            return faces.crop_face(rgb, box, self.size, self.margin)
        key = (t, *(int(v) for v in box))
        if key not in self._crops:
            self._crops[key] = faces.crop_face(rgb, box, self.size, self.margin)
        return self._crops[key]
