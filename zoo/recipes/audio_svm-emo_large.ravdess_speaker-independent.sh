#!/bin/sh
# Recipe of zoo entry audio_svm-emo_large.ravdess_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made audio_svm-emo_large.ravdess_speaker-independent-42cbccf0.zip (sha256 42cbccf0a32092b7feb7e654076a51faefd18fd145f05bd691d8825b8e06f947) in run 20261124-130430-4d720d, cell ff578ae18fec47e0
# (fold 1 of 3), git bf461dfdb01c108df2e5bb14ff022e4c89676341+dirty.
# Run from the root of an emobench checkout. Training on CPU is not bit-for-bit
# deterministic: a rerun gives the same cell key, close but not identical weights.
set -e

# 1. Data: RAVDESS audio-only speech, speakers 01-12: 624 clips (calm left out).
#    expected at ../shared/data/ravdess-speech (dataset id 6a78df0048f2)

# 2. The run (every fold of the cell; the entry is one fold's model):
emobench run --suite audio --models audio_svm --dataset ravdess --data-root ../shared/data/ravdess-speech --folds 3 --rml-root ../shared/data/rml-sample --run-dir runs/zoo/ravdess-svm -j 2 --no-progress

# 3. Package that cell as the entry (--ship adds it to the package and zoo/):
emobench zoo export --run-dir runs/zoo/ravdess-svm --cell ff578ae18fec47e0 --name audio_svm-emo_large.ravdess_speaker-independent --ship
