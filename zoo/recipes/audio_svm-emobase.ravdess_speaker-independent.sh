#!/bin/sh
# Recipe of zoo entry audio_svm-emobase.ravdess_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made audio_svm-emobase.ravdess_speaker-independent-6203fcb6.zip (sha256 6203fcb66c34d73572b93b06f94eb14a3859e6b49681784ba753b39dd5d2051a), git 343237edabab7bada38dc8c179f0771a2d6058da+dirty.
# Run from the root of an emobench checkout (features come from the preprocessing cache, or are computed).
set -e

# Data: RAVDESS audio-only speech, speakers 01-12: 624 clips (calm left out) (dataset id 6a78df0048f2).
python -m emobench.zoo.export_audio --model audio_svm --features emobase --data-root ../shared/data/ravdess-speech --cross ../shared/data/emodb --out /tmp/lead/ship_svm09 --name audio_svm-emobase.ravdess_speaker-independent --ship
