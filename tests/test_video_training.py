"""Video training that reproduces (issue 13, item 0): batchnorm statistics recomputed after
training, deterministic kernels, and a small C3D cell on the generated corpus that learns on
every fold."""
from __future__ import annotations

import numpy as np
import pytest


def _clips(n=21, frames=4, size=32, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 7
    x = rng.integers(0, 256, size=(n, frames, size, size, 3), dtype=np.uint8)
    x[np.arange(n), :, :8, :8, :] = (y * 36)[:, None, None, None, None]  # a learnable patch
    return x, y


def test_batchnorm_statistics_are_those_of_the_training_inputs_after_fit():
    import keras

    from emobench.models.batchnorm import batchnorm_layers, recalibrate_batchnorm
    from emobench.registry import create_model

    x, y = _clips()
    model = create_model("c3d", input_shape=x.shape[1:], seed=0, filters=[4, 8], dense=8)
    model.fit(x, y, epochs=2, batch_size=4)
    conv = keras.Model(model.keras_model.input, model.keras_model.get_layer("block1_conv").output)
    out = np.asarray(conv.predict(x.astype("float32"), verbose=0), dtype=np.float64)
    bn = model.keras_model.get_layer("block1_bn")
    # one batch of everything: the moving mean is the training inputs' mean, not a lagging one
    assert recalibrate_batchnorm(model.keras_model, x, batch_size=len(x)) == len(
        batchnorm_layers(model.keras_model)) == 2
    np.testing.assert_allclose(np.asarray(bn.moving_mean), out.mean(axis=(0, 1, 2, 3)),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(bn.moving_variance), out.var(axis=(0, 1, 2, 3)),
                               rtol=1e-3, atol=1e-5)
    assert bn.momentum == pytest.approx(0.9)  # restored


def test_batchnorm_of_a_frozen_backbone_is_left_alone():
    from emobench.models.batchnorm import batchnorm_layers
    from emobench.registry import create_model

    model = create_model("frame_cnn", input_shape=(32, 32, 3), filters=[4], features=8)
    assert len(batchnorm_layers(model.keras_model)) == 2
    model.keras_model.get_layer("frame_cnn_backbone").trainable = False
    assert batchnorm_layers(model.keras_model) == []


def _train_once(model_name: str, tmp_path, **options):
    from emobench.harness.train import Split, TrainConfig, train_and_score
    from emobench.registry import create_model

    x, y = _clips()
    train, val = Split([str(i) for i in range(14)], x[:14], y[:14]), \
        Split([str(i) for i in range(14, 21)], x[14:], y[14:])
    model = create_model(model_name, input_shape=x.shape[1:], seed=3, **options)
    result = train_and_score(model, train, val, config=TrainConfig(epochs=3, batch_size=4,
                                                                   seed=3), cell_dir=tmp_path)
    return result


@pytest.mark.parametrize("name,options", [("c3d", {"filters": [4, 8], "dense": 8}),
                                          ("lrcn", {"filters": [4, 8], "features": 8,
                                                    "lstm": 8})])
def test_the_same_seed_trains_the_same_numbers_twice(name, options, tmp_path):
    first = _train_once(name, tmp_path / "a", **options)
    second = _train_once(name, tmp_path / "b", **options)
    assert first.history["loss"] == second.history["loss"]
    assert first.history["val_loss"] == second.history["val_loss"]
    np.testing.assert_array_equal(first.arrays["val_proba"], second.arrays["val_proba"])
    np.testing.assert_array_equal(first.arrays["train_proba"], second.arrays["train_proba"])


def test_lrcn_trains_with_its_own_optimizer_unless_the_run_sets_a_learning_rate():
    from emobench.harness.runner import RunConfig, plan_cells
    from emobench.registry import create_model

    # RMSprop at 0.001 left LRCN at chance on 2 of 3 generated-corpus folds; its default is Adam
    model = create_model("lrcn", input_shape=(2, 16, 16, 3), filters=[4], features=4, lstm=4)
    assert (model.options["optimizer"], model.options["learning_rate"]) == ("adam", 3e-4)
    assert create_model("c3d", input_shape=(2, 16, 16, 3), filters=[4],
                        dense=4).options["optimizer"] == "rmsprop"

    def lrcn_options(config):
        cells = [p.cell for p in plan_cells(config, "ds", 3) if p.cell.model == "lrcn"]
        assert cells
        return [dict(c.options) for c in cells]

    # the run does not override a model's own rate ...
    assert all("learning_rate" not in o for o in lrcn_options(RunConfig(suite="video")))
    # ... unless asked, and then the rate is part of the cell (a different cell)
    assert all(o["learning_rate"] == 0.01
               for o in lrcn_options(RunConfig(suite="video", learning_rate=0.01)))


def test_batchnorm_recalibration_batches_frames_in_a_shuffled_order():
    import keras

    from emobench.models.batchnorm import recalibrate_batchnorm

    # a per-frame model's inputs: each clip's 4 (here identical) frames one after the other
    clips = np.random.default_rng(0).normal(size=(16, 1, 3)).astype("float32") * 5
    frames = np.repeat(clips, 4, axis=1).reshape(64, 3)
    inputs = keras.Input((3,))
    net = keras.Model(inputs, keras.layers.BatchNormalization()(inputs))
    bn = net.layers[-1]
    recalibrate_batchnorm(net, frames, batch_size=4, seed=None)  # one clip per batch
    assert np.asarray(bn.moving_variance).max() < 1e-6  # the variance training never saw
    recalibrate_batchnorm(net, frames, batch_size=4)
    assert np.asarray(bn.moving_variance).min() > 5  # batches mix clips, as in training


def test_resnet50_from_random_weights_starts_with_identity_residual_blocks():
    from emobench.registry import create_model

    model = create_model("resnet50", input_shape=(2, 32, 32, 3))
    backbone = model.keras_model.get_layer("resnet50")
    gammas = [np.asarray(backbone.get_layer(f"conv{s}_block1_3_bn").gamma) for s in (2, 5)]
    assert all(np.all(g == 0) for g in gammas)
    assert model.options["optimizer"] == "adam" and model.options["learning_rate"] == 3e-4
