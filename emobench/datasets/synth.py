"""The generated corpus: RAVDESS's layout and naming, with drawn faces and synthetic voices.

``generate_corpus(out_dir)`` writes, per clip, an AV ``01-01-EE-II-SS-RR-AA.mp4`` (H.264 +
AAC 48 kHz) and the audio-only ``03-01-EE-II-SS-RR-AA.wav`` (16-bit PCM 48 kHz mono) into
``Actor_XX/`` folders, and a ``corpus.json`` with the parameters that made it. Faces
(:mod:`.synth_face`) and voices (:mod:`.synth_voice`) depend on the emotion, its intensity and
the actor; every clip is seeded, so the same parameters give the same frames and samples.
"""
from __future__ import annotations

import json
import os
import wave
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from emobench.atomic import atomic_write_text
from emobench.labels import RAVDESS_CODES, RAVDESS_EMOTIONS

#: Bump when a change alters the generated content, so caches keyed on parameters renew.
SYNTH_VERSION = 1
SAMPLE_RATE = 48000
#: x264's fastest preset, with CABAC, deblocking and B-frames back on as real H.264 streams have
#: them (decoders must reorder frames); a 720p frame encodes in about 5 ms on one core.
VIDEO_OPTIONS = {"preset": "ultrafast", "crf": "23", "x264-params": "cabac=1:deblock=0,0:bframes=3"}
#: How strongly each RAVDESS intensity shows (01 normal, 02 strong) on a 0 (neutral) .. 1 scale.
STRENGTH = {1: 0.6, 2: 1.0}


@dataclass(frozen=True)
class ClipSpec:
    """One clip of the corpus, by its RAVDESS fields."""

    actor: int
    emotion: int
    intensity: int
    statement: int
    repetition: int

    def name(self, modality: int, ext: str) -> str:
        """RAVDESS file name, e.g. ``01-01-03-02-01-01-07.mp4`` (modality 01 AV, 03 audio)."""
        fields = (modality, 1, self.emotion, self.intensity, self.statement, self.repetition,
                  self.actor)
        return "-".join(f"{v:02d}" for v in fields) + ext

    def paths(self, root: Path) -> tuple[Path, Path]:
        folder = root / f"Actor_{self.actor:02d}"
        return folder / self.name(1, ".mp4"), folder / self.name(3, ".wav")


@dataclass(frozen=True)
class Settings:
    """Video and audio settings shared by every clip of a corpus."""

    seed: int
    width: int
    height: int
    fps: int
    duration: float
    sample_rate: int = SAMPLE_RATE

    @property
    def frames(self) -> int:
        return max(1, int(round(self.duration * self.fps)))

    @property
    def samples(self) -> int:
        # audio lasts exactly as long as the video's frames
        return int(round(self.frames / self.fps * self.sample_rate))


def plan_corpus(actors: Iterable[int], emotions: Iterable[int], intensities: Iterable[int],
                statements: Iterable[int], repetitions: Iterable[int]) -> list[ClipSpec]:
    """Every clip of a corpus; neutral has only intensity 01, as in RAVDESS."""
    clips = []
    for actor in actors:
        for emotion in emotions:
            levels = (1,) if RAVDESS_EMOTIONS[emotion] == "neutral" else intensities
            for intensity in levels:
                for statement in statements:
                    for repetition in repetitions:
                        clips.append(ClipSpec(actor, emotion, intensity, statement, repetition))
    return clips


def actor_profile(actor: int, seed: int = 0):
    """An actor's face look and voice, the same in every clip made with ``seed``."""
    from emobench.datasets.synth_face import actor_look
    from emobench.datasets.synth_voice import actor_voice

    return (actor_look(actor, np.random.default_rng([seed, 0, actor, 0])),
            actor_voice(actor, np.random.default_rng([seed, 0, actor, 1])))


def _rng(settings: Settings, clip: ClipSpec, stream: int) -> np.random.Generator:
    """The clip's own random stream: voice (1), picture (2) and motion (3) are independent, so
    the audio does not change with the video size."""
    return np.random.default_rng([settings.seed, stream, *asdict(clip).values()])


