#!/bin/sh
# Recipe of zoo entry audio_logreg-emobase2010.ravdess_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made audio_logreg-emobase2010.ravdess_speaker-independent-242d9a6f.zip (sha256 242d9a6fd215c662c71a2fe5e810dd809244e0c5b66e689d3d0864358fe6504c), git 6b46f37cfac810b1baf449f8a3815be60df646c8+dirty.
# Run from the root of an emobench checkout (features come from the preprocessing cache, or are computed).
set -e

# Data: RAVDESS audio-only speech, speakers 01-12: 624 clips (calm left out) (dataset id 6a78df0048f2).
python -m emobench.zoo.export_audio --model audio_logreg --features emobase2010 --speaker-norm --data-root ../shared/data/ravdess-speech --cross ../shared/data/emodb --out zoo-export --ship
