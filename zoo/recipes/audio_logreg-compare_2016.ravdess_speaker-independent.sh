#!/bin/sh
# Recipe of zoo entry audio_logreg-compare_2016.ravdess_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made audio_logreg-compare_2016.ravdess_speaker-independent-4881c435.zip (sha256 4881c435fecebcc96e55eadd54e87583253b3902f8a3f00452c61a12dd675e04), git 122314a1a79739830cb72db74e1ef2271aec8274+dirty.
# Run from the root of an emobench checkout (features come from the preprocessing cache, or are computed).
set -e

# Data: RAVDESS audio-only speech, speakers 01-12: 624 clips (calm left out) (dataset id 6a78df0048f2).
python -m emobench.zoo.export_audio --model audio_logreg --features ComParE_2016 --speaker-norm --data-root ../shared/data/ravdess-speech --cross ../shared/data/emodb --out zoo-export --ship
