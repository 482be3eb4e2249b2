"""Stage 1: frictionless structural validation (descriptor, header, types, constraints, keys).

Only resources that passed the untrusted-input checks are handed to
frictionless, in a copy of the descriptor (the files are never touched).
"""
from __future__ import annotations

import copy
from pathlib import Path

from .problems import Problem
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
        expected = "a unique primary key " + str(schema.get("primaryKey"))
        found = ",".join(map(str, getattr(error, "cells", []) or [])) or note
    elif code == "foreign-key":
        expected = "a key that exists in the referenced table"
        found = ",".join(map(str, getattr(error, "cells", []) or [])) or note
    elif found is not None:
        expected = _field_expectation(schema, field)
    else:
        expected = "a well-formed CSV table"
        found = note or code
    message = f"{getattr(error, 'title', code)}: {note}".strip().rstrip(":")
    return Problem(file=resource.relpath, row=row, field=field, code=code, expected=str(expected),
                   found=str(found), message=message, stage="structure")


def structural_problems(package_dir: Path, descriptor: dict, safe: list[SafeResource]) -> list[Problem]:
    from frictionless import Package, system  # lazy: frictionless costs start-up time

    names = {r.name for r in safe}
    cleaned = copy.deepcopy({k: v for k, v in descriptor.items() if k != "resources"})
    cleaned["resources"] = []
    by_name = {r.name: r for r in safe}
    for res in safe:
        rd = copy.deepcopy(res.descriptor)
        rd["path"] = res.relpath
        if res.has_bom:
            rd["encoding"] = "utf-8-sig"
        schema = rd.get("schema")
        if isinstance(schema, dict) and schema.get("foreignKeys"):
            schema["foreignKeys"] = [fk for fk in schema["foreignKeys"]
                                     if (fk.get("reference") or {}).get("resource", "") in names | {""}]
        cleaned["resources"].append(rd)
    problems: list[Problem] = []
    with system.use_context(trusted=False):
        try:
            package = Package(cleaned, basepath=str(package_dir))
            report = package.validate(limit_errors=100_000)
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
        for error in task.errors:
            problems.append(_to_problem(error, resource))
    return problems
