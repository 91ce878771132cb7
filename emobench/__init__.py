"""emobench: benchmark harness and model zoo for multimodal (voice + face) emotion recognition.

The public API is imported lazily so that ``import emobench`` (and ``emobench --help``) stays
fast: Keras, OpenCV and openSMILE load only when a function that needs them is called.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_API = {
    "create_model": "emobench.registry",
    "list_models": "emobench.registry",
    "load_dataset": "emobench.datasets",
    "load_pretrained": "emobench.zoo",
    "run_suite": "emobench.harness",
    "render_report": "emobench.report",
}

__all__ = sorted(_API) + ["__version__"]


def __getattr__(name: str):
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'emobench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
