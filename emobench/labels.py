"""The thesis's 7 emotions and every dataset's mapping onto them.

This is the only place where a dataset's label codes are interpreted: adapters and the
AffectNet/image-folder readers call these maps, never a library's label order.
"""
from __future__ import annotations

#: The thesis's 7 basic emotions, in the order model outputs use.
EMOTIONS: tuple[str, ...] = ("neutral", "happy", "sad", "fear", "angry", "surprise", "disgust")

#: RAVDESS's eighth emotion, not one of the thesis's 7; selectable with ``include_calm``.
CALM = "calm"

RAVDESS_EMOTIONS: dict[int, str] = {
    1: "neutral", 2: CALM, 3: "happy", 4: "sad",
    5: "angry", 6: "fear", 7: "disgust", 8: "surprise",
}
#: RAVDESS emotion code of each label (the inverse map, used by the generated corpus).
RAVDESS_CODES: dict[str, int] = {name: code for code, name in RAVDESS_EMOTIONS.items()}

#: RML file names start with one of these keys; RML has no neutral.
RML_KEYS: dict[str, str] = {
    "an": "angry", "di": "disgust", "fe": "fear", "ha": "happy", "sa": "sad", "su": "surprise",
}

#: EmoDB's emotion letter (6th character of ``SSTTTEV.wav``); L (boredom) is not one of the 7.
EMODB_LETTERS: dict[str, str | None] = {
    "W": "angry", "L": None, "E": "disgust", "A": "fear", "F": "happy", "T": "sad",
    "N": "neutral",
}
#: AffectNet ``expression`` codes; 7 (contempt) and 8-10 (none, uncertain, non-face) map to None.
AFFECTNET_EXPRESSIONS: dict[int, str | None] = {
    0: "neutral", 1: "happy", 2: "sad", 3: "surprise", 4: "fear", 5: "disgust", 6: "angry",
    7: None, 8: None, 9: None, 10: None,
}

#: Folder names used by CK+, FER-style and AffectNet-style image folders; contempt is excluded.
IMAGE_FOLDER_NAMES: dict[str, str | None] = {
    "neutral": "neutral", "happy": "happy", "happiness": "happy",
    "sad": "sad", "sadness": "sad", "fear": "fear", "fearful": "fear",
    "angry": "angry", "anger": "angry", "surprise": "surprise", "surprised": "surprise",
    "disgust": "disgust", "disgusted": "disgust", "contempt": None,
}


def label_set(include_calm: bool = False) -> tuple[str, ...]:
    """The label names a model is trained on: the thesis's 7, plus calm when asked for."""
    return EMOTIONS + ((CALM,) if include_calm else ())


def ravdess_emotion(code: int, include_calm: bool = False) -> str | None:
    """Label of a RAVDESS emotion code, or None when the code is calm and calm is excluded."""
    name = RAVDESS_EMOTIONS[code]
    if name == CALM and not include_calm:
        return None
    return name


def label_index(name: str, include_calm: bool = False) -> int:
    """Position of a label name in :func:`label_set`."""
    return label_set(include_calm).index(name)


def rml_classes() -> tuple[str, ...]:
    """The 6 labels RML has, in EMOTIONS order (a 7-way model is scored over these)."""
    return tuple(e for e in EMOTIONS if e in RML_KEYS.values())

#: FER2013's ``emotion`` codes in ``fer2013.csv`` (Goodfellow et al. 2013).
FER2013_CODES: dict[int, str] = {
    0: "angry", 1: "disgust", 2: "fear", 3: "happy", 4: "sad", 5: "surprise", 6: "neutral",
}
#: FER2013's official splits: the CSV's ``Usage`` values, and the folder release's folder names.
FER2013_SPLITS: tuple[str, ...] = ("Training", "PublicTest", "PrivateTest")
FER2013_FOLDERS: dict[str, str] = {
    "train": "Training", "validation": "PublicTest", "val": "PublicTest", "test": "PrivateTest",
}
