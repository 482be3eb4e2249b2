"""releases.json: every released version with the hashes of its data, so that a version number means one content.

A version is recorded the first time ``rhil7 release`` packs it. Releasing it again is allowed only with the
same content; otherwise the release is refused with the part of the version to bump, following the
Frictionless data-package versioning pattern (https://specs.frictionlessdata.io/patterns/#data-package-version):
major for schema changes (a table or field removed, renamed or retyped, a constraint tightened), minor for
added data (rows, tables, trials, fields), patch for corrected values and descriptive metadata.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from datetime import date
from pathlib import Path

RECORD_NAME = "releases.json"
RULE = ("bump MAJOR for schema changes (a table or field removed, renamed or retyped, a constraint tightened), "
        "MINOR for added data (rows, tables, trials, fields), PATCH for corrected values or descriptive metadata "
        "(Frictionless data-package versioning); set the new version in datapackage.json, CITATION.cff and "
        "pyproject.toml and say what changed in CHANGELOG.md")


class VersionReused(Exception):
    pass


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def content_entry(descriptor: dict, table_bytes: dict[str, bytes]) -> dict:
    """What a release of ``descriptor`` holds: package metadata, each table's schema and data, as hashes."""
    metadata = {k: v for k, v in descriptor.items() if k not in ("resources", "version")}
    resources = {}
    for resource in descriptor["resources"]:
        schema = resource.get("schema", {})
        rest = {k: v for k, v in resource.items() if k not in ("schema", "bytes", "hash")}
        data = table_bytes[resource["name"]]
        resources[resource["name"]] = {"path": resource["path"], "schema": _sha256(_canonical(schema)),
                                       "metadata": _sha256(_canonical(rest)), "bytes": len(data), "data": _sha256(data)}
    return {"version": str(descriptor.get("version", "")), "metadata": _sha256(_canonical(metadata)),
            "resources": resources}


def read_record(package_dir: Path) -> list[dict]:
    """The recorded releases; [] when there is no record yet. A record that is not a regular file is refused."""
    path = Path(package_dir) / RECORD_NAME
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return []
    if not stat.S_ISREG(info.st_mode):
        raise VersionReused(f"{RECORD_NAME} is not a regular file (a symbolic link or a folder); refusing to use it")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        releases = record["releases"]
        if not isinstance(releases, list) or not all(isinstance(r, dict) and "version" in r for r in releases):
            raise ValueError("every release needs a version")
    except (ValueError, KeyError, TypeError) as exc:
        raise VersionReused(f"{RECORD_NAME} is not a release record ({exc})") from None
    return releases


def differences(recorded: dict, current: dict) -> list[tuple[str, str]]:
    """(part to bump, what changed) for every way ``current`` differs from the ``recorded`` release."""
    found = []
    old, new = recorded.get("resources", {}), current["resources"]
    for name in sorted(set(old) - set(new)):
        found.append(("major", f"table {name} removed"))
    for name in sorted(set(new) - set(old)):
        found.append(("minor", f"table {name} added"))
    for name in sorted(set(old) & set(new)):
        if old[name].get("schema") != new[name]["schema"]:
            found.append(("major", f"the Table Schema of {name} changed (minor if it only gained a field or a looser "
                                   "constraint)"))
        if old[name].get("data") != new[name]["data"]:
            found.append(("patch", f"{new[name]['path']} changed (patch for corrected values, minor for added rows; "
                                   "`rhil7 diff` shows which)"))
        if old[name].get("metadata") != new[name]["metadata"] or old[name].get("path") != new[name]["path"]:
            found.append(("patch", f"the description of table {name} changed"))
    if recorded.get("metadata") != current["metadata"]:
        found.append(("patch", "the package metadata in datapackage.json changed"))
    return found


def check_version(releases: list[dict], current: dict) -> bool:
    """True when ``current``'s version is already recorded with the same content, False when it is new.

    Raises VersionReused when the version was released with other content.
    """
    recorded = next((r for r in releases if r["version"] == current["version"]), None)
    if recorded is None:
        return False
    changes = differences(recorded, current)
    if not changes:
        return True
    order = ["patch", "minor", "major"]
    part = max((p for p, _ in changes), key=order.index)
    raise VersionReused(
        f"version {current['version']} was released on {recorded.get('date', '?')} with other data "
        f"({RECORD_NAME}): " + "; ".join(what for _, what in changes)
        + f". Bump at least the {part.upper()} part of the version: {RULE}.")


def record_release(package_dir: Path, releases: list[dict], current: dict, released_on: date | None = None) -> Path:
    """Add ``current`` to releases.json, written atomically; returns its path."""
    entry = {"version": current["version"], "date": (released_on or date.today()).isoformat(),
             **{k: v for k, v in current.items() if k != "version"}}
    record = {"about": "Every released version of this data package with the hashes of its data; written by "
                       "`rhil7 release`, which refuses to release other data under a recorded version. Commit it.",
              "releases": [*releases, entry]}
    path = Path(package_dir) / RECORD_NAME
    fd, tmp = tempfile.mkstemp(prefix=f".{RECORD_NAME}.", suffix=".tmp", dir=package_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
