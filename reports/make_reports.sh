#!/usr/bin/env bash
# Regenerates the committed reports of the main job from its results database; it reads the
# database only and never re-runs anything. From the repository root, after the main job:
#
#   emobench run --suite all              # the main job: every suite on the generated corpus
#   reports/make_reports.sh [RUN_DIR]     # RUN_DIR defaults to the harness's emobench-runs
#
# The latest run of RUN_DIR is reported (a resumed main job's latest run holds all its cells);
# RUN_ID=<id> picks another. EMOBENCH=<path> picks the emobench executable.
#
# Each report begins with the exact `emobench report ...` command that wrote it, and with the
# run's own command, git hash, date, backend and hardware. Rerun this whenever the results
# database (or the report code) changes.
set -euo pipefail
cd "$(dirname "$0")/.."
run_dir=${1:-emobench-runs}
emobench=${EMOBENCH:-emobench}
for pair in markdown:md latex:tex csv:csv json:json html:html; do
  "$emobench" report --run-dir "$run_dir" ${RUN_ID:+--run "$RUN_ID"} --format "${pair%%:*}" \
    --out "reports/main-synth.${pair##*:}"
done
