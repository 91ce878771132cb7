"""PyAV decoding: audio as mono float32 at a chosen rate, evenly spaced RGB frames, and a one-line
MediaError for every kind of bad file."""
from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from emobench.preprocess.media import (MediaError, evenly_spaced, load_audio, read_frames,
                                       sample_frames, video_info)
from media_samples import truncated_copy, write_video, write_wav


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("media")
    files = {
        "wav": write_wav(d / "voice.wav", 1.0, rate=16000),
        "flac48": write_wav(d / "voice.flac", 1.0, rate=48000),
        "mp4": write_video(d / "av.mp4", 1.0, fps=25),
        "avi": write_video(d / "silent.avi", 1.0, fps=25, audio=False),
        "mp4_noaudio": write_video(d / "silent.mp4", 1.0, audio=False),
        "mp4_novideo": write_video(d / "voice_only.mp4", 1.0, video=False),
        "zero_frames": write_video(d / "zero_frames.avi", 1.0, frames=0),
        "empty": d / "empty.mp4",
        "text": d / "notes.mp4",
    }
    files["empty"].write_bytes(b"")
    files["text"].write_text("this is a text file renamed to .mp4\n" * 20)
    files["truncated"] = truncated_copy(files["mp4"], d / "truncated.mp4", 0.5)
    # an .mp4 whose index survives at the front (faststart) but whose frames are cut off
    with av.open(str(d / "faststart.mp4"), "w", options={"movflags": "faststart"}) as out:
        vs = out.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        for i in range(50):
            img = np.random.default_rng(i).integers(0, 255, (48, 64, 3), dtype=np.uint8)
            for packet in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in vs.encode(None):
            out.mux(packet)
    files["cut_frames"] = truncated_copy(d / "faststart.mp4", d / "cut_frames.mp4", 0.5)
    return files


def _bar_position(frame: np.ndarray) -> int:
    return int(np.argmax(frame[frame.shape[0] // 2, :, 0]))


@pytest.mark.parametrize("name, rate, seconds", [("wav", 16000, 1.0), ("flac48", 16000, 1.0),
                                                 ("mp4", 16000, 1.0), ("mp4", 8000, 1.0)])
def test_load_audio_is_mono_float32_at_the_requested_rate(media, name, rate, seconds):
    x = load_audio(media[name], rate)
    assert x.dtype == np.float32 and x.ndim == 1
    assert abs(len(x) - rate * seconds) < 0.02 * rate  # AAC adds a few ms of priming
    assert 0.3 < np.abs(x).max() <= 1.0
    assert np.isfinite(x).all()


def test_resampling_keeps_the_signal(media):
    """The 48 kHz FLAC decoded at 16 kHz matches the same voice written at 16 kHz."""
    a, b = load_audio(media["flac48"], 16000), load_audio(media["wav"], 16000)
    n = min(len(a), len(b))
    assert np.corrcoef(a[:n], b[:n])[0, 1] > 0.9  # a wrong rate or channel mix gives ~0


def test_video_info(media):
    assert video_info(media["mp4"]) == (25, 25.0, 64, 48)
    assert video_info(media["avi"])[0] == 25


@pytest.mark.parametrize("name", ["mp4", "avi"])
def test_sample_frames_are_evenly_spaced_rgb(media, name):
    frames = sample_frames(media[name], 5)
    assert frames.shape == (5, 48, 64, 3) and frames.dtype == np.uint8
    positions = [_bar_position(f) for f in frames]
    assert positions == sorted(positions) and len(set(positions)) == 5
    assert positions[0] < 16 and positions[-1] > 44  # spans the whole clip


def test_sample_more_frames_than_the_video_has_repeats_frames(media):
    frames = sample_frames(media["mp4"], 40)
    assert frames.shape[0] == 40
    assert len({_bar_position(f) for f in frames}) == 25


def test_read_frames_keeps_the_requested_order(media):
    frames = read_frames(media["avi"], [24, 0, 12, 0])
    pos = [_bar_position(f) for f in frames]
    assert pos[1] == pos[3] < pos[2] < pos[0]
    with pytest.raises(MediaError, match="truncated: frame 99 requested, 25 decodable"):
        read_frames(media["avi"], [0, 99])


def test_evenly_spaced():
    assert evenly_spaced(10, 5).tolist() == [1, 3, 5, 7, 9]
    assert evenly_spaced(3, 6).tolist() == [0, 0, 1, 1, 2, 2]


BAD = [  # file, reader, expected reason
    ("empty", "audio", "empty file (0 bytes)"),
    ("empty", "video", "empty file (0 bytes)"),
    ("text", "audio", "unreadable or corrupt"),
    ("text", "video", "unreadable or corrupt"),
    ("truncated", "audio", "unreadable or corrupt"),
    ("truncated", "video", "unreadable or corrupt"),
    ("cut_frames", "video", "truncated: "),
    ("missing", "audio", "no such file"),
    ("avi", "audio", "no audio stream"),
    ("mp4_noaudio", "audio", "no audio stream"),
    ("mp4_novideo", "video", "no video stream"),
    ("wav", "video", "no video stream"),
    ("zero_frames", "video", "video stream has zero frames"),
]


@pytest.mark.parametrize("name, reader, reason", BAD)
def test_bad_input_raises_one_line_media_error(media, tmp_path, name, reader, reason):
    path = media.get(name, tmp_path / "missing.mp4")
    with pytest.raises(MediaError) as info:
        if reader == "audio":
            load_audio(path)
        else:
            sample_frames(path, 4)
    err = info.value
    assert reason in err.reason
    assert str(err).startswith(f"{path}: ") and "\n" not in str(err)
    assert isinstance(err, ValueError)  # batch stages remember input errors as skips


def test_zero_frame_video_still_has_its_audio(media):
    assert len(load_audio(media["zero_frames"])) > 8000


@pytest.mark.realdata
def test_real_recordings_decode(real_data):
    flac = sorted((real_data / "ravdess-speech" / "Actor_01").glob("*.flac"))[0]
    x = load_audio(flac, 16000)
    assert 2.0 < len(x) / 16000 < 6.0 and np.abs(x).max() > 0.01
    avi = sorted((real_data / "rml-sample").rglob("*.avi"))[0]
    n, fps, w, h = video_info(avi)
    assert n > 30 and (w, h) == (320, 240) and abs(fps - 30) < 1
    assert sample_frames(avi, 4).shape == (4, 240, 320, 3)
    assert len(load_audio(avi, 16000)) > 16000  # 44.1 kHz stereo PCM -> 16 kHz mono
