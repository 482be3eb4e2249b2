"""Stage 1: frictionless structural validation (descriptor, header, types, constraints, keys).

Only resources that passed the untrusted-input checks are handed to
frictionless, in a copy of the descriptor (the files are never touched).
"""
from __future__ import annotations

import copy
from pathlib import Path

from .problems import Problem
from .references import custom_profile
from .untrusted import SafeResource

_LABEL_ERRORS = {"incorrect-label", "missing-label", "extra-label", "duplicate-label", "blank-label", "blank-header"}


def _field_expectation(schema: dict, field_name: str | None) -> str:
    for field in schema.get("fields", []):
        if field.get("name") == field_name:
            parts = [field.get("type", "string")]
            for key, value in (field.get("constraints") or {}).items():
                if key == "required" and value:
                    parts.append("required")
                elif key != "required":
                    parts.append(f"{key}={value}")
            return ", ".join(parts)
    return "a value that fits the Table Schema"


class _NoNetwork:
    """Stands in for frictionless' requests session: the last line of defence against a download."""

    headers: dict = {}

    def __getattr__(self, name):
        def refuse(*args, **kwargs):
            raise ConnectionError("validation never opens a network connection")
        return refuse


def _as_list(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _key_values(key: list[str], error, schema: dict) -> str:
    names = [f.get("name") for f in schema.get("fields", [])]
    cells = list(getattr(error, "cells", None) or [])
    values = [f"{k}={cells[names.index(k)]}" for k in key if k in names and names.index(k) < len(cells)]
    return ", ".join(values) or ",".join(map(str, cells))


def _collapse_header(problems: list[Problem], resource: SafeResource) -> list[Problem]:
    """A header row that matches none of the names is one problem (a missing or foreign header), not one per column.

    A blank label matches no name either: a data row taken for the header may have empty cells."""
    mismatched = {"incorrect-label", "blank-label"}
    labels = [p for p in problems if p.code in mismatched]
    names = [f.get("name") for f in resource.descriptor.get("schema", {}).get("fields", [])]
    if len(names) < 2 or len(labels) < len(names):
        return problems
    found = ",".join(p.found for p in labels)
    merged = Problem(file=resource.relpath, row=1, field=None, code="incorrect-label",
                     expected="header: " + ",".join(map(str, names)), found=found[:200],
                     message="The first row is not the header: no label matches the Table Schema "
                             "(is the header row missing?).", stage="structure")
    return [p for p in problems if p.code not in mismatched] + [merged]


def _to_problem(error, resource: SafeResource) -> Problem:
    code = getattr(error, "type", "error")
    schema = resource.descriptor.get("schema", {})
    row = getattr(error, "row_number", None)
    field = getattr(error, "field_name", None)
    note = getattr(error, "note", "") or ""
    found = getattr(error, "cell", None)
    if code in _LABEL_ERRORS:
        row = 1
        field = field or getattr(error, "label", None)
        names = [f.get("name") for f in schema.get("fields", [])]
        expected = "header: " + ",".join(map(str, names))
        found = getattr(error, "label", None) or note
    elif code == "primary-key":
        key = _as_list(schema.get("primaryKey"))
        field = ",".join(key)
        expected = f"a primary key ({field}) that no other row has"
        found = _key_values(key, error, schema) + f" ({note})"
    elif code == "foreign-key":
        # name the referencing field(s) and their values, not the whole row
        field = ",".join(getattr(error, "field_names", None) or []) or None
        cells = getattr(error, "field_cells", None) or []
        reference = f"{getattr(error, 'reference_name', '') or 'this table'}." \
                    f"{','.join(getattr(error, 'reference_field_names', None) or [])}"
        expected = f"a value that exists in {reference}"
        found = ",".join(map(str, cells)) or note
    elif code == "blank-row":
        expected, found = "a record (no empty lines inside a table)", "an empty line"
    elif code == "extra-cell":
        expected = f"at most {len(schema.get('fields', []))} cells, as in the header"
        found, field = f"a cell beyond the header: {found!r}", None
    elif code == "missing-cell":
        expected = f"{len(schema.get('fields', []))} cells, as in the header"
        found = f"the row ends before {field}"
    elif found is not None:
        expected = _field_expectation(schema, field)
    else:
        expected = "a well-formed CSV table"
        found = note or code
    if found is None or str(found) == "":
        found = "empty (no value)"
    message = f"{getattr(error, 'title', code)}: {note}".strip().rstrip(":")
    return Problem(file=resource.relpath, row=row, field=field or None, code=code, expected=str(expected),
                   found=str(found), message=message, stage="structure")


def structural_problems(package_dir: Path, descriptor: dict, safe: list[SafeResource],
                        header_only: bool = False) -> list[Problem]:
    """frictionless' report on ``safe``; with header_only, just the header of each (for tables whose rows the
    vectorized engine checks: frictionless then reads one row and no foreign-key lookup tables)."""
    from frictionless import Package, system  # lazy: frictionless costs start-up time

    names = {r.name for r in safe}
    # custom profiles were reported by references.py; frictionless must not try to fetch them
    cleaned = copy.deepcopy({k: v for k, v in descriptor.items()
                             if k != "resources" and not (k in ("profile", "$schema") and custom_profile(v))})
    cleaned["resources"] = []
    by_name = {r.name: r for r in safe}
    for res in safe:
        rd = copy.deepcopy(res.descriptor)
        rd["path"] = res.relpath
        if res.has_bom:
            rd["encoding"] = "utf-8-sig"
        schema = rd.get("schema")
        if header_only and isinstance(schema, dict):
            schema.pop("foreignKeys", None)
        if isinstance(schema, dict) and schema.get("foreignKeys"):
            schema["foreignKeys"] = [fk for fk in schema["foreignKeys"]
                                     if (fk.get("reference") or {}).get("resource", "") in names | {""}]
        cleaned["resources"].append(rd)
    problems: list[Problem] = []
    with system.use_context(trusted=False, http_session=_NoNetwork()):
        try:
            package = Package(cleaned, basepath=str(package_dir))
            report = package.validate(limit_errors=100_000, limit_rows=1 if header_only else None)
        except Exception as exc:  # frictionless raises FrictionlessException on a bad descriptor
            error = getattr(exc, "error", None)
            note = getattr(error, "note", None) or str(exc)
            return [Problem(file="datapackage.json", row=None, field=None, code="descriptor-error",
                            expected="a valid Data Package descriptor", found=note,
                            message="The descriptor does not follow the Data Package standard.", stage="structure")]
    for error in report.errors:
        problems.append(Problem(file="datapackage.json", row=None, field=None, code=getattr(error, "type", "error"),
                                expected="a valid Data Package descriptor", found=getattr(error, "note", str(error)),
                                message=getattr(error, "title", "descriptor problem"), stage="structure"))
    for task in report.tasks:
        resource = by_name.get(task.name)
        if resource is None:
            continue
        found = [_to_problem(error, resource) for error in task.errors]
        if header_only:
            found = [p for p in found if p.code in _LABEL_ERRORS]
        problems += _collapse_header(found, resource)
    return problems
