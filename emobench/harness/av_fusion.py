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
    """Scores of the audio branch, the video branch and their fusions on ``test_actor``'s
    audio-visual clips, for raw audio features (``scores``) and for features standardised
    per speaker (``scores_speaker_norm``: training actors each over their own clips, the test
    actor over its unlabelled test clips, RML over its speaker's clips)."""
    import keras

    from emobench.datasets import load_dataset
    from emobench.harness.data import labels_of
    from emobench.harness.image_to_video import clip_probs
    from emobench.preprocess.speaker_norm import speaker_standardize

    everyone = load_dataset("ravdess", speech_root).clips
    speech = [c for c in everyone if c.speaker != test_actor]
    train, x_train, skipped = _audio_x(speech, cache_dir, progress=True)
    # the test actor's audio-only speech files: the audio model on the same actor without the
    # AV files' AAC channel, to tell a speaker gap from a channel gap
    own, x_own, _ = _audio_x([c for c in everyone if c.speaker == test_actor], cache_dir)
    y_train = np.array([labels_of(train)[c.clip_id] for c in train])
    net = keras.saving.load_model(face_model, compile=False)

    def branch(clips):
        clips, xa, _ = _audio_x([c for c in clips if c.has_audio and c.has_video], cache_dir)
        return clips, xa, np.stack([clip_probs(net, c.path) for c in clips])

    test, xa_test, pv = branch([c for c in load_dataset("ravdess", av_root).clips
                                if c.speaker == test_actor])
    fit = branch(load_dataset("rml", svm_fit_root).clips) if svm_fit_root else None
    truth = [c.emotion for c in test]
    out = {"test": {"actor": test_actor, "clips": [c.clip_id for c in test], "truth": truth},
           "audio_model": {"model": audio_model, "features": FEATURE_SET,
                           "trained_on": f"RAVDESS speech (audio-only), actors "
                                         f"{', '.join(sorted({c.speaker for c in train}))}",
                           "clips": len(train), "skipped": len(skipped)},
           "face_model": str(face_model)}
    if fit:
        out["svm_fit"] = {"root": Path(svm_fit_root).name, "clips": len(fit[0])}
    speakers = lambda clips: [c.speaker for c in clips]  # noqa: E731
    for key, norm in (("scores", None), ("scores_speaker_norm", speaker_standardize)):
        prep = norm or (lambda x, _s: x)
        audio = _audio(audio_model, prep(x_train, speakers(train)), y_train)
        pa = audio.predict_proba(prep(xa_test, speakers(test)))
        fitted = None
        if fit:
            fitted = (audio.predict_proba(prep(fit[1], speakers(fit[0]))), fit[2],
                      [c.emotion for c in fit[0]])
        out[key] = _fused(truth, pa, pv, fitted)
        if own:
            out[key]["audio_speech_files"] = _acc([c.emotion for c in own], audio.predict_proba(
                prep(x_own, speakers(own))))
    return out


def _audio(name: str, x, y):
    from emobench.registry import create_model

    return create_model(name, num_classes=len(EMOTIONS), input_shape=x.shape[1:],
                        seed=0).fit(x, y)


def _fused(truth, pa, pv, fitted) -> dict:
    scores = {"audio": _acc(truth, pa), "video": _acc(truth, pv),
              "fusion_avg": _acc(truth, (pa + pv) / 2)}
    both = np.concatenate([pa, pv], axis=1)
    pred = []
    for i in range(len(truth)):  # leave one clip out
        rest = [j for j in range(len(truth)) if j != i]
        pred.append(str(_svm(both[rest], [truth[j] for j in rest]).predict(both[i:i + 1])[0]))
    scores["fusion_svm_loo"] = _loo(truth, pred)
    if fitted:
        fa, fv, fy = fitted
        svm = _svm(np.concatenate([fa, fv], axis=1), fy)
        scores["fusion_svm_rml"] = _loo(truth, [str(p) for p in svm.predict(both)])
    return scores


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
    for variant in ("scores", "scores_speaker_norm"):
        for k, s in res[variant].items():
            print(variant, k, f"{s['accuracy']:.3f}", f"uar {s['uar']:.3f}", s["pred"])


if __name__ == "__main__":
    main()
