#!/bin/sh
# Recipe of zoo entry audio_logreg-emo_large.ravdess_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made audio_logreg-emo_large.ravdess_speaker-independent-413b3f56.zip (sha256 413b3f5621df0aa1dbf67ba2c144e9b49afba409c714acdc902275433a10d665), git 8c2616bab10f9f1ec236772cac514cace8edc59a+dirty.
# Run from the root of an emobench checkout (features come from the preprocessing cache, or are computed).
set -e

# Data: RAVDESS audio-only speech, speakers 01-12: 624 clips (calm left out) (dataset id 6a78df0048f2).
python -m emobench.zoo.export_audio --model audio_logreg --features emo_large --speaker-norm --data-root ../shared/data/ravdess-speech --cross ../shared/data/emodb --out zoo-export --ship
