"""releases.json: every released version with the hashes of its data, so that a version number means one content.

A version is recorded the first time ``rhil7 release`` packs it. Releasing it again is allowed only with the
same content; otherwise the release is refused, and the part of the version to bump is computed from what
changed, after the Frictionless data-package versioning pattern
(https://specs.frictionlessdata.io/patterns/#data-package-version):

- MAJOR: a table removed; a field removed, renamed, re-ordered or retyped; a constraint tightened (an enum value
  removed, a bound raised, ``required`` or ``unique`` added, a pattern changed); keys or missing values changed;
- MINOR: a table or a field added (the pattern says major for an added field; here a reader selects columns by
  name, so an added field breaks none), an enum value added, a constraint loosened, rows added;
- PATCH: values corrected (the same number of rows), descriptions and other descriptive metadata.

Each record holds, per table, the hashes of its schema, metadata and data, its row count and the schema's
*shape* (fields with type, format and constraints; keys; missing values), so that two versions can be compared
without the older files.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import stat
import tempfile
from datetime import date
from pathlib import Path

RECORD_NAME = "releases.json"
PARTS = ("patch", "minor", "major")
VERSION_FILES = (
    "datapackage.json",
    "CITATION.cff (version and date-released)",
    "pyproject.toml",
    "src/rhil7/__init__.py",
    "CHANGELOG.md (a `## [X.Y.Z] - YYYY-MM-DD` heading)",
)
RULE = (
    "MAJOR for a table or field removed, renamed or retyped or a constraint tightened; MINOR for a table, "
    "field, enum value or rows added or a constraint loosened; PATCH for corrected values or descriptions"
)
_CORE = re.compile(r"^([0-9]+)\.([0-9]+)\.([0-9]+)")
_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength")


class VersionReused(Exception):
    pass


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def schema_shape(schema: dict) -> dict:
    """What a reader of the table depends on: fields in order with type, format and constraints; keys; missing
    values. Titles, descriptions and examples are left out (changing them is a patch)."""
    fields = [{k: f[k] for k in ("name", "type", "format", "constraints") if k in f} for f in schema.get("fields", [])]
    return {"fields": fields, **{k: schema[k] for k in ("primaryKey", "foreignKeys", "missingValues") if k in schema}}


def row_count(data: bytes) -> int:
    """CSV records after the header (a quoted cell may span lines)."""
    return max(sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))) - 1, 0)


def content_entry(descriptor: dict, table_bytes: dict[str, bytes]) -> dict:
    """What a release of ``descriptor`` holds: package metadata, each table's schema and data, as hashes."""
    metadata = {k: v for k, v in descriptor.items() if k not in ("resources", "version")}
    resources = {}
    for resource in descriptor["resources"]:
        schema = resource.get("schema", {})
        rest = {k: v for k, v in resource.items() if k not in ("schema", "bytes", "hash")}
        data = table_bytes[resource["name"]]
        resources[resource["name"]] = {
            "path": resource["path"],
            "schema": _sha256(_canonical(schema)),
            "metadata": _sha256(_canonical(rest)),
            "bytes": len(data),
            "data": _sha256(data),
            "rows": row_count(data),
            "shape": schema_shape(schema),
        }
    return {
        "version": str(descriptor.get("version", "")),
        "metadata": _sha256(_canonical(metadata)),
        "resources": resources,
    }


def content_hash(current: dict) -> str:
    """A short hash of everything a release holds but its version: the identity of a snapshot."""
    return hashlib.sha256(_canonical({k: v for k, v in current.items() if k != "version"})).hexdigest()[:8]


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


# --------------------------------------------------------------------------- what changed, and the part it bumps


def _constraint_changes(table: str, field: str, old: dict, new: dict) -> list[tuple[str, str]]:
    found, where = [], f"{table}.{field}"
    old_enum, new_enum = old.get("enum"), new.get("enum")
    if old_enum is not None or new_enum is not None:
        removed = [v for v in (old_enum or []) if new_enum is not None and v not in new_enum]
        added = [v for v in (new_enum or []) if old_enum is not None and v not in old_enum]
        if old_enum is None:
            found.append(("major", f"{where} gained an enum constraint"))
        elif new_enum is None:
            found.append(("minor", f"{where} lost its enum constraint"))
        if removed:
            found.append(("major", f"{where}: enum value(s) {', '.join(map(str, removed))} removed"))
        if added:
            found.append(("minor", f"{where}: enum value(s) {', '.join(map(str, added))} added"))
    for key in ("required", "unique"):
        if bool(old.get(key)) != bool(new.get(key)):
            added = bool(new.get(key))
            found.append(("major" if added else "minor", f"{where}: {key} {'added' if added else 'dropped'}"))
    for key in (*_LOWER_BOUNDS, *_UPPER_BOUNDS):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if before is None or after is None:
            tighter = after is not None
        else:
            tighter = after > before if key in _LOWER_BOUNDS else after < before
        shown = ["none" if bound is None else bound for bound in (before, after)]
        found.append(("major" if tighter else "minor", f"{where}: {key} {shown[0]} -> {shown[1]}"))
    if old.get("pattern") != new.get("pattern"):
        found.append(("major" if new.get("pattern") else "minor", f"{where}: pattern changed"))
    return found


