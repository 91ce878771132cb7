"""Seeded corruptions at severities 1-5 (0 = the input itself), with OpenCV and scipy.signal.

Video ones take decoded uint8 RGB frames ``(T, H, W, 3)`` of one clip (the same draw for every
frame of it: a clip is filmed under one condition); audio ones a mono float32 signal. Sizes of
blur kernels scale with the frame's short side (ImageNet-C's values are for 224 px).
"""
from __future__ import annotations

import zlib
from typing import Callable

import cv2
import numpy as np
from scipy import signal as sps

SEVERITIES = (1, 2, 3, 4, 5)
#: Target signal-to-noise ratios of the additive audio corruptions, severity 1..5.
SNR_DB = (30.0, 20.0, 10.0, 5.0, 0.0)

_NOISE_SIGMA = (0.08, 0.12, 0.18, 0.26, 0.38)          # ImageNet-C, of the [0, 1] range
_DEFOCUS_RADIUS = (3, 4, 6, 8, 10)                      # px at 224
_MOTION_LENGTH = (5, 9, 13, 17, 21)                     # px at 224
_BRIGHTNESS = (0.7, 0.5, 0.35, 0.22, 0.12)              # low light: intensity factor
_CONTRAST = (0.4, 0.3, 0.2, 0.1, 0.05)                  # ImageNet-C
_JPEG_QUALITY = (25, 18, 15, 10, 7)                     # ImageNet-C
_OCCLUDED = (0.1, 0.2, 0.3, 0.4, 0.5)                   # fraction of the face box covered
_DOWNSCALE = (2, 3, 4, 6, 8)                            # shrink factor, then back up
_PHONE_BAND = ((200, 4000), (300, 3400), (400, 3000), (500, 2500), (600, 2000))  # Hz
_CLIP_LEVEL = (0.5, 0.3, 0.2, 0.1, 0.05)                # of the clip's peak


def rng_for(seed: int, clip_id: str, corruption: str, severity: int) -> np.random.Generator:
    """The generator of one (clip, corruption, severity): stable across runs and processes."""
    return np.random.default_rng([int(seed), zlib.crc32(str(clip_id).encode()),
                                  zlib.crc32(corruption.encode()), int(severity)])


def _check(name: str, severity: int, table: dict) -> None:
    if name not in table:
        raise ValueError(f"unknown corruption {name!r}; choose from {', '.join(table)}")
    if severity not in (0, *SEVERITIES):
        raise ValueError(f"severity must be 0-5; got {severity}")


def _scale(frames: np.ndarray) -> float:
    return min(frames.shape[1:3]) / 224.0


def _per_frame(frames: np.ndarray, fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    return np.stack([fn(f) for f in frames])


def gaussian_noise(frames, s, rng, face=None):
    # float32 throughout: a 720p clip's float64 noise cost 6 s of its 10 s under load
    noise = rng.standard_normal(frames.shape, dtype=np.float32)
    noise *= np.float32(_NOISE_SIGMA[s - 1] * 255.0)
    noise += frames
    return np.clip(noise, 0, 255, out=noise).astype(np.uint8)


def defocus_blur(frames, s, rng, face=None):
    r = max(1, int(round(_DEFOCUS_RADIUS[s - 1] * _scale(frames))))
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)).astype(np.float32)
    disk /= disk.sum()
    return _per_frame(frames, lambda f: cv2.filter2D(f, -1, disk))


def motion_blur(frames, s, rng, face=None):
    n = max(3, int(round(_MOTION_LENGTH[s - 1] * _scale(frames))) | 1)
    line = np.zeros((n, n), np.float32)
    line[n // 2, :] = 1.0
    turn = cv2.getRotationMatrix2D((n / 2 - 0.5, n / 2 - 0.5), float(rng.uniform(0, 180)), 1.0)
    kernel = cv2.warpAffine(line, turn, (n, n))
    kernel /= kernel.sum()
    return _per_frame(frames, lambda f: cv2.filter2D(f, -1, kernel))


def brightness(frames, s, rng, face=None):
    return _per_frame(frames, lambda f: cv2.convertScaleAbs(f, alpha=_BRIGHTNESS[s - 1]))


def contrast(frames, s, rng, face=None):
    c = _CONTRAST[s - 1]
    return _per_frame(frames, lambda f: cv2.addWeighted(
        f, c, np.full_like(f, int(round(f.mean()))), 1.0 - c, 0.0))


def jpeg(frames, s, rng, face=None):
    def one(f):
        ok, buf = cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, _JPEG_QUALITY[s - 1]])
        return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    return _per_frame(frames, one)  # channel order does not matter to a round trip


