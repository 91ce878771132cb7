#!/bin/sh
# Recipe of zoo entry audio_logreg-emo_large.ravdess_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made audio_logreg-emo_large.ravdess_speaker-independent-12cad817.zip (sha256 12cad81712352c2d8f85cd5ff1456dd3e390e23b373e1ec08d5d5a0478481a9f), git cae250978b1570900e74cf4836352c845f1e2cb9+dirty.
# Run from the root of an emobench checkout (features come from the preprocessing cache, or are computed).
set -e

# Data: RAVDESS audio-only speech, speakers 01-12: 624 clips (calm left out) (dataset id 6a78df0048f2).
python -m emobench.zoo.export_audio --model audio_logreg --features emo_large --speaker-norm --no-context-copies --data-root ../shared/data/ravdess-speech --cross ../shared/data/emodb --out /tmp/zoo-export --ship
