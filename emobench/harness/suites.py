"""The thesis's suites as data: which models run on which features.

- ``audio``: {audio_svm, audio_cnn, audio_logreg} x {emobase, emobase2010, emo_large,
  eGeMAPSv02, ComParE_2016}, and audio_logmel_crnn on the log-mel spectrogram
- ``video``: {resnet50, c3d, lrcn} on face crops
- ``flow``: {flow_resnet50, flow_alexnet} on optical flow
- ``fusion``: {resnet50, c3d, lrcn} + audio_cnn, fused by {fusion_avg, fusion_svm}
- ``all``: the four together (shared cells, e.g. fusion's branches, run once)
"""
from __future__ import annotations

from dataclasses import dataclass

from emobench.preprocess.logmel import LOGMEL
from emobench.preprocess.opensmile_sets import FEATURE_SETS


@dataclass(frozen=True)
class Suite:
    """``models`` run by default; any registered model of ``modality`` may be asked for."""

    name: str
    modality: str
    models: tuple[str, ...]
    features: tuple[str, ...]


@dataclass(frozen=True)
class FusionSuite:
    name: str
    video_models: tuple[str, ...]
    audio_model: str
    fusers: tuple[str, ...]


SUITES = {
    "audio": Suite("audio", "audio", ("audio_svm", "audio_cnn", "audio_logreg",
                                      "audio_logmel_crnn"), tuple(FEATURE_SETS)),
    "video": Suite("video", "video", ("resnet50", "c3d", "lrcn"), ("faces",)),
    "flow": Suite("flow", "flow", ("flow_resnet50", "flow_alexnet"), ("flow",)),
    "fusion": FusionSuite("fusion", ("resnet50", "c3d", "lrcn"), "audio_cnn",
                          ("fusion_avg", "fusion_svm")),
}
SUITE_NAMES = (*SUITES, "all", "robustness", "images")  # emobench.robustness, .image_suite

#: The thesis's best audio set (its conclusion), used by the fusion suite's audio branch.
FUSION_AUDIO_FEATURES = "emobase2010"


def expand(suite: str) -> list[str]:
    """The suites ``suite`` stands for (``all`` -> every one)."""
    if suite == "all":
        return list(SUITES)
    names = [s.strip() for s in suite.split(",") if s.strip()]
    unknown = [s for s in names if s not in SUITES]
    if unknown or not names:
        raise ValueError(f"unknown suite {suite!r}; choose from {', '.join(SUITE_NAMES)}")
    return names


def audio_features_for(model: str, feature_sets: tuple[str, ...]) -> tuple[str, ...]:
    """The audio features ``model`` runs on: the log-mel spectrogram for a spectrogram model,
    else the run's openSMILE ``feature_sets``."""
    from emobench.registry import get_model_info

    return (LOGMEL,) if get_model_info(model).input_kind == "spectrogram" else feature_sets


def models_for(suite: Suite, wanted: tuple[str, ...] | None) -> list[str]:
    """The suite's own models, or those of ``wanted`` registered with the suite's modality
    (so a user's own registered model runs in the thesis's suite beside the thesis's)."""
    if not wanted:
        return list(suite.models)
    from emobench.registry import get_model_info

    return [m for m in wanted if get_model_info(m).modality == suite.modality]
