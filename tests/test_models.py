"""The model zoo: every registered model keeps the EmotionModel contract under every installed
Keras backend (each in its own process, see model_contract.py), models saved under one backend
load under another, and each model's particular promises (sizes, weight loading, scaling learned
from training data only, frame averaging, fusion maths, safe loading) hold."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from emobench.models import EmotionModel, load_model, parameter_table
from emobench.models.base import META_FILE
from emobench.registry import create_model, list_models

HERE = Path(__file__).parent
ROOT = HERE.parent
BACKENDS = ("tensorflow", "jax", "torch")
MODELS = [i.name for i in list_models() if i.builtin]
#: Loaded across backends: the custom scaling layer, 3D convolutions, a nested model inside
#: TimeDistributed with an LSTM, and keras.applications in a frame model (the rest reuse these).
CROSS_BACKEND = ["audio_cnn", "c3d", "lrcn", "resnet50"]
#: Under a backend other than the one tests run on, the default run checks these: the models
#: above, the keras.ops log-mel front end, and the cheap scikit-learn ones. The rest reuse their
#: layers (flow_resnet50 is ResNet50 on two channels, c3d_full a wider C3D) and cost minutes to
#: trace on a 2-core CPU; ``pytest -m slow`` checks them under every backend.
OTHER_BACKEND_QUICK = {*CROSS_BACKEND, "audio_logmel_crnn", "audio_logreg", "audio_svm",
                       "fusion_avg", "fusion_svm"}
#: Checked by the slow run only, under every backend: flow_resnet50 is flow_alexnet's stacked
#: flow input in front of resnet50's backbone, both checked in the default run, and tracing a
#: second ResNet50 costs about a minute of CPU.
SLOW_EVERYWHERE = {"flow_resnet50"}
THESIS_MODELS = {
    "audio_svm": ("audio", "features", "sklearn"), "audio_cnn": ("audio", "features", "keras"),
    "resnet50": ("video", "clip", "keras"), "c3d": ("video", "clip", "keras"),
    "c3d_full": ("video", "clip", "keras"), "lrcn": ("video", "clip", "keras"),
    "frame_cnn": ("video", "image", "keras"), "flow_resnet50": ("flow", "flow", "keras"),
    "flow_alexnet": ("flow", "flow", "keras"), "fusion_avg": ("fusion", "probs", "sklearn"),
    "fusion_svm": ("fusion", "probs", "sklearn"),
}


def _current_backend() -> str:
    import keras

    return keras.backend.backend()


def _run_contracts(out: Path, wanted: dict[str, list[str]]) -> dict:
    """Run model_contract.py once per installed backend, all at once, on the models ``wanted``
    under it: {backend: results}."""
    procs = {}
    for backend, names in wanted.items():
        if importlib.util.find_spec(backend) is None or not names:
            continue
        env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
        with open(out / f"{backend}.log", "w") as log:  # a file: a full pipe would stall it
            procs[backend] = subprocess.Popen(
                [sys.executable, str(HERE / "model_contract.py"), str(out / backend), *names],
                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    results = {}
    for backend, proc in procs.items():
        proc.wait(timeout=1800)
        path = out / backend / "results.json"
        results[backend] = {"dir": out / backend,
                            "log": (out / f"{backend}.log").read_text()[-4000:],
                            "models": json.loads(path.read_text())["models"]
                            if path.is_file() else None}
    return results


def _is_quick(backend: str, name: str) -> bool:
    return name not in SLOW_EVERYWHERE and (backend == _current_backend()
                                            or name in OTHER_BACKEND_QUICK)


@pytest.fixture(scope="module")
def contract(tmp_path_factory) -> dict:
    """The default run's contracts: every model under the current backend, the quick ones
    under the others."""
    return _run_contracts(tmp_path_factory.mktemp("contract"),
                          {b: [n for n in MODELS if _is_quick(b, n)] for b in BACKENDS})


@pytest.fixture(scope="module")
def contract_rest(tmp_path_factory) -> dict:
    """The slow run's: every other model under every backend."""
    return _run_contracts(tmp_path_factory.mktemp("contract-rest"),
                          {b: [n for n in MODELS if not _is_quick(b, n)] for b in BACKENDS})


