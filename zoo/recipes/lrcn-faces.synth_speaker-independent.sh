#!/bin/sh
# Recipe of zoo entry lrcn-faces.synth_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made lrcn-faces.synth_speaker-independent-f323d271.zip (sha256 f323d271c9ad00a089e6cf58eeed739bee120ec847ff81ae0d02bdd8cdd22429) in run 20261124-124028-71789c, cell 4eb2ec5043413da0
# (fold 1 of 3), git 27152528c642bd7075fdb2ab6e7f43ec26f3c99e+dirty.
# Run from the root of an emobench checkout. Training on CPU is not bit-for-bit
# deterministic: a rerun gives the same cell key, close but not identical weights.
set -e

# 1. Data: emobench's generated corpus (drawn faces and source-filter voices in RAVDESS's layout), speakers 01-24: 168 clips (calm left out).
emobench data synth --out runs/zoo/synth24 --actors 24 --width 640 --height 360 --duration 2.0 --fps 30 --seed 0

# 2. The run (every fold of the cell; the entry is one fold's model):
emobench run --suite video --models c3d,lrcn --dataset synth --data-root runs/zoo/synth24 --folds 3 --frames 8 --size 48 --epochs 30 --patience 0 --rml-root ../shared/data/rml-sample --run-dir runs/zoo/synth-video -j 2 --no-progress

# 3. Package that cell as the entry (--ship adds it to the package and zoo/):
emobench zoo export --run-dir runs/zoo/synth-video --cell 4eb2ec5043413da0 --name lrcn-faces.synth_speaker-independent --ship
