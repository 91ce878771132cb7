"""The generated corpus's voices: source-filter speech whose prosody follows the emotion.

A glottal pulse train (Rosenberg pulses, with jitter, shimmer and breath noise) at an f0
contour is filtered through formant resonators for each vowel; consonants are noise bursts and
closures; words are separated by pauses. Emotion sets f0 level, range and contour, speaking
rate, loudness and spectral tilt; the actor sets base f0 and the formant scale.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

#: Prosody of each emotion at strong (intensity 02) expression, relative to the actor's neutral:
#: f0 level and range in semitones, contour, rate factor, loudness in dB, spectral tilt
#: (+ brighter), jitter (relative f0 noise), tremolo depth and breathiness.
PROSODY: dict[str, dict] = {
    "neutral": dict(level=0.0, range=3.0, contour="fall", rate=1.0, loud=0.0, tilt=0.0,
                    jitter=0.01, tremolo=0.0, breath=0.05),
    "calm": dict(level=-1.0, range=2.0, contour="fall", rate=0.9, loud=-3.0, tilt=-0.25,
                 jitter=0.01, tremolo=0.0, breath=0.1),
    "happy": dict(level=4.0, range=8.0, contour="hat", rate=1.12, loud=4.0, tilt=0.4,
                  jitter=0.015, tremolo=0.0, breath=0.05),
    "sad": dict(level=-2.5, range=1.2, contour="fall", rate=0.72, loud=-8.0, tilt=-0.7,
                jitter=0.02, tremolo=0.0, breath=0.3),
    "angry": dict(level=5.0, range=6.0, contour="fall", rate=1.22, loud=9.0, tilt=0.9,
                  jitter=0.02, tremolo=0.0, breath=0.02),
    "fear": dict(level=7.0, range=4.0, contour="flat", rate=1.3, loud=2.0, tilt=0.2,
                 jitter=0.05, tremolo=0.08, breath=0.15),
    "disgust": dict(level=-3.0, range=5.0, contour="dip", rate=0.8, loud=-1.0, tilt=-0.3,
                    jitter=0.02, tremolo=0.0, breath=0.12),
    "surprise": dict(level=5.0, range=10.0, contour="rise", rate=1.0, loud=5.0, tilt=0.4,
                     jitter=0.015, tremolo=0.0, breath=0.06),
}

#: Male formants F1-F4 (Hz) of the vowels the statements use.
VOWELS = {"i": (300, 2200, 2900), "I": (400, 1950, 2550), "a": (730, 1100, 2450),
          "o": (570, 850, 2400), "e": (500, 1500, 2500), "u": (320, 870, 2250)}
#: How open the jaw is on each vowel (drives the face's mouth while speaking).
OPENNESS = {"i": 0.3, "I": 0.4, "a": 1.0, "o": 0.7, "e": 0.55, "u": 0.3}
#: Consonants: kind and noise band centre (Hz).
CONSONANTS = {"k": ("stop", 1800), "t": ("stop", 4000), "b": ("vstop", 800), "d": ("vstop", 2500),
              "s": ("fric", 6000), "z": ("vfric", 5000), "dh": ("vfric", 3000), "": ("none", 0)}
#: RAVDESS's two statements as words of (onset, vowel, coda) syllables:
#: 01 "Kids are talking by the door", 02 "Dogs are sitting by the door".
STATEMENTS = {
    1: [[("k", "I", "dz")], [("", "a", "")], [("t", "o", ""), ("k", "I", "")], [("b", "a", "")],
        [("dh", "e", "")], [("d", "o", "")]],
    2: [[("d", "o", "z")], [("", "a", "")], [("s", "I", ""), ("t", "I", "")], [("b", "a", "")],
        [("dh", "e", "")], [("d", "o", "")]],
}


@dataclass(frozen=True)
class VoiceLook:
    """What makes one actor's voice theirs."""

    f0: float  # neutral speaking pitch (Hz)
    formants: float  # formant scale (vocal tract length)
    breath: float  # extra breathiness


def actor_voice(actor: int, rng: np.random.Generator) -> VoiceLook:
    """Draw an actor's voice; odd actors (male in RAVDESS) speak lower, with lower formants."""
    male = actor % 2 == 1
    return VoiceLook(f0=rng.uniform(98, 125) if male else rng.uniform(190, 235),
                     formants=rng.uniform(0.95, 1.03) if male else rng.uniform(1.1, 1.2),
                     breath=rng.uniform(0.0, 0.08))


@dataclass
class Speech:
    """One clip's voice: samples in [-1, 1] and the jaw opening over time (100 Hz)."""

    samples: np.ndarray  # float32 (n,)
    mouth: np.ndarray  # float32 (ceil(duration * 100),), 0 closed .. 1 open

    def mouth_at(self, t: np.ndarray) -> np.ndarray:
        """Jaw opening at times ``t`` (seconds)."""
        grid = np.arange(len(self.mouth)) / 100.0
        return np.interp(t, grid, self.mouth)


