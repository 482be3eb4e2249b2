#!/usr/bin/env bash
# Validate the package on its own (before, and whatever, the test suite): one GitHub annotation per problem on
# its CSV line, and OUT/validation.json for the job summary. Exit 1 when the package is invalid.
#   .github/scripts/validate.sh [OUT]      (OUT defaults to build/ci; RHIL7 overrides the rhil7 command)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-build/ci}"
rhil7="${RHIL7:-.venv/bin/rhil7}"
mkdir -p "$out"
"$rhil7" validate --format json > "$out/validation.json"
status=$?
python3 "$here/ci_report.py" annotate "$out/validation.json"
[ "$status" -eq 0 ] && echo "VALID" || echo "INVALID (exit $status): see the annotations above"
exit "$status"
