#!/bin/sh
# Recipe of zoo entry audio_svm-emobase.ravdess_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made audio_svm-emobase.ravdess_speaker-independent-7f24bad4.zip (sha256 7f24bad4a29902dc94a1015319ffdb7903f556542a34a7eddcb3db4fe47e2738), git 697ab94908f4f73f365b039cf99804e18f3aa333+dirty.
# Run from the root of an emobench checkout (features come from the preprocessing cache, or are computed).
set -e

# Data: RAVDESS audio-only speech, speakers 01-12: 624 clips (calm left out) (dataset id 6a78df0048f2).
python -m emobench.zoo.export_audio --model audio_svm --features emobase --data-root ../shared/data/ravdess-speech --cross ../shared/data/emodb --out /tmp/zoo-export2 --name audio_svm-emobase.ravdess_speaker-independent --ship
