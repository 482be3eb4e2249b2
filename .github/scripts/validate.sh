#!/usr/bin/env bash
# Validate the package on its own (before, and whatever, the test suite): one GitHub annotation per problem on
# its CSV line, and OUT/validation.json for the job summary; then every extraction sheet the pull request
# carries (contributions/*.csv, added or changed since BASE_SHA; all of them without BASE_SHA) is checked by
# `rhil7 ingest --check`, with its problems annotated on the sheet's lines. Exit 1 when either is invalid.
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

sheets=()
if [ -n "${BASE_SHA:-}" ] && git cat-file -e "$BASE_SHA^{commit}" 2>/dev/null; then
  while IFS= read -r -d '' sheet; do sheets+=("$sheet"); done \
    < <(git diff -z --name-only --diff-filter=AMR "$BASE_SHA" -- 'contributions/*.csv')
elif [ -d contributions ]; then
  while IFS= read -r -d '' sheet; do sheets+=("$sheet"); done \
    < <(find contributions -type f -name '*.csv' -print0 | sort -z)
fi
for sheet in ${sheets[@]+"${sheets[@]}"}; do
  "$rhil7" ingest --check --format github "$sheet"
  checked=$?
  if [ "$checked" -ne 0 ]; then
    echo "INVALID sheet (exit $checked): see the annotations above"
    [ "$status" -eq 0 ] && status=$checked
  fi
done
exit "$status"
