#!/bin/sh
# Recipe of zoo entry audio_svm-emobase2010.ravdess_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made audio_svm-emobase2010.ravdess_speaker-independent-255ec2d5.zip (sha256 255ec2d58be40ff3c7c04c7dca979460cdeebb497f64ce7fcc402262757bebe8), git 343237edabab7bada38dc8c179f0771a2d6058da+dirty.
# Run from the root of an emobench checkout (features come from the preprocessing cache, or are computed).
set -e

# Data: RAVDESS audio-only speech, speakers 01-12: 624 clips (calm left out) (dataset id 6a78df0048f2).
python -m emobench.zoo.export_audio --model audio_svm --features emobase2010 --speaker-norm --data-root ../shared/data/ravdess-speech --cross ../shared/data/emodb --out /tmp/lead/ship_svm2010 --name audio_svm-emobase2010.ravdess_speaker-independent --ship
