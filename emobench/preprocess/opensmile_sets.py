"""The openSMILE feature sets of the thesis, by the names it uses: ``emobase`` (988 functionals,
shipped by the ``opensmile`` package), ``emobase2010`` (1582) and ``emo_large`` (6552), for which
the project carries its own configs in ``configs/`` (the package ships neither; its ``IS10`` set
is a different configuration of similar descriptors). Beyond the thesis, the field's standard
sets since 2016, both shipped by the package: ``eGeMAPSv02`` (88) and ``ComParE_2016`` (6373)."""
from __future__ import annotations

import functools
import hashlib
import os
import warnings
from pathlib import Path

import numpy as np

#: Feature set name -> number of functionals per clip.
FEATURE_SETS: dict[str, int] = {"emobase": 988, "emobase2010": 1582, "emo_large": 6552,
                                "eGeMAPSv02": 88, "ComParE_2016": 6373}
#: The sets the ``opensmile`` package ships (the others are the project's ``configs/``).
PACKAGED_SETS = ("emobase", "eGeMAPSv02", "ComParE_2016")

#: The rate every set is configured for (Mel filter banks up to 8 kHz).
SAMPLE_RATE = 16000

CONFIG_DIR = Path(__file__).parent / "configs"


def import_opensmile():
    """``import opensmile``, with its native library bound to its own symbols first.

    openSMILE's libSMILEapi.so corrupts the heap ("malloc(): corrupted top size") when it is
    loaded after TensorFlow into the same process, because its C++ runtime symbols then resolve
    into TensorFlow's libraries. Loading it once with RTLD_DEEPBIND before the package does makes
    it prefer its own symbols; the package's own load then reuses that handle.
    """
    import sys

    if "opensmile" not in sys.modules and hasattr(os, "RTLD_DEEPBIND"):
        import ctypes
        import importlib.util

        spec = importlib.util.find_spec("opensmile")
        bins = Path(spec.origin).parent / "core" / "bin" if spec and spec.origin else None
        for lib in sorted(bins.glob("*linux*/libSMILEapi.so")) if bins else ():
            try:  # the loader refuses another architecture's build: try the next one
                ctypes.CDLL(str(lib), mode=os.RTLD_DEEPBIND | os.RTLD_NOW)
                break
            except OSError:
                continue  # none loads: the package's own load will report it
    import opensmile

    return opensmile


def _check(name: str) -> None:
    if name not in FEATURE_SETS:
        raise ValueError(f"unknown openSMILE feature set {name!r}; choose from "
                         f"{', '.join(FEATURE_SETS)}")


def config_path(name: str) -> Path:
    """The .conf file that defines feature set ``name``."""
    _check(name)
    if name in PACKAGED_SETS:
        opensmile = import_opensmile()
        return Path(opensmile.Smile(getattr(opensmile.FeatureSet, name)).config_path)
    return CONFIG_DIR / f"{name}.conf"


@functools.lru_cache(maxsize=None)
def config_digest(name: str) -> str:
    """Hash of the set's config and the openSMILE version: part of the cache key, so editing a
    config or upgrading openSMILE recomputes the features."""
    opensmile = import_opensmile()
    blob = config_path(name).read_bytes() + opensmile.__version__.encode()
    return hashlib.sha256(blob).hexdigest()[:16]


@functools.lru_cache(maxsize=None)
def smile(name: str):
    """An ``opensmile.Smile`` computing the functionals of ``name`` (one per process)."""
    opensmile = import_opensmile()
    _check(name)
    feature_set = (getattr(opensmile.FeatureSet, name) if name in PACKAGED_SETS
                   else str(config_path(name)))
    return opensmile.Smile(feature_set=feature_set,
                           feature_level=opensmile.FeatureLevel.Functionals)


def feature_names(name: str) -> list[str]:
    """The names of the set's functionals, in output order."""
    return list(smile(name).feature_names)


def extract(signal: np.ndarray, name: str = "emobase", rate: int = SAMPLE_RATE) -> np.ndarray:
    """The ``(F,)`` float32 functionals of a mono float signal in [-1, 1] sampled at ``rate``.

    Raises ``ValueError`` when the signal is too short for the set or yields non-finite values.
    """
    x = np.asarray(signal, dtype=np.float32).reshape(1, -1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Segment too short, filling with NaN": checked below
        values = smile(name).process_signal(np.clip(x, -1.0, 1.0), rate).to_numpy()
    values = values.reshape(-1).astype(np.float32)
    if values.size != FEATURE_SETS[name]:
        raise RuntimeError(f"{name}: openSMILE returned {values.size} features, "
                           f"expected {FEATURE_SETS[name]}")
    bad = ~np.isfinite(values)
    if bad.all():
        raise ValueError(f"audio too short for {name} ({x.size / rate:.3f} s)")
    if bad.any():
        raise ValueError(f"{name}: {int(bad.sum())} non-finite features, e.g. "
                         f"{feature_names(name)[int(np.argmax(bad))]}")
    return values
