#!/bin/sh
# Recipe of zoo entry audio_logreg-emo_large.ravdess_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made audio_logreg-emo_large.ravdess_speaker-independent-7e4892c5.zip (sha256 7e4892c58f4057e9c9963994215686ec28e8e794dc756cd8864106b979803976), git 343237edabab7bada38dc8c179f0771a2d6058da+dirty.
# Run from the root of an emobench checkout (features come from the preprocessing cache, or are computed).
set -e

# Data: RAVDESS audio-only speech, speakers 01-12: 624 clips (calm left out) (dataset id 6a78df0048f2).
python -m emobench.zoo.export_audio --model audio_logreg --features emo_large --speaker-norm --data-root ../shared/data/ravdess-speech --cross ../shared/data/emodb --out zoo-export --ship
