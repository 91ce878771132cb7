"""``emobench preprocess``, ``run``, ``report`` and ``bench``: the harness's commands."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from emobench.cli.group import main, EmobenchError, _no_bars, _csv


@main.command("preprocess")
@click.option("--dataset", default="synth", show_default=True,
              help="ravdess, rml, affectnet, images, synth, or auto.")
@click.option("--data-root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The dataset's folder (synth: the generated corpus when omitted).")
@click.option("--stages", default="audio,faces,flow", show_default=True,
              help="Comma-separated: audio, faces, flow.")
@click.option("--feature-sets", default="emobase", show_default=True,
              help="Comma-separated openSMILE sets: emobase, emobase2010, emo_large, "
                   "eGeMAPSv02, ComParE_2016.")
@click.option("--frames", default=16, show_default=True, help="Frames sampled per video.")
@click.option("--size", default=112, show_default=True, help="Side of the face crops, pixels.")
@click.option("--detector", default="haar", show_default=True,
              help="Face detector: haar (OpenCV) or mtcnn (needs emobench[mtcnn]).")
@click.option("--flow-method", default="dis", show_default=True,
              help="Optical flow: dis (fast) or tvl1 (the thesis's TV-L1).")
@click.option("--modalities", default=None,
              help="Comma-separated clip modalities to load (av, audio, video); default: the "
                   "dataset's own choice.")
@click.option("--include-calm", is_flag=True, help="Keep RAVDESS's calm clips as an 8th label.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the arrays go (default: $EMOBENCH_CACHE/features).")
@click.option("--jobs", "-j", default=1, show_default=True, help="Worker processes per stage.")
@click.option("--executor", default="local", show_default=True,
              type=click.Choice(["local", "ray"]),
              help="ray: one Ray task per clip (needs emobench[ray]); --jobs is then unused.")
@click.option("--ray-address", default=None,
              help="Ray cluster for --executor ray [default: a local Ray for the command].")
@click.option("--no-progress", is_flag=True, help="No progress bars.")
def preprocess_cmd(dataset: str, data_root: Path | None, stages: str, feature_sets: str,
                   frames: int, size: int, detector: str, flow_method: str,
                   modalities: str | None, include_calm: bool, cache_dir: Path | None,
                   jobs: int, executor: str, ray_address: str | None, no_progress: bool) -> None:
    """Decode, extract and cache features (audio, face crops, optical flow) for a dataset;
    a second run only reads the cache. Bad clips are skipped and listed with the reason."""
    from contextlib import nullcontext

    from emobench.datasets import load_dataset
    from emobench.harness.skipped import summary_line
    from emobench.preprocess import describe_outputs, run_preprocess

    _no_bars(no_progress)

    options: dict = {"include_calm": include_calm}
    if modalities:
        options["modalities"] = _csv(modalities)
    try:
        scan = load_dataset(dataset, data_root, **options)
        if executor == "ray":
            from emobench.harness.ray_executor import ray_preprocessing
        with ray_preprocessing(ray_address) if executor == "ray" else nullcontext():
            outputs = run_preprocess(scan, _csv(stages), feature_sets=_csv(feature_sets),
                                     frames=frames, size=size, detector=detector,
                                     flow_method=flow_method, cache_dir=cache_dir, jobs=jobs,
                                     progress=not no_progress)
    except (ValueError, FileNotFoundError) as err:
        raise EmobenchError(str(err)) from None
    click.echo(f"{scan.name} at {scan.root}: {len(scan.clips)} clips, "
               f"{len(scan.rejected)} rejected by the scan")
    click.echo(describe_outputs(outputs))
    click.echo(summary_line(len({str(r.path) for out in outputs.values() for r in out.skipped}),
                            cache_dir))


@main.command("run")
@click.option("--suite", default="all", show_default=True,
              help="audio, video, flow, fusion or all (comma-separated for several), robustness "
                   "(the audio, video and fusion cells re-scored on corrupted inputs), or images "
                   "(frame models on FER2013's official splits: --dataset fer2013).")
@click.option("--dataset", default="synth", show_default=True,
              help="ravdess or synth (the generated corpus).")
@click.option("--data-root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The dataset's folder (synth: the default generated corpus when omitted).")
@click.option("--epochs", default=15, show_default=True, help="Maximum epochs (Keras models).")
@click.option("--folds", type=int, default=None,
              help="Folds by speaker [default: 6 for RAVDESS, 3 otherwise]; 1 = one hold-out.")
@click.option("--seed", default=0, show_default=True, help="Random seed (weights, shuffling).")
@click.option("--protocol", default="speaker-independent", show_default=True,
              help="speaker-independent (folds by actor), speaker-dependent (stratified random "
                   "folds over clips) or both (side by side in one run).")
@click.option("--models", default=None, help="Comma-separated subset of the suite's models.")
@click.option("--feature-sets", default=None,
              help="Comma-separated openSMILE sets for the audio suite [default: all five].")
@click.option("--frames", default=8, show_default=True, help="Face crops sampled per clip.")
@click.option("--size", default=48, show_default=True, help="Side of the face crops, pixels.")
@click.option("--detector", default="haar", show_default=True, help="Face detector.")
@click.option("--flow-method", default="dis", show_default=True, help="dis or tvl1.")
@click.option("--batch-size", default=8, show_default=True, help="Batch size (Keras models).")
@click.option("--learning-rate", type=float, default=None,
              help="Learning rate of every Keras model [default: each model's own: RMSprop "
                   "0.001 as in the thesis; LRCN, ResNet50s Adam 0.0003; audio_cnn "
                   "RMSprop 0.0003, less for emo_large and ComParE].")
@click.option("--patience", default=5, show_default=True,
              help="EarlyStopping patience in epochs (0: off).")
@click.option("--early-stop-speakers", default=2, show_default=True,
              help="Audio Keras cells early-stop on this many training speakers held out of "
                   "the fit, never on the scored fold (0: on the scored fold, as the thesis).")
@click.option("--include-calm", is_flag=True, help="Keep RAVDESS's calm as an 8th class.")
@click.option("--rml-root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="RML clips for the cross-dataset column [default: $EMOBENCH_DATA/rml-sample].")
@click.option("--cross", "cross_root", type=click.Path(exists=True, file_okay=False,
                                                       path_type=Path),
              help="An audio corpus (EmoDB, label folders) every audio cell is also scored on, "
                   "over the shared emotions, never trained on.")
@click.option("--speaker-norm", default="off", show_default=True,
              type=click.Choice(["off", "on", "both"]),
              help="Audio cells with per-speaker feature standardisation (on), without (off) "
                   "or both, in separate table rows.")
@click.option("--pretrain-images", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Labelled face images (FER2013: its Training split only; AffectNet, or "
                   "CK+-style label folders) to pretrain LRCN's frame CNN and ResNet50 on "
                   "first, as the thesis did with AffectNet.")
@click.option("--pretrain-epochs", default=10, show_default=True,
              help="Epochs of that pretraining.")
@click.option("--pretrain-limit", default=0, show_default=True,
              help="Pretrain on a seeded, stratified subset of this many images (0: all).")
@click.option("--pretrain-models", default="lrcn,resnet50", show_default=True,
              help="Which video models start from the pretrained frame network.")
@click.option("--run-dir", default="emobench-runs", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Where results.sqlite, models and logs go.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Preprocessing cache (default: $EMOBENCH_CACHE/features).")
@click.option("--jobs", "-j", default=None, type=int,
              help="Preprocessing worker processes [default: CPU count, at most 8].")
@click.option("--train-jobs", default=None, type=int,
              help="Cells trained side by side in worker processes [default: 1 with a GPU, "
                   "else one per CPU core, at most 4].")
@click.option("--executor", default="local", show_default=True,
              type=click.Choice(["local", "ray"]),
              help="local: a process pool on this machine; ray: cells and preprocessing as Ray "
                   "tasks (needs emobench[ray]).")
@click.option("--ray-address", default=None,
              help="Ray cluster to use with --executor ray (e.g. auto, or HOST:6379) "
                   "[default: a local Ray started for the run].")
@click.option("--corruptions", default=None,
              help="Robustness suite: comma-separated corruptions [default: all of each "
                   "modality's].")
@click.option("--severities", default="1,2,3,4,5", show_default=True,
              help="Robustness suite: comma-separated severities among 1-5.")
@click.option("--frame-model", "frame_models", multiple=True,
              help="Robustness suite: a face-image model, a zoo entry's name (e.g. "
                   "face_cnn-faces.fer2013_official: crops prepared as its card says) or a "
                   "saved .keras file, also scored under the video corruptions on --images "
                   "and the video sets (repeatable).")
@click.option("--images", "images_root", type=click.Path(exists=True, file_okay=False),
              help="Labelled face images for --frame-model (FER2013's validation/ = PublicTest).")
@click.option("--image-limit", default=1000, show_default=True,
              help="A seeded stratified subset of that many --images (0: all).")
@click.option("--video-set", "video_sets", multiple=True,
              help="NAME=DIR video clips for --frame-model (repeatable) [default: rml-sample "
                   "and ravdess-av of $EMOBENCH_DATA].")
@click.option("--eval-folds", default=None,
              help="Robustness suite: score only these folds (comma-separated, 1-based) under "
                   "corruption [default: all]; every fold still trains.")
@click.option("--train-limit", default=None, type=int,
              help="Images suite: a seeded subset of this many Training images [default: 3000, "
                   "with 3 epochs and batch 64 unless given; 0: all 28,709].")
@click.option("--no-progress", is_flag=True, help="No progress bars.")
def run_cmd(suite: str, dataset: str, data_root: Path | None, epochs: int, folds: int | None,
            seed: int, protocol: str, models: str | None, feature_sets: str | None,
            frames: int, size: int, detector: str, flow_method: str, batch_size: int,
            learning_rate: float, patience: int, early_stop_speakers: int, include_calm: bool,
            rml_root: Path | None, cross_root: Path | None, speaker_norm: str,
            pretrain_images: Path | None, pretrain_epochs: int, pretrain_limit: int,
            pretrain_models: str, run_dir: Path,
            cache_dir: Path | None, jobs: int | None, train_jobs: int | None,
            executor: str, ray_address: str | None, corruptions: str | None,
            severities: str, frame_models: tuple, images_root: str | None, image_limit: int,
            video_sets: tuple, eval_folds: str | None, train_limit: int | None,
            no_progress: bool) -> None:
    """Train and score every cell of a suite; results go to RUN_DIR/results.sqlite. Cells
    already there are reused, so an interrupted run resumes where it stopped."""
    from emobench.harness import run_suite
    from emobench.harness.skipped import run_skips, summary_line
    from emobench.workers import default_jobs

    _no_bars(no_progress)

    extra: dict = {}
    if suite == "robustness":
        try:
            extra = {"corruptions": _csv(corruptions) if corruptions else None,
                     "severities": tuple(int(v) for v in _csv(severities)),
                     "frame_models": frame_models, "images_root": images_root,
                     "image_limit": image_limit or None,
                     "video_sets": dict(v.split("=", 1) for v in video_sets) or None,
                     "eval_folds": (tuple(int(v) - 1 for v in _csv(eval_folds))
                                    if eval_folds else None)}
        except ValueError:
            raise EmobenchError(f"--severities and --eval-folds must be integers and "
                                f"--video-set NAME=DIR; "
                                f"got {severities!r}, {list(video_sets)}") from None
        if models is not None and models.strip().lower() == "none":
            models = ""  # frame models only: no harness cells
    elif suite == "images":
        given = click.get_current_context().get_parameter_source
        default = click.core.ParameterSource.DEFAULT
        extra = {"train_limit": train_limit}
        epochs = None if given("epochs") == default else epochs  # the suite's own defaults
        batch_size = None if given("batch_size") == default else batch_size
    elif corruptions or frame_models or images_root or video_sets or eval_folds:
        raise EmobenchError("--corruptions, --frame-model, --images and --video-set belong to "
                            "--suite robustness")
    try:
        summary = run_suite(
            suite, dataset=dataset, data_root=str(data_root) if data_root else None,
            epochs=epochs, folds=folds, seed=seed, protocol=protocol,
            models=_csv(models) if models else (() if models == "" else None),
            feature_sets=_csv(feature_sets) if feature_sets else None, frames=frames,
            size=size, detector=detector, flow_method=flow_method, batch_size=batch_size,
            learning_rate=learning_rate, early_stopping=patience,
            early_stop_speakers=early_stop_speakers, include_calm=include_calm,
            rml_root=str(rml_root) if rml_root else None,
            cross_root=str(cross_root) if cross_root else None, speaker_norm=speaker_norm,
            pretrain_images=str(pretrain_images) if pretrain_images else None,
            pretrain_epochs=pretrain_epochs, pretrain_limit=pretrain_limit,
            pretrain_models=tuple(_csv(pretrain_models)), run_dir=str(run_dir),
            cache_dir=str(cache_dir) if cache_dir else None, jobs=jobs or default_jobs(),
            train_jobs=train_jobs, executor=executor, ray_address=ray_address,
            progress=not no_progress, **extra)
    except (ValueError, FileNotFoundError, KeyError) as err:
        raise EmobenchError(str(err).strip("'\"")) from None
    click.echo(f"run {summary.run_id}: {summary.planned} cells, {len(summary.trained)} trained, "
               f"{len(summary.reused)} reused, {len(summary.failed)} failed; "
               f"results in {summary.db_path}")
    try:
        skips, unnamed = run_skips(summary.db_path, summary.run_id)
        click.echo(summary_line(len(skips) or unnamed, cache_dir))
    except LookupError:  # a run that stored nothing
        pass
    if suite == "images":
        from emobench.harness.image_suite import suite_table
        click.echo(suite_table(run_dir, summary.run_id), nl=False)
    if hasattr(summary, "evaluated"):  # the robustness suite
        click.echo(f"robustness: {summary.evaluated} corrupted evaluations computed, "
                   f"{summary.reused_evaluations} reused, "
                   f"{len(summary.failed_evaluations)} failed")
        for what, reason in summary.failed_evaluations.items():
            click.echo(f"failed {what}: {reason}", err=True)
    for key, reason in summary.failed.items():
        click.echo(f"failed {key}: {reason}", err=True)
    if summary.failed:
        sys.exit(1)


@main.command("report")
@click.option("--run-dir", default="emobench-runs", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Run directory holding results.sqlite.")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
              help="The results database file itself (instead of --run-dir).")
@click.option("--run", "run_id", default=None, help="Run id [default: the latest run].")
@click.option("--format", "fmt", default="markdown", show_default=True,
              type=click.Choice(["markdown", "latex", "csv", "html", "json"]))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report here (atomically) instead of to stdout.")
def report_cmd(run_dir: Path, db: Path | None, run_id: str | None, fmt: str,
               out: Path | None) -> None:
    """The thesis's comparison tables from a run's results, beside the thesis's numbers (reads
    the database only; never re-runs anything)."""
    import shlex

    from emobench.report import render_report, write_report

    args = [("--db", db) if db else ("--run-dir", run_dir), ("--run", run_id),
            ("--format", fmt), ("--out", out)]
    command = "emobench report " + " ".join(f"{k} {shlex.quote(str(v))}" for k, v in args
                                            if v is not None)
    from emobench.harness.skipped import run_skips

    try:
        if out is None:
            click.echo(render_report(db or run_dir, fmt, run_id, command), nl=False)
        else:
            write_report(db or run_dir, out, fmt, run_id, command)
            click.echo(f"{out}: {fmt} report written", err=True)
        skips, unnamed = run_skips(db or run_dir, run_id)
        if fmt not in ("markdown", "json"):  # those two list them inside the report
            for line in skips:
                click.echo(f"skipped {line}", err=True)
            if unnamed and not skips:
                click.echo(f"{unnamed} file(s) skipped (see the cache's skipped.jsonl)",
                           err=True)
    except (ValueError, FileNotFoundError, LookupError) as err:
        raise EmobenchError(str(err)) from None



@main.command("bench")
@click.option("--suite", default="video", show_default=True, help="video or fusion.")
@click.option("--clips", default=1440, show_default=True,
              help="Synthetic clips (RAVDESS has 1440 AV speech clips); 20% are validation.")
@click.option("--frames", default=16, show_default=True, help="Frames per clip.")
@click.option("--size", default=112, show_default=True, help="Side of the face crops.")
@click.option("--epochs", default=3, show_default=True, help="Epochs per model.")
@click.option("--batch-size", default=16, show_default=True, help="Batch size.")
@click.option("--models", default=None, help="Comma-separated subset of the suite's models.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the markdown report (with hardware and command) here.")
@click.option("--no-progress", is_flag=True, help="No progress bars.")
def bench_cmd(suite: str, clips: int, frames: int, size: int, epochs: int, batch_size: int,
              models: str | None, out: Path | None, no_progress: bool) -> None:
    """Time per epoch of the video (or fusion) models at the thesis's scale on synthetic data,
    beside the thesis's 33 s (ResNet50), 176 s (C3D) and 200 s (LRCN). Meant for a GPU machine:
    KERAS_BACKEND=jax emobench bench --suite video"""
    from emobench.harness.scale import bench_scale, scale_report

    _no_bars(no_progress)

    settings = {"suite": suite, "clips": clips, "frames": frames, "size": size,
                "epochs": epochs, "batch_size": batch_size}
    try:
        results = bench_scale(suite, clips=clips, frames=frames, size=size, epochs=epochs,
                              batch_size=batch_size, models=_csv(models) if models else None,
                              progress=not no_progress)
    except (ValueError, KeyError) as err:
        raise EmobenchError(str(err).strip("'\"")) from None
    text = scale_report(results, " ".join(["emobench", *sys.argv[1:]]), settings)
    click.echo(text)
    if out:
        from emobench.atomic import atomic_write_text

        atomic_write_text(out, text)
