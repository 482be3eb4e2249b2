"""Validate a package directory: one road for every table, whatever its size.

1. The descriptor: read within bounds (untrusted.py), its shape (descriptor_shape.py), compared with the
   project's (canonical.py), checked against the Data Package standard by frictionless (structure.py).
2. Each table that may be read: read once by DuckDB's CSV reader (csv_reading.py) straight into a typed table,
   in one SQL pass that also evaluates the Table Schema's cell checks, derived from the descriptor
   (table_checks.py); then the failing cells, the keys and the foreign keys are listed.
3. The typed tables go to the rules a Table Schema cannot say, each a SQL query: rules within a row
   (row_rules.py) and across rows and tables (cross_rules.py). No table becomes a pandas frame.

Reads only: the DuckDB database lives in memory, may read only the package's table files, and never the
network. Every problem is collected, at most ``Limits.max_problems_per_code`` per file and code listed.
"""
from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path

from rhil7.database import safe_connect

from .canonical import canonical_descriptor, shape_differences
from .consequences import without_consequences
from .cross_rules import CROSS_RULES, snippet_unsure
from .csv_reading import ReadTable, read_table
from .descriptor_shape import descriptor_problems, too_deep
from .limits import DEFAULT_LIMITS, Limits
from .problems import Problem, cap_problems
from .references import package_reference_problems
from .row_rules import row_rule_problems
from .structure import descriptor_standard_problems
from .table_checks import RULE_CELL_CODES, Typing, foreign_key_problems, table_problems
from .typed_tables import TypedTables, in_parallel
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
    con = safe_connect(allowed_paths=[r.path for r in safe])
    try:
        db = TypedTables(con, limits.max_problems_per_code)
        found, reads = _check_tables(safe, db)
        # text safety is a rule of the project: a cell that the Table Schema already finds bad is not judged
        schema_problems = [p for p in found if p.code not in RULE_CELL_CODES]
        rule_problems = [p for p in found if p.code in RULE_CELL_CODES]
        paths = {name: read.resource.relpath for name, read in reads.items()}
        judged = [p for found in in_parallel(con, [partial(_judge, rule, db) for rule in (row_rule_problems, *CROSS_RULES)])
                  for p in found] + db.omitted
        rule_problems += [replace(p, file=paths.get(p.file, p.file)) for p in judged]
    finally:
        con.close()
    problems += schema_problems + without_consequences(schema_problems, rule_problems)
    lines = {read.resource.relpath: read for read in reads.values()}
    return [replace(p, line=lines[p.file].line_of_row(p.row)) if p.line is None and p.file in lines else p
            for p in problems]


def _as_read(resource: SafeResource) -> dict:
    """The resource as frictionless is shown it: its file relative to the package, its encoding."""
    return {**resource.descriptor, "path": resource.relpath, **({"encoding": "utf-8-sig"} if resource.has_bom else {})}


def _judge(rule, db: TypedTables, con) -> list[Problem]:
    mine = db.using(con)
    return rule(mine) + mine.omitted


def _check_tables(safe: list[SafeResource], db: TypedTables) -> tuple[list[Problem], dict[str, ReadTable]]:
    """Every table through DuckDB: its shape, its Table Schema checks and foreign keys; the typed tables of
    those read whole go to ``db`` for the rules (the rules trust only those). The largest table is read first,
    the others beside it."""
    order = sorted(range(len(safe)), key=lambda i: -len(safe[i].body or b""))
    checked = dict(zip(order, in_parallel(db.con, [partial(_check_table, i, safe[i], db.listed) for i in order])))
    problems, reads = [], {}
    for i, res in enumerate(safe):
        read, found = checked[i]
        reads[res.name] = read
        problems += found
        if read.checkable and read.whole:
            db.add(res.name, read)
    keys = [(reads[res.name], reads[fk["reference"].get("resource") or res.name], fk) for res in safe
            for fk in res.descriptor["schema"].get("foreignKeys") or []
            if (fk["reference"].get("resource") or res.name) in reads]
    jobs = [partial(_foreign_keys, read, target, fk, db.listed) for read, target, fk in keys
            if read.checkable and target.checkable]
    return problems + [p for found in in_parallel(db.con, jobs) for p in found], reads


def _check_table(index: int, res: SafeResource, listed: int, con) -> tuple[ReadTable, list[Problem]]:
    fields = res.descriptor["schema"]["fields"]
    read = read_table(con, res, index, Typing(fields, snippet_unsure(res.name, [f["name"] for f in fields])))
    return read, read.problems + (table_problems(con, read, listed) if read.checkable else [])


def _foreign_keys(read: ReadTable, target: ReadTable, fk: dict, listed: int, con) -> list[Problem]:
    return foreign_key_problems(con, read, target, fk, listed)
