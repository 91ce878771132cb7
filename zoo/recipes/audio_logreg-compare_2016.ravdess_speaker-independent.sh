#!/bin/sh
# Recipe of zoo entry audio_logreg-compare_2016.ravdess_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made audio_logreg-compare_2016.ravdess_speaker-independent-48d92b67.zip (sha256 48d92b67388572305d5dbe17c6940a387cd65d4e3c4177e09770934953d7098e), git 343237edabab7bada38dc8c179f0771a2d6058da+dirty.
# Run from the root of an emobench checkout (features come from the preprocessing cache, or are computed).
set -e

# Data: RAVDESS audio-only speech, speakers 01-12: 624 clips (calm left out) (dataset id 6a78df0048f2).
python -m emobench.zoo.export_audio --model audio_logreg --features ComParE_2016 --speaker-norm --data-root ../shared/data/ravdess-speech --cross ../shared/data/emodb --out zoo-export --ship
