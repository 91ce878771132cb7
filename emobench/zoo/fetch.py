"""Getting an entry's file and loading it safely.

A ``package`` entry's file is read from inside the installed package; a ``url`` entry's is
downloaded once with pooch into the zoo cache (``$EMOBENCH_ZOO_DIR``, else
``<cache_root()>/zoo``). Either way the file's size and full sha256 are checked before it is
opened, every time it is loaded; a file that fails is refused and never loaded. pooch writes a
download to a temporary name and moves it into place only when its hash matches, so an
interrupted or corrupted download leaves nothing a later call would pick up.

For offline use, copy an entry's file into the zoo cache (or point ``EMOBENCH_ZOO_DIR`` at a
folder holding it): a file that is there and matches is used without any network access.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from emobench.zoo.archive import MODEL_DIR, extract_archive, verify_file
from emobench.zoo.manifest import Entry, IntegrityError, Manifest, ZooError, resolve

ZOO_DIR_ENV = "EMOBENCH_ZOO_DIR"


def zoo_dir() -> Path:
    """Where downloaded entry files are kept: ``$EMOBENCH_ZOO_DIR``, else ``cache_root()/zoo``."""
    env = os.environ.get(ZOO_DIR_ENV)
    if env:
        return Path(env).expanduser()
    from emobench.paths import cache_root

    return cache_root() / "zoo"


def local_path(entry: Entry, manifest: Manifest) -> Path:
    """Where ``entry``'s file is (package entries) or will be once pulled (url entries)."""
    if entry.source == "package":
        if manifest.files_dir is None:
            raise ZooError(f"zoo entry {entry.name!r}: its manifest names no folder of files")
        return manifest.files_dir / entry.file
    return zoo_dir() / entry.file


def fetch(entry: Entry, manifest: Manifest, progress: bool = False) -> Path:
    """The verified local file of ``entry``, downloading a ``url`` entry's file first if it is
    not in the zoo cache. Raises :class:`IntegrityError` for a file that does not match."""
    path = local_path(entry, manifest)
    if entry.source == "package" or path.exists():
        return verify_file(path, entry.name, entry.size, entry.sha256)
    _download(entry, path, progress)
    return verify_file(path, entry.name, entry.size, entry.sha256)


def _download(entry: Entry, path: Path, progress: bool) -> None:
    import pooch
    import requests

    try:
        pooch.retrieve(entry.url, known_hash=f"sha256:{entry.sha256}", fname=path.name,
                       path=path.parent, progressbar=progress)
    except ValueError as err:  # pooch's hash mismatch: the temporary file is already gone
        reason = " ".join(str(err).split())
        raise IntegrityError(f"{entry.url}: download of zoo entry {entry.name!r} refused: "
                             f"{reason}") from None
    except (requests.RequestException, OSError) as err:
        reason = " ".join(f"{type(err).__name__}: {err}".split())
        raise ZooError(f"{entry.url}: download of zoo entry {entry.name!r} failed ({reason}); "
                       f"offline, copy {entry.file} into {path.parent} "
                       f"(or set {ZOO_DIR_ENV})") from None


def pull(name: str, manifest=None, progress: bool = True) -> Path:
    """Make sure entry ``name``'s file is available and intact; returns its path."""
    manifest = resolve(manifest)
    return fetch(manifest.get(name), manifest, progress)


@dataclass
class Check:
    """One entry's state: ``ok``, ``missing`` (a url entry not downloaded yet) or ``bad``."""

    name: str
    state: str
    path: Path
    detail: str = ""


def verify(names=None, manifest=None) -> list[Check]:
    """Check the files of the entries ``names`` (default: all) against their hashes, without
    downloading anything; a url entry not yet pulled is reported ``missing``."""
    manifest = resolve(manifest)
    entries = [manifest.get(n) for n in names] if names else list(manifest)
    out = []
    for entry in entries:
        path = local_path(entry, manifest)
        if entry.source == "url" and not path.exists():
            out.append(Check(entry.name, "missing", path, f"not downloaded ({entry.url})"))
            continue
        try:
            verify_file(path, entry.name, entry.size, entry.sha256)
        except ZooError as err:
            out.append(Check(entry.name, "bad", path, str(err)))
            continue
        out.append(Check(entry.name, "ok", path, f"{path} sha256 {entry.sha256[:16]}..."))
    return out


def load_pretrained(name: str, *, manifest=None, trusted=None, progress: bool = False):
    """The pretrained model ``name`` (an :class:`emobench.models.EmotionModel`), its file
    verified against the manifest's sha256 first. Keras models load with ``safe_mode=True``,
    scikit-learn ones with skops and emobench's trusted types (never pickle).

    ``model.zoo_entry`` is the manifest entry and ``model.zoo_info`` the archive's own record of
    its preprocessing, which :func:`emobench.zoo.predict_file` follows.
    """
    from emobench.models.base import load_model

    manifest = resolve(manifest)
    entry = manifest.get(name)
    path = fetch(entry, manifest, progress)
    with tempfile.TemporaryDirectory(prefix="emobench-zoo-") as tmp:
        info = extract_archive(path, tmp)
        try:
            model = load_model(Path(tmp) / MODEL_DIR, trusted=trusted)
        except (ValueError, FileNotFoundError) as err:
            message = " ".join(str(err).replace(f"{tmp}/", f"{path.name}:").split())
            raise ZooError(f"zoo entry {name!r}: refused to load: {message}") from None
    _check_consistent(entry, info, model, path)
    model.zoo_entry, model.zoo_info = entry, info
    return model


def _check_consistent(entry: Entry, info: dict, model, path: Path) -> None:
    if info.get("model") != entry.model or list(model.labels) != list(entry.labels) \
            or info.get("features") != entry.features:
        raise IntegrityError(f"{path}: its contents disagree with zoo entry {entry.name!r} "
                             f"(model, features or labels); not used")
