#!/bin/sh
# Recipe of zoo entry face_cnn-faces.fer2013_official
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made face_cnn-faces.fer2013_official-c0a63fe6.zip (sha256 c0a63fe6a42d299a7406e3cb33acb2113160bf2a77f65dc346e6baf72d834ecd), git 36916649fb9cad8d1bf3de09d9d60e9cfcd7a7f9+dirty.
# Run from the root of an emobench checkout with EMOBENCH_DATA set. CPU training is
# not bit-for-bit deterministic: a rerun gives close, not identical, weights.
set -e

# 1. Train on FER2013 Training (official splits), score PublicTest:
nice -n 10 python -m emobench.harness.images $EMOBENCH_DATA/fer2013 --model face_cnn --filters 16,32,64,128 --budget-min 55 --holdout 0.1 --out runs/face_cnn

# 2. Train on images, test on video (RML and RAVDESS audio-visual clips):
python -m emobench.harness.image_to_video runs/face_cnn/best.keras --rml $EMOBENCH_DATA/rml-sample --ravdess $EMOBENCH_DATA/ravdess-av --out cross.json

# 3. Package it (--ship adds it to the package and zoo/):
python -m emobench.zoo.export_images runs/face_cnn/best.keras --result runs/face_cnn/result.json --cross cross.json --name face_cnn-faces.fer2013_official --filters 16,32,64,128 --ship
