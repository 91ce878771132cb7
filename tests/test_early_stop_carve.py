"""Issue 14: audio Keras cells early-stop on speakers carved from their TRAINING speakers; the
scored fold never reaches what EarlyStopping watches."""
import numpy as np
import pytest

from emobench.harness.early_stop import carve_speakers
from emobench.harness.train import Split, TrainConfig, train_and_score
from emobench.registry import create_model


def _corpus(speakers, per_class=3, classes=3, features=12, seed=0):
    rng = np.random.default_rng(seed)
    ids, xs, ys, spk = [], [], [], []
    for s in speakers:
        for c in range(classes):
            for k in range(per_class):
                ids.append(f"{s}-{c}-{k}")
                xs.append(rng.normal(c, 1.0, features))
                ys.append(c)
                spk.append(s)
    return Split(ids, np.array(xs, np.float32), np.array(ys, np.int64)), spk


def _tiny_cnn(seed=0):
    return create_model("audio_cnn", num_classes=3, input_shape=(12,), filters=[4], dense=8,
                        seed=seed, batch_size=8)


def _config(**kw):
    return TrainConfig(**{"epochs": 3, "batch_size": 8, "early_stopping": 2, "checkpoint": False,
                          "tensorboard": False, "stop_speakers": 2, **kw})


def test_carve_holds_out_whole_speakers_chosen_by_the_seed():
    speakers = [s for s in ("01", "02", "03", "04", "05") for _ in range(4)]
    carve = carve_speakers(speakers, 2, seed=0)
    held = {speakers[i] for i in carve.stop_rows}
    assert held == set(carve.stop_speakers) and len(held) == 2
    assert not held & {speakers[i] for i in carve.fit_rows}  # no speaker on both sides
    assert sorted([*carve.fit_rows, *carve.stop_rows]) == list(range(len(speakers)))
    assert carve_speakers(speakers, 2, seed=0).stop_speakers == carve.stop_speakers
    assert {tuple(carve_speakers(speakers, 2, seed=s).stop_speakers) for s in range(8)} != \
        {tuple(carve.stop_speakers)}  # the seed chooses
    too_few = carve_speakers(["01", "02", "03"], 2)
    assert not too_few.stop_speakers and len(too_few.fit_rows) == 3


def test_what_early_stopping_sees_comes_from_training_speakers_only():
    train, train_spk = _corpus(["01", "02", "03", "04"])
    val, _ = _corpus(["05", "06"], seed=1)
    model = _tiny_cnn()
    seen = {}
    keras_fit = model.keras_model.fit

    def spy(*args, **kwargs):  # what the network trains on and what its callbacks watch
        seen["x"], seen["val"] = kwargs["x"], kwargs.get("validation_data")
        seen["callbacks"] = kwargs["callbacks"]
        return keras_fit(*args, **kwargs)

    model.keras_model.fit = spy
    result = train_and_score(model, train, val, config=_config(), train_speakers=train_spk)
    stop = result.early_stop
    assert stop["watched"].startswith("val_loss of held-out training speakers")
    rows = [i for i, s in enumerate(train_spk) if s in stop["speakers"]]
    np.testing.assert_array_equal(seen["val"][0], train.x[rows])  # the carve, nothing else
    watched = {tuple(r) for r in seen["val"][0].round(5)}
    assert not watched & {tuple(r) for r in val.x.round(5)}  # no scored clip
    assert len(seen["x"]) == len(train) - len(rows)  # the carved speakers are not fitted
    early = [cb for cb in seen["callbacks"] if type(cb).__name__ == "EarlyStopping"][0]
    assert early.monitor == "val_loss" and early.restore_best_weights
    assert "stop_loss" in result.history and "val_loss" not in result.history
    assert result.metrics["n_stop"] == len(rows) and result.metrics["n_val"] == len(val)


def test_too_few_training_speakers_stop_on_training_loss_not_on_the_scored_fold():
    train, train_spk = _corpus(["01", "02"])
    val, _ = _corpus(["03"], seed=1)
    model = _tiny_cnn()
    result = train_and_score(model, train, val, config=_config(), train_speakers=train_spk)
    assert result.early_stop["watched"].startswith("training loss")
    assert result.metrics["n_train"] == len(train)


def test_same_seed_same_numbers():
    train, train_spk = _corpus(["01", "02", "03", "04"])
    val, _ = _corpus(["05"], seed=1)
    runs = [train_and_score(_tiny_cnn(seed=3), train, val, config=_config(seed=3),
                            train_speakers=train_spk) for _ in range(2)]
    np.testing.assert_array_equal(runs[0].arrays["val_proba"], runs[1].arrays["val_proba"])
    assert runs[0].early_stop == runs[1].early_stop
    assert runs[0].history["stop_loss"] == pytest.approx(runs[1].history["stop_loss"], abs=0)


def test_harness_records_the_carve_and_keeps_it_off_the_scored_speakers(tmp_path):
    from emobench.datasets.clip import Clip
    from emobench.harness.cell import Cell
    from emobench.harness.data import FeatureTable
    from emobench.harness.execute import RunContext, train_cell
    from emobench.harness.runner import RunConfig
    from emobench.datasets.splits import make_folds

    split, speakers = _corpus([f"{i:02d}" for i in range(1, 7)], features=12)
    emotions = ("neutral", "happy", "sad")
    clips = [Clip(clip_id=i, path=str(tmp_path / f"{i}.wav"), emotion=emotions[int(y)],
                  speaker=s, dataset="synth", modality="audio") for i, y, s in zip(split.ids, split.y, speakers)]
    folds = {"speaker-independent": make_folds(clips, k=3)}
    cfg = RunConfig(suite="audio", run_dir=str(tmp_path), progress=False, save_models=False)
    ctx = RunContext(cfg, "r", tmp_path, clips, [], folds, {c.clip_id: int(y) for c, y in
                                                             zip(clips, split.y)},
                     {}, [], {}, tables={("emobase", "main"): FeatureTable(
                         "emobase", split.ids, split.x, {"feature_set": "emobase"})})
    cell = Cell("synth", "x", "emobase", "audio_cnn", "speaker-independent", 3, 0, 0, 2,
                options=Cell.frozen({"early_stop_speakers": 2, "early_stopping": 2,
                                     "batch_size": 8, "filters": [4], "dense": 8}))
    result, record, _ = train_cell(ctx, cell, None)
    carved = record["early_stop"]["speakers"]
    assert len(carved) == 2 and set(carved) <= set(record["train_speakers"])
    assert not set(carved) & set(record["val_speakers"])
    assert result.metrics["n_val"] == sum(s in record["val_speakers"] for s in speakers)
