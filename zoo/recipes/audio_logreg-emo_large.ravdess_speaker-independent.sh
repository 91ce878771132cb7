#!/bin/sh
# Recipe of zoo entry audio_logreg-emo_large.ravdess_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made audio_logreg-emo_large.ravdess_speaker-independent-063b31f5.zip (sha256 063b31f5c9bbd90fac5fa84cc842b7c7f507c36c9cd7acc9a31ac0f9f83143ca), git 066e7634f5ff9638acea2f673446ca8bf5c10e7e.
# Run from the root of an emobench checkout (features come from the preprocessing cache, or are computed).
set -e

# Data: RAVDESS audio-only speech, speakers 01-12: 624 clips (calm left out) (dataset id 6a78df0048f2).
python -m emobench.zoo.export_audio --model audio_logreg --features emo_large --speaker-norm --data-root ../shared/data/ravdess-speech --cross ../shared/data/emodb --out /tmp/zoo-export --ship
