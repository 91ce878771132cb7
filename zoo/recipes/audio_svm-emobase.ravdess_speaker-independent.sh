#!/bin/sh
# Recipe of zoo entry audio_svm-emobase.ravdess_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made audio_svm-emobase.ravdess_speaker-independent-cdd76b1b.zip (sha256 cdd76b1ba1fc17e3b20b8ad801d4e0378c621040afb406ed9a7b02b33555f569) in run 20261124-130430-4d720d, cell d5eb6dd5168caf61
# (fold 1 of 3), git bf461dfdb01c108df2e5bb14ff022e4c89676341+dirty.
# Run from the root of an emobench checkout. Training on CPU is not bit-for-bit
# deterministic: a rerun gives the same cell key, close but not identical weights.
set -e

# 1. Data: RAVDESS audio-only speech, speakers 01-12: 624 clips (calm left out).
#    expected at ../shared/data/ravdess-speech (dataset id 6a78df0048f2)

# 2. The run (every fold of the cell; the entry is one fold's model):
emobench run --suite audio --models audio_svm --dataset ravdess --data-root ../shared/data/ravdess-speech --folds 3 --rml-root ../shared/data/rml-sample --run-dir runs/zoo/ravdess-svm -j 2 --no-progress

# 3. Package that cell as the entry (--ship adds it to the package and zoo/):
emobench zoo export --run-dir runs/zoo/ravdess-svm --cell d5eb6dd5168caf61 --name audio_svm-emobase.ravdess_speaker-independent --ship
