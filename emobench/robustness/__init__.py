"""Robustness (issue 16): the same trained cells scored again on corrupted inputs, ImageNet-C
style (Hendrycks & Dietterich 2019): video corruptions on decoded frames before face
detection, audio corruptions on the signal before openSMILE, missing modalities for fusion.

    from emobench.robustness import corrupt_video, corrupt_audio, run_robustness
"""
from emobench.robustness.corruptions import (AUDIO_CORRUPTIONS, MISSING, SEVERITIES, SNR_DB,
                                             VIDEO_CORRUPTIONS, corrupt_audio, corrupt_video)

__all__ = ["AUDIO_CORRUPTIONS", "MISSING", "SEVERITIES", "SNR_DB", "VIDEO_CORRUPTIONS",
           "corrupt_audio", "corrupt_video", "run_robustness"]


def __getattr__(name: str):
    if name == "run_robustness":
        from emobench.robustness.suite import run_robustness
        return run_robustness
    raise AttributeError(f"module 'emobench.robustness' has no attribute {name!r}")
