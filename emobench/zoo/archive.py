"""An entry's file: one zip holding a saved model folder and what ``predict`` needs.

    zoo_entry.json     model name, features, the preprocessing parameters training used, labels
    model/meta.json    the saved EmotionModel (see emobench.models.base)
    model/model.keras  or model/model.skops

A file is hashed (sha256, in full) and compared with its manifest entry before it is opened at
all; extraction accepts only those member names (no absolute paths, no ``..``, no links) and
refuses archives that would unpack to more than :data:`MAX_UNPACKED` bytes.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

from emobench.zoo.manifest import IntegrityError, ZooError, archive_name

ARCHIVE_FORMAT = 1
INFO_FILE = "zoo_entry.json"
MODEL_DIR = "model"
#: The only members an entry's zip may hold.
ALLOWED = (INFO_FILE, f"{MODEL_DIR}/meta.json", f"{MODEL_DIR}/model.keras",
           f"{MODEL_DIR}/model.skops")
MAX_UNPACKED = 2 * 1024**3
#: A fixed timestamp, so the same model folder always gives the same zip bytes.
_EPOCH = (2020, 1, 1, 0, 0, 0)


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """The full sha256 of a file, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def verify_file(path: str | Path, name: str, size: int, sha256: str) -> Path:
    """``path`` when its size and sha256 are the expected ones, else :class:`IntegrityError`."""
    path = Path(path)
    if not path.is_file():
        raise ZooError(f"{path}: missing file of zoo entry {name!r}")
    found = path.stat().st_size
    if found != size:
        raise IntegrityError(f"{path}: {found} bytes, but zoo entry {name!r} has {size} "
                             f"(incomplete or altered file); not loaded")
    digest = sha256_file(path)
    if digest != sha256:
        raise IntegrityError(f"{path}: sha256 {digest[:16]}... differs from zoo entry "
                             f"{name!r}'s {sha256[:16]}... (altered file); not loaded")
    return path


def write_archive(model_folder: str | Path, info: dict, out_dir: str | Path,
                  name: str) -> tuple[Path, str, int]:
    """Zip a saved model folder with ``info`` into ``out_dir/<name>-<sha8>.zip`` (atomically);
    returns the path, the sha256 and the size."""
    model_folder, out_dir = Path(model_folder), Path(out_dir)
    members = sorted(p for p in model_folder.iterdir() if p.is_file())
    unknown = [p.name for p in members if f"{MODEL_DIR}/{p.name}" not in ALLOWED]
    if unknown or not (model_folder / "meta.json").is_file():
        raise ZooError(f"{model_folder}: not a saved emobench model folder "
                       f"(unexpected {', '.join(unknown) or 'layout: no meta.json'})")
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".zip.tmp", dir=out_dir)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            _add(zf, INFO_FILE, json.dumps(info, indent=1, sort_keys=True).encode())
            for path in members:
                _add(zf, f"{MODEL_DIR}/{path.name}", path.read_bytes())
        digest, size = sha256_file(tmp), Path(tmp).stat().st_size
        os.chmod(tmp, 0o644)
        final = out_dir / archive_name(name, digest)
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return final, digest, size


def _add(zf: zipfile.ZipFile, arcname: str, data: bytes) -> None:
    member = zipfile.ZipInfo(arcname, _EPOCH)
    member.compress_type = zipfile.ZIP_DEFLATED
    member.external_attr = (stat.S_IFREG | 0o644) << 16
    zf.writestr(member, data, compresslevel=9)


def _check_member(path: Path, member: zipfile.ZipInfo) -> None:
    name = member.filename
    if name not in ALLOWED:  # also rules out absolute paths, "..", backslashes and folders
        raise ZooError(f"{path}: unexpected member {name!r} in a zoo archive; refused")
    mode = member.external_attr >> 16
    if mode and not stat.S_ISREG(mode):
        raise ZooError(f"{path}: member {name!r} is not a regular file; refused")


def extract_archive(path: str | Path, dest: str | Path) -> dict:
    """Unpack a verified entry zip into ``dest`` (``dest/model`` is the model folder) and return
    its ``zoo_entry.json``. Refuses unknown members, links and oversized archives."""
    path, dest = Path(path), Path(dest)
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
            for member in members:
                _check_member(path, member)
            if sum(m.file_size for m in members) > MAX_UNPACKED:
                raise ZooError(f"{path}: would unpack to more than {MAX_UNPACKED} bytes; refused")
            names = {m.filename for m in members}
            if INFO_FILE not in names or f"{MODEL_DIR}/meta.json" not in names:
                raise ZooError(f"{path}: not a zoo archive (needs {INFO_FILE} and "
                               f"{MODEL_DIR}/meta.json)")
            (dest / MODEL_DIR).mkdir(parents=True, exist_ok=True)
            for member in members:
                with zf.open(member) as src, open(dest / member.filename, "wb") as out:
                    shutil.copyfileobj(src, out)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as err:
        raise ZooError(f"{path}: unreadable zoo archive ({err})") from None
    try:
        info = json.loads((dest / INFO_FILE).read_text(encoding="utf-8"))
    except ValueError as err:
        raise ZooError(f"{path}: {INFO_FILE} is not valid JSON ({err})") from None
    if not isinstance(info, dict) or info.get("format") != ARCHIVE_FORMAT:
        raise ZooError(f"{path}: {INFO_FILE} is not of archive format {ARCHIVE_FORMAT}")
    return info
