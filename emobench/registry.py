"""Model registry: one decorated factory per model, the function's name is its key.

    @register_model(modality="video", input_kind="clip")
    def c3d(num_classes=7, input_shape=(16, 112, 112, 3), **options): ...

    create_model("c3d", num_classes=7)

The factories live in ``emobench.models``; :func:`create_model` and :func:`list_models` import
that package explicitly, so the registry is complete whichever module the caller imported first.
"""
from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from typing import Any, Callable

#: What a model consumes, per sample: openSMILE vector, one image, a frame sequence, a stack of
#: optical-flow fields, the class probabilities of two branches (fusion), or a log-mel
#: spectrogram (frames, mels).
INPUT_KINDS = ("features", "image", "clip", "flow", "probs", "spectrogram")
MODALITIES = ("audio", "video", "flow", "fusion", "test")


@dataclass(frozen=True)
class ModelInfo:
    name: str
    modality: str
    input_kind: str
    default_input_shape: tuple | None
    backend: str  # "keras" or "sklearn"
    summary: str
    factory: Callable[..., Any]

    @property
    def builtin(self) -> bool:
        """True for emobench's own models, False for those a user (or a test) registered."""
        return self.factory.__module__.startswith("emobench.")


_REGISTRY: dict[str, ModelInfo] = {}


def register_model(*, modality: str, input_kind: str, backend: str = "keras"):
    """Register the decorated factory under its function name."""
    if modality not in MODALITIES:
        raise ValueError(f"unknown modality {modality!r}; expected one of {MODALITIES}")
    if input_kind not in INPUT_KINDS:
        raise ValueError(f"unknown input kind {input_kind!r}; expected one of {INPUT_KINDS}")

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        name = fn.__name__
        if name in _REGISTRY and _REGISTRY[name].factory is not fn:
            raise ValueError(f"model {name!r} is already registered")
        default = inspect.signature(fn).parameters.get("input_shape")
        shape = None if default is None or default.default is inspect.Parameter.empty \
            else default.default
        doc = (inspect.getdoc(fn) or "").strip().splitlines()
        _REGISTRY[name] = ModelInfo(name, modality, input_kind, shape, backend,
                                    doc[0] if doc else "", fn)
        return fn

    return decorate


def _load_zoo() -> None:
    importlib.import_module("emobench.models")


def get_model_info(name: str) -> ModelInfo:
    _load_zoo()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise KeyError(f"unknown model {name!r}; registered models: {known}") from None


def create_model(name: str, num_classes: int = 7, input_shape: tuple | None = None, **options):
    """Build the registered model ``name`` (an :class:`emobench.models.EmotionModel`)."""
    info = get_model_info(name)
    kwargs = dict(options, num_classes=num_classes)
    if input_shape is not None:
        kwargs["input_shape"] = tuple(input_shape)
    return info.factory(**kwargs)


def list_models(modality: str | None = None) -> list[ModelInfo]:
    """Every registered model (optionally of one modality), sorted by name."""
    _load_zoo()
    return [i for n, i in sorted(_REGISTRY.items()) if modality in (None, i.modality)]
