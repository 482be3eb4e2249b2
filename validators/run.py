"""Validate a package directory: one road for every table, whatever its size.

1. The descriptor: read within bounds (untrusted.py), its shape (descriptor_shape.py), compared with the
   project's (canonical.py), checked against the Data Package standard by frictionless (structure.py).
2. Each table that may be read: loaded once by DuckDB's CSV reader, every cell as text (csv_reading.py),
   then its Table Schema checks as SQL derived from the descriptor (table_checks.py), foreign keys included.
3. The typed tables go to the rules a Table Schema cannot say: rules within a row (row_rules.py) and across
   rows and tables (cross_rules.py; DuckDB's scan of the snippets runs on a second thread meanwhile).

Reads only: the DuckDB database lives in memory, may read only the package's table files, and never the
network. Every problem is collected, at most ``Limits.max_problems_per_code`` per file and code listed.
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pandas as pd

from rhil7.database import safe_connect

from .canonical import canonical_descriptor, shape_differences
from .consequences import without_consequences
from .cross_rules import CROSS_RULES, snippet_fields
from .csv_reading import ReadTable, read_table
from .descriptor_shape import descriptor_problems, too_deep
from .limits import DEFAULT_LIMITS, Limits
from .problems import Problem, cap_problems
from .references import package_reference_problems
from .semantic import row_rule_problems
from .snippets import rows_to_check
from .structure import descriptor_standard_problems
from .table_checks import foreign_key_problems, table_problems, typed_frame
from .text_safety import control_characters
from .untrusted import SafeResource, check_resource, load_descriptor


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
    safe: list[SafeResource] = []
    for i, resource in enumerate(descriptor["resources"]):
        if i in broken or resource["name"] not in project_schemas:
            continue
        if isinstance(resource.get("schema"), dict):  # the rows are judged by the project's schema, never the contributed one
            resource = {**resource, "schema": project_schemas[resource["name"]]}
        checked, found = check_resource(package_dir, resource, limits)
        problems += found
        if checked is not None:
            safe.append(checked)
    if descriptor != canonical_descriptor():
        # the shipped descriptor meets the standard with any of its resources (tests/test_engine_reference.py):
        # importing and running frictionless for it (about 1 s, most of validating the real package) would
        # only repeat that verdict
        problems += descriptor_standard_problems(descriptor, [_as_read(r) for r in safe])
    if not safe:
        return problems
    with ThreadPoolExecutor(max_workers=1) as helper:  # DuckDB's snippet scans run here, beside the rest
        schema_problems, reads, tables, controlled, prescans = _check_tables(safe, limits, helper)
        rule_problems = [p for name, frame in tables.items()
                         for p in row_rule_problems(frame, name, reads[name].resource.relpath)]
        paths = {name: read.resource.relpath for name, read in reads.items()}
        found = _cross_rule_problems(tables, prescans, helper)
        found += control_characters({name: tables[name] for name in controlled if name in tables})
        rule_problems += [replace(p, file=paths.get(p.file, p.file)) for p in found]
    problems += schema_problems + without_consequences(schema_problems, rule_problems)
    lines = {read.resource.relpath: read for read in reads.values()}
    return [replace(p, line=lines[p.file].line_of_row(p.row)) if p.line is None and p.file in lines else p
            for p in problems]


def _as_read(resource: SafeResource) -> dict:
    """The resource as frictionless is shown it: its file relative to the package, its encoding."""
    return {**resource.descriptor, "path": resource.relpath, **({"encoding": "utf-8-sig"} if resource.has_bom else {})}


def _check_tables(safe: list[SafeResource], limits: Limits, helper: ThreadPoolExecutor):
    """Every table through DuckDB: its shape, its Table Schema checks and foreign keys, and the typed frames
    of the tables read whole (the rules trust only those). The snippet pre-scan of each typed table starts on
    ``helper`` at once, while the next table is read."""
    problems: list[Problem] = []
    reads: dict[str, ReadTable] = {}
    tables: dict[str, pd.DataFrame] = {}
    controlled: set[str] = set()  # tables whose text holds a control character
    prescans: dict[str, Future] = {}
    # a table's text stays in DuckDB only while a foreign key may still look it up
    referenced = {fk["reference"].get("resource") or r.name for r in safe
                  for fk in r.descriptor["schema"].get("foreignKeys") or []}
    pending = [(r, fk) for r in safe for fk in r.descriptor["schema"].get("foreignKeys") or []]
    dropped: set[str] = set()
    con = safe_connect(allowed_paths=[r.path for r in safe])
    try:
        for i, res in enumerate(safe):
            read = reads[res.name] = read_table(con, res, i)
            problems += read.problems
            if read.checkable:
                problems += table_problems(con, read, limits.max_problems_per_code)
            if read.controlled:
                controlled.add(res.name)
            if read.checkable and read.whole:
                frame = tables[res.name] = typed_frame(con, read)
                if snippet_fields(res.name, frame):
                    prescans[res.name] = helper.submit(rows_to_check, frame, snippet_fields(res.name, frame))
            waiting = []
            for r, fk in pending:
                target = fk["reference"].get("resource") or r.name
                if r.name not in reads or target not in reads:
                    waiting.append((r, fk))
                elif reads[r.name].checkable and reads[target].checkable:
                    problems += foreign_key_problems(con, reads[r.name], reads[target], fk, limits.max_problems_per_code)
            pending = waiting
            needed = referenced | {r.name for r, _ in pending}
            for name in [name for name in reads if name not in needed and name not in dropped]:
                con.execute(f"DROP TABLE IF EXISTS {reads[name].table}")
                dropped.add(name)
    finally:
        con.close()
    return problems, reads, tables, controlled, prescans


def _cross_rule_problems(tables: dict[str, pd.DataFrame], prescans: dict[str, Future],
                         helper: ThreadPoolExecutor) -> list[Problem]:
    """Every cross-table rule, in order. The first (the snippet rule) runs on ``helper``: most of its
    time is DuckDB's scan of the snippets, which releases the GIL, so on a large package it costs next
    to nothing beside the other rules. The rules only read the frames."""
    first, *others = CROSS_RULES
    early = helper.submit(first, tables, prescanned=prescans)
    rest = [p for rule in others for p in rule(tables)]
    return early.result() + rest
