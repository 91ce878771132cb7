"""Reports: the thesis's tables from a results database, every format, values in the right cells,
missing cells left empty, protocols never averaged, the HTML self-contained."""
from __future__ import annotations

import base64
import csv
import io
import json
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import report_db
from emobench.cli import main
from emobench.harness.store import ResultStore
from emobench.report import FORMATS, render_report, write_report
from emobench.report import thesis_values as tv
from emobench.report.layouts import thesis_layouts
from emobench.report.tables import compact_speakers

SI, SD = "speaker-independent", "speaker-dependent"
THESIS = Path(__file__).resolve().parents[2] / "shared" / "thesis.txt"


@pytest.fixture(scope="module")
def one_protocol(tmp_path_factory):
    return report_db.build(tmp_path_factory.mktemp("report") / "results.sqlite")


@pytest.fixture(scope="module")
def two_protocols(tmp_path_factory):
    return report_db.build(tmp_path_factory.mktemp("report2") / "results.sqlite", (SI, SD), 1)


def markdown_table(text: str, number: int) -> list[dict]:
    """Table ``number`` of a markdown report as one dict per row (header -> cell)."""
    section = text.split(f"\n## {number}. ")[1].split("\n## ")[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    return [dict(zip(cells[0], row)) for row in cells[2:]]


def stats(values):
    return np.mean(values), np.std(values, ddof=1)


# ---- thesis values and layouts ----------------------------------------------------------------
def _thesis_rows(title: str) -> dict[str, list[str]]:
    block = THESIS.read_text().split(f"Table: {title}")[1].split("Table:")[0]
    block = block.split("Figure:")[0]
    return {cols[0]: cols[1:] for cols in (line.split("\t") for line in block.splitlines())
            if len(cols) > 1 and cols[0]}


def _num(text: str):
    return None if text.strip() == "-" else float(text)


@pytest.mark.skipif(not THESIS.is_file(), reason="the thesis text is not beside the checkout")
def test_thesis_values_are_the_thesis_numbers():
    audio = _thesis_rows("Comparison of training time and validation accuracy")
    for label, model in (("SVM", "audio_svm"), ("CNN", "audio_cnn")):
        got = [tv.AUDIO[(model, fs)][m] for fs in ("emobase", "emobase2010", "emo_large")
               for m in ("train_accuracy", "val_accuracy", "train_time")]
        assert got == [_num(v) for v in audio[label]]
    video = _thesis_rows("Comparison of training for three Video CNN models")
    for i, model in enumerate(("resnet50", "c3d", "lrcn")):
        v = tv.VIDEO[model]
        assert [v["train_accuracy"], v["train_loss"], v["val_accuracy"], v["val_loss"]] == \
            [_num(x) for x in video["Metric"][4 * i:4 * i + 4]]
        assert v["epoch_time_median"] == _num(video["Time(s)/epoch"][4 * i])
        assert v["params"] / 1e6 == pytest.approx(_num(video["Parameters (M)"][4 * i]))
    fusion = _thesis_rows("Comparison of accuracy and loss for Multi-modal CNN")
    names = {"resnet50": "ResNet", "c3d": "C3D", "lrcn": "LRCN"}
    for (model, video_model), v in tv.FUSION.items():
        label = f"{names[video_model]}+Audio CNN+{'Avg' if model == 'fusion_avg' else 'SVM'}"
        assert [v[m] for m in ("train_accuracy", "train_loss", "val_accuracy", "val_loss",
                               "rml_accuracy")] == [_num(x) for x in fusion[label]]
    assert tv.thesis_value("flow", "flow_resnet50", "val_accuracy") is None


def test_layouts_put_each_thesis_value_in_its_position():
    audio, video, flow, fusion, audio_more = thesis_layouts()
    assert audio_more.columns[:4] == ("val UAR", "val F1", "RML acc", "RML UAR")
    svm_rml = audio_more.rows[0].specs[2 + 4]  # Emobase 2010's RML acc
    assert svm_rml.selection == {"model": "audio_svm", "features": "emobase2010"}
    assert (svm_rml.metric, svm_rml.thesis) == ("rml_accuracy", None)
    assert [g for g, _ in audio.groups] == [  # the thesis's first
        "Emobase 2009", "Emobase 2010", "Emobase Large", "eGeMAPS v02", "ComParE 2016",
        "log-mel 64"]
    assert audio.columns[:4] == ("train acc", "val acc", "training time (s)",
                                 "cross-corpus acc")
    assert audio.split_by == ("protocol", "options.speaker_norm")
    cnn = audio.rows[1]
    assert cnn.label == "CNN" and cnn.specs[5].selection == {"model": "audio_cnn",
                                                             "features": "emobase2010"}
    assert (cnn.specs[5].metric, cnn.specs[5].thesis) == ("val_accuracy", 0.656)
    assert audio.rows[0].specs[0].thesis is None  # SVM train acc: "-" in the thesis
    time_row = next(r for r in video.rows if r.label == "Time(s)/epoch")
    assert [i for i, s in enumerate(time_row.specs) if s] == [0, 4, 8]
    assert [s.thesis for s in time_row.specs if s] == [33, 176, 200]
    assert all(s is None or s.thesis is None for r in flow.rows for s in r.specs)
    lrcn_svm = next(r for r in fusion.rows if r.label == "LRCN+Audio CNN+SVM")
    assert [s.thesis for s in lrcn_svm.specs] == [0.98, 0.38, 0.656, 0.4, 0.4]
    assert lrcn_svm.specs[0].selection["options.video"] == "lrcn"


def test_compact_speakers():
    assert compact_speakers(["01", "02", "03", "04", "09", "11", "12"]) == "01-04, 09, 11-12"
    assert compact_speakers(["s1", "s3"]) == "s1, s3"


# ---- values in the right cells ------------------------------------------------------------------
def test_markdown_tables_have_the_thesis_layout_and_values(one_protocol):
    db, expected = one_protocol
    text = render_report(db, "markdown")
    audio = markdown_table(text, 1)
    assert [r[""] for r in audio] == ["SVM", "CNN"]
    assert list(audio[0])[:6] == ["", "Protocol", "Speaker norm", "Emobase 2009 train acc",
                                  "Emobase 2009 val acc", "Emobase 2009 training time (s)"]
    assert audio[0]["Speaker norm"] == "off"  # cells without the option
    mean, std = stats([m["val_accuracy"] for m in expected[("audio_svm", "emobase2010", SI)]])
    assert audio[0]["Emobase 2010 val acc"] == f"{mean:.3f} ± {std:.3f} / 0.67"
    assert audio[0]["Protocol"] == SI
    assert audio[0]["Emobase 2009 train acc"].endswith(" / -")  # the thesis gives none
    # a failed fold is counted, never hidden
    assert "(2/3 folds) / 0.962" in audio[1]["Emobase 2010 train acc"]
    # emo_large was not run: the cell says so beside the thesis's value, nothing filled in
    assert audio[1]["Emobase Large val acc"] == "not run / 0.48"
    video = {r[""]: r for r in markdown_table(text, 2)}
    assert video["Time(s)/epoch"]["C3D train loss"] == ""  # no cell there in the thesis
    params = np.mean([m["params"] for m in expected[("c3d", "faces", SI)]]) / 1e6
    assert video["Parameters (M)"]["C3D train acc"] == f"{params:.3g} / 0.33"
    assert video["Metric"]["LRCN (ResNext50) val acc"] == "not run / 0.45"
    fusion = {r[""]: r for r in markdown_table(text, 4)}
    row = fusion["C3D+Audio CNN+Avg"]
    assert row["Features"] == "emobase2010+faces"
    assert row["synth train loss"] == "not measured / -"
    rml, rml_std = stats([m["rml_accuracy"] for m in expected[("fusion_avg",
                                                                "emobase2010+faces", SI)]])
    assert row["RML (cross-dataset) acc"] == f"{rml:.3f} ± {rml_std:.3f} / 0.38"


def test_report_states_protocol_split_chance_and_provenance(one_protocol):
    text = render_report(one_protocol[0], "markdown", command="emobench report --x")
    head = text.split("## 1.")[0]
    for needle in ("`emobench report --x`", "0123456789abcdef", "Backend**: tensorflow",
                   "Test CPU, 2 cores", "synth at /tmp/synth: 42 clips, 6 speakers (01-06)",
                   "(RML)**: 60 clips at /tmp/rml", "done-with-failures",
                   "ALL NUMBERS ARE SPEAKER-INDEP",
                   "fold 2/3: validated on speakers 03-04; 14 validation clips"):
        assert needle in head
    assert "Chance level (validation): speaker-independent: 0.143 (1/7); RML: 0.167 (1/6)" \
        in text
    assert "RuntimeError: OOM" in text.split("## Failures")[1]


def test_json_cells_are_numbers_with_mean_std_n_and_thesis_apart(one_protocol):
    db, expected = one_protocol
    doc = json.loads(render_report(db, "json"))
    audio = next(t for t in doc["tables"] if t["name"] == "audio")
    svm = next(r for r in audio["rows"] if r["label"] == "SVM")
    assert svm["variant"] == {"protocol": SI, "options.speaker_norm": None}
    cell = next(c for c in svm["cells"] if c["group"] == "Emobase 2010"
                and c["column"] == "val acc")
    values = [m["val_accuracy"] for m in expected[("audio_svm", "emobase2010", SI)]]
    assert cell["values"] == pytest.approx(values)
    assert (cell["mean"], cell["std"]) == pytest.approx(stats(values))
    assert (cell["n"], cell["expected"], cell["thesis"], cell["status"]) == (3, 3, 0.67, "ok")
    missing = next(c for c in svm["cells"] if c["group"] == "Emobase Large"
                   and c["column"] == "val acc")
    assert (missing["mean"], missing["n"], missing["status"], missing["thesis"]) == \
        (None, 0, "not run", 0.48)
    video = next(t for t in doc["tables"] if t["name"] == "video")
    time_row = next(r for r in video["rows"] if r["label"] == "Time(s)/epoch")
    assert len(time_row["cells"]) == 3  # only the thesis's positions
    assert doc["provenance"]["hardware"]["cores"] == 2 and doc["protocols"] == [SI]


def test_csv_has_one_line_per_table_cell(one_protocol):
    db, expected = one_protocol
    rows = list(csv.DictReader(io.StringIO(render_report(db, "csv"))))
    per_table = {name: sum(s is not None for r in layout.rows for s in r.specs)
                 for name, layout in ((lay.name, lay) for lay in thesis_layouts())}
    for name, count in per_table.items():
        assert sum(r["table"] == name for r in rows) == count
    hit = [r for r in rows if r["table"] == "video" and r["row"] == "Metric"
           and r["group"] == "ResNet50" and r["column"] == "val loss"]
    assert len(hit) == 1 and float(hit[0]["thesis"]) == 1.3
    assert float(hit[0]["mean"]) == pytest.approx(
        np.mean([m["val_loss"] for m in expected[("resnet50", "faces", SI)]]))
    blank = [r for r in rows if r["table"] == "flow" and r["status"] == "not run"]
    assert blank and all(r["mean"] == "" and r["thesis"] == "" for r in blank)


def test_latex_tables_are_well_formed(one_protocol):
    text = render_report(one_protocol[0], "latex")
    assert text.count(r"\begin{table}") == text.count(r"\end{table}") == 5
    assert r"\multicolumn{4}{c}{Emobase 2009}" in text and r"\cmidrule(lr){4-7}" in text
    for table, layout in zip(text.split(r"\begin{tabular}")[1:], thesis_layouts()):
        body = table.split(r"\end{tabular}")[0]
        width = 1 + len(layout.split_by) + len(layout.columns)
        rows = [line for line in body.splitlines() if line.rstrip().endswith(r"\\")
                and "multicolumn" not in line]
        assert len(rows) == 1 + len(layout.rows)
        assert all(line.count("&") - line.count(r"\&") == width - 1 for line in rows)
    assert "$\\pm$" in text and "_" not in text.replace("\\_", "").split("\\begin{document}")[1]


# ---- two protocols: side by side, never averaged --------------------------------------------
def test_two_protocols_sit_side_by_side_never_averaged(two_protocols):
    db, expected = two_protocols
    text = render_report(db, "markdown")
    assert "THIS RUN HOLDS 2 PROTOCOLS" in text
    assert "validated on random stratified clips from speakers 01-06" in text
    for number in (1, 2, 3, 4):
        assert f"[{SI}, {SD}]" in text.split(f"\n## {number}. ")[1].splitlines()[0]
    audio = markdown_table(text, 1)
    assert [(r[""], r["Protocol"]) for r in audio] == [("SVM", SI), ("SVM", SD), ("CNN", SI),
                                                       ("CNN", SD)]
    for row, protocol in zip(audio[:2], (SI, SD)):
        mean, std = stats([m["val_accuracy"] for m in expected[("audio_svm", "emobase",
                                                                protocol)]])
        assert row["Emobase 2009 val acc"] == f"{mean:.3f} ± {std:.3f} / 0.49"
    doc = json.loads(render_report(db, "json"))
    assert doc["protocols"] == [SI, SD]


# ---- HTML ---------------------------------------------------------------------------------------
class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.refs += [(tag, k, v) for k, v in attrs if k in ("src", "href", "data", "action")]


def test_html_is_one_self_contained_file_with_every_figure(one_protocol, tmp_path):
    db, _ = one_protocol
    out = write_report(db, tmp_path / "r" / "report.html", "html")
    html = out.read_text()
    parser = _Refs()
    parser.feed(html)
    outside = [r for r in parser.refs if not (r[2] or "").startswith(("data:", "#"))]
    assert outside == [] and "link" not in parser.tags and "script" not in parser.tags
    images = [v for tag, k, v in parser.refs if tag == "img"]
    for uri in images:
        assert base64.b64decode(uri.split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")
    # a confusion figure per group of cells, learning curves for the Keras ones only
    groups = {(m, f) for m, f in {(g[1], g[2]) for g in report_db.GROUPS}}
    keras = {g for g in groups if g[0] not in ("audio_svm", "fusion_avg", "fusion_svm")}
    assert html.count('alt="confusion matrix"') == len(groups)
    assert html.count('alt="learning curves"') == len(keras)
    assert len(images) == len(groups) + len(keras)
    assert "ALL NUMBERS ARE SPEAKER-INDEPENDENT" in html and "Test CPU" in html
    assert re.search(r"<td[^>]*>not run<span class=\"thesis\">thesis 0.48</span>", html)


# ---- API and CLI --------------------------------------------------------------------------------
def test_run_selection_latest_by_default(one_protocol, tmp_path):
    db, _ = report_db.build(tmp_path / "results.sqlite")
    time.sleep(1.1)  # runs are ordered by their start time, which the store keeps in seconds
    with ResultStore(db) as store:
        first = store.runs()[0]["run_id"]
        second = store.start_run("audio", report_db.config(SI), report_db.provenance())
    assert json.loads(render_report(db, "json"))["run_id"] == second
    assert json.loads(render_report(tmp_path, "json", run_id=first))["run_id"] == first
    empty = json.loads(render_report(db, "json"))["tables"][0]["rows"][0]["cells"]
    assert {c["status"] for c in empty} == {"not run"}  # a run with no cells stays empty
    with pytest.raises(LookupError, match="no run 'nope'"):
        render_report(db, "json", run_id="nope")
    with pytest.raises(ValueError, match="unknown report format"):
        render_report(db, "pdf")
    import emobench
    assert emobench.render_report is render_report and set(FORMATS) == {
        "markdown", "latex", "csv", "html", "json"}


def test_cli_writes_each_text_format_and_fails_in_one_line(one_protocol, tmp_path):
    db, _ = one_protocol
    runner = CliRunner()
    for fmt in ("markdown", "latex", "csv", "json"):
        out = tmp_path / f"report.{fmt}"
        result = runner.invoke(main, ["report", "--db", str(db), "--format", fmt, "--out",
                                      str(out)])
        assert result.exit_code == 0, result.output
        assert out.read_text() == render_report(db, fmt, command=(
            f"emobench report --db {db} --format {fmt} --out {out}"))
    shown = runner.invoke(main, ["report", "--run-dir", str(db.parent)])
    assert shown.exit_code == 0 and shown.output.startswith("# emobench report: run ")
    for args, message in ((["--run-dir", str(tmp_path / "none")], "no results database"),
                          (["--db", str(db), "--run", "nope"], "no run 'nope'")):
        result = runner.invoke(main, ["report", *args])
        assert result.exit_code == 1 and message in result.output
        assert len(result.output.strip().splitlines()) == 1
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database")
    result = runner.invoke(main, ["report", "--db", str(junk)])
    assert result.exit_code == 1 and "not a readable results database" in result.output
    assert not (tmp_path / "none").exists()  # a report never creates a database


# ---- models the thesis lacks, branch cells, and a real harness run ----------------------------
def test_extra_models_get_their_own_row_or_group_and_branches_fill_their_tables(tmp_path):
    from emobench.harness.cell import Cell

    with ResultStore(tmp_path) as store:
        run_id = store.start_run("fusion", report_db.config(SI), report_db.provenance())
        for model, features, suite, value in (("c3d", "faces", "fusion", 0.61),
                                              ("my_video", "faces", "video", 0.52),
                                              ("my_audio", "emobase", "audio", 0.33)):
            cell = Cell("synth", "ds0", features, model, SI, 1, 0, 0, 2)
            store.link(run_id, cell, suite)
            store.save_cell(run_id, cell, metrics={"val_accuracy": value, "chance": 1 / 7},
                            split={"val_speakers": ["01"], "n_val": 7})
    doc = json.loads(render_report(tmp_path, "json"))
    video = next(t for t in doc["tables"] if t["name"] == "video")
    assert [g["name"] for g in video["groups"]][-1] == "my_video"
    cells = {(c["group"], c["column"]): c for c in video["rows"][0]["cells"]}
    assert cells[("C3D", "val acc")]["mean"] == 0.61  # a fusion branch is the video cell
    assert (cells[("my_video", "val acc")]["mean"], cells[("my_video", "val acc")]["thesis"]) \
        == (0.52, None)
    audio = markdown_table(render_report(tmp_path, "markdown"), 1)
    assert audio[-1][""] == "my_audio" and audio[-1]["Emobase 2009 val acc"] == "0.330 / -"


def test_every_format_from_a_real_harness_run(synth_corpus, tmp_path):
    import harness_dummies  # noqa: F401 - registers dummy_audio
    from emobench.harness import run_suite

    run_suite("audio", dataset="synth", data_root=str(synth_corpus), folds=2,
              run_dir=str(tmp_path / "run"), cache_dir=str(tmp_path / "cache"),
              feature_sets=("emobase",), models=("dummy_audio",), progress=False,
              save_models=False, jobs=1, train_jobs=1)
    with ResultStore(tmp_path / "run") as store:
        run = store.run()
        scored = [c["metrics"]["val_accuracy"] for c in store.cells(run["run_id"])]
    assert len(scored) == 2
    texts = {fmt: render_report(tmp_path / "run", fmt) for fmt in FORMATS}
    row = markdown_table(texts["markdown"], 1)[-1]
    mean, std = stats(scored)
    assert row[""] == "dummy_audio" and row["Emobase 2009 val acc"] == \
        f"{mean:.3f} ± {std:.3f} / -"
    assert "validated on speakers 01-02; 14 validation clips" in texts["markdown"]
    doc = json.loads(texts["json"])
    assert doc["run_id"] == run["run_id"] and doc["provenance"]["dataset"]["clips"] == 28
    assert any(r["table"] == "audio" and r["row"] == "dummy_audio" and r["status"] == "ok"
               for r in csv.DictReader(io.StringIO(texts["csv"])))
    assert r"\end{document}" in texts["latex"] and "dummy\\_audio" in texts["latex"]
    parser = _Refs()
    parser.feed(texts["html"])
    images = [v for tag, k, v in parser.refs if tag == "img"]
    # the confusion matrices and the one-step "curves" a scikit-learn model records
    assert len(images) == 2 and all(i.startswith("data:image/png;base64,") for i in images)
    assert texts["html"].count('alt="confusion matrix"') == 1
