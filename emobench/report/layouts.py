"""The thesis's comparison tables, as data.

A :class:`Layout` is a grid in the thesis's own arrangement: column groups (``Emobase 2009``),
columns under them (``val acc``) and rows (``SVM``). Each grid position holds a :class:`Spec`
(which cells of the results database it reads, which metric, and the thesis's value beside it)
or None where the thesis's table has no cell. Adding a table is adding one layout here.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from emobench.report.thesis_values import thesis_value

UNITS = ("ratio", "loss", "seconds", "millions")


@dataclass(frozen=True)
class Spec:
    """One table cell: the cells whose fields equal ``select`` (dotted names reach into the
    cell's JSON, e.g. ``options.video``), the metric read from each, and the thesis's value."""

    select: tuple[tuple[str, str], ...]
    metric: str
    thesis: float | None
    unit: str = "ratio"

    @property
    def selection(self) -> dict[str, str]:
        return dict(self.select)


@dataclass(frozen=True)
class Row:
    label: str
    specs: tuple[Spec | None, ...]


@dataclass(frozen=True)
class Layout:
    """One table. ``split_by`` names the cell fields that make separate rows (never averaged
    together): the protocol always, and e.g. the audio feature set of a fusion cell.
    ``{dataset}`` in a group name is replaced by the run's dataset. ``extend`` says how a model
    the thesis lacks (a user's own, run in the thesis's suite) is shown: as a row like the first
    (``rows``) or a column group like the first (``groups``)."""

    name: str
    title: str
    suite: str
    groups: tuple[tuple[str, int], ...]
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    split_by: tuple[str, ...] = ("protocol",)
    note: str = ""
    extend: str = ""

    def __post_init__(self):
        if self.split_by[:1] != ("protocol",):
            raise ValueError(f"layout {self.name}: rows must split by protocol first")
        width = sum(span for _, span in self.groups)
        if width != len(self.columns) or any(len(r.specs) != width for r in self.rows):
            raise ValueError(f"layout {self.name}: groups, columns and rows disagree in width")


def with_models(layout: Layout, models: list[str]) -> Layout:
    """``layout`` plus a row (or column group) per model in ``models``, modelled on the first
    row (or group), reading the same metrics of that model, with no thesis values."""
    def swap(spec: Spec | None, model: str) -> Spec | None:
        if spec is None:
            return None
        return replace(spec, select=tuple(sorted({**spec.selection, "model": model}.items())),
                       thesis=None)

    if layout.extend == "rows":
        extra = tuple(Row(m, tuple(swap(s, m) for s in layout.rows[0].specs)) for m in models)
        return replace(layout, rows=layout.rows + extra)
    if layout.extend == "groups":
        width = layout.groups[0][1]
        rows = tuple(Row(r.label, r.specs + tuple(swap(s, m) for m in models
                                                  for s in r.specs[:width]))
                     for r in layout.rows)
        return replace(layout, groups=layout.groups + tuple((m, width) for m in models),
                       columns=layout.columns + layout.columns[:width] * len(models), rows=rows)
    return layout


def _spec(table: str, key, select: dict, metric: str, unit: str = "ratio") -> Spec:
    return Spec(tuple(sorted(select.items())), metric, thesis_value(table, key, metric), unit)


AUDIO_SETS = (("Emobase 2009", "emobase"), ("Emobase 2010", "emobase2010"),
              ("Emobase Large", "emo_large"), ("eGeMAPS v02", "eGeMAPSv02"),
              ("ComParE 2016", "ComParE_2016"),
              ("log-mel 64", "logmel"))  # the thesis's three first
_AUDIO_COLUMNS = (("train acc", "train_accuracy", "ratio"), ("val acc", "val_accuracy", "ratio"),
                  ("training time (s)", "train_time", "seconds"),
                  ("cross-corpus acc", "cross_accuracy", "ratio"))


def audio_layout() -> Layout:
    """SVM and CNN x emobase 2009 / 2010 / large: train acc, val acc, training time."""
    rows = []
    for label, model in (("SVM", "audio_svm"), ("CNN", "audio_cnn")):
        specs = [_spec("audio", (model, fs), {"model": model, "features": fs}, metric, unit)
                 for _, fs in AUDIO_SETS for _, metric, unit in _AUDIO_COLUMNS]
        rows.append(Row(label, tuple(specs)))
    return Layout(
        "audio", "Comparison of training time and validation accuracy for SVM classifier and "
        "CNN model on audio dataset", "audio",
        tuple((g, len(_AUDIO_COLUMNS)) for g, _ in AUDIO_SETS),
        tuple(c for _ in AUDIO_SETS for c, _, _ in _AUDIO_COLUMNS), tuple(rows),
        note="Emobase 2009 / 2010 / Large are openSMILE's emobase (988 features), emobase2010 "
             "(1582) and emo_large (6552); beyond the thesis, eGeMAPSv02 (88) and ComParE_2016 "
             "(6373), each over the clip's utterance (leading and trailing silence 40 dB below "
             "its loudest frame trimmed, since issue 14: the run's provenance gives trim_db; "
             "earlier runs took the whole clip); log-mel 64: the 64-band log-mel spectrogram of 3 s that audio_logmel_crnn "
             "reads. Training time: the whole fit, in seconds. Speaker norm on: each "
             "speaker's features standardised over that speaker's own clips (training and "
             "validation speakers alike); its rows are never averaged with the others. "
             "Cross-corpus acc: the model scored on the run's cross corpus (--cross, e.g. "
             "EmoDB) over the emotions it shares, never trained on it.",
        split_by=("protocol", "options.speaker_norm"), extend="rows")


_CURVE_COLUMNS = (("train acc", "train_accuracy", "ratio"), ("train loss", "train_loss", "loss"),
                  ("val acc", "val_accuracy", "ratio"), ("val loss", "val_loss", "loss"))


def _per_model_layout(name: str, title: str, suite: str, features: str,
                      models: tuple[tuple[str, str], ...], note: str) -> Layout:
    """The video table's arrangement: a column group per model, metric rows, then one-value
    rows (time per epoch, parameters) under each group's first column."""
    width = len(_CURVE_COLUMNS)

    def one_value_row(label: str, metric: str, unit: str) -> Row:
        specs: list[Spec | None] = []
        for _, model in models:
            specs += [_spec(name, model, {"model": model, "features": features}, metric, unit)]
            specs += [None] * (width - 1)
        return Row(label, tuple(specs))

    metrics = Row("Metric", tuple(
        _spec(name, model, {"model": model, "features": features}, metric, unit)
        for _, model in models for _, metric, unit in _CURVE_COLUMNS))
    rows = (metrics, one_value_row("Time(s)/epoch", "epoch_time_median", "seconds"),
            one_value_row("Time(s), first epoch", "epoch_time_first", "seconds"),
            one_value_row("Parameters (M)", "params", "millions"))
    return Layout(name, title, suite, tuple((label, width) for label, _ in models),
                  tuple(c for _ in models for c, _, _ in _CURVE_COLUMNS), rows, note=note,
                  extend="groups")


def video_layout() -> Layout:
    """ResNet50, C3D, LRCN: train/val accuracy and loss, time per epoch, parameters."""
    return _per_model_layout(
        "video", "Comparison of training for three Video CNN models", "video", "faces",
        (("ResNet50", "resnet50"), ("C3D", "c3d"), ("LRCN (ResNext50)", "lrcn")),
        note="Time(s)/epoch: median of the epochs after the first; the first epoch (which "
             "includes compilation) is its own row and has no thesis value. The thesis trained "
             "on a 16 GB Tesla GPU (Google Colab).")


def flow_layout() -> Layout:
    """The two optical-flow CNNs (the thesis shows them only as a figure)."""
    return _per_model_layout(
        "flow", "Optical-flow CNNs (the thesis's figure 'CNN Optical flow results', as numbers)",
        "flow", "flow", (("Flow ResNet50", "flow_resnet50"), ("Flow AlexNet-like",
                                                              "flow_alexnet")),
        note="The thesis gives no numbers for these (only a figure, and the conclusion that "
             "they did not train, maybe due to sparse flow data), so no cell has a thesis value.")


_FUSION_ROWS = (("ResNet", "resnet50"), ("C3D", "c3d"), ("LRCN", "lrcn"))
_FUSION_COLUMNS = _CURVE_COLUMNS + (("acc", "rml_accuracy", "ratio"),)


def fusion_layout() -> Layout:
    """The six fusion rows (video CNN + audio CNN, by average and by SVM): train/val accuracy
    and loss on the training dataset, and accuracy on RML."""
    rows = []
    for method, model in (("Avg", "fusion_avg"), ("SVM", "fusion_svm")):
        for video_label, video in _FUSION_ROWS:
            select = {"model": model, "options.video": video, "options.audio": "audio_cnn"}
            rows.append(Row(f"{video_label}+Audio CNN+{method}", tuple(
                _spec("fusion", (model, video), select, metric, unit)
                for _, metric, unit in _FUSION_COLUMNS)))
    return Layout(
        "fusion", "Comparison of accuracy and loss for Multi-modal CNN", "fusion",
        (("{dataset}", len(_CURVE_COLUMNS)), ("RML (cross-dataset)", 1)),
        tuple(c for c, _, _ in _FUSION_COLUMNS), tuple(rows),
        split_by=("protocol", "features"),
        note="Late fusion of a video CNN and the audio CNN (features: the audio branch's "
             "openSMILE set + face crops). RML: the model trained on the training dataset, "
             "scored on RML's 6 emotions (no neutral), never trained on it.")


_AUDIO_MORE_COLUMNS = (("val UAR", "val_uar", "ratio"), ("val F1", "val_f1", "ratio"),
                       ("RML acc", "rml_accuracy", "ratio"), ("RML UAR", "rml_uar", "ratio"))


def audio_more_layout() -> Layout:
    """What the thesis's audio table leaves out: unweighted average recall and macro F1 on the
    validation speakers, and the cross-dataset scores on RML."""
    rows = [Row(label, tuple(_spec("audio-more", (model, fs), {"model": model, "features": fs},
                                   metric, unit)
                             for _, fs in AUDIO_SETS for _, metric, unit in _AUDIO_MORE_COLUMNS))
            for label, model in (("SVM", "audio_svm"), ("CNN", "audio_cnn"))]
    return Layout(
        "audio-more", "Audio beyond the thesis: recall, F1 and cross-dataset (RML) scores",
        "audio", tuple((g, len(_AUDIO_MORE_COLUMNS)) for g, _ in AUDIO_SETS),
        tuple(c for _ in AUDIO_SETS for c, _, _ in _AUDIO_MORE_COLUMNS), tuple(rows),
        note="UAR: unweighted average recall (mean of the per-emotion recalls); F1: macro F1. "
             "RML: the model trained on the training dataset, scored on RML's 6 emotions "
             "(chance 1/6), never trained on it. The thesis reports none of these.",
        extend="rows")


def thesis_layouts() -> tuple[Layout, ...]:
    """The report's tables: the thesis's four in its order, then what they leave out."""
    return audio_layout(), video_layout(), flow_layout(), fusion_layout(), audio_more_layout()
