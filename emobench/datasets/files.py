"""Cheap checks that a file is the media it claims to be, before any decoder sees it.

Adapters only read names and a few header bytes, so scanning 10,000 files stays instant;
files that pass here but fail to decode are caught by preprocessing's skip manifest.
"""
from __future__ import annotations

from pathlib import Path

AUDIO_EXTS = (".wav", ".flac")
VIDEO_EXTS = (".mp4", ".avi", ".mov", ".mkv")
IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp")

#: Sidecar files a dataset folder may hold that are not clips (never reported as rejected).
SIDECARS = {"corpus.json", "readme.md", "readme.txt", "license", "license.txt", ".ds_store",
            "thumbs.db", "restore_wav.py"}


def _header_ok(ext: str, head: bytes) -> bool:
    if ext == ".wav":
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    if ext == ".flac":
        return head[:4] == b"fLaC"
    if ext == ".avi":
        return head[:4] == b"RIFF" and head[8:12] == b"AVI "
    if ext in (".mp4", ".mov"):
        return head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip")
    if ext == ".mkv":
        return head[:4] == b"\x1a\x45\xdf\xa3"
    if ext == ".png":
        return head[:8] == b"\x89PNG\r\n\x1a\n"
    if ext in (".jpg", ".jpeg"):
        return head[:3] == b"\xff\xd8\xff"
    if ext == ".bmp":
        return head[:2] == b"BM"
    return False


def check_media_file(path: Path) -> str | None:
    """None when ``path`` looks like a readable file of its extension's type, else the reason."""
    try:
        size = path.stat().st_size
        if size == 0:
            return "empty file (0 bytes)"
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as err:
        return f"unreadable: {err.strerror or err}"
    ext = path.suffix.lower()
    if not _header_ok(ext, head):
        return f"not a valid {ext[1:]} file (bad header)"
    return None


def is_sidecar(path: Path) -> bool:
    return path.name.lower() in SIDECARS or path.name.startswith(".")