def _animate(name: str, strength: float, speech, settings: Settings, rng: np.random.Generator):
    """Per frame: expression parameters, eyelid closure and head motion (dx, dy, roll)."""
    from emobench.datasets.synth_face import EXPRESSIONS

    base, target = EXPRESSIONS["neutral"], EXPRESSIONS[name]
    dev = {k: (target[k] - base[k]) * strength * rng.uniform(0.8, 1.2) for k in base}
    duration = settings.frames / settings.fps
    onset = rng.uniform(0.05, 0.25) * duration
    rise = rng.uniform(0.2, 0.35) * duration
    blinks = rng.uniform(0, duration, rng.poisson(0.35 * duration))
    freq = rng.uniform(0.3, 0.9, 3)
    phase = rng.uniform(0, 2 * np.pi, 3)
    amp = np.array([0.012, 0.008, 2.0]) * rng.uniform(0.5, 1.5, 3)
    roll0 = rng.uniform(-2, 2)
    for i in range(settings.frames):
        t = i / settings.fps
        u = np.clip((t - onset) / rise, 0, 1)
        w = u * u * (3 - 2 * u) * (1 - 0.15 * max(0.0, t / duration - 0.8) / 0.2)
        e = {k: base[k] + w * dev[k] for k in base}
        talk = float(speech.mouth_at(t))
        e["open"] += 0.3 * talk
        blink = max([0.0] + [1 - abs(t - b) / 0.075 for b in blinks if abs(t - b) < 0.075])
        wave_ = amp * np.sin(2 * np.pi * freq * t + phase)
        motion = (wave_[0], wave_[1] + w * dev["nod"] + 0.004 * talk, roll0 + wave_[2])
        yield e, blink, motion


def _temp(path: Path) -> Path:
    """A temporary name beside ``path``, unique to this process (readers glob past it)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_wav(path: Path, samples: np.ndarray, sample_rate: int) -> None:
    """Write mono float samples in [-1, 1] as 16-bit PCM, atomically."""
    pcm = np.round(np.clip(samples, -1, 1) * 32767).astype("<i2")
    tmp = _temp(path)
    try:
        with wave.open(str(tmp), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(sample_rate)
            out.writeframes(pcm.tobytes())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_mp4(path: Path, frames: Iterable[np.ndarray], samples: np.ndarray,
              settings: Settings) -> None:
    """Encode I420 frames (H.264) and mono samples (AAC) into an .mp4, atomically."""
    import av

    tmp = _temp(path)
    try:
        with av.open(str(tmp), "w", format="mp4") as box:
            video = box.add_stream("libx264", rate=settings.fps)
            video.width, video.height, video.pix_fmt = settings.width, settings.height, "yuv420p"
            video.options = dict(VIDEO_OPTIONS)
            video.thread_count = 1  # one core per clip; deterministic output
            audio = box.add_stream("aac", rate=settings.sample_rate, layout="mono")
            for i, yuv in enumerate(frames):
                frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
                frame.pts = i
                box.mux(video.encode(frame))
            box.mux(video.encode(None))
            step = 1024  # AAC's frame size
            for start in range(0, len(samples), step):
                chunk = av.AudioFrame.from_ndarray(samples[None, start:start + step],
                                                   format="fltp", layout="mono")
                chunk.sample_rate, chunk.pts = settings.sample_rate, start
                box.mux(audio.encode(chunk))
            box.mux(audio.encode(None))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def render_clip(clip: ClipSpec, settings: Settings, root: Path) -> int:
    """Write the clip's .mp4 and .wav under ``root`` unless they exist; the number written."""
    from emobench.datasets.synth_face import Scene
    from emobench.datasets.synth_voice import speak

    mp4, wav = clip.paths(root)
    if mp4.exists() and wav.exists():
        return 0
    mp4.parent.mkdir(parents=True, exist_ok=True)
    name = RAVDESS_EMOTIONS[clip.emotion]
    strength = 0.0 if name == "neutral" else STRENGTH[clip.intensity]
    face, voice = actor_profile(clip.actor, settings.seed)
    speech = speak(voice, name, strength, clip.statement, settings.frames / settings.fps,
                   settings.sample_rate, _rng(settings, clip, 1))
    written = 0
    if not wav.exists():
        write_wav(wav, speech.samples, settings.sample_rate)
        written += 1
    if not mp4.exists():
        rng = _rng(settings, clip, 2)
        dx, dy = rng.normal(0, 0.01, 2)  # the actor sits a little differently in each clip
        look = replace(face, center=(face.center[0] + dx, face.center[1] + dy / 2),
                       size=face.size * rng.uniform(0.96, 1.04))
        scene = Scene(look, settings.width, settings.height, rng)
        frames = (scene.render(*state) for state in
                  _animate(name, strength, speech, settings, _rng(settings, clip, 3)))
        write_mp4(mp4, frames, speech.samples, settings)
        written += 1
    return written


