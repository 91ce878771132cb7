"""The first real audio-visual number: an audio model trained on RAVDESS speech of the actors
other than the test actor, a face model trained on FER2013 images, fused late, scored on the
test actor's real audio-visual clips (the audio from each mp4's AAC track).

    python -m emobench.harness.av_fusion --speech DIR --av DIR --face MODEL.keras \
        --svm-fit DIR_RML --out fusion.json

Fusion by averaging needs no training. The fusion SVM does: it is fitted on the audio and
video probabilities of other clips than the scored ones, here (a) the RML sample (another
corpus, one speaker, 6 classes: it can never answer neutral) and (b) leave-one-clip-out over
the scored clips themselves (each clip scored by an SVM fitted on the others; a class seen in
no other clip cannot be answered). Tiny samples (7 clips): a smoke test of real data end to
end, not a benchmark.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from emobench.labels import EMOTIONS

FEATURE_SET = "emobase2010"


def _audio_x(clips, cache_dir=None, progress=False):
    from emobench.harness.data import compute_features

    table = compute_features(clips, FEATURE_SET, cache_dir=cache_dir, progress=progress)
    row = {i: k for k, i in enumerate(table.ids)}
    keep = [c for c in clips if c.clip_id in row]
    return keep, table.data[[row[c.clip_id] for c in keep]], table.skipped


def _acc(truth: list[str], probs: np.ndarray, classes=EMOTIONS) -> dict:
    from sklearn.metrics import balanced_accuracy_score

    cols = [EMOTIONS.index(c) for c in classes]
    pred = [classes[int(np.argmax(p[cols]))] for p in probs]
    return {"accuracy": float(np.mean([t == p for t, p in zip(truth, pred)])),
            "uar": float(balanced_accuracy_score(truth, pred)), "pred": pred,
            "n": len(truth)}


def _svm(x, y):
    from sklearn.svm import SVC

    return SVC(kernel="linear", C=1.0).fit(x, y)


def run(speech_root, av_root, face_model, svm_fit_root=None, test_actor: str = "05",
        audio_model: str = "audio_svm", cache_dir=None) -> dict:
    import keras

    from emobench.datasets import load_dataset
    from emobench.harness.data import labels_of
    from emobench.harness.image_to_video import clip_probs
    from emobench.registry import create_model

    speech = [c for c in load_dataset("ravdess", speech_root).clips if c.speaker != test_actor]
    train, x_train, skipped = _audio_x(speech, cache_dir, progress=True)
    labels = labels_of(train)
    audio = create_model(audio_model, num_classes=len(EMOTIONS), input_shape=x_train.shape[1:],
                         seed=0)
    audio.fit(x_train, np.array([labels[c.clip_id] for c in train]))
    net = keras.saving.load_model(face_model, compile=False)

    def branch_probs(clips):
        clips, xa, _ = _audio_x([c for c in clips if c.has_audio and c.has_video], cache_dir)
        pa = audio.predict_proba(xa)
        pv = np.stack([clip_probs(net, c.path) for c in clips])
        return clips, pa, pv

    test = [c for c in load_dataset("ravdess", av_root).clips if c.speaker == test_actor]
    test, pa, pv = branch_probs(test)
    truth = [c.emotion for c in test]
    out = {"test": {"actor": test_actor, "clips": [c.clip_id for c in test], "truth": truth},
           "audio_model": {"model": audio_model, "features": FEATURE_SET,
                           "trained_on": f"RAVDESS speech (audio-only), actors "
                                         f"{', '.join(sorted({c.speaker for c in train}))}",
                           "clips": len(train), "skipped": len(skipped)},
           "face_model": str(face_model),
           "scores": {"audio": _acc(truth, pa), "video": _acc(truth, pv),
                      "fusion_avg": _acc(truth, (pa + pv) / 2)}}
    both = np.concatenate([pa, pv], axis=1)
    pred = []
    for i in range(len(test)):  # leave one clip out
        rest = [j for j in range(len(test)) if j != i]
        pred.append(str(_svm(both[rest], [truth[j] for j in rest]).predict(both[i:i + 1])[0]))
    out["scores"]["fusion_svm_loo"] = _loo(truth, pred)
    if svm_fit_root:
        from emobench.labels import rml_classes

        fit, fa, fv = branch_probs(load_dataset("rml", svm_fit_root).clips)
        svm = _svm(np.concatenate([fa, fv], axis=1), [c.emotion for c in fit])
        out["scores"]["fusion_svm_rml"] = _loo(truth, [str(p) for p in svm.predict(both)])
        out["svm_fit"] = {"root": Path(svm_fit_root).name, "clips": len(fit),
                          "classes": list(rml_classes())}
    return out


def _loo(truth, pred) -> dict:
    from sklearn.metrics import balanced_accuracy_score

    return {"accuracy": float(np.mean([t == p for t, p in zip(truth, pred)])),
            "uar": float(balanced_accuracy_score(truth, pred)), "pred": pred, "n": len(truth)}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--speech", required=True, help="RAVDESS speech (audio) folder")
    ap.add_argument("--av", required=True, help="RAVDESS audio-visual folder")
    ap.add_argument("--face", required=True, help="FER2013-trained frame model (.keras)")
    ap.add_argument("--svm-fit", help="clips (RML) whose probabilities fit the fusion SVM")
    ap.add_argument("--actor", default="05")
    ap.add_argument("--audio-model", default="audio_svm")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    res = run(args.speech, args.av, args.face, args.svm_fit, args.actor, args.audio_model)
    import sys
    res["command"] = "python -m emobench.harness.av_fusion " + " ".join(sys.argv[1:])
    Path(args.out).write_text(json.dumps(res, indent=1))
    for k, s in res["scores"].items():
        print(k, f"{s['accuracy']:.3f}", f"uar {s['uar']:.3f}", s["pred"])


if __name__ == "__main__":
    main()
