"""The push-based live predictor: the caller pushes video frames and audio chunks as they come
(from a ROS callback, a GStreamer appsink, a file...), and each push returns the results of the
hops it completed. No threads: the work runs inside the push that completes a hop.

    live = LivePredictor.from_zoo()
    for frame, t in camera:                     # BGR uint8, seconds
        for result in live.push_video(frame, t):
            print(result.to_dict())
    # ... live.push_audio(pcm, 16000, t) from the microphone's callback, in any chunk size
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from emobench.live.branches import MIN_FACE_FRACTION, SILENCE_RMS, AudioBranch, VideoBranch
from emobench.live.buffers import AudioBuffer, FrameBuffer
from emobench.live.frames import check_frame
from emobench.live.latency import Stopwatch

#: The zoo's default entries: the audio entry that held up best on a corpus it never heard
#: (EmoDB 0.402 speaker-normalised; RAVDESS 6-fold CV 0.652, 0.577 with no speaker context;
#: its card), and the frame model trained on real faces (FER2013 Training; PublicTest 0.610),
#: which scores each sampled face crop of a window (the C3D entry learnt generated faces).
DEFAULT_ENTRIES = {"audio": "audio_svm-emobase2010.ravdess_speaker-independent",
                   "video": "face_cnn-faces.fer2013_official"}
HOP = 0.5
WINDOW = 2.5
#: Face crops a sliding window of a frame model averages in a zoo predictor: one every 0.31 s
#: of a 2.5 s window, as dense as the C3D entry samples, and half the cost of the FER2013
#: entry's 16 a clip (its p95 compute was ~120 ms a hop at 720p on one core with 16, ~85 with
#: 8; reports/live-latency.md). A whole clip still averages the entry's 16, as offline.
FRAME_MODEL_WINDOW_FRAMES = 8
#: A modality this far behind the other no longer holds a hop back (a stalled microphone).
MAX_LAG = 1.0


@dataclass
class LiveResult:
    """One hop: the window's span, each branch's probabilities (None when it abstained, with the
    reason in ``notes``), their fusion, and the compute time of each stage in ms."""

    start: float
    end: float
    labels: list[str]
    audio: np.ndarray | None
    video: np.ndarray | None
    fused: np.ndarray | None
    latency_ms: dict[str, float]
    notes: list[str] = field(default_factory=list)
    face_box: tuple[int, int, int, int] | None = None
    #: the same stages' CPU time (this process, all threads): the wall time a core of its
    #: own would take, where ``latency_ms`` also counts waiting for a busy CPU
    cpu_ms: dict[str, float] = field(default_factory=dict)

    @property
    def top(self) -> str | None:
        return None if self.fused is None else self.labels[int(np.argmax(self.fused))]

    def to_dict(self) -> dict:
        def probs(p):
            return None if p is None else {k: round(float(v), 4) for k, v in zip(self.labels, p)}
        return {"start": round(self.start, 3), "end": round(self.end, 3),
                "prediction": self.top if self.fused is not None else "no signal",
                "fused": probs(self.fused), "audio": probs(self.audio),
                "video": probs(self.video), "notes": self.notes,
                "face_box": None if self.face_box is None else list(self.face_box),
                "latency_ms": {k: round(v, 2) for k, v in self.latency_ms.items()},
                "cpu_ms": {k: round(v, 2) for k, v in self.cpu_ms.items()}}


class LivePredictor:
    """Results every ``hop`` seconds over the last ``audio_window`` / ``video_window`` seconds
    of each modality. ``audio_model`` and ``video_model`` are zoo models (or trained models that
    carry their ``zoo_info``); either may be None. ``fuser`` is a fusion model over
    ``[p_audio | p_video]`` (default: their average). ``video_frames``: face crops a sliding
    window of a frame model averages (default: the entry's frames per clip; fewer costs less)."""

    def __init__(self, audio_model=None, video_model=None, *, fuser=None, hop: float = HOP,
                 audio_window: float = WINDOW, video_window: float = WINDOW,
                 silence_rms: float = SILENCE_RMS,
                 min_face_fraction: float = MIN_FACE_FRACTION,
                 video_frames: int | None = None) -> None:
        if audio_model is None and video_model is None:
            raise ValueError("LivePredictor needs an audio model, a video model or both")
        if hop <= 0 or audio_window <= 0 or video_window <= 0:
            raise ValueError(f"hop and windows must be > 0 s; got {hop}, {audio_window}, "
                             f"{video_window}")
        self.audio = AudioBranch(audio_model, silence_rms) if audio_model is not None else None
        self.video = (VideoBranch(video_model, min_face_fraction, video_frames)
                      if video_model is not None else None)
        models = [m for m in (audio_model, video_model) if m is not None]
        self.labels = list(models[0].labels)
        if any(list(m.labels) != self.labels for m in models):
            raise ValueError(f"the audio and video models' labels differ: "
                             f"{[list(m.labels) for m in models]}")
        if fuser is None:
            from emobench.models.fusion import ProbabilityAverage
            fuser = ProbabilityAverage(len(self.labels)).fit(None)
        self.fuser = fuser
        self.hop, self.audio_window, self.video_window = float(hop), float(audio_window), \
            float(video_window)
        keep = max(audio_window, video_window) + MAX_LAG + hop
        self.frames = FrameBuffer(keep)
        self.samples = AudioBuffer(self.audio.rate if self.audio else 16000, keep)
        self.notes = (self.audio.notes if self.audio else []) + \
            (self.video.notes if self.video else [])
        self._origin: float | None = None
        self._next: float | None = None  # end of the next hop's windows

    @classmethod
    def from_zoo(cls, audio: str | None = DEFAULT_ENTRIES["audio"],
                 video: str | None = DEFAULT_ENTRIES["video"], **options) -> "LivePredictor":
        """A predictor from zoo entry names (None leaves that branch out)."""
        from emobench.zoo.fetch import load_pretrained

        video_model = load_pretrained(video) if video else None
        if video_model is not None and video_model.zoo_info.get("features") == "face_images":
            options.setdefault("video_frames", FRAME_MODEL_WINDOW_FRAMES)
        return cls(load_pretrained(audio) if audio else None, video_model, **options)

    # -- pushing -------------------------------------------------------------------------
    def push_video(self, frame, t: float) -> list[LiveResult]:
        """One frame shown at ``t`` seconds, a uint8 BGR array ``(H, W, 3)`` or a PyAV
        ``VideoFrame`` (converted only if a window samples it); the completed hops."""
        frame = check_frame(frame)
        self._start(t)
        self.frames.push(frame, t)
        return self._due()

    def push_audio(self, pcm: np.ndarray, sr: int, t: float) -> list[LiveResult]:
        """A chunk of PCM (mono, or ``(n, channels)``; float in [-1, 1] or int16) at ``sr`` Hz
        whose first sample is at ``t`` seconds; the completed hops."""
        pcm = np.asarray(pcm)
        if pcm.dtype == np.int16:
            pcm = pcm.astype(np.float32) / 32768.0
        if pcm.ndim == 2:
            pcm = pcm.mean(axis=1)
        if int(sr) != self.samples.rate:
            from scipy.signal import resample_poly
            g = np.gcd(int(sr), self.samples.rate)
            pcm = resample_poly(pcm, self.samples.rate // g, int(sr) // g)
        self._start(t)
        self.samples.push(pcm, t)
        return self._due()

    def flush(self) -> LiveResult | None:
        """The result over everything still in the windows up to the stream's end (call it when
        the stream ends; a clip shorter than the windows gives one result over all of it)."""
        end = self._clock(max)
        if end is None:
            return None
        return self._predict(end + 1e-6, last=True)

    # -- hops ----------------------------------------------------------------------------
    def _start(self, t: float) -> None:
        if self._origin is None:
            self._origin, self._next = float(t), float(t) + self.hop

    def _clock(self, pick) -> float | None:
        ends = [e for e in (self.frames.end, self.samples.end) if e is not None]
        return pick(ends) if ends else None

    def _due(self) -> list[LiveResult]:
        out = []
        while True:
            lead, lag = self._clock(max), self._clock(min)
            if not (lag >= self._next or lead >= self._next + MAX_LAG):
                return out
            out.append(self._predict(self._next))
            self._next += self.hop

    def _predict(self, end: float, last: bool = False) -> LiveResult:
        clock = Stopwatch()
        notes: list[str] = []
        begin = clock.start()
        audio = video = None
        a0 = max(self._origin, end - self.audio_window)
        v0 = max(self._origin, end - self.video_window)
        if self.audio:
            audio, why = self.audio.predict(self.samples.between(a0, end), clock)
            if why:
                notes.append(f"audio abstains: {why}")
            elif self.audio.context:
                notes.append(self.audio.context)
        if self.video:
            times, frames = self.frames.timed_between(v0, end)
            # the last window over a whole stream is a clip: sampled as emobench predict does
            whole = last and v0 <= self._origin
            video, why = self.video.predict(
                times, frames, clock, span=None if whole else (v0, end), origin=self._origin,
                stride=self.video_window / self.video.window_frames)
            if why:
                notes.append(f"video abstains: {why}")
        start = clock.start()
        fused = self._fuse(audio, video, notes)
        clock.stop("fusion", start)
        clock.stop("total", begin)
        return LiveResult(min(a0, v0), end, self.labels, audio, video, fused, clock.wall,
                          notes, self.video.box if self.video and video is not None else None,
                          clock.cpu)

    def _fuse(self, audio, video, notes) -> np.ndarray | None:
        from emobench.models.fusion import fuse_with_missing

        if audio is None and video is None:
            notes.append("no signal: neither a voice nor a face in the window")
            return None
        if audio is None or video is None:
            if self.audio and self.video:
                notes.append(f"fused = {'video' if audio is None else 'audio'} alone")
            return np.asarray(video if audio is None else audio, np.float32)
        c = len(self.labels)
        row = np.concatenate([audio, video]).astype(np.float32)[None]
        return fuse_with_missing(self.fuser, row)[0][:c]
