#!/usr/bin/env bash
# The release job's build, on a version tag: the tag must name the package's version; validate, reproduce,
# build the zip (rhil7 release, which checks every file that holds the version or its date) and write
# SHA256SUMS next to it. The version must have been recorded in releases.json and committed before tagging.
# Where releases and the issue tracker live is not in any committed file: the workflow passes its own
# repository (github.server_url/github.repository) as REPOSITORY_URL, and rhil7 release writes it into the
# released README, datapackage.json (homepage) and CITATION.cff.
#   .github/scripts/release.sh TAG [OUT]    (OUT defaults to dist; RHIL7 overrides the rhil7 command)
set -euo pipefail
tag="$1"
out="${2:-dist}"
rhil7="${RHIL7:-.venv/bin/rhil7}"
version="$(python3 -c 'import json; print(json.load(open("datapackage.json", encoding="utf-8"))["version"])')"
if [ "$tag" != "v$version" ]; then
  echo "::error file=datapackage.json::The tag $tag does not name the package's version $version:" \
    "tag v$version, or set the version everywhere and tag again."
  exit 1
fi
"$rhil7" validate --format github
"$rhil7" reproduce --no-plots
record_before="$(sha256sum releases.json 2>/dev/null || true)"
repository=()
if [ -n "${REPOSITORY_URL:-}" ]; then repository=(--repository-url "$REPOSITORY_URL"); fi
"$rhil7" release --out "$out" ${repository[@]+"${repository[@]}"}
if [ "$(sha256sum releases.json 2>/dev/null || true)" != "$record_before" ]; then
  echo "::error file=releases.json::Version $version is not in the committed releases.json:" \
    "run \`make release\` on the tagged commit, commit releases.json, and tag that commit."
  exit 1
fi
(cd "$out" && sha256sum "rhil7-lymphopenia-$version.zip" > SHA256SUMS && cat SHA256SUMS)
