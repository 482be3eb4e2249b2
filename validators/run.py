"""Validate a package directory: untrusted-input checks, frictionless structure, pandera semantics.

Reads only. Every problem of every stage is collected (lazy), then
deduplicated (dedupe.py) so one fault is reported once, by the earliest stage.

Tables up to ``Limits.frictionless_max_rows`` lines: frictionless (structure), pandas' reader and
pandera. Larger tables: Arrow's reader, the vectorized structural engine and the row rules alone
(pandera's column checks would repeat the engine's). Text stays in Arrow buffers throughout, and
DuckDB's scan of the snippets runs on a second thread while the rest is checked.
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pandas as pd

from .canonical import canonical_descriptor, shape_differences
from .descriptor_shape import descriptor_problems, too_deep
from .text_safety import control_characters
from .arrow_reading import empty_records, read_records
from .cross_rules import CROSS_RULES, snippet_fields
from .csv_syntax import QuotingError, Scan, scan_bytes
from .dedupe import deduplicate
from .limits import DEFAULT_LIMITS, Limits
from .problems import Problem, cap_problems
from .references import package_reference_problems
from .semantic import pandera_problems, row_rule_problems
from .snippets import rows_to_check
from .structure import structural_problems
from .fast_structure import blank_row_problem, foreign_key_problems, row_problems, shape_problems
from .tables import field_names, read_raw, typed
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


def validate_package(package_dir: str | Path, limits: Limits = DEFAULT_LIMITS,
                     canonical: dict | None = None) -> list[Problem]:
    """All problems of the package; [] means valid. Raises UnreadableInput when nothing can be read.

    ``canonical``: the descriptor whose shape the package must have (default: the one shipped with rhil7).
    At most ``limits.max_problems_per_code`` problems of one code per file are listed, the rest counted."""
    problems = _all_problems(Path(package_dir), limits, canonical_descriptor() if canonical is None else canonical)
    return cap_problems(problems, limits.max_problems_per_code, limits.max_problems)


def _all_problems(package_dir: Path, limits: Limits, canonical: dict) -> list[Problem]:
    descriptor = load_descriptor(package_dir, limits)
    deep = too_deep(descriptor, limits.max_descriptor_depth)
    if deep is not None:
        return [Problem("datapackage.json", None, None, "descriptor-too-deep",
                        f"JSON nested at most {limits.max_descriptor_depth} levels deep", f"deeper at {deep}",
                        "The descriptor is nested deeper than any package descriptor needs; nothing else is read.",
                        "safety", pointer=deep)]
    problems, broken = descriptor_problems(descriptor, limits)
    problems += shape_differences(descriptor, canonical, broken)
    problems += package_reference_problems(descriptor)
    project_schemas = {r["name"]: r["schema"] for r in canonical["resources"]}
    safe = []
    scans: dict[str, Scan] = {}
    bodies: dict[str, bytes] = {}
    for i, resource in enumerate(descriptor["resources"]):
        if i in broken or resource["name"] not in project_schemas:
            continue
        if isinstance(resource.get("schema"), dict):  # the rows are judged by the project's schema, never the contributed one
            resource = {**resource, "schema": project_schemas[resource["name"]]}
        checked, found = check_resource(package_dir, resource, limits)
        problems += found
        if checked is None:
            continue
        # Lenient CSV readers (frictionless, pandas) silently repair broken quoting by gluing cells
        # together, so a damaged row can look valid: scan strictly first, and read no further if broken.
        body, checked.body = checked.body, None
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
                records = read_records(body, field_names(res.descriptor),
                                       scans[res.relpath].breaks_inside_fields is not False)
                if records is None:  # a misshapen record: walk the file to say which
                    structural += shape_problems(res, body.decode("utf-8"))
                else:
                    structural += [blank_row_problem(res, row) for row in empty_records(records)]
                    large_raws[res.name] = records
    bodies.clear()
    problems += structural
    broken_files = {p.file for p in structural if p.code in _HEADER_CODES or p.row is None}
    ragged_files = {p.file for p in structural if p.code == "extra-cell"}

    with ThreadPoolExecutor(max_workers=1) as helper:  # DuckDB's snippet scans run here, beside the rest
        found, tables, raws, paths, prescans = _check_tables(safe, large, large_raws, broken_files | ragged_files, helper)
        problems += found
        problems += _unchecked_foreign_keys(safe, raws, large)
        found = _cross_rule_problems(tables, prescans, helper) + control_characters(tables)
        problems += [replace(p, file=paths.get(p.file, p.file)) for p in found]
    return [_with_line(p, scans) for p in deduplicate(problems)]


def _check_tables(safe: list[SafeResource], large: set[str], large_raws: dict[str, pd.DataFrame], skipped: set[str],
                  helper: ThreadPoolExecutor):
    """Read and type each table with a sound header and records, and check its cells and rows.

    Returns the problems, the typed and the text frames by table name, the CSV path of each, and the
    snippet pre-scans of the large tables, started on ``helper`` as soon as each table is typed."""
    problems: list[Problem] = []
    tables: dict[str, pd.DataFrame] = {}
    raws: dict[str, pd.DataFrame] = {}
    paths: dict[str, str] = {}
    prescans: dict[str, Future] = {}
    for res in safe:
        # pandas refuses a row with more cells than the header (extra-cell): such files are skipped too
        if res.relpath in skipped or "schema" not in res.descriptor:
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
        fields = snippet_fields(res.name, frame)
        if fields:  # (rows_to_check itself decides whether the table is large enough to pre-scan)
            prescans[res.name] = helper.submit(rows_to_check, frame, fields)
        if res.name in large:
            # The Table Schema's column checks are the structural engine's; pandera would repeat each of
            # them over the whole table, so only the rules within a row (pandera's frame-wide checks) run.
            problems += row_problems(res, raw, frame)
            problems += row_rule_problems(frame, res.descriptor["name"], res.relpath)
        else:
            problems += pandera_problems(frame, res.descriptor, res.relpath)
        tables[res.name] = frame
        raws[res.name] = raw
        paths[res.name] = res.relpath
    return problems, tables, raws, paths, prescans


def _cross_rule_problems(tables: dict[str, pd.DataFrame], prescans: dict[str, Future],
                         helper: ThreadPoolExecutor) -> list[Problem]:
    """Every cross-table rule, in order. The first (the snippet rule) runs on ``helper``: most of its
    time is DuckDB's scan of the snippets, which releases the GIL, so on a large package it costs next
    to nothing beside the other rules. The rules only read the frames."""
    first, *others = CROSS_RULES
    early = helper.submit(first, tables, prescanned=prescans)
    rest = [p for rule in others for p in rule(tables)]
    return early.result() + rest


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
