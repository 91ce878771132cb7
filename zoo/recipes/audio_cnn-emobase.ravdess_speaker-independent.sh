#!/bin/sh
# Recipe of zoo entry audio_cnn-emobase.ravdess_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made audio_cnn-emobase.ravdess_speaker-independent-d2d6a880.zip (sha256 d2d6a880b15ed2969e842a3568154a26fabeab4e83156b318091755c4e18c696) in run 20261124-123537-42bb3c, cell a2986075e462e50b
# (fold 1 of 3), git b567e6580293b77125318591816ac3c82c4083de+dirty.
# Run from the root of an emobench checkout. Training on CPU is not bit-for-bit
# deterministic: a rerun gives the same cell key, close but not identical weights.
set -e

# 1. Data: RAVDESS audio-only speech, speakers 01-12: 624 clips (calm left out).
#    expected at ../shared/data/ravdess-speech (dataset id 6a78df0048f2)

# 2. The run (every fold of the cell; the entry is one fold's model):
emobench run --suite audio --models audio_cnn --dataset ravdess --data-root ../shared/data/ravdess-speech --folds 3 --epochs 30 --patience 0 --rml-root ../shared/data/rml-sample --run-dir runs/zoo/ravdess-audio -j 2 --no-progress

# 3. Package that cell as the entry (--ship adds it to the package and zoo/):
emobench zoo export --run-dir runs/zoo/ravdess-audio --cell a2986075e462e50b --name audio_cnn-emobase.ravdess_speaker-independent --ship
