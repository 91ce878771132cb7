"""Cards and recipes of the final audio entries (protocol ``all-speakers``,
:mod:`emobench.zoo.export_audio`): trained on every speaker, so their scores are the same
recipe's cross-validation and a corpus never trained on, not a held-out fold of these weights."""
from __future__ import annotations

from emobench.zoo.manifest import Entry


def _f(v, digits=3) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def _ms(pair) -> str:
    return f"{pair[0]:.3f} ± {pair[1]:.3f}" if pair else "-"


def held_out_summary(e: Entry) -> str:
    cv = e.metrics.get("cv_no_context") or e.cv
    way = (" file by file, no speaker context" if e.metrics.get("cv_no_context")
           else " (no speaker normalisation: every file on its own)")
    return (f"none held out (all {len(e.protocol.get('train_speakers', []))} speakers); "
            f"same recipe's CV{way}: {_ms(cv.get('accuracy'))}")


def _cv_row(label: str, cv: dict) -> str:
    return (f"| {label} | {_ms(cv.get('accuracy'))} | {_ms(cv.get('uar'))} | "
            f"{_ms(cv.get('f1'))} | {cv.get('scored', '-')} folds |")


def _cross_row(label: str, c: dict) -> str:
    return (f"| {label} | {_f(c.get('accuracy'))} | {_f(c.get('uar'))} | {_f(c.get('f1'))} | "
            f"{c.get('clips')} clips |")


def render_audio_card(e: Entry, note: str) -> str:
    from emobench.zoo.docs import _options, _where, input_summary

    m, pr, p = e.metrics, e.protocol, e.provenance
    norm = pr.get("speaker_norm")
    speakers = ", ".join(pr.get("train_speakers", []))
    lines = [
        f"# {e.name}", "", note, "",
        "| | |", "|---|---|",
        f"| model | `{e.model}` ({e.params:,} parameters), factory options "
        f"`{_options(e.options) or 'defaults'}` |",
        f"| input | {input_summary(e)}"
        + (", each feature standardised over the speaker's own clips (speaker normalisation)"
           if norm else "") + " |",
        f"| output | probabilities of {', '.join(e.labels)} (in this order) |",
        f"| trained on | {e.dataset.get('description')}: ALL speakers ({speakers}) "
        f"(dataset id `{e.dataset.get('id')}`) |",
        f"| file | `{e.file}`, {e.size:,} bytes, sha256 `{e.sha256}` |",
        f"| where | {_where(e)} |", "",
        "## Protocol", "",
        f"These weights were fitted once on every speaker. No speaker was held out from them, so "
        f"the scores below are those of the same recipe under {pr.get('folds')}-fold "
        f"speaker-independent cross-validation (the harness's folds of consecutive speakers; "
        f"each fold fitted afresh) and of these weights on a corpus never trained on.", "",
        f"Model selection: {pr.get('selection')}.", "",
        "## Scores", "",
        "| how | accuracy | UAR | macro F1 | n |", "|---|---|---|---|---|"]
    if norm:
        lines += [_cv_row("RAVDESS CV, held-out speaker normalised over their own clips",
                          e.cv),
                  _cv_row("RAVDESS CV, file by file with no speaker context (fallback)",
                          m.get("cv_no_context", {}))]
    else:
        lines.append(_cv_row("RAVDESS CV, file by file", e.cv))
    for key, label in (("cross", "speaker-normalised over each speaker's clips" if norm
                        else "file by file"),
                       ("cross_no_context", "file by file with no speaker context (fallback)")):
        c = m.get(key)
        if c:
            lines.append(_cross_row(f"{c.get('name')} (speakers {', '.join(c.get('speakers', []))}"
                                    f"), cross-corpus, {c.get('classes')} classes (chance "
                                    f"{_f(c.get('chance'))}), {label}", c))
    lines += ["", "Accuracy and UAR over the 7 emotions (RAVDESS, calm left out; chance 0.143); "
              "the cross corpus over the emotions it shares.", ""]
    if norm:
        lines += ["## Speaker context", "",
                  "The model expects each feature standardised over the speaker's own clips. "
                  "`emobench predict A.wav B.wav ... --same-speaker` normalises over the files "
                  "given (one speaker, at least 2 files); the live predictor over a running "
                  "window of the speaker. A single file with no context falls back to the "
                  "training corpus's mean and standard deviation (stored in the entry) and says "
                  "so; the fallback rows above measure that case."
                  + (" The model was also trained on every clip standardised that way, so the "
                     "fallback's input is not new to it." if pr.get("no_context_copies") else ""),
                  ""]
    lines += ["## Use", "", "```python", "import emobench", "",
              f'model = emobench.load_pretrained("{e.name}")',
              "probs = model.predict_proba(x)   # x: (n, "
              f"{e.input_shape[0]}) openSMILE features"
              + (", speaker-normalised" if norm else ""), "```", "",
              f"`emobench predict FILE --model {e.name}`"
              + (" (add more files of the speaker and `--same-speaker` for the normalised path)"
                 if norm else "") + ".", "",
              "## Provenance", "",
              f"- recipe: [`zoo/recipes/{e.name}.sh`](../recipes/{e.name}.sh)",
              f"- command: `{p.get('command')}`",
              f"- training: {_f(p.get('train_seconds'), 1)} s on {p.get('cpu')}",
              f"- git {p.get('git')}, {p.get('date')}, Keras backend {p.get('backend')}",
              f"- versions: {_options(p.get('versions', {}))}",
              f"- preprocessing: `{_options(e.preprocess)}`", ""]
    return "\n".join(lines)


def render_audio_recipe(e: Entry, generated: str) -> str:
    p = e.provenance
    return "\n".join([
        "#!/bin/sh", f"# Recipe of zoo entry {e.name}", f"# {generated}",
        f"# It made {e.file} (sha256 {e.sha256}), git {p.get('git')}.",
        "# Run from the root of an emobench checkout (features come from the preprocessing "
        "cache, or are computed).", "set -e", "",
        f"# Data: {e.dataset.get('description')} (dataset id {e.dataset.get('id')}).",
        p.get("command", ""), ""])