def prosody(emotion: str, strength: float, rng: np.random.Generator) -> dict:
    """An emotion's prosody at ``strength`` (0 = neutral, 1 = strong), with per-clip variation."""
    base, target = PROSODY["neutral"], PROSODY[emotion]
    p = {k: base[k] + strength * (target[k] - base[k]) for k in base if k not in ("contour", "rate")}
    p["contour"] = target["contour"]
    p["rate"] = target["rate"] ** strength * rng.uniform(0.92, 1.08)
    p["level"] += rng.normal(0, 0.7)
    p["range"] *= rng.uniform(0.8, 1.2)
    p["loud"] += rng.normal(0, 1.5)
    p["tilt"] += rng.normal(0, 0.1)
    return p


def _contour(kind: str, u: np.ndarray) -> np.ndarray:
    """Pitch movement over the utterance (u from 0 to 1), in units of the pitch range."""
    if kind == "rise":
        return u**2 - 0.3
    if kind == "hat":
        return np.sin(np.pi * u) - 0.5
    if kind == "dip":
        return (2 * u - 1) ** 2 - 0.5
    if kind == "flat":
        return 0.1 * np.sin(6 * np.pi * u)
    return 0.5 - u  # "fall": declination


def _resonate(x: np.ndarray, freq: float, bw: float, sr: int) -> np.ndarray:
    """A second-order resonator (Klatt) with unit gain at 0 Hz."""
    r = np.exp(-np.pi * bw / sr)
    b, c = 2 * r * np.cos(2 * np.pi * freq / sr), -r * r
    return lfilter([1 - b - c], [1, -b, -c], x)


