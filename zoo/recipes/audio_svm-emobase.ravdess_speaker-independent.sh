#!/bin/sh
# Recipe of zoo entry audio_svm-emobase.ravdess_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made audio_svm-emobase.ravdess_speaker-independent-75d2c696.zip (sha256 75d2c696ee673e40996404b0063fec651707964f097728bcd71325262164dea7), git f9069722387a83839c175236548ec0274cafa8a6+dirty.
# Run from the root of an emobench checkout (features come from the preprocessing cache, or are computed).
set -e

# Data: RAVDESS audio-only speech, speakers 01-12: 624 clips (calm left out) (dataset id 6a78df0048f2).
python -m emobench.zoo.export_audio --model audio_svm --features emobase --data-root ../shared/data/ravdess-speech --cross ../shared/data/emodb --out /tmp/lead/ship_svm09 --name audio_svm-emobase.ravdess_speaker-independent --ship
