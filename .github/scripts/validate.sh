#!/usr/bin/env bash
# Validate the package on its own (before, and whatever, the test suite): one GitHub annotation per problem on
# its CSV line, and OUT/validation.json for the job summary. Exit 1 when the package is invalid.
#   .github/scripts/validate.sh [OUT]      (OUT defaults to build/ci; RHIL7 overrides the rhil7 command;
#                                          BASE_SHA, when set, names the revision whose descriptor is canonical)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-build/ci}"
rhil7="${RHIL7:-.venv/bin/rhil7}"
mkdir -p "$out"
# In a pull request the package's shape is judged against the base revision's descriptor, not its own.
canonical=()
if [ -n "${BASE_SHA:-}" ] && git cat-file -e "$BASE_SHA:datapackage.json" 2>/dev/null; then
  git show "$BASE_SHA:datapackage.json" > "$out/base-datapackage.json"
  canonical=(--canonical "$out/base-datapackage.json")
fi
"$rhil7" validate ${canonical[@]+"${canonical[@]}"} --format json > "$out/validation.json"
status=$?
python3 "$here/ci_report.py" annotate "$out/validation.json"
[ "$status" -eq 0 ] && echo "VALID" || echo "INVALID (exit $status): see the annotations above"
exit "$status"