def _schema_changes(table: str, old: dict, new: dict) -> list[tuple[str, str]]:
    old_fields = {f["name"]: f for f in old.get("fields", [])}
    new_fields = {f["name"]: f for f in new.get("fields", [])}
    found = [("major", f"field {table}.{name} removed or renamed") for name in old_fields if name not in new_fields]
    found += [("minor", f"field {table}.{name} added") for name in new_fields if name not in old_fields]
    kept_old = [n for n in old_fields if n in new_fields]
    if kept_old != [n for n in new_fields if n in old_fields]:
        found.append(("major", f"the fields of {table} were re-ordered"))
    for name in kept_old:
        before, after = old_fields[name], new_fields[name]
        for key in ("type", "format"):
            if before.get(key) != after.get(key):
                found.append(("major", f"{table}.{name}: {key} {before.get(key)} -> {after.get(key)}"))
        found += _constraint_changes(table, name, before.get("constraints", {}), after.get("constraints", {}))
    for key in ("primaryKey", "foreignKeys", "missingValues"):
        if old.get(key) != new.get(key):
            found.append(("major", f"the {key} of {table} changed"))
    return found


def _data_change(old: dict, new: dict) -> tuple[str, str]:
    if "rows" not in old:
        return "patch", f"{new['path']} changed (`rhil7 diff` shows which rows)"
    added = new["rows"] - old["rows"]
    if added > 0:
        return "minor", f"{new['path']}: {added} row(s) added"
    if added < 0:
        return "patch", f"{new['path']}: {-added} row(s) removed"
    return "patch", f"{new['path']}: values corrected in place"


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
            if "shape" not in old[name]:  # a record written before shapes were kept: say so, assume the worst
                found.append(("major", f"the Table Schema of {name} changed ({RECORD_NAME} keeps no shape to compare)"))
            else:
                structural = _schema_changes(name, old[name]["shape"], new[name]["shape"])
                found += structural or [("patch", f"descriptions in the Table Schema of {name} changed")]
        if old[name].get("data") != new[name]["data"]:
            found.append(_data_change(old[name], new[name]))
        if old[name].get("metadata") != new[name]["metadata"] or old[name].get("path") != new[name]["path"]:
            found.append(("patch", f"the description of table {name} changed"))
    if recorded.get("metadata") != current["metadata"]:
        found.append(("patch", "the package metadata in datapackage.json changed"))
    return found


def required_part(changes: list[tuple[str, str]]) -> str | None:
    return max((p for p, _ in changes), key=PARTS.index) if changes else None


def version_core(version: str) -> tuple[int, int, int] | None:
    match = _CORE.match(version)
    return tuple(int(g) for g in match.groups()) if match else None


def bumped(version: str, part: str) -> str:
    major, minor, patch = version_core(version)
    return {"major": f"{major + 1}.0.0", "minor": f"{major}.{minor + 1}.0", "patch": f"{major}.{minor}.{patch + 1}"}[
        part
    ]


def latest(releases: list[dict]) -> dict | None:
    cored = [r for r in releases if version_core(str(r["version"]))]
    return max(cored, key=lambda r: version_core(str(r["version"]))) if cored else None


def next_version(releases: list[dict], current: dict) -> tuple[str, str, list[tuple[str, str]]]:
    """(the smallest version that may hold ``current``, the part bumped, the changes) after the latest release.
    With nothing changed the next version is a patch: a release never re-uses a number."""
    last = latest(releases)
    if last is None:
        return current["version"], "patch", []
    changes = differences(last, current)
    part = required_part(changes) or "patch"
    return bumped(str(last["version"]), part), part, changes


def _bump_advice(last: dict, part: str, target: str, changes: list[tuple[str, str]]) -> str:
    return (
        f"since {last['version']}: "
        + "; ".join(what for _, what in changes)
        + f". That is a {part.upper()} change ({RULE}): set version {target} in "
        + ", ".join(VERSION_FILES)
        + "."
    )


def check_version(releases: list[dict], current: dict) -> bool:
    """True when ``current``'s version is already recorded with the same content, False when it is new.

    Raises VersionReused when the version was released with other content, or when a new version is not above
    the latest release by at least the part its changes require.
    """
    recorded = next((r for r in releases if r["version"] == current["version"]), None)
    if recorded is not None:
        if not differences(recorded, current):
            return True
        target, part, changes = next_version(releases, current)
        raise VersionReused(
            f"version {current['version']} was released on {recorded.get('date', '?')} with other "
            f"data ({RECORD_NAME}); " + _bump_advice(latest(releases), part, target, changes)
        )
    last = latest(releases)
    if last is not None:
        target, part, changes = next_version(releases, current)
        have = version_core(current["version"])
        if have is None or have < version_core(target):
            raise VersionReused(
                f"version {current['version']} is not a large enough step; " + _bump_advice(last, part, target, changes)
            )
    return False


def record_release(package_dir: Path, releases: list[dict], current: dict, released_on: date | None = None) -> Path:
    """Add ``current`` to releases.json, written atomically; returns its path."""
    entry = {
        "version": current["version"],
        "date": (released_on or date.today()).isoformat(),
        **{k: v for k, v in current.items() if k != "version"},
    }
    record = {
        "about": "Every released version of this data package with the hashes of its data; written by "
        "`rhil7 release`, which refuses to release other data under a recorded version. Commit it.",
        "releases": [*releases, entry],
    }
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
