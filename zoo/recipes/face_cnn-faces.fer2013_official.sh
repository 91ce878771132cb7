#!/bin/sh
# Recipe of zoo entry face_cnn-faces.fer2013_official
# Generated from `emobench/zoo_manifest.json` by `python -m emobench.zoo docs zoo`; do not edit by hand.
# It made face_cnn-faces.fer2013_official-a11d1397.zip (sha256 a11d139778f15251220b28ee05805421b98cad985a4468c9da9e8852707b5d8e), git 9167140634142693c533faafeb423bd2bbae46c4+dirty.
# Run from the root of an emobench checkout with EMOBENCH_DATA set. CPU training is
# not bit-for-bit deterministic: a rerun gives close, not identical, weights.
set -e

# 1. Train on FER2013 Training (official splits), score PublicTest:
nice -n 10 python -m emobench.harness.images $EMOBENCH_DATA/fer2013 --model face_cnn --filters 16,32,64,128 --budget-min 17 --out runs/face_cnn

# 2. Train on images, test on video (RML and RAVDESS audio-visual clips):
python -m emobench.harness.image_to_video runs/face_cnn/best.keras --rml $EMOBENCH_DATA/rml-sample --ravdess $EMOBENCH_DATA/ravdess-av --out cross.json

# 3. Package it (--ship adds it to the package and zoo/):
python -m emobench.zoo.export_images runs/face_cnn/best.keras --result runs/face_cnn/result.json --cross cross.json --name face_cnn-faces.fer2013_official --filters 16,32,64,128 --ship