def test_registry_has_every_model_of_the_thesis():
    infos = {i.name: i for i in list_models()}
    for name, (modality, kind, backend) in THESIS_MODELS.items():
        info = infos[name]
        assert (info.modality, info.input_kind, info.backend) == (modality, kind, backend), name
        assert info.summary, name
    assert infos["c3d"].default_input_shape == (16, 112, 112, 3)
    assert infos["audio_cnn"].default_input_shape == (1582,)
    assert infos["flow_alexnet"].default_input_shape == (15, 112, 112, 2)


def test_listing_models_does_not_import_keras():
    code = ("import sys; from emobench.registry import list_models; n = len(list_models()); "
            "print(n, 'keras' in sys.modules, 'tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.split()
    assert out == [str(len([i for i in list_models() if i.builtin])), "False", "False"]


@pytest.mark.parametrize("backend, name", [
    pytest.param(b, n, marks=() if _is_quick(b, n) else pytest.mark.slow, id=f"{n}-{b}")
    for n in MODELS for b in BACKENDS])
def test_contract_build_train_save_reload(request, backend, name):
    """Tiny build, output shape, parameters > 0, one epoch that moves the weights, save,
    reload, identical predictions (model_contract.check_model), under each backend."""
    contract = request.getfixturevalue("contract" if _is_quick(backend, name)
                                       else "contract_rest")
    if backend not in contract:
        pytest.skip(f"Keras backend {backend} is not installed")
    run = contract[backend]
    assert run["models"] is not None, f"contract script crashed:\n{run['log']}"
    entry = run["models"][name]
    assert entry["ok"], f"{name} under {backend}: {entry['error']}\n{entry['trace']}"
    assert entry["params"] > 0


@pytest.mark.parametrize("name", CROSS_BACKEND)
def test_model_saved_under_another_backend_loads_here(contract, name):
    """The zoo's promise: weights trained on a JAX GPU machine load on a TensorFlow laptop."""
    here = _current_backend()
    other = next((b for b in contract if b != here), None)
    if other is None:
        pytest.skip("only one Keras backend installed")
    folder = contract[other]["dir"] / name
    assert folder.is_dir(), f"{name} was not saved under {other}"
    model = load_model(folder)
    assert json.loads((folder / META_FILE).read_text())["backend"] == other
    x, expected = np.load(folder / "x.npy"), np.load(folder / "probs.npy")
    np.testing.assert_allclose(model.predict_proba(x), expected, atol=1e-4)


def test_resnet50_trains_on_frames_and_averages_them(contract):
    model = load_model(contract[_current_backend()]["dir"] / "resnet50")
    x = np.load(contract[_current_backend()]["dir"] / "resnet50" / "x.npy")
    n, frames = len(x), model.input_shape[0]
    assert model.keras_model.input_shape == (None, *model.input_shape[1:])
    per_frame = model.keras_model.predict(x.reshape(-1, *x.shape[2:]), verbose=0)
    expected = per_frame.reshape(n, frames, -1).mean(axis=1)
    np.testing.assert_allclose(model.predict_proba(x), expected / expected.sum(1, keepdims=True),
                               atol=1e-6)
    # Clips and their frames differ: the training history counts frames, a clip is one sample.
    assert model.predict(x).shape == (n,)


def test_frame_models_sample_one_frame_per_segment_and_epoch():
    from emobench.models.keras_base import SegmentSampler

    clips, frames = 5, 8
    x = np.zeros((clips, frames, 2, 2, 3), np.uint8)
    x[:] = np.arange(frames, dtype=np.uint8)[None, :, None, None, None]  # pixel = frame index
    x[:, :, 0, 0, 1] = np.arange(clips, dtype=np.uint8)[:, None]  # and the clip's index
    sampler = SegmentSampler(x, np.arange(clips), k=2, batch_size=3, seed=0)
    seen = []
    for epoch in range(6):
        batches = [sampler[i] for i in range(len(sampler))]
        xs = np.concatenate([b[0] for b in batches])
        ys = np.concatenate([b[1] for b in batches])
        assert len(sampler) == 4 and len(xs) == clips * 2
        clip_of, frame_of = xs[:, 0, 0, 1], xs[:, 1, 1, 0]
        assert (ys == clip_of).all()  # every frame carries its own clip's label
        for c in range(clips):  # one frame from each half of every clip
            picked = sorted(frame_of[clip_of == c])
            assert len(picked) == 2 and picked[0] < 4 <= picked[1]
        seen.append(tuple(frame_of[np.argsort(clip_of, kind="stable")]))
        sampler.on_epoch_end()
    assert len(set(seen)) > 1  # other frames in other epochs


def test_resnet50_loads_weights_from_a_file_and_never_downloads(tmp_path):
    import keras

    with pytest.raises(FileNotFoundError, match="never downloads"):
        create_model("resnet50", input_shape=(2, 32, 32, 3), weights="imagenet")
    donor = keras.applications.ResNet50(include_top=False, weights=None, pooling="avg",
                                        input_shape=(32, 32, 3))
    donor.save_weights(tmp_path / "notop.weights.h5")
    model = create_model("resnet50", input_shape=(2, 32, 32, 3),
                         weights=str(tmp_path / "notop.weights.h5"))
    backbone = model.keras_model.get_layer("resnet50")
    for got, want in zip(backbone.get_weights(), donor.get_weights()):
        np.testing.assert_array_equal(got, want)
    assert model.keras_model.get_layer("caffe_preprocess") is not None


def test_lrcn_loads_a_pretrained_frame_cnn(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
    cnn = create_model("frame_cnn", input_shape=(32, 32, 3), filters=[8, 16], features=32)
    cnn.fit(images, np.arange(6) % 7, epochs=1, batch_size=3)
    saved = cnn.save(tmp_path / "frame_cnn")
    want = cnn.keras_model.get_layer("frame_cnn_backbone").get_weights()

    # A different frame size and clip length: the CNN's weights do not depend on either.
    lrcn = create_model("lrcn", input_shape=(8, 48, 48, 3), cnn_weights=saved, train_cnn=False)
    assert lrcn.options["filters"] == [8, 16] and lrcn.options["features"] == 32
    assert lrcn.options["cnn_weights"] == str(saved)  # a Path option is kept as JSON text
    inner = lrcn.keras_model.get_layer("frames").layer
    for got, exp in zip(inner.get_weights(), want):
        np.testing.assert_array_equal(got, exp)
    fresh = create_model("lrcn", input_shape=(8, 48, 48, 3), filters=[8, 16], features=32)
    assert not np.array_equal(fresh.keras_model.get_layer("frames").layer.get_weights()[0],
                              want[0])
    assert not inner.trainable and fresh.keras_model.get_layer("frames").layer.trainable

    with pytest.raises(ValueError, match="weight shapes differ"):
        create_model("lrcn", input_shape=(8, 32, 32, 3), cnn_weights=saved, features=64)
    other = create_model("fusion_avg").fit(np.full((2, 14), 1 / 7), [0, 1])
    with pytest.raises(ValueError, match="must be a saved frame_cnn"):
        create_model("lrcn", cnn_weights=other.save(tmp_path / "fusion"))


def test_audio_models_learn_their_scaling_from_training_data_only(tmp_path):
    rng = np.random.default_rng(1)
    x_train = rng.normal(100, 30, (20, 16))
    x_train[:, 3] = 7.0  # a constant feature keeps scale 1, as scikit-learn's scale does
    x_other = rng.normal(-5, 2, (20, 16))
    y = np.arange(20) % 4

    cnn = create_model("audio_cnn", num_classes=4, input_shape=(16,))
    cnn.fit(x_train, y, epochs=1, batch_size=10)
    layer = cnn.keras_model.get_layer("standardize")
    np.testing.assert_allclose(np.array(layer.mean), x_train.mean(0), rtol=1e-6)
    want_scale = x_train.std(0)
    want_scale[3] = 1.0
    np.testing.assert_allclose(np.array(layer.scale), want_scale, rtol=1e-5)
    cnn.fit(x_other, y, epochs=1, batch_size=10)  # more training: statistics stay
    np.testing.assert_allclose(np.array(layer.mean), x_train.mean(0), rtol=1e-6)
    # One batch (predict_on_batch) and several (predict) give the same probabilities.
    np.testing.assert_allclose(cnn.predict_proba(x_train, batch_size=3),
                               cnn.predict_proba(x_train), atol=1e-6)
    again = load_model(cnn.save(tmp_path / "cnn"))
    np.testing.assert_allclose(np.array(again.keras_model.get_layer("standardize").mean),
                               x_train.mean(0), rtol=1e-6)
    assert len(again.history_["loss"]) == 2

    svm = create_model("audio_svm", num_classes=4, input_shape=(16,)).fit(x_train, y)
    np.testing.assert_allclose(svm.estimator.named_steps["scale"].mean_, x_train.mean(0))


def test_audio_cnn_learning_rate_falls_with_a_wide_dense_layer():
    from emobench.models.audio import CNN_BASE_RATE

    rates = {n: create_model("audio_cnn", input_shape=(n,)).options["learning_rate"]
             for n in (88, 1582, 6373, 6552)}
    assert rates[88] == rates[1582] == CNN_BASE_RATE  # 25,312 dense inputs for emobase2010
    assert 0.9e-4 < rates[6552] < rates[6373] < 1e-4  # 104,832 and 101,984
    assert create_model("audio_cnn", input_shape=(6373,),
                        learning_rate=1e-3).options["learning_rate"] == 1e-3  # a given one stays


def test_label_smoothing_is_cross_entropy_against_smoothed_targets():
    import keras

    from emobench.models.keras_base import SmoothedSparseCrossentropy, training_loss

    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]], np.float32)
    y = np.array([0, 1, 2])
    target = np.full((3, 3), 0.3 / 3)
    target[np.arange(3), y] += 0.7
    expected = -(target * np.log(p)).sum(axis=1).mean()
    value = lambda loss: float(keras.ops.convert_to_numpy(loss(y, p)))  # noqa: E731
    assert value(SmoothedSparseCrossentropy(0.3)) == pytest.approx(expected, rel=1e-5)
    assert value(SmoothedSparseCrossentropy(0.0)) == pytest.approx(
        value(keras.losses.SparseCategoricalCrossentropy()), rel=1e-5)
    assert training_loss({"label_smoothing": 0}) == "sparse_categorical_crossentropy"
    assert create_model("audio_cnn", input_shape=(40,)).options["label_smoothing"] == 0.1


