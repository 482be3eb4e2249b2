#!/usr/bin/env bash
# The job summary (Markdown on standard output): the validation problems as a table, then the diff.
#   .github/scripts/summary.sh [OUT] >> "$GITHUB_STEP_SUMMARY"
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-build/ci}"
python3 "$here/ci_report.py" summary "$out/validation.json" "$out/diff.txt"
