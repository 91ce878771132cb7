from pathlib import Path

import pytest

from emobench.datasets import Clip
from emobench.datasets.splits import (holdout_by_speaker, kfold_by_speaker, make_folds,
                                      speaker_dependent_split)
from emobench.labels import EMOTIONS


def clips(n_speakers=24, per_emotion=2):
    out = []
    for a in range(1, n_speakers + 1):
        for e in EMOTIONS:
            for r in range(per_emotion):
                cid = f"Actor_{a:02d}/{e}-{r}"
                out.append(Clip(Path(cid), e, f"{a:02d}", "ravdess", "av", cid))
    return out


def test_default_kfold_is_the_literatures_consecutive_actor_groups():
    folds = kfold_by_speaker(clips(), k=6)
    assert [f.val_speakers for f in folds] == [
        tuple(f"{a:02d}" for a in range(s, s + 4)) for s in (1, 5, 9, 13, 17, 21)]


@pytest.mark.parametrize("seed", [None, 0, 7])
def test_kfold_never_leaks_a_speaker_and_covers_all(seed):
    data = clips()
    folds = kfold_by_speaker(data, k=6, seed=seed)
    by_id = {c.clip_id: c.speaker for c in data}
    seen = []
    for f in folds:
        train_sp = {by_id[i] for i in f.train_ids}
        val_sp = {by_id[i] for i in f.val_ids}
        assert not train_sp & val_sp
        assert train_sp == set(f.train_speakers) and val_sp == set(f.val_speakers)
        assert len(f.train_ids) + len(f.val_ids) == len(data)
        seen += list(f.val_speakers)
    assert sorted(seen) == sorted({c.speaker for c in data})


def test_same_seed_same_split_other_seed_other_split():
    data = clips()
    assert kfold_by_speaker(data, 6, seed=3) == kfold_by_speaker(data, 6, seed=3)
    assert kfold_by_speaker(data, 6, seed=3) != kfold_by_speaker(data, 6, seed=4)
    assert holdout_by_speaker(data, seed=1) == holdout_by_speaker(data, seed=1)
    assert holdout_by_speaker(data, seed=1).val_speakers != holdout_by_speaker(data, seed=2).val_speakers


def test_holdout_fraction_and_select():
    data = clips(8)
    fold = holdout_by_speaker(data, val_fraction=0.25, seed=0)
    assert len(fold.val_speakers) == 2 and not set(fold.val_speakers) & set(fold.train_speakers)
    train, val = fold.select(data)
    assert {c.speaker for c in val} == set(fold.val_speakers) and len(train) + len(val) == len(data)


def test_speaker_dependent_is_stratified_and_named():
    data = clips(6, per_emotion=5)
    (fold,) = speaker_dependent_split(data, val_fraction=0.2, seed=0)
    assert fold.protocol == "speaker-dependent"
    assert set(fold.val_speakers) & set(fold.train_speakers)  # speakers on both sides
    train, val = fold.select(data)
    per_emotion = {e: sum(c.emotion == e for c in val) for e in EMOTIONS}
    assert set(per_emotion.values()) == {6}  # 30 clips per emotion, 20% each
    folds = make_folds(data, "speaker-dependent", k=5, seed=1)
    assert len(folds) == 5 and sorted(i for f in folds for i in f.val_ids) == sorted(
        c.clip_id for c in data)


def test_make_folds_validates():
    with pytest.raises(ValueError, match="protocol"):
        make_folds(clips(4), "leaky")
    with pytest.raises(ValueError, match="k-fold"):
        make_folds(clips(4), k=5)
    assert make_folds(clips(4), k=1)[0].protocol == "speaker-independent"
    assert make_folds(clips(4), k=2)[1].to_dict()["val_speakers"] == ["03", "04"]