@pytest.mark.parametrize("name", ["audio_cnn", "audio_svm", "fusion_svm"])
def test_vector_models_learn_separable_classes(name):
    """Training really learns: 7 well-separated clusters are classified on held-out samples."""
    rng = np.random.default_rng(5)
    dim = 14 if name == "fusion_svm" else 40
    centres = rng.normal(0, 1, (7, dim))
    y = np.arange(140) % 7
    x = centres[y] + rng.normal(0, 0.2, (140, dim)) + 30.0  # raw, unscaled, like openSMILE's
    model = create_model(name, input_shape=(dim,), seed=0)
    model.fit(x[:105], y[:105], validation_data=(x[105:], y[105:]), epochs=15, batch_size=16)
    assert (model.predict(x[105:]) == y[105:]).mean() >= 0.9
    assert model.history_["val_accuracy"][-1] >= 0.9
    if name == "audio_cnn":  # trained on its smoothed loss, which the saved model does not need
        assert model.keras_model.loss.label_smoothing == 0.1


def test_c3d_sizes():
    rows = {r["name"]: r for r in parameter_table(names={"c3d", "c3d_full"})}
    assert 0.31e6 <= rows["c3d"]["params"] <= 0.35e6  # the thesis's 0.33 M
    net = create_model("c3d_full").keras_model
    kinds = [type(layer).__name__ for layer in net.layers]
    assert kinds.count("Conv3D") == 8 and kinds.count("MaxPooling3D") == 5
    assert net.get_layer("flatten").input.shape[1:] == (1, 4, 4, 512)  # pool5 of the paper
    assert net.get_layer("fc6").units == net.get_layer("fc7").units == 4096
    assert rows["c3d_full"]["params"] == net.count_params()


