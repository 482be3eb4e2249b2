"""Validate a package directory: untrusted-input checks, frictionless structure, pandera semantics.

Reads only. Every problem of every stage is collected (lazy), then
deduplicated so one bad cell is reported once, by the earliest stage.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from .cross_rules import CROSS_RULES
from .limits import DEFAULT_LIMITS, Limits
from .problems import Problem, sorted_problems
from .semantic import pandera_problems
from .structure import structural_problems
from .tables import field_names, read_table
from .untrusted import check_resource, load_descriptor

_HEADER_CODES = {"incorrect-label", "missing-label", "extra-label", "duplicate-label", "blank-label", "blank-header",
                 "source-error", "scheme-error", "format-error", "encoding-error", "header-mismatch"}


def _header_problem(frame: pd.DataFrame, resource: dict, relpath: str) -> Problem | None:
    expected = field_names(resource)
    found = list(frame.columns)
    if found == expected:
        return None
    return Problem(file=relpath, row=1, field=None, code="header-mismatch", expected=",".join(expected),
                   found=",".join(map(str, found)), message="The header does not match the Table Schema.")


def validate_package(package_dir: str | Path, limits: Limits = DEFAULT_LIMITS) -> list[Problem]:
    """All problems of the package; [] means valid. Raises UnreadableInput when nothing can be read."""
    package_dir = Path(package_dir)
    descriptor = load_descriptor(package_dir, limits)
    problems: list[Problem] = []
    safe = []
    for resource in descriptor["resources"]:
        if not isinstance(resource, dict):
            problems.append(Problem("datapackage.json", None, None, "bad-resource", "a resource object",
                                    repr(resource)[:80], "Each resource must be a JSON object.", "safety"))
            continue
        checked, found = check_resource(package_dir, resource, limits)
        problems += found
        if checked is not None:
            safe.append(checked)
    structural = structural_problems(package_dir, descriptor, safe)
    problems += structural
    broken_files = {p.file for p in structural if p.code in _HEADER_CODES or p.row is None}

    tables: dict[str, pd.DataFrame] = {}
    paths: dict[str, str] = {}
    for res in safe:
        if res.relpath in broken_files or "schema" not in res.descriptor:
            continue
        try:
            frame = read_table(res.path, res.descriptor)
        except (ValueError, pd.errors.ParserError) as exc:
            problems.append(Problem(res.relpath, None, None, "malformed-csv", "well-formed CSV (RFC 4180 quoting)",
                                    str(exc).splitlines()[0][:200], "The CSV cannot be parsed.", "semantic"))
            continue
        header = _header_problem(frame, res.descriptor, res.relpath)
        if header is not None:
            problems.append(header)
            continue
        problems += pandera_problems(frame, res.descriptor, res.relpath)
        tables[res.name] = frame
        paths[res.name] = res.relpath
    for rule in CROSS_RULES:
        problems += [replace(p, file=paths.get(p.file, p.file)) for p in rule(tables)]
    return _deduplicate(problems)


def _deduplicate(problems: list[Problem]) -> list[Problem]:
    """One bad cell, one problem: the earliest stage's report wins for a (file, row, field)."""
    order = {"safety": 0, "structure": 1, "semantic": 2}
    seen: set[tuple] = set()
    kept = []
    for p in sorted(problems, key=lambda p: order.get(p.stage, 3)):
        where = (p.file, p.row, p.field)
        if p.row is not None and p.field is not None and where in seen and p.stage == "semantic" \
                and p.code in {"required-value", "unique-value", "type", "constraint"}:
            continue
        seen.add(where)
        kept.append(p)
    return sorted_problems(kept)
