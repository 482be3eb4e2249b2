#!/usr/bin/env bash
# What the pull request changes: `rhil7 diff BASE .` (rows added and changed per table, coverage flips,
# targets whose status or estimate moved) into OUT/diff.txt, printed too. The github format: no line of it can be
# read as a workflow command, whatever a contributed cell holds (the job summary then fences it).
#   .github/scripts/diff.sh BASE [OUT]     (BASE: a git revision or a package directory)
set -uo pipefail
base="$1"
out="${2:-build/ci}"
rhil7="${RHIL7:-.venv/bin/rhil7}"
mkdir -p "$out"
"$rhil7" diff "$base" . --format github > "$out/diff.txt"
status=$?
cat "$out/diff.txt"
exit "$status"