def _ramp(n: int, fade: int) -> np.ndarray:
    """A window of ``n`` samples with raised-cosine ends of ``fade`` samples."""
    env = np.ones(n)
    fade = max(1, min(fade, n // 2))
    edge = 0.5 - 0.5 * np.cos(np.pi * np.arange(fade) / fade)
    env[:fade], env[n - fade:] = edge, edge[::-1]
    return env


def _consonant(name: str, at: float, k: float, rng: np.random.Generator) -> tuple[list, float]:
    """Segments of one consonant starting at ``at`` with durations scaled by ``k``."""
    if not name:
        return [], at
    if name == "dz":
        first, at = _consonant("d", at, k, rng)
        second, at = _consonant("z", at, k, rng)
        return first + second, at
    kind, band = CONSONANTS[name]
    segs = []
    if kind in ("stop", "vstop"):
        closure = (0.05 if kind == "stop" else 0.035) * k
        if kind == "vstop":
            segs.append(dict(kind="voicebar", start=at, dur=closure))
        at += closure
        segs.append(dict(kind="noise", start=at, dur=0.015 * k, band=band, amp=0.5))
        at += 0.015 * k
        if kind == "stop":  # aspiration before the vowel
            segs.append(dict(kind="noise", start=at, dur=0.025 * k, band=1500, amp=0.15))
            at += 0.025 * k
    else:
        dur = (0.1 if kind == "fric" else 0.07) * k * rng.uniform(0.85, 1.15)
        segs.append(dict(kind="noise", start=at, dur=dur, band=band, amp=0.35 if kind == "fric" else 0.15))
        if kind == "vfric":
            segs.append(dict(kind="voicebar", start=at, dur=dur))
        at += dur
    return segs, at


def plan_utterance(statement: int, k: float, rng: np.random.Generator) -> tuple[list[dict], float]:
    """Segments of a statement (start times from 0) with durations scaled by ``k``; its length."""
    words = STATEMENTS[statement]
    segs: list[dict] = []
    at = 0.0
    for w, word in enumerate(words):
        for s, (onset, vowel, coda) in enumerate(word):
            new, at = _consonant(onset, at, k, rng)
            segs += new
            stress = 1.25 if s == 0 else 1.0
            final = 1.5 if w == len(words) - 1 else 1.0
            dur = 0.12 * k * stress * final * rng.uniform(0.85, 1.15)
            segs.append(dict(kind="vowel", start=at, dur=dur, vowel=vowel, amp=stress))
            at += dur
            new, at = _consonant(coda, at, k, rng)
            segs += new
        if w < len(words) - 1:
            at += rng.uniform(0.03, 0.12) * k  # pause between words
    return segs, at


def _glottal(f0: np.ndarray, p: dict, voice: VoiceLook, sr: int, rng: np.random.Generator):
    """Glottal flow derivative at pitch ``f0`` (per sample), with shimmer, breath and tilt."""
    phase = np.cumsum(f0 / sr)
    frac = phase % 1.0
    opening, closing = 0.4, 0.16  # Rosenberg pulse: open, close, then shut for the rest
    flow = np.where(frac < opening, 0.5 - 0.5 * np.cos(np.pi * frac / opening),
                    np.where(frac < opening + closing,
                             np.cos(0.5 * np.pi * (frac - opening) / closing), 0.0))
    src = np.diff(flow, prepend=0.0)
    period = phase.astype(np.int64)
    shimmer = 1 + (0.03 + 2 * p["jitter"]) * rng.standard_normal(period[-1] + 1)
    src *= shimmer[period]
    breath = (p["breath"] + voice.breath) * np.std(src) * (0.4 + flow)
    src += breath * rng.standard_normal(len(src))
    a = float(np.clip(0.6 - 0.3 * p["tilt"], 0.1, 0.92))  # one-pole low-pass: the tilt
    return lfilter([1 - a], [1, -a], src)


def _pitch(n: int, sr: int, span: tuple[float, float], segs: list[dict], p: dict,
           voice: VoiceLook, rng: np.random.Generator) -> np.ndarray:
    """The f0 contour (Hz per sample): level, contour, word accents, jitter and tremolo."""
    t = np.arange(n) / sr
    u = np.clip((t - span[0]) / max(span[1] - span[0], 1e-3), 0, 1)
    semis = p["level"] + p["range"] * _contour(p["contour"], u)
    for seg in segs:
        if seg["kind"] == "vowel" and seg["amp"] > 1:  # accent on a word's stressed syllable
            mid = span[0] + seg["start"] + seg["dur"] / 2
            lo, hi = (np.clip(np.array([mid - 3 * seg["dur"], mid + 3 * seg["dur"]]) * sr, 0, n)
                      .astype(int))
            bump = np.exp(-0.5 * ((t[lo:hi] - mid) / seg["dur"]) ** 2)
            semis[lo:hi] += 0.25 * p["range"] * bump
    grid = rng.standard_normal(int(n / sr * 150) + 2)
    jitter = np.interp(t * 150, np.arange(len(grid)), grid)
    tremolo = p["tremolo"] * np.sin(2 * np.pi * rng.uniform(5, 8) * t)
    return voice.f0 * 2 ** (semis / 12) * (1 + p["jitter"] * jitter + tremolo)


#: Length of each statement at speaking rate 1 (the scale a clip's duration is fitted to).
NOMINAL = {s: plan_utterance(s, 1.0, np.random.default_rng(0))[1] for s in STATEMENTS}


def speak(voice: VoiceLook, emotion: str, strength: float, statement: int, duration: float,
          sr: int, rng: np.random.Generator) -> Speech:
    """Synthesize one statement said by ``voice`` with ``emotion`` at ``strength`` (0..1)."""
    p = prosody(emotion, strength, rng)
    segs, length = plan_utterance(statement, 1.0, rng)
    k = min(0.65 * duration / NOMINAL[statement] / p["rate"], 0.9 * duration / length)
    for seg in segs:
        seg["start"] *= k
        seg["dur"] *= k
    length *= k
    t0 = rng.uniform(0.05 * duration, max(0.05 * duration, 0.96 * duration - length))
    n = int(round(duration * sr))
    src = _glottal(_pitch(n, sr, (t0, t0 + length), segs, p, voice, rng), p, voice, sr, rng)
    out = np.zeros(n)
    mouth = np.zeros(int(np.ceil(duration * 100)))
    fade = int(0.012 * sr)
    for seg in segs:
        lo = max(0, int((t0 + seg["start"]) * sr) - fade)
        hi = min(n, int((t0 + seg["start"] + seg["dur"]) * sr) + fade)
        if hi - lo < 4:
            continue
        env = _ramp(hi - lo, 2 * fade)
        if seg["kind"] == "vowel":
            chunk = src[lo:hi] * env
            for f, bw in zip(VOWELS[seg["vowel"]] + (3500,), (70, 100, 140, 200)):
                chunk = _resonate(chunk, f * voice.formants, bw, sr)
            level = 0.1 * seg["amp"]
            m0, m1 = int(lo / sr * 100), int(np.ceil(hi / sr * 100))
            mouth[m0:m1] = np.maximum(mouth[m0:m1], OPENNESS[seg["vowel"]])
        elif seg["kind"] == "voicebar":
            chunk, level = _resonate(src[lo:hi] * env, 250, 120, sr), 0.015
        else:
            noise = np.diff(rng.standard_normal(hi - lo + 1)) * env
            chunk = _resonate(noise, seg["band"] * voice.formants ** 0.5, 0.6 * seg["band"], sr)
            level = 0.1 * seg["amp"]
        out[lo:hi] += chunk * (level / (np.sqrt(np.mean(chunk**2)) + 1e-12))
    out *= 0.7 * 10 ** (p["loud"] / 20)
    out += rng.normal(0, 2e-4, n)  # a quiet room, never digital silence
    out = 0.98 * np.tanh(out / 0.98)
    return Speech(out.astype(np.float32), mouth.astype(np.float32))
