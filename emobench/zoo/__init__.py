"""The pretrained zoo: a manifest inside the package, files checked against their sha256 before
anything opens them, safe loading (Keras ``safe_mode``, skops; never pickle), export of any
trained cell, and prediction on one media file.

    import emobench
    model = emobench.load_pretrained("audio_logreg-emobase2010.ravdess_speaker-independent")
    emobench.zoo.predict_file("clip.wav", model).format()

CLI: ``emobench zoo list | info NAME | pull NAME | verify | export``, ``emobench predict``.
Modules: ``manifest`` (entries), ``archive`` (the zip, hashing, safe extraction), ``fetch``
(pooch, cache, loading), ``export`` (results database -> entry), ``docs`` (cards, recipes,
table), ``predict`` (one file).
"""
from __future__ import annotations

from emobench.zoo.docs import render_card, render_table, write_docs
from emobench.zoo.export import Exported, export_cell, ship
from emobench.zoo.fetch import ZOO_DIR_ENV, Check, fetch, load_pretrained, pull, verify, zoo_dir
from emobench.zoo.manifest import Entry, IntegrityError, Manifest, ZooError
from emobench.zoo.predict import Prediction, PredictError, predict_file

__all__ = ["Check", "Entry", "Exported", "IntegrityError", "Manifest", "PredictError",
           "Prediction", "ZOO_DIR_ENV", "ZooError", "export_cell", "fetch", "list_entries",
           "load_pretrained", "predict_file", "pull", "render_card", "render_table", "ship",
           "verify", "write_docs", "zoo_dir"]


def list_entries(manifest=None) -> list[Entry]:
    """Every entry of the packaged manifest (or of ``manifest``), sorted by name."""
    from emobench.zoo.manifest import resolve

    return list(resolve(manifest))
