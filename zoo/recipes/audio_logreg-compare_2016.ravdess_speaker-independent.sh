#!/bin/sh
# Recipe of zoo entry audio_logreg-compare_2016.ravdess_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made audio_logreg-compare_2016.ravdess_speaker-independent-c9d93a35.zip (sha256 c9d93a355b89140b7da7491f2781a0ec6baedefd7aa12fee5b4bcbd74f3ad884), git cae250978b1570900e74cf4836352c845f1e2cb9.
# Run from the root of an emobench checkout (features come from the preprocessing cache, or are computed).
set -e

# Data: RAVDESS audio-only speech, speakers 01-12: 624 clips (calm left out) (dataset id 6a78df0048f2).
python -m emobench.zoo.export_audio --model audio_logreg --features ComParE_2016 --speaker-norm --no-context-copies --data-root ../shared/data/ravdess-speech --cross ../shared/data/emodb --out /tmp/zoo-export --ship
