#!/bin/sh
# Recipe of zoo entry c3d-faces.synth_speaker-independent
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made c3d-faces.synth_speaker-independent-1614c046.zip (sha256 1614c0461c88b406a71e6368dcb09ed1fc699fbe269ad337361f71d39a168f80) in run 20261124-124028-71789c, cell 9bc4738dc2395375
# (fold 1 of 3), git 27152528c642bd7075fdb2ab6e7f43ec26f3c99e+dirty.
# Run from the root of an emobench checkout. Training on CPU is not bit-for-bit
# deterministic: a rerun gives the same cell key, close but not identical weights.
set -e

# 1. Data: emobench's generated corpus (drawn faces and source-filter voices in RAVDESS's layout), speakers 01-24: 168 clips (calm left out).
emobench data synth --out runs/zoo/synth24 --actors 24 --width 640 --height 360 --duration 2.0 --fps 30 --seed 0

# 2. The run (every fold of the cell; the entry is one fold's model):
emobench run --suite video --models c3d,lrcn --dataset synth --data-root runs/zoo/synth24 --folds 3 --frames 8 --size 48 --epochs 30 --patience 0 --rml-root ../shared/data/rml-sample --run-dir runs/zoo/synth-video -j 2 --no-progress

# 3. Package that cell as the entry (--ship adds it to the package and zoo/):
emobench zoo export --run-dir runs/zoo/synth-video --cell 9bc4738dc2395375 --name c3d-faces.synth_speaker-independent --ship
