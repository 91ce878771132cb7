"""How a result was obtained: package versions, git hash, backend, hardware, command, date."""
from __future__ import annotations

import functools
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

PACKAGES = ("emobench", "keras", "tensorflow", "jax", "torch", "numpy", "scikit-learn",
            "opensmile", "opencv-contrib-python-headless", "av", "skops")


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a result depends on (absent ones left out)."""
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


@functools.lru_cache(maxsize=None)
def git_hash(where: str | None = None) -> str | None:
    """The commit of the emobench checkout (with ``+dirty`` for local changes), or None when
    emobench is installed from a wheel."""
    root = Path(where) if where else Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "-uno"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty else "")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def accelerators() -> list[str]:
    """GPUs the current Keras backend sees (imports the backend)."""
    backend = keras_backend()
    try:
        if backend == "jax":
            import jax
            return [str(d) for d in jax.devices() if d.platform != "cpu"]
        if backend == "torch":
            import torch
            return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        if backend == "tensorflow":
            import tensorflow as tf
            return [d.name for d in tf.config.list_physical_devices("GPU")]
    except Exception:  # noqa: BLE001 - provenance must never break a run
        return []
    return []


def keras_backend() -> str:
    """The Keras backend in use (without importing Keras when the environment says it)."""
    if "keras" in sys.modules:
        return sys.modules["keras"].backend.backend()
    return os.environ.get("KERAS_BACKEND", "tensorflow")


def hardware() -> dict:
    return {"platform": platform.platform(), "machine": platform.machine(), "cpu": _cpu_model(),
            "cores": os.cpu_count(), "memory_gib": _memory_gib(), "accelerators": accelerators()}


def provenance(command: str | None = None) -> dict:
    """Everything that says how a run's results were obtained."""
    return {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "command": command if command is not None else " ".join(sys.argv),
            "git": git_hash(), "python": platform.python_version(),
            "backend": keras_backend(), "versions": package_versions(), "hardware": hardware()}