def test_parameter_report_is_current():
    """reports/model_parameters.md is generated; its numbers must match the code's."""
    report = (ROOT / "reports" / "model_parameters.md").read_text()
    assert "python -m emobench.models.params" in report
    rows = parameter_table()
    assert {r["name"] for r in rows} == set(MODELS)
    for r in rows:
        cell = "-" if r["params"] is None else f"{r['params'] / 1e6:.3f}"
        shape = "(n, " + ", ".join(map(str, r["input_shape"])) + ")"
        assert f"| {r['name']} | {r['modality']} | {shape} | {cell} |" in report, r["name"]
    sizes = {r["name"]: r["params"] for r in rows if r["input_shape"] != (988,)
             and r["input_shape"] != (6552,)}
    assert 1.9e6 <= sizes["lrcn"] <= 2.3e6  # the thesis's 2.1 M
    assert 23e6 <= sizes["resnet50"] <= 24e6  # the real ResNet50, not the thesis's 2.5 M


def test_fusion_avg_is_the_weighted_mean_of_the_two_halves(tmp_path):
    p_audio = np.array([[0.7, 0.1, 0.2], [0.2, 0.2, 0.6]])
    p_video = np.array([[0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
    x = np.hstack([p_audio, p_video])
    model = create_model("fusion_avg", num_classes=3).fit(x, [0, 1])
    np.testing.assert_allclose(model.predict_proba(x), (p_audio + p_video) / 2, rtol=1e-6)
    audio_only = create_model("fusion_avg", num_classes=3, weights=[1, 0]).fit(x, [0, 1])
    np.testing.assert_allclose(audio_only.predict_proba(x), p_audio, rtol=1e-6)
    assert audio_only.count_params() == 2
    again = load_model(audio_only.save(tmp_path / "avg"))
    np.testing.assert_array_equal(again.predict_proba(x), audio_only.predict_proba(x))
    with pytest.raises(ValueError, match="6 values for 3 classes"):
        create_model("fusion_svm", num_classes=3, input_shape=(14,))
    with pytest.raises(ValueError, match="non-negative"):
        create_model("fusion_avg", weights=[1, -1])


def test_sklearn_model_predicts_nothing_for_no_input():
    model = create_model("audio_svm", input_shape=(4,))
    x = np.random.default_rng(0).normal(size=(20, 4))
    model.fit(x, np.arange(20) % 3)
    assert model.predict_proba(np.zeros((0, 4))).shape == (0, 7)


def test_sklearn_model_has_a_column_for_every_class():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(15, 4)), np.arange(15) % 3  # class 3 never seen
    model = create_model("audio_svm", num_classes=4, input_shape=(4,)).fit(x, y)
    probs = model.predict_proba(x)
    assert probs.shape == (15, 4) and np.all(probs[:, 3] == 0)
    np.testing.assert_allclose(probs.sum(1), 1, rtol=1e-6)
    assert model.history_["loss"][0] > 0 and model.count_params() > 0
    # Calibration folds shrink to the rarest class (2 samples of class 2 here), not below 2.
    small = create_model("audio_svm", num_classes=4, input_shape=(4,)).fit(x[:8], y[:8])
    assert small.estimator.named_steps["svm"].cv == 2 and small.options["calibration_folds"] == 5
    with pytest.raises(ValueError, match="audio_svm: .*2-fold"):
        create_model("audio_svm", num_classes=4, input_shape=(4,)).fit(x[:4], y[:4])


def test_bad_inputs_get_one_line_errors():
    model = create_model("audio_svm", input_shape=(8,))
    with pytest.raises(ValueError, match=r"audio_svm: x must have shape \(n, 8\); got \(3, 9\)"):
        model.predict_proba(np.zeros((3, 9)))
    with pytest.raises(ValueError, match=r"outside \[0, 7\)"):
        model.fit(np.zeros((3, 8)), [0, 1, 7])
    with pytest.raises(ValueError, match="non-finite"):
        model.fit(np.full((3, 8), np.nan), [0, 1, 2])
    with pytest.raises(TypeError, match="c3d: unknown option.*dropuot.*options are"):
        create_model("c3d", dropuot=0.3)
    with pytest.raises(ValueError, match="3 labels given for 7 classes"):
        create_model("fusion_svm", labels=["a", "b", "c"])
    with pytest.raises(ValueError, match="must end with 3 channels"):
        create_model("c3d", input_shape=(8, 32, 32, 2))
    with pytest.raises(ValueError, match="at least 32x32"):
        create_model("resnet50", input_shape=(8, 16, 16, 3))
    with pytest.raises(KeyError, match="unknown model 'c4d'"):
        create_model("c4d")


def test_seed_makes_the_initial_weights_reproducible():
    def weights(seed):
        net = create_model("c3d", input_shape=(8, 32, 32, 3), seed=seed).keras_model
        return net.get_weights()

    first, again, other = weights(3), weights(3), weights(4)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


def test_labels_follow_num_classes():
    assert create_model("fusion_avg").labels[:2] == ("neutral", "happy")
    assert create_model("fusion_avg", num_classes=8).labels[-1] == "calm"
    assert create_model("fusion_avg", num_classes=3).labels == ("class_0", "class_1", "class_2")
    named = create_model("fusion_avg", num_classes=2, labels=["pos", "neg"])
    assert named.labels == ("pos", "neg")


class Shady(ClassifierMixin, BaseEstimator):
    """A type outside emobench's trusted list, to check loading refuses it."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 1 / len(self.classes_))


def test_loading_refuses_untrusted_types_and_bad_folders(tmp_path):
    model = create_model("fusion_svm", num_classes=2)
    model.estimator = Shady()
    folder = model.fit(np.random.default_rng(0).random((10, 4)), np.arange(10) % 2) \
        .save(tmp_path / "shady")
    with pytest.raises(ValueError, match=r"model.skops: holds types .*Shady"):
        load_model(folder)
    trusted = [f"{Shady.__module__}.Shady"]
    assert isinstance(load_model(folder, trusted=trusted).estimator, Shady)

    with pytest.raises(FileNotFoundError, match="not a saved emobench model"):
        load_model(tmp_path)
    meta = json.loads((folder / META_FILE).read_text())
    (folder / META_FILE).write_text(json.dumps({**meta, "format": 99}))
    with pytest.raises(ValueError, match="unsupported save format 99"):
        EmotionModel.load(folder)


def test_save_replaces_an_older_model_atomically(tmp_path):
    x, y = np.random.default_rng(0).random((10, 4)), np.arange(10) % 2
    first = create_model("fusion_svm", num_classes=2).fit(x, y).save(tmp_path / "m")
    (first / "stale.txt").write_text("from the older model")
    create_model("fusion_avg", num_classes=2).fit(x, y).save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [META_FILE, "model.skops"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no temporary folders left
    assert load_model(tmp_path / "m").name == "fusion_avg"


def test_svm_saves_its_support_vectors_as_float32_and_predicts_the_same(tmp_path):
    import skops.io as sio

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 300)).astype(np.float32)  # openSMILE features are float32
    y = np.arange(60) % 3
    model = create_model("audio_svm", num_classes=3, input_shape=(300,)).fit(x, y)
    svc = model.estimator.named_steps["svm"].calibrated_classifiers_[0].estimator
    assert svc.support_vectors_.dtype == np.float64  # what libsvm fits and predicts with
    folder = model.save(tmp_path / "svm")
    assert svc.support_vectors_.dtype == np.float64  # the model in memory is left as it was
    stored = sio.load(folder / "model.skops", trusted=sio.get_untrusted_types(
        file=folder / "model.skops"))
    assert stored.named_steps["svm"].calibrated_classifiers_[0].estimator \
        .support_vectors_.dtype == np.float32
    loaded = load_model(folder)
    assert loaded.count_params() == model.count_params()
    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))
