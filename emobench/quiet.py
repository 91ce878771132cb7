"""TensorFlow's start-up noise kept off a command's stderr (robots log everything).

Since TF 2.17, ``TF_CPP_MIN_LOG_LEVEL`` no longer silences what TensorFlow's C++ side prints
while it is imported (the oneDNN notice, "Could not find cuda drivers", cpu_feature_guard,
"failed call to cuInit", and absl's "All log messages before absl::InitializeLog() ..."):
absl writes them straight to file descriptor 2 before its logging is set up. So
:func:`install` hooks the import of ``tensorflow``: while it runs (and its devices are first
listed, where cuInit is called), descriptor 2 goes to a temporary file, and afterwards every
line that is not such a log line is written back, so a real error still shows.
"""
from __future__ import annotations

import importlib.abc
import importlib.util
import logging
import os
import re
import sys
import tempfile
from contextlib import contextmanager

#: absl/glog lines ("I0000 00:00:1796174293.58 22636 port.cc:153] ..."), TF's older ones
#: ("2025-01-01 12:00:00.000: I tensorflow/..."), and absl's pre-initialisation warning.
NOISE = re.compile(r"^(?:[IWEF]\d{4} [\d:.]+\s+\d+ [\w./-]+:\d+\]"
                   r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWE] "
                   r"|WARNING: All log messages before absl::InitializeLog\(\) is called)")
#: Set (to 1) by ``--verbose``; worker processes inherit it and leave TensorFlow's logs alone.
VERBOSE_ENV = "EMOBENCH_VERBOSE"


@contextmanager
def filtered_stderr():
    """Run the block with fd 2 captured; then write back the lines that are not C++ logs."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured.read().decode(errors="replace").splitlines(True)
                    if not NOISE.match(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


class _QuietLoader(importlib.abc.Loader):
    def __init__(self, loader) -> None:
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        with filtered_stderr():
            self._loader.exec_module(module)
            try:
                module.config.list_logical_devices()  # devices set up: cuInit's complaint
            except Exception:  # noqa: BLE001 - only the log lines matter here
                pass
        # its Python logger's warnings too ("... triggered tf.function retracing" on every
        # few predictions of differently sized batches): advice for TF's developers, not ours
        logging.getLogger("tensorflow").setLevel(logging.ERROR)

    def __getattr__(self, name):  # get_resource_reader, is_package, ... of the real loader
        return getattr(self._loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        uninstall()  # find the real spec, and hook only the first import
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


_FINDER = _Finder()


def install() -> None:
    """Silence TensorFlow's C++ start-up logs from here on (a no-op when it is imported
    already, or when ``EMOBENCH_VERBOSE`` is set)."""
    global _set_level
    if os.environ.get(VERBOSE_ENV) or "tensorflow" in sys.modules:
        return
    if "TF_CPP_MIN_LOG_LEVEL" not in os.environ:
        # C++ logs after start-up, ERROR included: what TF logs there during training are its
        # own notices (tf.data's "NodeDef mentions attribute ...", oneDNN's uint8 fallback);
        # a real failure still raises in Python
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
        _set_level = True
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def uninstall(verbose: bool = False) -> None:
    """Stop hooking TensorFlow's import; ``verbose`` (``--verbose``) also undoes the log level
    :func:`install` set and tells worker processes to leave the logs alone."""
    global _set_level
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    if verbose:
        os.environ[VERBOSE_ENV] = "1"
        if _set_level:
            os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)
            _set_level = False


_set_level = False
