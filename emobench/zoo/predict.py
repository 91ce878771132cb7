"""``emobench predict``: one media file through the preprocessing a zoo entry was trained with,
then through the model.

    pred = predict_file("clip.mp4", "c3d-faces.synth_speaker-independent")
    pred.top, pred.probabilities          # "happy", array of 7 floats in pred.labels order

The preprocessing parameters come from the entry's own archive (what training recorded), so the
file is decoded, sampled, cropped or summarised exactly as the training clips were.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from emobench.zoo.manifest import ZooError


class PredictError(ZooError):
    """A file the entry cannot use (unreadable, no such stream, no face...), in one line."""


@dataclass
class Prediction:
    file: Path
    entry: str
    labels: list[str]
    probabilities: np.ndarray
    notes: list[str] = field(default_factory=list)

    @property
    def top(self) -> str:
        """The most probable emotion."""
        return self.labels[int(np.argmax(self.probabilities))]

    def to_dict(self) -> dict:
        return {"file": str(self.file), "model": self.entry, "prediction": self.top,
                "probabilities": {k: round(float(v), 6)
                                  for k, v in zip(self.labels, self.probabilities)}}

    def format(self) -> str:
        """One line per emotion, most probable first, with a bar."""
        order = np.argsort(-self.probabilities, kind="stable")
        width = max(len(label) for label in self.labels)
        lines = [f"{self.file} ({self.entry})"]
        for i in order:
            p = float(self.probabilities[i])
            lines.append(f"  {self.labels[i]:<{width}}  {p:6.3f}  {'#' * int(round(p * 40))}")
        lines.append(f"prediction: {self.top}")
        return "\n".join(lines)


def _audio_input(path: Path, params: dict, notes: list[str]) -> np.ndarray:
    from emobench.preprocess.audio import speech_features
    from emobench.preprocess.media import load_audio
    from emobench.preprocess.opensmile_sets import config_digest

    feature_set = params["feature_set"]
    if params.get("config") and params["config"] != config_digest(feature_set):
        notes.append(f"the {feature_set} openSMILE config differs from the one training used "
                     f"({params['config']}); features may differ")
    rate = int(params.get("rate", 16000))
    signal = load_audio(path, rate)
    try:
        # entries from before silence trimming carry no trim_db: untrimmed, as they were trained
        return speech_features(signal, feature_set, rate, params.get("trim_db"))[None]
    except ValueError as err:
        raise PredictError(f"{path}: {err}") from None


def _detector(params: dict, notes: list[str]):
    from emobench.preprocess.tracking import DetectorSettings

    given = params.get("detector", "haar")
    if not isinstance(given, dict):
        return DetectorSettings(str(given))
    known = {f.name for f in dataclasses.fields(DetectorSettings)}
    extra = sorted(set(given) - known)
    if extra:
        notes.append(f"detector settings {', '.join(extra)} of training are unknown here")
    return DetectorSettings(**{k: v for k, v in given.items() if k in known})


def _face_input(path: Path, params: dict, notes: list[str]) -> np.ndarray:
    from emobench.preprocess import faces

    if params.get("version", faces.FACES_VERSION) != faces.FACES_VERSION:
        notes.append(f"the face stage changed since training (version {params['version']}, "
                     f"now {faces.FACES_VERSION}); crops may differ")
    out = faces.video_faces(path, frames=int(params["frames"]), size=int(params["size"]),
                            detector=_detector(params, notes),
                            margin=float(params.get("margin", faces.MARGIN)),
                            smooth=int(params.get("smooth", faces.SMOOTH)))
    return out["data"][None]


def _flow_input(path: Path, params: dict, notes: list[str]) -> np.ndarray:
    from emobench.preprocess import faces, flow

    crops = faces.video_faces(path, frames=int(params["frames"]), size=int(params["size"]),
                              detector=_detector(params, notes))["data"]
    q = flow.quantise(flow.compute_flow(crops, params.get("method", "dis")))
    return flow.dequantise(q["q"], q["lo"], q["hi"])[None]  # as stored for training


def model_input(path: str | Path, info: dict) -> tuple[np.ndarray, list[str]]:
    """The ``(1, *input_shape)`` array the entry's model takes for one file, and notes on any
    difference from training's preprocessing. Raises :class:`PredictError` on a bad file."""
    from emobench.preprocess.media import MediaError
    from emobench.preprocess.opensmile_sets import FEATURE_SETS

    path, features, params = Path(path), info.get("features"), info.get("preprocess", {})
    notes: list[str] = []
    if features in FEATURE_SETS:
        make, need = _audio_input, "an audio or video file with a sound track"
    elif features == "faces":
        make, need = _face_input, "a video showing a face"
    elif features == "flow":
        make, need = _flow_input, "a video showing a face"
    elif features == "face_images":
        from emobench.zoo.face_predict import face_images_input
        make, need = face_images_input, "a video or an image showing a face"
    else:
        raise PredictError(f"{info.get('name')}: cannot preprocess features {features!r}")
    try:
        x = make(path, params, notes)
    except MediaError as err:
        raise PredictError(f"{path}: {err.reason} ({info.get('name')} needs {need})") from None
    except ValueError as err:  # e.g. no face in any sampled frame
        raise PredictError(f"{path}: {' '.join(str(err).split())} "
                           f"({info.get('name')} needs {need})") from None
    return x, notes


def predict_file(path: str | Path, model, *, manifest=None, trusted=None) -> Prediction:
    """Emotion probabilities of one file from zoo entry ``model`` (a name, or a model returned
    by :func:`emobench.zoo.load_pretrained`)."""
    from emobench.zoo.fetch import load_pretrained

    path = Path(path)
    if not path.is_file():
        raise PredictError(f"{path}: no such file")
    if isinstance(model, str):
        model = load_pretrained(model, manifest=manifest, trusted=trusted)
    info = getattr(model, "zoo_info", None)
    if info is None:
        raise ZooError(f"{model!r}: not a zoo model (load it with emobench.load_pretrained)")
    x, notes = model_input(path, info)
    if "feature_set" in (info.get("preprocess") or {}):  # speaker-normalised entries: fallback
        from emobench.zoo.speaker_predict import no_context_input
        x = no_context_input(x, info, notes)
    # A frame model reads a video as its sampled face crops, combined as its recipe says.
    per_frame = info.get("features") == "face_images"
    if tuple(x.shape[1:]) != tuple(model.input_shape):
        raise PredictError(f"{path}: preprocessing gave shape {x.shape[1:]}, the model takes "
                           f"{tuple(model.input_shape)}")
    if per_frame:
        from emobench.preprocess.face_prep import FacePrep, aggregate

        proba = aggregate(model.predict_proba(x),
                          FacePrep.from_dict(info.get("preprocess") or {}).aggregate)
    else:
        proba = model.predict_proba(x)[0]
    return Prediction(path, info.get("name", model.name), list(model.labels), proba, notes)
