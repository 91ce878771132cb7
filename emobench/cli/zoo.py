"""``emobench zoo`` and ``emobench predict``: the pretrained models."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from emobench.cli.group import main, EmobenchError


_MANIFEST_OPTION = click.option(
    "--manifest", type=click.Path(dir_okay=False, path_type=Path),
    help="A manifest file of your own (e.g. from 'zoo export') instead of the packaged one.")


@main.group()
def zoo() -> None:
    """Pretrained models: list, inspect, fetch and verify them; export your own."""


@zoo.command("list")
@_MANIFEST_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the manifest entries as JSON.")
def zoo_list(manifest: Path | None, as_json: bool) -> None:
    """Every entry: what it was trained on, its held-out and cross-validated accuracy, its
    size, and whether its file is at hand (inside the package or already downloaded)."""
    import json

    from tabulate import tabulate

    from emobench.zoo import ZooError, list_entries, verify

    try:
        entries = list_entries(manifest)
        states = {c.name: c.state for c in verify(manifest=manifest)}
    except ZooError as err:
        raise EmobenchError(str(err)) from None
    if as_json:
        click.echo(json.dumps([e.to_dict() for e in entries], indent=1))
        return
    rows = []
    for e in sorted(entries, key=lambda e: e.demo):  # pipeline demos last, marked
        cv = e.cv.get("accuracy")
        rows.append([e.name + (" [pipeline demo: drawn faces]" if e.demo else ""),
                     e.dataset.get("description", ""),
                     f"{e.held_out.get('accuracy', float('nan')):.3f}",
                     f"{cv[0]:.3f} ± {cv[1]:.3f}" if cv else "-", f"{e.size / 1e6:.1f} MB",
                     e.source, {"ok": "yes", "missing": "not yet", "bad": "BAD"}[states[e.name]]])
    click.echo(tabulate(rows, headers=["entry", "trained on", "held-out acc", "CV acc",
                                       "size", "source", "at hand"], disable_numparse=True))


@zoo.command("info")
@click.argument("name")
@_MANIFEST_OPTION
def zoo_info(name: str, manifest: Path | None) -> None:
    """Print the model card of entry NAME."""
    from emobench.zoo import ZooError, render_card
    from emobench.zoo.manifest import resolve

    try:
        click.echo(render_card(resolve(manifest).get(name)))
    except ZooError as err:
        raise EmobenchError(str(err)) from None


@zoo.command("pull")
@click.argument("names", nargs=-1)
@click.option("--all", "pull_all", is_flag=True, help="Every entry.")
@_MANIFEST_OPTION
def zoo_pull(names: tuple[str, ...], pull_all: bool, manifest: Path | None) -> None:
    """Download (url entries) and check the files of the entries NAMES."""
    from emobench.zoo import ZooError, list_entries, pull

    try:
        names = tuple(e.name for e in list_entries(manifest)) if pull_all else names
        if not names:
            raise ZooError("name one or more entries (see 'emobench zoo list'), or --all")
        for name in names:
            click.echo(f"{name}: {pull(name, manifest)} (sha256 ok)")
    except ZooError as err:
        raise EmobenchError(str(err)) from None


@zoo.command("verify")
@click.argument("names", nargs=-1)
@_MANIFEST_OPTION
def zoo_verify(names: tuple[str, ...], manifest: Path | None) -> None:
    """Check every packaged or downloaded entry file against its sha256 (downloads nothing);
    exits with 1 when any file does not match."""
    from emobench.zoo import ZooError, verify

    try:
        checks = verify(names or None, manifest)
    except ZooError as err:
        raise EmobenchError(str(err)) from None
    for c in checks:
        click.echo(f"{c.state.upper():8s} {c.name}: {c.detail}")
    if any(c.state == "bad" for c in checks):
        sys.exit(1)


@zoo.command("export")
@click.option("--run-dir", default="emobench-runs", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Run directory holding results.sqlite.")
@click.option("--run", "run_id", default=None, help="Run id [default: the latest run].")
@click.option("--cell", default="", help="The cell's key (or a unique prefix); omit to list them.")
@click.option("--name", default=None,
              help="Entry name [default: <model>-<features>.<dataset>_<protocol>].")
@click.option("--out", "out_dir", default="zoo-export", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Where the archive, its manifest and its card go.")
@click.option("--url", default=None, help="Where the archive will be downloadable from "
                                          "(the entry's source becomes 'url').")
@click.option("--ship", is_flag=True,
              help="Maintainers: also add the entry to this checkout's package and zoo/.")
def zoo_export(run_dir: Path, run_id: str | None, cell: str, name: str | None, out_dir: Path,
               url: str | None, ship: bool) -> None:
    """Package one trained cell of a results database as a zoo entry: the weights with the
    scaling and label order they need, a model card and the manifest line with its hash."""
    from emobench.zoo import ZooError, export_cell
    from emobench.zoo import ship as ship_entry

    try:
        ex = export_cell(run_dir, cell, run_id=run_id, name=name, out_dir=out_dir, url=url)
        if ship:
            click.echo(f"shipped: {ship_entry(ex)}")
    except (ZooError, LookupError) as err:
        raise EmobenchError(str(err).strip("'\"")) from None
    click.echo(f"{ex.entry.name}: {ex.archive} ({ex.entry.size:,} bytes, sha256 "
               f"{ex.entry.sha256}); manifest {ex.manifest}; card {ex.card}")


@main.command("predict")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--model", "model_name", required=True, help="Zoo entry (see 'emobench zoo list').")
@_MANIFEST_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--same-speaker", is_flag=True,
              help="The files are one speaker's: audio features are speaker-normalised over "
                   "them (a single file falls back to the training statistics).")
def predict_cmd(files: tuple[Path, ...], model_name: str, manifest: Path | None,
                as_json: bool, same_speaker: bool) -> None:
    """Run a zoo model on .mp4/.wav (or other audio/video) files, with the preprocessing
    it was trained with, and print the emotion probabilities."""
    import json

    from emobench.zoo import ZooError, predict_file

    if same_speaker or len(files) > 1:
        from emobench.zoo.speaker_predict import predict_same_speaker
        try:
            if same_speaker:
                preds, skipped = predict_same_speaker(files, model_name, manifest=manifest)
            else:
                preds, skipped = [predict_file(f, model_name, manifest=manifest)
                                  for f in files], []
        except ZooError as err:
            raise EmobenchError(str(err)) from None
        for line in skipped:
            click.echo(f"skipped {line}", err=True)
        for note in dict.fromkeys(n for p in preds for n in p.notes):
            click.echo(f"note: {note}", err=True)
        for pred in preds:
            click.echo(json.dumps(pred.to_dict()) if as_json else pred.format())
        return
    file = files[0]
    try:
        pred = predict_file(file, model_name, manifest=manifest)
    except ZooError as err:
        raise EmobenchError(str(err)) from None
    for note in pred.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(json.dumps(pred.to_dict(), indent=1) if as_json else pred.format())
