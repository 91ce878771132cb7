from emobench import labels


def test_seven_thesis_emotions_in_fixed_order():
    assert labels.EMOTIONS == ("neutral", "happy", "sad", "fear", "angry", "surprise", "disgust")


def test_ravdess_calm_excluded_unless_selected():
    assert labels.ravdess_emotion(2) is None
    assert labels.ravdess_emotion(2, include_calm=True) == "calm"
    assert labels.label_set(True)[-1] == "calm" and len(labels.label_set(True)) == 8
    mapped = {labels.ravdess_emotion(c) for c in range(1, 9)} - {None}
    assert mapped == set(labels.EMOTIONS)


def test_ravdess_codes_follow_the_dataset_documentation():
    assert [labels.RAVDESS_EMOTIONS[c] for c in range(1, 9)] == [
        "neutral", "calm", "happy", "sad", "angry", "fear", "disgust", "surprise"]
    assert all(labels.RAVDESS_EMOTIONS[labels.RAVDESS_CODES[n]] == n for n in labels.RAVDESS_CODES)


def test_rml_has_six_classes_without_neutral():
    assert set(labels.RML_KEYS.values()) == set(labels.EMOTIONS) - {"neutral"}
    assert labels.rml_classes() == ("happy", "sad", "fear", "angry", "surprise", "disgust")


def test_affectnet_contempt_and_non_emotions_map_to_none():
    assert labels.AFFECTNET_EXPRESSIONS[6] == "angry" and labels.AFFECTNET_EXPRESSIONS[3] == "surprise"
    assert all(labels.AFFECTNET_EXPRESSIONS[c] is None for c in (7, 8, 9, 10))
    assert {v for v in labels.AFFECTNET_EXPRESSIONS.values() if v} == set(labels.EMOTIONS)


def test_image_folder_names_cover_ck_plus():
    for folder, want in [("anger", "angry"), ("sadness", "sad"), ("happy", "happy"),
                         ("surprise", "surprise"), ("fear", "fear"), ("disgust", "disgust")]:
        assert labels.IMAGE_FOLDER_NAMES[folder] == want
    assert labels.IMAGE_FOLDER_NAMES["contempt"] is None
