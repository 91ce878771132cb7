#!/bin/sh
# Recipe of zoo entry audio_logreg-egemapsv02.ravdess_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made audio_logreg-egemapsv02.ravdess_speaker-independent-52b31f32.zip (sha256 52b31f323e7da6b0e64c5626d1983fdf7979d15f6d9207292d7f2908a876bd42), git cae250978b1570900e74cf4836352c845f1e2cb9+dirty.
# Run from the root of an emobench checkout (features come from the preprocessing cache, or are computed).
set -e

# Data: RAVDESS audio-only speech, speakers 01-12: 624 clips (calm left out) (dataset id 6a78df0048f2).
python -m emobench.zoo.export_audio --model audio_logreg --features eGeMAPSv02 --speaker-norm --no-context-copies --data-root ../shared/data/ravdess-speech --cross ../shared/data/emodb --out /tmp/zoo-export --ship
