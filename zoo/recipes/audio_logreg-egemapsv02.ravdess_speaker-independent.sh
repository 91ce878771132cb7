#!/bin/sh
# Recipe of zoo entry audio_logreg-egemapsv02.ravdess_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made audio_logreg-egemapsv02.ravdess_speaker-independent-123dbba0.zip (sha256 123dbba0e9ce3c8a7dada8ea0df5d92fa8a2361c1fa1a6bd7fb459a930dc7f05), git 94d79d8143785e2530d2dd5492190f39870d0737+dirty.
# Run from the root of an emobench checkout (features come from the preprocessing cache, or are computed).
set -e

# Data: RAVDESS audio-only speech, speakers 01-12: 624 clips (calm left out) (dataset id 6a78df0048f2).
python -m emobench.zoo.export_audio --model audio_logreg --features eGeMAPSv02 --speaker-norm --data-root ../shared/data/ravdess-speech --cross ../shared/data/emodb --out zoo-export --ship