def _codes(values: Iterable[int | str] | None, allowed: Sequence[int], what: str) -> list[int]:
    """Validated, sorted, de-duplicated codes; emotions may also be given by label name."""
    if values is None:
        return list(allowed)
    codes = sorted({RAVDESS_CODES.get(v, v) if isinstance(v, str) else v for v in values})
    bad = [c for c in codes if not isinstance(c, (int, np.integer)) or c not in allowed]
    if bad or not codes:
        raise ValueError(f"{what}: {bad or 'none given'} not in {list(allowed)}")
    return [int(c) for c in codes]


def _manifest(out: Path, params: dict, clips: int) -> None:
    """Write corpus.json, or check that an existing one was made with the same parameters."""
    from importlib.metadata import version

    path = out / "corpus.json"
    if path.exists():
        old = json.loads(path.read_text())
        was = {**old.get("params", {}), "synth_version": old.get("synth_version")}
        now = {**params, "synth_version": SYNTH_VERSION}
        diff = [f"{k}={was.get(k)!r}, not {now[k]!r}" for k in now if was.get(k) != now[k]]
        if diff:
            raise ValueError(f"{path}: corpus made with {'; '.join(diff)}; "
                             f"generate into another folder")
        return
    doc = {"generator": __name__, "synth_version": SYNTH_VERSION,
           "emobench_version": version("emobench"), "params": params, "clips": clips,
           "files": 2 * clips, "video": {"codec": "libx264", **VIDEO_OPTIONS},
           "audio": {"codec": "aac", "wav": "pcm_s16le"}}
    atomic_write_text(path, json.dumps(doc, indent=2) + "\n")


def generate_corpus(out_dir: str | os.PathLike, *, actors: int | Iterable[int] = 12,
                    seed: int = 0,
                    width: int = 1280, height: int = 720, fps: int = 30, duration: float = 2.0,
                    emotions: Iterable[int | str] | None = None,
                    intensities: Iterable[int] = (2,), statements: Iterable[int] = (1,),
                    repetitions: Iterable[int] = (1,), jobs: int = 1,
                    progress: bool = True) -> Path:
    """Generate the synthetic corpus in RAVDESS's layout under ``out_dir``; return its path.

    ``actors`` is a count (actors 1..N) or a list of actor numbers (1-24, odd = male).
    ``emotions`` are RAVDESS codes 1-8 (or label names), all 8 by default. Neutral has only
    intensity 01, whatever ``intensities`` asks for. Files already there are kept (the call is
    cheap when the corpus is complete); ``out_dir`` must not hold a corpus made with other
    parameters. ``jobs`` > 1 renders clips in that many processes.
    """
    from emobench.progress import tqdm

    actor_ids = list(range(1, actors + 1)) if isinstance(actors, (int, np.integer)) else actors
    actor_ids = _codes(actor_ids, range(1, 25), "actors")
    emotion_codes = _codes(emotions, sorted(RAVDESS_EMOTIONS), "emotions")
    levels = _codes(intensities, (1, 2), "intensities")
    sentences = _codes(statements, (1, 2), "statements")
    reps = _codes(repetitions, (1, 2), "repetitions")
    if width % 2 or height % 2 or height < 96 or width < height:
        raise ValueError(f"size {width}x{height}: need even sides, height >= 96, width >= height")
    if not (1 <= fps <= 120 and 0.5 <= duration <= 20):
        raise ValueError(f"fps {fps}, duration {duration}: need 1-120 fps and 0.5-20 s")
    settings = Settings(int(seed), int(width), int(height), int(fps), float(duration))
    clips = plan_corpus(actor_ids, emotion_codes, levels, sentences, reps)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    params = {**asdict(settings), "actors": actor_ids, "emotions": emotion_codes,
              "intensities": levels, "statements": sentences, "repetitions": reps}
    _manifest(out, params, len(clips))
    todo = [c for c in clips if not all(p.exists() for p in c.paths(out))]
    bar = tqdm(total=len(clips), initial=len(clips) - len(todo), desc="synth corpus",
               unit="clip", disable=not progress)
    with bar:
        if jobs <= 1 or len(todo) <= 1:
            for clip in todo:
                render_clip(clip, settings, out)
                bar.update()
        else:
            with ProcessPoolExecutor(min(jobs, len(todo)), mp_context=get_context("spawn")) as pool:
                for done in as_completed([pool.submit(render_clip, c, settings, out) for c in todo]):
                    done.result()
                    bar.update()
    return out