def occlusion(frames, s, rng, face=None):
    """A black square over ``_OCCLUDED`` of the face box's area (the clean frames' face, given
    as ``face``; the frame's centre third when none was found), at a seeded place in it."""
    h, w = frames.shape[1:3]
    x, y, bw, bh = face if face is not None else (w / 3, h / 3, w / 3, h / 3)
    side = np.sqrt(_OCCLUDED[s - 1] * bw * bh)
    x0 = int(round(x + rng.uniform(0, max(0.0, bw - side))))
    y0 = int(round(y + rng.uniform(0, max(0.0, bh - side))))
    out = frames.copy()
    out[:, max(0, y0):max(0, y0 + int(round(side))), max(0, x0):max(0, x0 + int(round(side)))] = 0
    return out


def downscale(frames, s, rng, face=None):
    h, w = frames.shape[1:3]
    k = _DOWNSCALE[s - 1]
    small = (max(1, w // k), max(1, h // k))
    return _per_frame(frames, lambda f: cv2.resize(cv2.resize(f, small, interpolation=cv2.INTER_AREA),
                                                   (w, h), interpolation=cv2.INTER_LINEAR))


VIDEO_CORRUPTIONS: dict[str, Callable] = {
    "gaussian_noise": gaussian_noise, "defocus_blur": defocus_blur, "motion_blur": motion_blur,
    "brightness": brightness, "contrast": contrast, "jpeg": jpeg, "occlusion": occlusion,
    "downscale": downscale}


def corrupt_video(frames: np.ndarray, name: str, severity: int, rng: np.random.Generator,
                  face=None) -> np.ndarray:
    """``frames`` (uint8 ``(T, H, W, 3)``) under corruption ``name`` at ``severity`` (0: the
    frames themselves). ``face``: the clean clip's face box ``(x, y, w, h)``, for occlusion."""
    _check(name, severity, VIDEO_CORRUPTIONS)
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8 (T, H, W, 3); got {frames.dtype} {frames.shape}")
    return frames if severity == 0 else VIDEO_CORRUPTIONS[name](frames, severity, rng, face)


# ---- audio -------------------------------------------------------------------------------------
def power(x: np.ndarray) -> float:
    return float(np.mean(np.square(x, dtype=np.float64)))


def mix_at_snr(clean: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """``clean + g * noise`` with ``g`` such that 10 log10(P_clean / P_(g noise)) = ``snr_db``
    exactly (``noise`` tiled or cut to the clean length)."""
    noise = np.resize(np.asarray(noise, np.float64), clean.shape)
    p_noise = power(noise)
    if p_noise == 0 or power(clean) == 0:
        return clean.astype(np.float32)
    gain = np.sqrt(power(clean) / (p_noise * 10 ** (snr_db / 10)))
    return (clean + gain * noise).astype(np.float32)


def white_noise(x, s, rng, rate, others=()):
    return mix_at_snr(x, rng.standard_normal(x.shape), SNR_DB[s - 1])


def babble(x, s, rng, rate, others=()):
    """Other clips (``others``: their signals, at least one) summed at random offsets."""
    if not len(others):
        raise ValueError("babble needs other clips' signals to mix in")
    crowd = np.zeros(x.shape, np.float64)
    for other in others:
        other = np.resize(np.asarray(other, np.float64), x.shape)
        crowd += np.roll(other, int(rng.integers(0, len(x))))
    return mix_at_snr(x, crowd, SNR_DB[s - 1])


def telephone(x, s, rng, rate, others=()):
    low, high = _PHONE_BAND[s - 1]
    sos = sps.butter(4, [low, min(high, 0.45 * rate)], btype="bandpass", fs=rate, output="sos")
    return sps.sosfiltfilt(sos, x).astype(np.float32)


def clipping(x, s, rng, rate, others=()):
    level = _CLIP_LEVEL[s - 1] * float(np.max(np.abs(x)) or 1.0)
    return np.clip(x, -level, level).astype(np.float32)


AUDIO_CORRUPTIONS: dict[str, Callable] = {"white_noise": white_noise, "babble": babble,
                                          "telephone": telephone, "clipping": clipping}

#: Multimodal: one modality absent (one severity only); fusion falls back to the other.
MISSING = ("audio_missing", "video_missing")


def corrupt_audio(x: np.ndarray, name: str, severity: int, rng: np.random.Generator,
                  rate: int = 16000, others=()) -> np.ndarray:
    """Mono signal ``x`` under corruption ``name`` at ``severity`` (0: ``x`` itself);
    ``others``: other clips' signals, for babble."""
    _check(name, severity, AUDIO_CORRUPTIONS)
    x = np.asarray(x, np.float32).reshape(-1)
    return x if severity == 0 else AUDIO_CORRUPTIONS[name](x, severity, rng, rate, others)
