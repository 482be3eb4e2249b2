#!/usr/bin/env bash
# The notes of a GitHub release: the CHANGELOG.md section of VERSION (its heading left out), on standard output.
# Exit 1 when CHANGELOG.md has no `## [VERSION] - DATE` section.
#   .github/scripts/release_notes.sh VERSION [CHANGELOG]
set -euo pipefail
version="$1"
changelog="${2:-CHANGELOG.md}"
notes="$(awk -v heading="## [$version] - " '
  index($0, heading) == 1 { inside = 1; next }
  inside && /^## \[/ { exit }
  inside { print }
' "$changelog")"
if [ -z "${notes//[[:space:]]/}" ]; then
  echo "CHANGELOG.md has no section \`## [$version] - DATE\`" >&2
  exit 1
fi
printf '%s\n' "$notes"
