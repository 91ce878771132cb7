"""Training time at the thesis's scale: the video (and fusion) models trained by the harness on
synthetic arrays sized like RAVDESS (1440 clips), timed per epoch beside the thesis's printed
33 s (ResNet50), 176 s (C3D) and 200 s (LRCN) on a 16 GB Tesla GPU.

The arrays are random: the figures are about speed, not accuracy. Run on a GPU machine with
``KERAS_BACKEND=jax emobench bench --suite video``; ``--clips 64`` makes a CPU smoke check.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emobench.harness.train import Split, TrainConfig, train_and_score

#: The thesis's time per epoch (s), by model (its video table).
THESIS_EPOCH_SECONDS = {"resnet50": 33.0, "c3d": 176.0, "lrcn": 200.0}
#: Models timed by each suite; fusion adds its audio branch and both fusion heads.
SCALE_SUITES = {"video": ("resnet50", "c3d", "lrcn"),
                "fusion": ("audio_cnn", "resnet50", "c3d", "lrcn", "fusion_avg", "fusion_svm")}
RAVDESS_CLIPS = 1440  # 24 actors x 60 AV speech clips


@dataclass
class ScaleResult:
    model: str
    input_shape: tuple
    n_train: int
    n_val: int
    params: int
    epochs: int
    first_epoch_s: float | None
    median_epoch_s: float | None
    train_s: float
    samples_per_s: float

    @property
    def thesis_epoch_s(self) -> float | None:
        return THESIS_EPOCH_SECONDS.get(self.model)


def _arrays(model: str, n: int, frames: int, size: int, rng: np.random.Generator):
    from emobench.registry import get_model_info

    kind = get_model_info(model).input_kind
    y = np.arange(n) % 7
    if kind == "clip":
        return rng.integers(0, 256, (n, frames, size, size, 3), dtype=np.uint8), y
    if kind == "features":
        return rng.normal(size=(n, 1582)).astype(np.float32), y
    if kind == "probs":
        p = rng.dirichlet(np.ones(7), size=(n, 2)).astype(np.float32)
        return p.reshape(n, 14), y
    raise ValueError(f"{model}: input kind {kind!r} is not timed at scale")


def bench_scale(suite: str = "video", *, clips: int = RAVDESS_CLIPS, frames: int = 16,
                size: int = 112, epochs: int = 3, batch_size: int = 16,
                models: tuple[str, ...] | None = None, val_fraction: float = 0.2,
                seed: int = 0, progress: bool = True) -> list[ScaleResult]:
    """Train each model of ``suite`` on ``clips`` synthetic samples (a ``val_fraction`` held
    out) for ``epochs`` epochs with the harness's training, and time it."""
    from emobench.progress import tqdm

    from emobench.registry import create_model

    if suite not in SCALE_SUITES:
        raise ValueError(f"unknown suite {suite!r}; choose from {', '.join(SCALE_SUITES)}")
    if clips < 10 or epochs < 1:
        raise ValueError("need at least 10 clips and 1 epoch")
    names = models or SCALE_SUITES[suite]
    rng = np.random.default_rng(seed)
    n_val = max(1, int(round(clips * val_fraction)))
    results = []
    for name in tqdm(names, desc=f"bench {suite}", unit="model", disable=not progress):
        x, y = _arrays(name, clips, frames, size, rng)
        ids = [str(i) for i in range(clips)]
        train = Split(ids[n_val:], x[n_val:], y[n_val:])
        val = Split(ids[:n_val], x[:n_val], y[:n_val])
        model = create_model(name, input_shape=x.shape[1:], **(
            {"batch_size": batch_size, "seed": seed} if _is_keras(name) else {}))
        config = TrainConfig(epochs=epochs, batch_size=batch_size, early_stopping=0,
                             checkpoint=False, tensorboard=False, seed=seed)
        result = train_and_score(model, train, val, config=config)
        m = result.metrics
        results.append(ScaleResult(
            name, tuple(x.shape[1:]), len(train), len(val), int(m["params"]),
            int(m.get("epochs_run", 1)), m.get("epoch_time_first"), m.get("epoch_time_median"),
            m["train_time"], len(train) * int(m.get("epochs_run", 1)) / m["train_time"]))
        del x, model, result
    return results


def _is_keras(name: str) -> bool:
    from emobench.registry import get_model_info

    return get_model_info(name).backend == "keras"


def scale_table(results: list[ScaleResult]) -> str:
    """The timings as a markdown table, the thesis's time per epoch beside ours."""
    from tabulate import tabulate

    def f(v, fmt=".1f"):
        return "-" if v is None else format(v, fmt)

    rows = [[r.model, "x".join(map(str, r.input_shape)), r.n_train, f"{r.params / 1e6:.2f}",
             f(r.first_epoch_s), f(r.median_epoch_s), f(r.thesis_epoch_s, ".0f"),
             f(r.samples_per_s, ".0f"), f(r.train_s)] for r in results]
    return tabulate(rows, headers=["model", "input", "train clips", "params (M)",
                                   "epoch 1 (s)", "epoch (s), median of the rest",
                                   "thesis epoch (s)", "samples/s", "total (s)"],
                    tablefmt="github")


def scale_report(results: list[ScaleResult], command: str, settings: dict) -> str:
    """A markdown report: what ran where (command, git, date, backend, hardware), then the
    table."""
    from emobench.harness.provenance import provenance

    prov = provenance(command)
    hw = prov["hardware"]
    lines = [f"# Training time at the thesis's scale ({settings.get('suite')})", "",
             f"- command: `{command}`", f"- git: {prov['git']}", f"- date: {prov['date']}",
             f"- backend: {prov['backend']} (keras {prov['versions'].get('keras')})",
             f"- hardware: {hw['cpu']}, {hw['cores']} cores, {hw['memory_gib']} GiB; "
             f"accelerators: {', '.join(hw['accelerators']) or 'none'}",
             "- data: random arrays sized like RAVDESS (timing only, accuracy meaningless): "
             + ", ".join(f"{k}={v}" for k, v in settings.items()),
             "- thesis: Keras on TensorFlow, Google Colab, Tesla GPU with 16 GB "
             "(input sizes not stated)", "", scale_table(results), ""]
    return "\n".join(lines)
