#!/bin/sh
# Recipe of zoo entry audio_logreg-emobase2010.ravdess_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made audio_logreg-emobase2010.ravdess_speaker-independent-c2404ccf.zip (sha256 c2404ccf5fe6851029d08cd107a6fa9bc69f6b6d9c1faf69126c6fe8098d3f59), git 343237edabab7bada38dc8c179f0771a2d6058da+dirty.
# Run from the root of an emobench checkout (features come from the preprocessing cache, or are computed).
set -e

# Data: RAVDESS audio-only speech, speakers 01-12: 624 clips (calm left out) (dataset id 6a78df0048f2).
python -m emobench.zoo.export_audio --model audio_logreg --features emobase2010 --speaker-norm --data-root ../shared/data/ravdess-speech --cross ../shared/data/emodb --out zoo-export --ship
