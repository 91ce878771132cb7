"""Tiny media files written with PyAV for the preprocessing tests: a voiced, vowel-like tone, an
H.264+AAC .mp4 with or without its audio track, an audio-less video, and damaged copies."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def voice(seconds: float = 1.0, rate: int = 16000, f0: float = 140.0, seed: int = 0) -> np.ndarray:
    """A vowel-ish signal: harmonics of a gliding F0 shaped by two formants, plus breath noise and
    a short silence at each end, float32 in [-1, 1]."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    pitch = f0 * (1.0 + 0.15 * np.sin(2 * np.pi * 1.5 * t))
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    sig = np.zeros_like(t)
    for k in range(1, 25):
        fk = k * f0
        gain = np.exp(-((fk - 700) / 300) ** 2) + 0.6 * np.exp(-((fk - 1200) / 400) ** 2) + 0.05 / k
        sig += gain * np.sin(k * phase)
    env = np.clip(np.minimum(t - 0.1 * seconds, 0.9 * seconds - t) * 20, 0, 1)
    sig = 0.5 * sig / np.abs(sig).max() * env + 0.003 * rng.standard_normal(t.size)
    return sig.astype(np.float32)


def write_wav(path: Path, seconds: float = 1.0, rate: int = 16000, seed: int = 0) -> Path:
    """A mono 16-bit PCM .wav (or .flac by suffix) of :func:`voice`."""
    samples = (voice(seconds, rate, seed=seed) * 32767).astype(np.int16)
    codec = "flac" if Path(path).suffix == ".flac" else "pcm_s16le"
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        _write_audio(out, stream, samples, rate, "s16")
    return Path(path)


def _write_audio(out, stream, samples: np.ndarray, rate: int, fmt: str) -> None:
    block = 1024
    for start in range(0, len(samples), block):
        chunk = samples[start:start + block]
        frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format=fmt, layout="mono")
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)


def write_video(path: Path, seconds: float = 1.0, fps: int = 25, size: tuple[int, int] = (64, 48),
                audio: bool = True, video: bool = True, rate: int = 48000,
                frames: int | None = None) -> Path:
    """An .mp4/.mkv (H.264 video, AAC audio at ``rate``) or .avi (MPEG-4 video); the frame index
    is drawn as a bright bar position so tests can tell frames apart. ``frames=0`` leaves the
    video stream empty (.avi/.mkv keep such a stream; .mp4 drops it)."""
    width, height = size
    n = int(seconds * fps) if frames is None else frames
    with av.open(str(path), "w") as out:
        # every stream must exist before the first packet is muxed
        if video:
            vs = out.add_stream("mpeg4" if Path(path).suffix == ".avi" else "libx264", rate=fps)
            vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        if audio:
            aus = out.add_stream("aac", rate=rate, layout="mono")
        if video:
            for i in range(n):
                img = np.full((height, width, 3), 40, np.uint8)
                x = int(i * (width - 4) / max(1, n - 1))
                img[:, x:x + 4] = 250
                for packet in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                    out.mux(packet)
            for packet in vs.encode(None):
                out.mux(packet)
        if audio:
            _write_audio(out, aus, voice(seconds, rate), rate, "flt")
    return Path(path)


def truncated_copy(src: Path, dst: Path, fraction: float = 0.5) -> Path:
    """The first ``fraction`` of ``src``'s bytes, as a download cut short would leave it."""
    data = Path(src).read_bytes()
    Path(dst).write_bytes(data[: int(len(data) * fraction)])
    return Path(dst)


def write_disc_faces(root: Path, per_class: int) -> Path:
    """Label folders of drawn 48 px faces under ``root``: a bright disc (happy) or a dark one
    (sad), ``per_class`` PNGs each, jittered by a fixed seed."""
    import cv2

    rng = np.random.default_rng(3)
    for emotion, level in (("happy", 200), ("sad", 60)):
        (root / emotion).mkdir()
        for i in range(per_class):
            img = np.full((48, 48), 128, np.uint8)
            cv2.circle(img, (24 + int(rng.integers(-3, 4)), 24), 14, level, -1)
            cv2.imwrite(str(root / emotion / f"{i}.png"), img)
    return root
