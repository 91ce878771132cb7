#!/usr/bin/env bash
# Regenerates reports/robustness-real.{md,html} (issue 16) from a clean run: every command that
# produces a number in it, from an empty run directory and an empty cache under SCRATCH, then
# `emobench report` on that run and reports/assemble_robustness.py, which reads the report only.
# Nothing from an earlier session is read: the frame model is the packaged zoo entry.
#
#   EMOBENCH_DATA=/path/to/data reports/make_robustness_real.sh SCRATCH [STEP ...]
#
# STEP: audio (train the audio cells on RAVDESS speech and score them under the audio
# corruptions), frames (score the FER2013 zoo face_cnn under the video corruptions on FER2013
# PublicTest images and on the RML and RAVDESS AV clips, in the same run directory), report
# (the tables and the preface). Default: all three, in that order. audio and frames refuse to
# start on a run directory that already holds their rows: the report is of one clean run.
#
# Data under $EMOBENCH_DATA: ravdess-speech (Actor_01..12), emodb, rml-sample, ravdess-av
# (Actor_05), fer2013/validation (PublicTest). Knobs (environment): AUDIO_SEVERITIES
# (default 1,2,3,4,5), FRAME_SEVERITIES (1,2,3,4,5), IMAGE_LIMIT (1000), FRAME_MODEL
# (face_cnn-faces.fer2013_official), EMOBENCH (.venv/bin/emobench), PYTHON (.venv/bin/python).
# Each command's wall time and the machine's load average (sampled every 30 s) go into
# SCRATCH/times.tsv and from there into the preface.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { sed -n 2,20p "$0"; exit 2; }
scratch=$(mkdir -p "$1" && cd "$1" && pwd); shift
steps=${*:-audio frames report}
data=${EMOBENCH_DATA:?set EMOBENCH_DATA to the folder holding ravdess-speech, emodb, fer2013, ...}
emobench=${EMOBENCH:-.venv/bin/emobench}
python=${PYTHON:-.venv/bin/python}
audio_sev=${AUDIO_SEVERITIES:-1,2,3,4,5}
frame_sev=${FRAME_SEVERITIES:-1,2,3,4,5}
image_limit=${IMAGE_LIMIT:-1000}
frame_model=${FRAME_MODEL:-face_cnn-faces.fer2013_official}
run_dir=$scratch/run
times=$scratch/times.tsv
# Every cache of this run under SCRATCH (features, zoo): nothing from an earlier session.
export EMOBENCH_CACHE=$scratch/cache EMOBENCH_ZOO_DIR=$scratch/cache/zoo

# timed NAME CMD...: run CMD at nice 10, append NAME, start, end, seconds, load average
# (mean and max of 30 s samples), the command, to times.tsv.
timed() {
  local name=$1; shift
  local log=$scratch/load-$name.txt start end sampler
  : > "$log"
  ( while :; do cut -d' ' -f1 /proc/loadavg >> "$log"; sleep 30; done ) &
  sampler=$!
  start=$(date -u +%s)
  echo "[$(date -u +%H:%M:%S)] $name: $*" >&2
  nice -n 10 "$@" 2>&1 | tee "$scratch/$name.log"
  end=$(date -u +%s)
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  local load
  load=$(awk '{s += $1; if ($1 > m) m = $1} END {printf "%.1f\t%.1f", s / NR, m}' "$log")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$(date -u -d @"$start" +%FT%TZ)" \
    "$(date -u -d @"$end" +%FT%TZ)" "$((end - start))" "$load" "$*" >> "$times"
}

refuse_if_done() {  # a step's rows already in the run directory: not a clean run
  if [ -e "$run_dir/$1.done" ]; then
    echo "$run_dir already holds the $1 step: use an empty SCRATCH" >&2; exit 1
  fi
}

