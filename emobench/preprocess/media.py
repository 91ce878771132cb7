"""Decoding media with PyAV (no ffmpeg binary): an audio track as mono float32 at a chosen rate,
and evenly spaced RGB frames of a video track.

Every failure (missing, unreadable, corrupt or truncated file, no such stream, nothing decodable)
raises :class:`MediaError` naming the file and a one-line reason, so batch stages can skip it.
"""
from __future__ import annotations

from pathlib import Path

import av
import numpy as np

#: A file whose decodable frames fall short of its header's count by more than this is truncated.
_TRUNCATION_TOLERANCE = 0.05


class MediaError(ValueError):
    """A media file that cannot be used, with the reason in one line."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = " ".join(str(reason).split())  # one line, whatever FFmpeg said
        super().__init__(f"{self.path}: {self.reason}")


def _open(path: str | Path) -> av.container.InputContainer:
    path = Path(path)
    if not path.is_file():
        raise MediaError(path, "no such file")
    if path.stat().st_size == 0:
        raise MediaError(path, "empty file (0 bytes)")
    try:
        return av.open(str(path), mode="r")
    except (av.FFmpegError, OSError, UnicodeDecodeError) as err:
        raise MediaError(path, f"unreadable or corrupt: {_why(err)}") from None


def _why(err: Exception) -> str:
    return getattr(err, "strerror", None) or str(err) or type(err).__name__


def load_audio(path: str | Path, rate: int = 16000) -> np.ndarray:
    """The first audio track of ``path`` (.wav, .flac, .mp4, .avi, ...) as mono float32 in [-1, 1]
    resampled to ``rate`` Hz, shape ``(n_samples,)``."""
    with _open(path) as container:
        if not container.streams.audio:
            raise MediaError(path, "no audio stream")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        chunks: list[np.ndarray] = []
        try:
            for frame in container.decode(stream):
                frame.pts = None  # the resampler re-times; source pts gaps must not stall it
                chunks.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(frame))
            chunks.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(None))
        except (av.FFmpegError, OSError) as err:
            raise MediaError(path, f"corrupt audio stream: {_why(err)}") from None
        expected = float(stream.duration * stream.time_base) if stream.duration else 0.0
    n = sum(len(c) for c in chunks)
    if n == 0:
        raise MediaError(path, "audio stream has no samples")
    if n < expected * rate * (1.0 - _TRUNCATION_TOLERANCE):
        raise MediaError(path, f"truncated: {n / rate:.2f} s of {expected:.2f} s audio decodable")
    return np.concatenate(chunks).astype(np.float32, copy=False)


def video_info(path: str | Path) -> tuple[int, float, int, int]:
    """``(n_frames, fps, width, height)`` of the first video track.

    The frame count comes from the container header when it has one, else from counting packets
    (no decoding); it may exceed what a damaged file can actually decode.
    """
    with _open(path) as container:
        stream = _video_stream(container, path)
        n = int(stream.frames or 0)
        if n <= 0:
            try:
                n = sum(1 for p in container.demux(stream) if p.size)
            except (av.FFmpegError, OSError) as err:
                raise MediaError(path, f"corrupt video stream: {_why(err)}") from None
        fps = float(stream.average_rate or stream.guessed_rate or 0.0)
        width, height = stream.codec_context.width, stream.codec_context.height
    if n <= 0:
        raise MediaError(path, "video stream has zero frames")
    return n, fps, int(width), int(height)


def _video_stream(container: av.container.InputContainer, path: str | Path) -> av.VideoStream:
    if not container.streams.video:
        raise MediaError(path, "no video stream")
    return container.streams.video[0]


def read_frames(path: str | Path, indices: list[int] | np.ndarray) -> np.ndarray:
    """The frames at ``indices`` (0-based decode order, may repeat, any order) as an
    ``(len(indices), H, W, 3)`` uint8 RGB array, decoding the stream once, sequentially.

    Raises :class:`MediaError` when an index lies past the last decodable frame.
    """
    wanted = np.asarray(indices, dtype=np.int64).reshape(-1)
    if wanted.size == 0:
        raise ValueError("read_frames needs at least one frame index")
    if wanted.min() < 0:
        raise ValueError(f"negative frame index {int(wanted.min())}")
    frames, decoded = _decode_selected(path, set(wanted.tolist()))
    missing = [i for i in wanted.tolist() if i not in frames]
    if missing:
        if decoded == 0:
            raise MediaError(path, "video stream has zero decodable frames")
        raise MediaError(path, f"truncated: frame {missing[0]} requested, {decoded} decodable")
    return np.stack([frames[i] for i in wanted.tolist()])


def _decode_selected(path: str | Path, wanted: set[int]) -> tuple[dict[int, np.ndarray], int]:
    """Decode sequentially, converting to RGB only the wanted frames; returns them and the number
    of frames decoded (decoding stops after the last wanted one)."""
    last = max(wanted)
    frames: dict[int, np.ndarray] = {}
    count = 0
    with _open(path) as container:
        stream = _video_stream(container, path)
        stream.thread_type = "AUTO"
        try:
            for frame in container.decode(stream):
                if count in wanted:
                    frames[count] = frame.to_ndarray(format="rgb24")
                count += 1
                if count > last:
                    break
        except (av.FFmpegError, OSError) as err:
            if count == 0:
                raise MediaError(path, f"corrupt video stream: {_why(err)}") from None
            # a damaged tail: keep what decoded, the caller judges whether it is enough
    return frames, count


def sample_frames(path: str | Path, count: int, skip_s: float = 0.0) -> np.ndarray:
    """``count`` evenly spaced frames spanning the video from ``skip_s`` seconds on (the whole
    video when it is shorter than twice that), ``(count, H, W, 3)`` uint8 RGB.

    A file whose decodable length falls a little short of its header (common in real recordings)
    is sampled over what decodes; one that falls short by more than 5% is reported as truncated.
    """
    if count < 1:
        raise ValueError(f"count must be >= 1, got {count}")
    n, fps, _, _ = video_info(path)
    first = skipped_frames(n, fps, skip_s)
    indices = first + evenly_spaced(n - first, count)
    frames, decoded = _decode_selected(path, set(indices.tolist()))
    if len(frames) < len(set(indices.tolist())):
        if decoded == 0:
            raise MediaError(path, "video stream has zero decodable frames")
        if decoded < n * (1.0 - _TRUNCATION_TOLERANCE):
            raise MediaError(path, f"truncated: {decoded} of {n} frames decodable")
        first = skipped_frames(decoded, fps, skip_s)
        return read_frames(path, first + evenly_spaced(decoded - first, count))
    return np.stack([frames[i] for i in indices.tolist()])


def skipped_frames(n_frames: int, fps: float, skip_s: float) -> int:
    """Frames at the start left out by skipping ``skip_s`` seconds: none when the clip is
    shorter than twice that (or its rate is unknown)."""
    if skip_s <= 0 or not fps or fps <= 0:
        return 0
    first = int(round(skip_s * fps))
    return first if 2 * first < n_frames else 0


def evenly_spaced(n_frames: int, count: int) -> np.ndarray:
    """``count`` frame indices spread evenly over ``[0, n_frames)`` (repeats when count > n)."""
    if n_frames < 1:
        raise ValueError(f"n_frames must be >= 1, got {n_frames}")
    return np.floor((np.arange(count) + 0.5) * n_frames / count).astype(np.int64)
