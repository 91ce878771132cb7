"""audio_cnn early-stops on clips carved from its training speakers, never on the scored fold."""
import numpy as np

from emobench.harness.train import Split, TrainConfig, train_and_score
from emobench.models.early_stop import carve_early_stopping
from emobench.registry import create_model


def _speaker_split(speakers, rng, per_class=4, classes=3, features=16):
    ids, xs, ys = [], [], []
    for s in speakers:
        for c in range(classes):
            for k in range(per_class):
                ids.append(f"{s}-{c}-{k}")
                xs.append(rng.normal(c, 1.0, features))
                ys.append(c)
    return Split(ids, np.array(xs, np.float32), np.array(ys, np.int64))


def test_carve_is_stratified_and_inside_training():
    y = np.repeat(np.arange(4), 10)
    fit_rows, stop_rows = carve_early_stopping(y, 0.2, seed=0)
    assert len(stop_rows) == 8 and not set(fit_rows) & set(stop_rows)
    assert sorted(np.bincount(y[stop_rows]).tolist()) == [2, 2, 2, 2]
    assert len(carve_early_stopping(np.arange(5), 0.2)[1]) == 0  # one clip a class: none


def test_early_stopping_split_holds_no_validation_speaker():
    rng = np.random.default_rng(0)
    train = _speaker_split(["01", "02", "03"], rng)
    val = _speaker_split(["04"], rng)
    model = create_model("audio_cnn", num_classes=3, input_shape=(16,), filters=[4],
                         dense=8, seed=0, early_stop_fraction=0.25)
    seen = {}
    keras_fit = model.keras_model.fit

    def spy(*args, **kwargs):  # what the Keras network is validated (early-stopped) on
        seen["val"] = kwargs.get("validation_data")
        return keras_fit(*args, **kwargs)

    model.keras_model.fit = spy
    train_and_score(model, train, val, config=TrainConfig(
        epochs=2, batch_size=8, early_stopping=5, checkpoint=False, tensorboard=False))
    stop_speakers = {train.ids[i].split("-")[0] for i in model.early_stop_rows_}
    assert stop_speakers and stop_speakers <= {"01", "02", "03"}
    np.testing.assert_array_equal(seen["val"][0], train.x[model.early_stop_rows_])
    val_rows = {tuple(r) for r in val.x.round(5)}
    assert not any(tuple(r) in val_rows for r in seen["val"][0].round(5))
