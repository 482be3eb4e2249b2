"""Validate a package directory: untrusted-input checks, frictionless structure, pandera semantics.

Reads only. Every problem of every stage is collected (lazy), then
deduplicated (dedupe.py) so one fault is reported once, by the earliest stage.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from .arrow_reading import read_records
from .cross_rules import CROSS_RULES
from .csv_syntax import QuotingError, Scan, scan_bytes
from .dedupe import deduplicate
from .limits import DEFAULT_LIMITS, Limits
from .problems import Problem
from .references import package_reference_problems
from .semantic import pandera_problems, row_rule_problems
from .structure import structural_problems
from .fast_structure import cell_problems, foreign_key_problems, primary_key_problems, shape_problems
from .tables import field_names, read_body, read_raw, typed
from .untrusted import SafeResource, check_resource, load_descriptor

_HEADER_CODES = {"incorrect-label", "missing-label", "extra-label", "duplicate-label", "blank-label", "blank-header",
                 "source-error", "scheme-error", "format-error", "encoding-error", "header-mismatch"}


def _header_problem(frame: pd.DataFrame, resource: dict, relpath: str) -> Problem | None:
    expected = field_names(resource)
    found = list(frame.columns)
    if found == expected:
        return None
    return Problem(file=relpath, row=1, field=None, code="header-mismatch", expected=",".join(expected),
                   found=",".join(map(str, found)), message="The header does not match the Table Schema.")


def _quoting_problem(resource: SafeResource, error: QuotingError) -> Problem:
    names = field_names(resource.descriptor)
    field = names[error.column] if error.row > 1 and error.column < len(names) else None
    return Problem(resource.relpath, error.row, field, "malformed-csv", error.expected, error.found,
                   "The CSV quoting is broken (RFC 4180): a quote must enclose a whole field, and a quote inside "
                   "a field is written twice. The rest of the file is not checked until this is fixed.",
                   "structure", line=error.line)


def validate_package(package_dir: str | Path, limits: Limits = DEFAULT_LIMITS) -> list[Problem]:
    """All problems of the package; [] means valid. Raises UnreadableInput when nothing can be read."""
    package_dir = Path(package_dir)
    descriptor = load_descriptor(package_dir, limits)
    problems: list[Problem] = package_reference_problems(descriptor)
    safe = []
    scans: dict[str, Scan] = {}
    bodies: dict[str, bytes] = {}
    for resource in descriptor["resources"]:
        if not isinstance(resource, dict):
            problems.append(Problem("datapackage.json", None, None, "bad-resource", "a resource object",
                                    repr(resource)[:80], "Each resource must be a JSON object.", "safety"))
            continue
        checked, found = check_resource(package_dir, resource, limits)
        problems += found
        if checked is None:
            continue
        # Lenient CSV readers (frictionless, pandas) silently repair broken quoting by gluing cells
        # together, so a damaged row can look valid: scan strictly first, and read no further if broken.
        body = read_body(checked.path)
        scans[checked.relpath] = scan_bytes(body)
        if checked.lines > limits.frictionless_max_rows:
            bodies[checked.name] = body  # read once: the records of large tables are parsed from it
        if scans[checked.relpath].error is not None:
            problems.append(_quoting_problem(checked, scans[checked.relpath].error))
            continue
        safe.append(checked)
    large = {r.name for r in safe if r.lines > limits.frictionless_max_rows}
    large_raws: dict[str, pd.DataFrame] = {}
    structural = structural_problems(package_dir, descriptor, [r for r in safe if r.name not in large])
    if large:
        headers = structural_problems(package_dir, descriptor, [r for r in safe if r.name in large], header_only=True)
        structural += headers
        bad_header = {p.file for p in headers}
        for res in safe:
            if res.name in large and res.relpath not in bad_header:  # rows are measured against a sound header
                body = bodies.pop(res.name)
                records = read_records(body, field_names(res.descriptor))
                if records is None:  # a misshapen record: walk the file to say which
                    structural += shape_problems(res, body.decode("utf-8"))[0]
                else:
                    large_raws[res.name] = records
    bodies.clear()
    problems += structural
    broken_files = {p.file for p in structural if p.code in _HEADER_CODES or p.row is None}
    # pandas refuses a row with more cells than the header; frictionless has said where (extra-cell)
    ragged_files = {p.file for p in structural if p.code == "extra-cell"}

    tables: dict[str, pd.DataFrame] = {}
    raws: dict[str, pd.DataFrame] = {}
    paths: dict[str, str] = {}
    for res in safe:
        if res.relpath in broken_files or "schema" not in res.descriptor:
            continue
        if res.relpath in ragged_files:
            continue
        try:
            raw = large_raws.pop(res.name, None)
            raw = read_raw(res.path) if raw is None else raw
            frame = typed(raw, res.descriptor, text="str")
        except (ValueError, pd.errors.ParserError) as exc:
            problems.append(Problem(res.relpath, None, None, "malformed-csv", "well-formed CSV (RFC 4180 quoting)",
                                    str(exc).splitlines()[0][:200], "The CSV cannot be parsed.", "semantic"))
            continue
        header = _header_problem(frame, res.descriptor, res.relpath)
        if header is not None:
            problems.append(header)
            continue
        if res.name in large:
            # The Table Schema's column checks are the structural engine's; pandera would repeat each of
            # them over the whole table, so only the rules within a row (pandera's frame-wide checks) run.
            problems += cell_problems(res, raw, frame) + primary_key_problems(res, raw)
            problems += row_rule_problems(frame, res.descriptor["name"], res.relpath)
        else:
            problems += pandera_problems(frame, res.descriptor, res.relpath)
        tables[res.name] = frame
        raws[res.name] = raw
        paths[res.name] = res.relpath
    problems += _unchecked_foreign_keys(safe, raws, large)
    for rule in CROSS_RULES:
        problems += [replace(p, file=paths.get(p.file, p.file)) for p in rule(tables)]
    return [_with_line(p, scans) for p in deduplicate(problems)]


def _unchecked_foreign_keys(safe: list[SafeResource], raws: dict[str, pd.DataFrame], large: set[str]) -> list[Problem]:
    """Foreign keys frictionless did not see: those from or to a table checked by the vectorized engine."""
    problems = []
    for res in safe:
        schema = res.descriptor.get("schema") or {}
        for fk in schema.get("foreignKeys") or []:
            target = (fk.get("reference") or {}).get("resource") or res.name
            if (res.name in large or target in large) and res.name in raws and target in raws:
                problems += foreign_key_problems(res, raws[res.name], fk, raws[target])
    return problems


def _with_line(problem: Problem, scans: dict[str, Scan]) -> Problem:
    if problem.line is not None or problem.file not in scans:
        return problem
    return replace(problem, line=scans[problem.file].line_of_row(problem.row))
