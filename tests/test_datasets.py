"""Adapters on folders written in each dataset's layout, including misnamed and corrupt files."""
import csv
import wave
from pathlib import Path

import numpy as np
import pytest

from emobench.datasets import describe, detect_layout, load_dataset
from emobench.datasets.files import check_media_file

MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 64
AVI_HEAD = b"RIFF\x00\x10\x00\x00AVI LIST" + b"\x00" * 64
PNG_HEAD = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def write_wav(path: Path, seconds: float = 0.05) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(np.zeros(int(16000 * seconds), np.int16).tobytes())
    return path


def write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def ravdess_dir(tmp_path):
    root = tmp_path / "ravdess"
    for actor in (1, 2, 3):
        for emo in range(1, 9):
            stem = f"01-01-{emo:02d}-01-01-01-{actor:02d}"
            write_bytes(root / f"Actor_{actor:02d}" / f"{stem}.mp4", MP4_HEAD)
            write_wav(root / f"Actor_{actor:02d}" / f"03-01-{emo:02d}-01-01-01-{actor:02d}.wav")
    write_bytes(root / "Actor_01" / "01-02-03-01-01-01-01.mp4", MP4_HEAD)  # song
    bad = {
        "Actor_01/clip.mp4": (MP4_HEAD, "MM-VV-EE"),
        "Actor_01/01-01-09-01-01-01-01.mp4": (MP4_HEAD, "emotion code 09"),
        "Actor_01/01-01-03-01-01-01-02.mp4": (MP4_HEAD, "folder Actor_01"),
        "Actor_02/01-01-03-02-02-02-02.mp4": (b"", "empty file"),
        "Actor_02/01-01-04-02-02-02-02.mp4": (b"this is not a video, just text", "bad header"),
        "Actor_03/03-01-03-01-01-01-03.mp4": (MP4_HEAD, "needs .wav or .flac"),
        "loose/01-01-03-01-01-01-05.mp4": (MP4_HEAD, "Actor_XX"),
    }
    for rel, (data, _) in bad.items():
        write_bytes(root / rel, data)
    return root, {str(root / rel): reason for rel, (_, reason) in bad.items()}


def test_ravdess_prefers_av_clips_and_maps_labels(ravdess_dir):
    root, _ = ravdess_dir
    scan = load_dataset("ravdess", root)
    assert len(scan.clips) == 3 * 7  # calm excluded
    assert {c.modality for c in scan.clips} == {"av"}
    assert scan.speakers() == ["01", "02", "03"]
    clip = next(c for c in scan.clips if c.clip_id == "Actor_02/01-01-05-01-01-01-02")
    assert clip.emotion == "angry" and clip.speaker == "02" and clip.fields["gender"] == "female"
    assert clip.fields["vocal_channel"] == "speech" and clip.has_audio and clip.has_video
    reasons = [r.reason for r in scan.excluded]
    assert sum("calm" in r for r in reasons) == 3
    assert any("song" in r for r in reasons)


def test_ravdess_rejects_every_misnamed_or_corrupt_file_with_its_reason(ravdess_dir):
    root, expected = ravdess_dir
    scan = load_dataset("ravdess", root)
    got = {str(r.path): r.reason for r in scan.rejected}
    assert set(got) == set(expected)
    for path, fragment in expected.items():
        assert fragment in got[path], (path, got[path])
    assert all(str(r).startswith(str(r.path) + ": ") and "\n" not in str(r) for r in scan.rejected)


def test_ravdess_audio_only_and_calm_options(ravdess_dir):
    root, _ = ravdess_dir
    scan = load_dataset("ravdess", root, modalities=("audio",), include_calm=True)
    assert len(scan.clips) == 3 * 8 and {c.modality for c in scan.clips} == {"audio"}
    assert {c.path.suffix for c in scan.clips} == {".wav"}


def test_ravdess_reads_flac(tmp_path):
    import av

    path = tmp_path / "Actor_07" / "03-01-03-02-01-02-07.flac"
    path.parent.mkdir()
    with av.open(str(path), "w", format="flac") as out:
        stream = out.add_stream("flac", rate=16000, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1600), np.int16), format="s16",
                                           layout="mono")
        frame.sample_rate = 16000
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    scan = load_dataset("ravdess", tmp_path)
    assert [(c.emotion, c.speaker, c.fields["intensity"]) for c in scan.clips] == [
        ("happy", "07", 2)]


