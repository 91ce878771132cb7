"""The FER2013 report's sections: epoch selection note, real audio-visual fusion, speed."""
from __future__ import annotations

from emobench.report.fer2013 import _selection_note, render_bench, render_fusion


def test_selection_note_says_whether_publictest_chose_the_epoch():
    scores = {"PublicTest": {}}
    assert "optimistic" in _selection_note({"scores": scores})
    clean = _selection_note({"scores": scores, "selected_on": "a stratified 10% of Training",
                             "n_holdout": 2871})
    assert "clean" in clean and "2871" in clean and "PrivateTest is absent" in clean


def test_fusion_section_lists_every_branch_with_what_it_was_fitted_on():
    s = {"accuracy": 3 / 7, "uar": 0.4, "pred": ["happy"] * 7, "n": 7}
    fusion = {"test": {"actor": "05", "truth": ["happy"] * 7, "clips": []},
              "audio_model": {"model": "audio_svm", "features": "emobase2010",
                              "trained_on": "RAVDESS speech, actors 01-04", "clips": 208},
              "face_model": "/x/best.keras", "svm_fit": {"clips": 11},
              "scores": {k: s for k in ("audio", "video", "fusion_avg", "fusion_svm_loo",
                                        "fusion_svm_rml")}}
    fusion["scores_speaker_norm"] = fusion["scores"]
    text = render_fusion(fusion)
    assert text.count("| 0.429 | 0.400 |") == 9 and "leave one clip out" in text
    assert text.count("| speaker-norm |") == 4
    assert "the 11 clips of the RML sample" in text and "ever saw actor 05" in text
    assert "(0 of the 7 clips)" in text  # every class appears twice or more


def test_bench_section_reads_pytest_benchmark_json():
    bench = {"machine_info": {"cpu": {"brand_raw": "CPU X"}}, "benchmarks": [
        {"name": "test_fer2013_epoch_time[resnet50]",
         "extra_info": {"fer2013_epoch_s": 812.4, "params": 23_600_000}},
        {"name": "test_face_model_per_frame_inference[32]",
         "extra_info": {"per_frame_ms": 0.51, "batch": 32}}]}
    text = render_bench(bench)
    assert "812 s per FER2013 epoch" in text and "0.51 ms per frame at batch 32" in text
    assert "CPU X" in text and "upper bounds" in text
