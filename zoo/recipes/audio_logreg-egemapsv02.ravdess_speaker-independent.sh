#!/bin/sh
# Recipe of zoo entry audio_logreg-egemapsv02.ravdess_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made audio_logreg-egemapsv02.ravdess_speaker-independent-ba57e47e.zip (sha256 ba57e47ea5d9d05901ef5849231a95965233673abefe8a7e9c6254969fd273e0), git 343237edabab7bada38dc8c179f0771a2d6058da+dirty.
# Run from the root of an emobench checkout (features come from the preprocessing cache, or are computed).
set -e

# Data: RAVDESS audio-only speech, speakers 01-12: 624 clips (calm left out) (dataset id 6a78df0048f2).
python -m emobench.zoo.export_audio --model audio_logreg --features eGeMAPSv02 --speaker-norm --data-root ../shared/data/ravdess-speech --cross ../shared/data/emodb --out zoo-export --ship
