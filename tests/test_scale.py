"""Timing at the thesis's scale (``emobench bench``): the harness trains each model on
synthetic arrays and reports its epochs beside the thesis's; a tiny size keeps this quick."""
from __future__ import annotations

from emobench.harness.scale import THESIS_EPOCH_SECONDS, bench_scale, scale_table


def test_bench_times_each_model_beside_the_thesis():
    results = bench_scale("fusion", clips=20, frames=4, size=32, epochs=2,
                          models=("c3d", "fusion_svm"), progress=False)
    c3d, svm = results
    assert (c3d.model, c3d.input_shape, c3d.n_train, c3d.n_val) == ("c3d", (4, 32, 32, 3), 16, 4)
    assert c3d.epochs == 2 and c3d.first_epoch_s > 0 and c3d.median_epoch_s > 0
    assert c3d.params > 1000 and c3d.thesis_epoch_s == THESIS_EPOCH_SECONDS["c3d"] == 176
    assert svm.median_epoch_s is None and svm.train_s > 0 and svm.thesis_epoch_s is None
    table = scale_table(results).splitlines()
    assert "thesis epoch (s)" in table[0] and "| 176 " in table[2] and table[3].count(" - ") >= 2


def test_cli_bench_prints_hardware_and_table(tmp_path):
    from click.testing import CliRunner

    from emobench.cli import main

    out = tmp_path / "bench.md"
    done = CliRunner().invoke(main, ["bench", "--clips", "12", "--frames", "4", "--size", "32",
                                     "--epochs", "1", "--models", "c3d", "--out", str(out),
                                     "--no-progress"])
    assert done.exit_code == 0, done.output
    text = out.read_text()
    assert "- hardware:" in text and "- backend:" in text and "| c3d " in text
    bad = CliRunner().invoke(main, ["bench", "--suite", "flowers"])
    assert bad.exit_code == 1 and "unknown suite 'flowers'" in bad.output
