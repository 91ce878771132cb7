"""The thesis's published numbers (Gupta 2019, ``thesis.txt`` section 3), as reference data.

Copied exactly from the thesis's three tables. A ``None`` is a "-" in the thesis (it gives no
value): it stays absent in every report, never zero. Keys are the harness's metric names, so a
report puts each number beside the run's value of the same metric. Parameter counts are stored
as counts (the thesis prints millions). The optical-flow CNNs appear only as a figure ("CNN
Optical flow results") with no numbers, so there is no entry for them.
"""
from __future__ import annotations

SOURCE = "Gupta (2019), Emotion Recognition in videos using Multi-modal Neural Network, section 3"

#: Table "Comparison of training time and validation accuracy for SVM classifier and CNN model
#: on audio dataset". Columns Emobase 2009 / Emobase 2010 / Emobase Large are openSMILE's
#: emobase, emobase2010 and emo_large; training time is in seconds.
AUDIO: dict[tuple[str, str], dict[str, float | None]] = {
    ("audio_svm", "emobase"): {"train_accuracy": None, "val_accuracy": 0.49, "train_time": 22},
    ("audio_svm", "emobase2010"): {"train_accuracy": None, "val_accuracy": 0.67,
                                   "train_time": 57},
    ("audio_svm", "emo_large"): {"train_accuracy": None, "val_accuracy": 0.48,
                                 "train_time": 426},
    ("audio_cnn", "emobase"): {"train_accuracy": 0.963, "val_accuracy": 0.487,
                               "train_time": 689},
    ("audio_cnn", "emobase2010"): {"train_accuracy": 0.962, "val_accuracy": 0.656,
                                   "train_time": 1116},
    ("audio_cnn", "emo_large"): {"train_accuracy": 0.88, "val_accuracy": 0.48,
                                 "train_time": 4720},
}

#: Table "Comparison of training for three Video CNN models" (LRCN's CNN is a ResNeXt50).
VIDEO: dict[str, dict[str, float | None]] = {
    "resnet50": {"train_accuracy": 0.95, "train_loss": 0.16, "val_accuracy": 0.74,
                 "val_loss": 1.3, "epoch_time_median": 33, "params": 2.5e6},
    "c3d": {"train_accuracy": 0.89, "train_loss": 0.3, "val_accuracy": 0.76, "val_loss": 0.8,
            "epoch_time_median": 176, "params": 0.33e6},
    "lrcn": {"train_accuracy": 0.4, "train_loss": 1.6, "val_accuracy": 0.45, "val_loss": 1.6,
             "epoch_time_median": 200, "params": 2.1e6},
}

#: Table "Comparison of accuracy and loss for Multi-modal CNN": (fusion model, video branch),
#: the audio branch being the audio CNN; RAVDESS columns and the RML accuracy.
FUSION: dict[tuple[str, str], dict[str, float | None]] = {
    ("fusion_avg", "resnet50"): {"train_accuracy": None, "train_loss": None,
                                 "val_accuracy": 0.77, "val_loss": None, "rml_accuracy": 0.37},
    ("fusion_avg", "c3d"): {"train_accuracy": None, "train_loss": None, "val_accuracy": 0.74,
                            "val_loss": None, "rml_accuracy": 0.38},
    ("fusion_avg", "lrcn"): {"train_accuracy": None, "train_loss": None, "val_accuracy": 0.66,
                             "val_loss": None, "rml_accuracy": 0.4},
    ("fusion_svm", "resnet50"): {"train_accuracy": 0.983, "train_loss": 0.38,
                                 "val_accuracy": 0.725, "val_loss": 0.4, "rml_accuracy": 0.4},
    ("fusion_svm", "c3d"): {"train_accuracy": 0.984, "train_loss": 0.38, "val_accuracy": 0.73,
                            "val_loss": 0.4, "rml_accuracy": 0.4},
    ("fusion_svm", "lrcn"): {"train_accuracy": 0.98, "train_loss": 0.38, "val_accuracy": 0.656,
                             "val_loss": 0.4, "rml_accuracy": 0.4},
}


def thesis_value(table: str, key, metric: str) -> float | None:
    """The thesis's value of ``metric`` for one row of one table, or None where it gives none."""
    source = {"audio": AUDIO, "video": VIDEO, "fusion": FUSION}.get(table, {})
    value = source.get(key, {}).get(metric)
    return None if value is None else float(value)
