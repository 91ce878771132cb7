#!/bin/sh
# Recipe of zoo entry audio_svm-emobase2010.ravdess_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made audio_svm-emobase2010.ravdess_speaker-independent-f73040c8.zip (sha256 f73040c8181da5bad5710cb0c3b3667b1994182471098a0076e948f5b0310d6d), git 697ab94908f4f73f365b039cf99804e18f3aa333+dirty.
# Run from the root of an emobench checkout (features come from the preprocessing cache, or are computed).
set -e

# Data: RAVDESS audio-only speech, speakers 01-12: 624 clips (calm left out) (dataset id 6a78df0048f2).
python -m emobench.zoo.export_audio --model audio_svm --features emobase2010 --speaker-norm --no-context-copies --data-root ../shared/data/ravdess-speech --cross ../shared/data/emodb --out /tmp/zoo-export2 --name audio_svm-emobase2010.ravdess_speaker-independent --ship