for step in $steps; do
  case $step in
  audio)
    [ ! -e "$run_dir" ] || { echo "$run_dir exists: use an empty SCRATCH" >&2; exit 1; }
    # Real RAVDESS speech, actors 01-12: 3 speaker-independent folds of 4 actors, all trained;
    # folds 1-2 (validation actors 01-04 and 05-08) scored under every audio corruption, and
    # every cell also on EmoDB and the RML sample (cross-corpus, never trained on).
    timed audio "$emobench" run --suite robustness --dataset ravdess \
      --data-root "$data/ravdess-speech" --models audio_svm,audio_logreg,audio_cnn \
      --feature-sets emobase --folds 3 --cross "$data/emodb" --rml-root "$data/rml-sample" \
      --eval-folds 1,2 --severities "$audio_sev" --train-jobs 1 --jobs 1 \
      --run-dir "$run_dir" --cache-dir "$scratch/cache/features" --no-progress
    touch "$run_dir/audio.done" ;;
  frames)
    refuse_if_done frames
    # The zoo's FER2013 face_cnn (its crop preparation from its card) under every video
    # corruption: a seeded stratified subset of PublicTest, the RML sample, RAVDESS AV.
    timed frames "$emobench" run --suite robustness --models none \
      --frame-model "$frame_model" --images "$data/fer2013/validation" \
      --image-limit "$image_limit" --video-set "rml=$data/rml-sample" \
      --video-set "ravdess_av=$data/ravdess-av" --severities "$frame_sev" \
      --run-dir "$run_dir" --cache-dir "$scratch/cache/features" --no-progress
    touch "$run_dir/frames.done" ;;
  report)
    # The audio run is the database's only run; the frame model's rows are in the same
    # database, so one report holds every table.
    for fmt in markdown:md html:html; do
      "$emobench" report --run-dir "$run_dir" --format "${fmt%%:*}" \
        --out "$scratch/report.${fmt##*:}"
    done
    cat > "$scratch/intro.md" <<EOF
Generated by \`reports/make_robustness_real.sh $scratch\` (EMOBENCH_DATA=$data) from one
clean run: an empty run directory and empty caches under $scratch; the frame model is the
packaged zoo entry \`$frame_model\` (sha256-checked), so no file from an earlier session is
read. Every table below is \`emobench report\`'s on that run's database; the summary is read
off those tables and the seconds off the same database. Nothing was resumed, restarted or
copied between databases. Each command below ran at nice 10 on the machine named in the
report's header, shared with other jobs (the load average beside its wall time).

The same trained models, test inputs corrupted at severities 1-5 (ImageNet-C style, Hendrycks
& Dietterich 2019; seeded per clip x corruption x severity), scored again; nothing is trained
for a corrupted score. Audio corruptions act on the decoded signal before openSMILE (white
noise and babble at SNR 30/20/10/5/0 dB for severities 1-5, a telephone band-pass narrowing
with severity, clipping). Video corruptions act on the decoded frames the face stage samples
(16 per clip for the frame model, its card's value), before face detection: a clip whose face
the Haar detector loses in every sampled frame counts as wrong ("faces/clips lost"). FER2013's
images are face crops already: no detector runs on them, the corruption (occlusion included)
lands on the whole 48x48 image. Each corrupted preprocessing is cached under its corruption,
severity and seed.

Data and splits:

- **audio**: RAVDESS speech (\`$data/ravdess-speech\`, Actor_01..12, 624 clips, calm left
  out: 7 classes), openSMILE emobase, audio_svm (the reference), audio_logreg, audio_cnn;
  3 speaker-independent folds of 4 actors, all 3 trained, folds 1-2 scored under corruption
  (validation actors 01-04 and 05-08, 208 clips each; the tables average the 2 folds); the
  same cells also on EmoDB (\`$data/emodb\`, over its 6 shared emotions, chance 1/6) and on
  the RML sample (\`$data/rml-sample\`, 11 clips, 6 classes), never trained on. Severities
  $audio_sev.
- **images**: the zoo's FER2013 face_cnn (\`$frame_model\`: trained on FER2013 Training)
  on a stratified subset of $image_limit PublicTest images (\`$data/fer2013/validation\`,
  seed 0). Severities $frame_sev.
- **video**: the same face_cnn on the RML sample (11 clips, one speaker, 6 classes: "train on
  images, test on video") and on RAVDESS AV Actor_05 (\`$data/ravdess-av\`, 7 clips, one
  speaker, 7 classes); each clip the mean of its 16 crops' flip-averaged probabilities.
  Severities $frame_sev.
- **thesis video models and fusion** (C3D, LRCN, ResNet50; missing audio / video) are not in
  this run: the only video training data here is the generated corpus, and their clean run
  under the same corruptions is reports/robustness-synth.md (referenced, not rerun).
EOF
    "$python" reports/assemble_robustness.py --times "$times" --db "$run_dir/results.sqlite" \
      --intro "$scratch/intro.md" --notes reports/robustness-real-notes.md \
      reports/robustness-real "$scratch/report.md" "$scratch/report.html" ;;
  *) echo "unknown step $step (audio, frames, report)" >&2; exit 2 ;;
  esac
done