def test_rml_subject_folders_languages_and_bad_names(tmp_path):
    root = tmp_path / "rml"
    write_bytes(root / "s1" / "an1.avi", AVI_HEAD)
    write_bytes(root / "s1" / "su12.avi", AVI_HEAD)
    write_bytes(root / "s2" / "english" / "ha3.avi", AVI_HEAD)
    write_bytes(root / "s2" / "english" / "xx1.avi", AVI_HEAD)
    write_bytes(root / "s2" / "ne1.avi", AVI_HEAD)
    write_bytes(root / "s3" / "sa1.avi", b"garbage bytes here, no RIFF")
    write_bytes(root / "s3" / "notes.doc", b"x")
    scan = load_dataset("rml", root)
    got = {(c.clip_id, c.emotion, c.speaker, c.fields["language"]) for c in scan.clips}
    assert got == {("s1/an1", "angry", "s1", None), ("s1/su12", "surprise", "s1", None),
                   ("s2/english/ha3", "happy", "s2", "english")}
    rejected = {r.path.name: r.reason for r in scan.rejected}
    assert set(rejected) == {"xx1.avi", "ne1.avi", "sa1.avi", "notes.doc"}
    assert "emotion key" in rejected["ne1.avi"] and "bad header" in rejected["sa1.avi"]


def test_affectnet_csv_maps_codes_and_reports_bad_rows(tmp_path):
    root = tmp_path / "affectnet"
    images = root / "Manually_Annotated_Images"
    for i in range(5):
        write_bytes(images / "101" / f"img{i}.png", PNG_HEAD)
    rows = [("101/img0.png", "6"), ("101/img1.png", "0"), ("101/img2.png", "7"),
            ("101/img3.png", "9"), ("101/img4.png", "eleven"), ("101/missing.png", "1"),
            ("101/img0.png", "12")]
    with open(root / "training.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["subDirectory_filePath", "face_x", "expression", "valence"])
        for path, code in rows:
            w.writerow([path, 0, code, 0.1])
    scan = load_dataset("affectnet", root)
    assert [(c.clip_id, c.emotion) for c in scan.clips] == [("101/img0", "angry"),
                                                          ("101/img1", "neutral")]
    assert len(scan.excluded) == 2  # contempt and 'uncertain'
    reasons = sorted(r.reason for r in scan.rejected)
    assert any("not an integer" in r for r in reasons)
    assert any("missing" in r for r in reasons) and any("not 0-10" in r for r in reasons)
    assert all(":" in str(r.path) for r in scan.rejected if "missing" not in r.reason)


def test_image_folder_labels_and_contempt(tmp_path):
    root = tmp_path / "ck"
    write_bytes(root / "anger" / "S010_004_00000017.png", PNG_HEAD)
    write_bytes(root / "sadness" / "S011_002_00000010.png", PNG_HEAD)
    write_bytes(root / "contempt" / "S012_001_00000001.png", PNG_HEAD)
    write_bytes(root / "boredom" / "x.png", PNG_HEAD)
    write_bytes(root / "happy" / "broken.png", b"not png")
    scan = load_dataset("images", root)
    assert sorted((c.emotion, c.speaker) for c in scan.clips) == [("angry", "S010"),
                                                                  ("sad", "S011")]
    assert len(scan.excluded) == 1
    assert sorted(r.path.name for r in scan.rejected) == ["broken.png", "x.png"]


def test_detect_layout_and_describe(ravdess_dir, tmp_path):
    root, _ = ravdess_dir
    assert detect_layout(root) == "ravdess"
    write_bytes(tmp_path / "faces" / "happy" / "a.png", PNG_HEAD)
    assert detect_layout(tmp_path / "faces") == "images"
    text = describe(load_dataset("auto", root))
    assert "21 clips, 3 speakers" in text and "rejected:" in text and "angry" in text
    with pytest.raises(ValueError, match="needs its folder"):
        load_dataset("rml")
    with pytest.raises(FileNotFoundError, match="not found"):
        load_dataset("ravdess", tmp_path / "nope")


def test_header_check_reasons(tmp_path):
    assert check_media_file(write_wav(tmp_path / "ok.wav")) is None
    assert "empty" in check_media_file(write_bytes(tmp_path / "e.wav", b""))
    assert "bad header" in check_media_file(write_bytes(tmp_path / "t.flac", b"text" * 8))


@pytest.mark.realdata
def test_real_ravdess_speech_and_rml(real_data):
    scan = load_dataset("ravdess", real_data / "ravdess-speech")
    assert len(scan.clips) == 12 * 52 and not scan.rejected  # 720 minus 96 calm
    assert scan.speakers() == [f"{a:02d}" for a in range(1, 13)]
    rml = load_dataset("rml", real_data / "rml-sample")
    assert len(rml.clips) == 11 and not rml.rejected
    ck = load_dataset("images", real_data / "ck48")
    assert len(ck.clips) + len(ck.excluded) == 981 and not ck.rejected
