"""Issue 13 item 3b's tables: the video cells of one or more runs (LRCN, ResNet50, with and
without FER2013 initialisation) with their fold accuracy on the generated corpus and their
cross-dataset scores on real clips they never trained on (RML sample over its 6 emotions;
RAVDESS audio-visual Actor 05, 7-way as the image-to-video protocol scores it), each clip the
mean of its 8 sampled face crops (48 px, the run's face stage; grayscale when the cell's
pretraining images were). The zoo's FER2013 face_cnn is scored on the same crops.

    EMOBENCH_DATA=../shared/data python reports/fer_init_cross.py RUN_DIR [RUN_DIR ...]
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from emobench.datasets import load_dataset
from emobench.harness.data import compute_features, labels_of
from emobench.harness.metrics import subset_scores
from emobench.harness.pretrain import gray_crops
from emobench.harness.store import ResultStore
from emobench.labels import EMOTIONS, rml_classes
from emobench.models.base import load_model

CACHE = os.environ.get("EMOBENCH_FEATURES")  # None: $EMOBENCH_CACHE/features


def real_sets() -> dict:
    data = Path(os.environ["EMOBENCH_DATA"])
    rml = load_dataset("rml", data / "rml-sample").clips
    rav = [c for c in load_dataset("ravdess", data / "ravdess-av").clips if c.has_video]
    out = {}
    for name, clips, classes in (("RML", rml, [EMOTIONS.index(e) for e in rml_classes()]),
                                 ("RAVDESS-AV", rav, list(range(len(EMOTIONS))))):
        table = compute_features(clips, "faces", frames=8, size=48, cache_dir=CACHE, jobs=1,
                                 progress=False)
        labels = labels_of(clips)
        out[name] = (table.data, np.array([labels[i] for i in table.ids]), classes)
    return out


def score(proba_of, sets: dict, gray: bool) -> dict:
    res = {}
    for name, (x, y, classes) in sets.items():
        s = subset_scores(y, proba_of(gray_crops(x) if gray else x), classes)
        res[name] = (s["accuracy"], len(y))
    return res


def main(run_dirs) -> None:
    sets = real_sets()
    rows = []
    print("# FER2013 initialisation of LRCN and ResNet50: generated folds and real clips\n")
    print(f"Command: `python reports/fer_init_cross.py {' '.join(map(str, run_dirs))}`\n")
    for run_dir in run_dirs:
        with ResultStore(run_dir, readonly=True) as store:
            run = store.run()
            prov = run.get("provenance") or {}
            print(f"- Run `{run['run_id']}` ({run_dir}): `{run.get('command')}`; git "
                  f"{prov.get('git')}, {prov.get('date')}, Keras backend {prov.get('backend')}")
            for c in store.cells(run["run_id"]):
                if c["model"] not in ("lrcn", "resnet50"):
                    continue
                pre = c["cell"]["options"].get("pretrain")
                model = load_model(Path(run_dir) / c["model_path"])
                s = score(model.predict_proba, sets, bool(pre and pre["prep"]["grayscale"]))
                init = (f"FER2013 Training ({pre['limit']} images, {pre['epochs']} ep)"
                        if pre else "random")
                rows.append((c["model"], init, c["cell"]["fold"] + 1,
                             c["metrics"]["val_accuracy"], s))
    from emobench.zoo.fetch import load_pretrained

    face = load_pretrained("face_cnn-faces.fer2013_official").keras_model

    def face_proba(x):
        frames = x[..., :1].reshape(-1, *x.shape[2:4], 1).astype("float32")
        p = face.predict(frames, verbose=0).reshape(len(x), x.shape[1], -1).mean(1)
        return p / p.sum(1, keepdims=True)

    zoo = score(face_proba, sets, gray=True)
    print("\nEach cell trained on the generated corpus (its fold's other actors) and was scored "
          "on its held-out generated actors (val acc) and, never trained on them, on the real "
          "clips below. Tiny real samples (one speaker each): a smoke test of transfer, not a "
          "benchmark.\n")
    print("| model | init | fold | val acc (generated, fold) | RML acc (6-way) | "
          "RAVDESS-AV acc (7-way) |\n|---|---|---|---|---|---|")
    for m, init, fold, val, s in rows:
        print(f"| {m} | {init} | {fold} | {val:.3f} | {s['RML'][0]:.3f} (n={s['RML'][1]}) | "
              f"{s['RAVDESS-AV'][0]:.3f} (n={s['RAVDESS-AV'][1]}) |")
    print(f"| face_cnn (zoo, FER2013 Training) | - | - | - | {zoo['RML'][0]:.3f} "
          f"(n={zoo['RML'][1]}) | {zoo['RAVDESS-AV'][0]:.3f} (n={zoo['RAVDESS-AV'][1]}) |")
    print("\nmeans over folds:")
    for key in dict.fromkeys((m, i) for m, i, *_ in rows):
        sel = [r for r in rows if (r[0], r[1]) == key]
        print(f"- {key[0]} ({key[1]}): val {np.mean([r[3] for r in sel]):.3f}, RML "
              f"{np.mean([r[4]['RML'][0] for r in sel]):.3f}, RAVDESS-AV "
              f"{np.mean([r[4]['RAVDESS-AV'][0] for r in sel]):.3f} ({len(sel)} folds)")


if __name__ == "__main__":
    main(sys.argv[1:])
