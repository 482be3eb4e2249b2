"""The package's shape belongs to the project, not to a contribution.

A contribution may add rows; its resources, fields, types, keys and constraints must be the project's.
Validation compares the contributed descriptor with the canonical one (by default the datapackage.json
shipped with the installed rhil7, which is the repository's own; in a pull request's CI, the base
revision's, given with ``--canonical``) and reports every resource, field or constraint that was added,
removed or changed: loosening a constraint would let bad rows through unseen, so a maintainer must see
each change. The tables are then checked against the canonical schemas, never the contributed ones.
"""

from __future__ import annotations

import json
from pathlib import Path

from rhil7.core.limits import DEFAULT_LIMITS
from rhil7.core.problems import Problem, descriptor_problem as _problem
from rhil7.core.safe_reader import (
    UnreadableInput,
    parse_descriptor,
    path_changed_problem,
    plain_relative_path,
    project_descriptor,
    read_bytes,
)


def canonical_descriptor(path: str | Path | None = None) -> dict:
    """The canonical descriptor: ``path`` (a datapackage.json or a package directory), or the one shipped with rhil7."""
    if path is None:
        return project_descriptor()
    path = Path(path)
    if path.is_dir():
        path = path / "datapackage.json"
    path = path.resolve()  # named by the maintainer (CI's base revision), not by a contribution: a link is fine
    try:  # a regular file, read within bounds
        raw = read_bytes(path.parent, path.name, DEFAULT_LIMITS.max_descriptor_bytes, links_allowed=True)
    except UnreadableInput as exc:
        raise UnreadableInput(f"canonical descriptor {path}: {exc}") from None
    return parse_descriptor(raw, f"canonical descriptor {path}")


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 120 else text[:117] + "..."


def _keys(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _foreign_keys(schema: dict) -> set[str]:
    return {
        json.dumps(
            {
                "fields": _keys(fk.get("fields")),
                "reference": {
                    "resource": (fk.get("reference") or {}).get("resource", ""),
                    "fields": _keys((fk.get("reference") or {}).get("fields")),
                },
            },
            sort_keys=True,
        )
        for fk in schema.get("foreignKeys") or []
        if isinstance(fk, dict)
    }


def shape_differences(contributed: dict, canonical: dict, skip: set[int] = frozenset()) -> list[Problem]:
    """Every difference in resources and Table Schemas; resources at the positions ``skip`` (already
    reported as malformed) and schemas that are not inline objects (reported by references.py) are not compared."""
    wanted = {r["name"]: r for r in canonical["resources"]}
    problems = []
    present = set()
    for i, resource in enumerate(contributed["resources"]):
        if i in skip or not isinstance(resource, dict):
            if isinstance(resource, dict) and isinstance(resource.get("name"), str):  # (a list name: unhashable)
                present.add(resource.get("name"))
            continue
        name = resource["name"]
        present.add(name)
        if name not in wanted:
            problems.append(
                _problem(
                    f"/resources/{i}",
                    "unexpected-resource",
                    "only the project's resources: " + ", ".join(wanted),
                    repr(name),
                    "The package has a resource the project does not "
                    "define; adding a table is a change to the project's shape, for a maintainer.",
                )
            )
        else:
            problems += _path_differences(resource, wanted[name])
            if isinstance(resource.get("schema"), dict):
                problems += _schema_differences(resource["schema"], wanted[name]["schema"], f"/resources/{i}/schema")
    for name in wanted:
        if name not in present:
            problems.append(
                _problem(
                    "/resources",
                    "missing-resource",
                    f"a resource named {name}",
                    "none",
                    f"The package lacks the project's table {name}; every table is required.",
                )
            )
    return problems


def _path_differences(resource: dict, canonical: dict) -> list[Problem]:
    """The table's file is the project's (``data/studies.csv`` beside a left-behind ``tables/studies.csv`` would be
    validated while template, ingest and every recipe read the other); a path refused for what it is (remote,
    absolute, outside) is the safe reader's problem, not a difference."""
    path, wanted = resource.get("path"), canonical.get("path")
    if not isinstance(wanted, str) or path == wanted or not plain_relative_path(path):
        return []
    return [path_changed_problem(path, wanted)]


def _schema_differences(schema: dict, canonical: dict, at: str) -> list[Problem]:
    fields = {f["name"]: (j, f) for j, f in enumerate(schema["fields"])}
    wanted = {f["name"]: f for f in canonical["fields"]}
    problems = []
    for name, field in wanted.items():
        if name not in fields:
            problems.append(
                _problem(
                    f"{at}/fields",
                    "missing-field",
                    f"the field {name}",
                    "none",
                    "The table lacks one of the project's fields.",
                    name,
                )
            )
            continue
        j, given = fields[name]
        problems += _field_differences(given, field, f"{at}/fields/{j}", name)
    for name, (j, _) in fields.items():
        if name not in wanted:
            problems.append(
                _problem(
                    f"{at}/fields/{j}",
                    "unexpected-field",
                    "only the project's fields",
                    repr(name),
                    "The table has a field the project does not define.",
                    name,
                )
            )
    order = [n for n in fields if n in wanted]
    if order != [n for n in wanted if n in fields]:
        problems.append(
            _problem(
                f"{at}/fields",
                "field-order-changed",
                ", ".join(wanted),
                ", ".join(fields)[:200],
                "The fields are not in the project's order.",
            )
        )
    for key, code in (("primaryKey", "primary-key-changed"), ("missingValues", "missing-values-changed")):
        if schema.get(key) != canonical.get(key) and _keys(schema.get(key)) != _keys(canonical.get(key)):
            problems.append(
                _problem(
                    f"{at}/{key}",
                    code,
                    _short(canonical.get(key)),
                    _short(schema.get(key)),
                    f"The table's {key} differs from the project's.",
                )
            )
    if _foreign_keys(schema) != _foreign_keys(canonical):
        problems.append(
            _problem(
                f"{at}/foreignKeys",
                "foreign-key-changed",
                _short(canonical.get("foreignKeys")),
                _short(schema.get("foreignKeys")),
                "The table's foreign keys differ from the project's.",
            )
        )
    return problems


def _field_differences(field: dict, canonical: dict, at: str, name: str) -> list[Problem]:
    problems = []
    if field.get("type", "string") != canonical.get("type", "string"):
        problems.append(
            _problem(
                f"{at}/type",
                "field-type-changed",
                canonical.get("type", "string"),
                _short(field.get("type", "string")),
                "The field's type differs from the project's.",
                name,
            )
        )
    given, wanted = field.get("constraints") or {}, canonical.get("constraints") or {}
    for key in wanted:
        if key not in given:
            problems.append(
                _problem(
                    f"{at}/constraints",
                    "constraint-removed",
                    f"{key}: {_short(wanted[key])}",
                    "none",
                    f"The field lost the project's '{key}' constraint: rows it refuses would pass.",
                    name,
                )
            )
        elif given[key] != wanted[key]:
            problems.append(
                _problem(
                    f"{at}/constraints/{key}",
                    "constraint-changed",
                    _short(wanted[key]),
                    _short(given[key]),
                    f"The field's '{key}' constraint differs from the project's.",
                    name,
                )
            )
    for key in given:
        if key not in wanted:
            problems.append(
                _problem(
                    f"{at}/constraints/{key}",
                    "constraint-added",
                    "none",
                    f"{key}: {_short(given[key])}",
                    f"The field has a '{key}' constraint the project does not define.",
                    name,
                )
            )
    return problems
