"""Frame and audio sources for the live predictor: a media file (PyAV, in presentation order,
optionally paced at its real rate) and a camera (OpenCV) with an optional microphone
(``sounddevice``, the ``live`` extra). Each yields ``("video", frame_bgr, t)`` and
``("audio", pcm, rate, t)`` events."""
from __future__ import annotations

import queue
import time
from pathlib import Path
from typing import Iterator

import numpy as np

AUDIO_RATE = 16000


def file_events(path: str | Path, rate: int = AUDIO_RATE, realtime: bool = False,
                audio: bool = True, bgr: bool = False) -> Iterator[tuple]:
    """The frames and audio (mono float32 at ``rate``, resampled as
    :func:`emobench.preprocess.media.load_audio` does) of one file, in stream order.
    Frames are PyAV ``VideoFrame``s, left in the decoder's format until someone samples them
    (``bgr``: uint8 BGR arrays, as a camera gives). ``realtime`` paces them at the file's
    rate. Raises ``MediaError`` on a bad file."""
    import av

    from emobench.preprocess.media import MediaError, _open, _why

    path = Path(path)
    with _open(path) as container:
        streams = list(container.streams.video[:1])
        if audio:
            streams += list(container.streams.audio[:1])
        if not streams:
            raise MediaError(path, "no audio or video stream")
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        audio_t0, audio_n, wall0 = None, 0, time.perf_counter()
        try:
            for packet in container.demux(*streams):
                for frame in packet.decode():
                    if isinstance(frame, av.AudioFrame):
                        if audio_t0 is None:
                            audio_t0 = float(frame.time or 0.0)
                        frame.pts = None  # as load_audio: the resampler re-times
                        for out in resampler.resample(frame):
                            pcm = out.to_ndarray().reshape(-1)
                            t = audio_t0 + audio_n / rate
                            audio_n += len(pcm)
                            _pace(realtime, wall0, t)
                            yield "audio", pcm, rate, t
                    else:
                        t = float(frame.time or 0.0)
                        _pace(realtime, wall0, t)
                        yield "video", frame.to_ndarray(format="bgr24") if bgr else frame, t
            if audio_t0 is not None:
                for out in resampler.resample(None):
                    pcm = out.to_ndarray().reshape(-1)
                    yield "audio", pcm, rate, audio_t0 + audio_n / rate
                    audio_n += len(pcm)
        except (av.FFmpegError, OSError) as err:
            raise MediaError(path, f"corrupt stream: {_why(err)}") from None


def _pace(realtime: bool, wall0: float, t: float) -> None:
    if realtime:
        wait = t - (time.perf_counter() - wall0)
        if wait > 0:
            time.sleep(wait)


def camera_events(index: int, mic: bool = False, rate: int = AUDIO_RATE) -> Iterator[tuple]:
    """Frames of camera ``index`` (OpenCV) and, with ``mic``, the default microphone's audio
    (``sounddevice``, whose callback thread fills a queue drained between frames); timestamps
    are seconds since the start. Runs until the camera stops giving frames."""
    import cv2

    capture = cv2.VideoCapture(int(index))
    if not capture.isOpened():
        raise RuntimeError(f"camera {index}: cannot be opened (OpenCV VideoCapture)")
    chunks: queue.Queue = queue.Queue()
    stream = None
    t0 = time.perf_counter()
    if mic:
        try:
            import sounddevice
        except ImportError:
            raise RuntimeError("--mic needs the sounddevice package: "
                               "pip install 'emobench[live]'") from None

        def callback(data, frames, when, status):  # sounddevice's thread
            chunks.put((data[:, 0].copy(), time.perf_counter() - t0 - frames / rate))

        stream = sounddevice.InputStream(samplerate=rate, channels=1, dtype="float32",
                                         callback=callback)
        stream.start()
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                return
            t = time.perf_counter() - t0
            while not chunks.empty():
                pcm, at = chunks.get_nowait()
                yield "audio", pcm, rate, at
            yield "video", frame, t
    finally:
        capture.release()
        if stream is not None:
            stream.stop()
            stream.close()


def run(predictor, events) -> Iterator:
    """Push every event into ``predictor``; yields ``(result, decode_ms)`` for each completed
    hop (``decode_ms``: time spent getting the events since the last result, also in the
    result's ``latency_ms["decode"]``, its CPU time in ``cpu_ms["decode"]``), then the flush."""
    wall = cpu = 0.0
    it = iter(events)

    def done(result):
        result.latency_ms["decode"], result.cpu_ms["decode"] = wall, cpu
        return result, wall

    while True:
        start, start_cpu = time.perf_counter(), time.process_time()
        try:
            event = next(it)
        except StopIteration:
            break
        wall += (time.perf_counter() - start) * 1000.0
        cpu += (time.process_time() - start_cpu) * 1000.0
        results = (predictor.push_video(event[1], event[2]) if event[0] == "video"
                   else predictor.push_audio(event[1], event[2], event[3]))
        for result in results:
            yield done(result)
            wall = cpu = 0.0
    last = predictor.flush()
    if last is not None:
        yield done(last)
