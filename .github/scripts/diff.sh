#!/usr/bin/env bash
# What the pull request changes: `rhil7 diff BASE .` (rows added and changed per table, coverage flips,
# targets whose status or estimate moved) into OUT/diff.txt, printed too.
#   .github/scripts/diff.sh BASE [OUT]     (BASE: a git revision or a package directory)
set -uo pipefail
base="$1"
out="${2:-build/ci}"
rhil7="${RHIL7:-.venv/bin/rhil7}"
mkdir -p "$out"
"$rhil7" diff "$base" . > "$out/diff.txt"
status=$?
cat "$out/diff.txt"
exit "$status"
