"""Validate a package directory: one road for every table, whatever its size.

1. The descriptor: read within bounds (untrusted.py), its shape (descriptor_shape.py), compared with the
   project's (canonical.py), checked against the Data Package standard by frictionless (structure.py).
2. Each table that may be read (its file located and its bytes scanned by untrusted.py and byte_scan.py): read
   once by DuckDB's CSV reader (csv_reading.py) straight into a typed table, in one SQL pass that also evaluates
   the Table Schema's cell checks, derived from the descriptor (table_checks.py); then the failing cells, the
   keys and the foreign keys are listed.
3. The typed tables go to the rules a Table Schema cannot say, each a SQL query: rules within a row
   (row_rules.py) and across rows and tables (cross_rules.py). No table becomes a pandas frame.

Tables, foreign keys and rules each run two or more at once (typed_tables.in_parallel), each with a DuckDB
cursor of its own; the problems are sorted afterwards, so the report does not depend on which finished first.

Reads only: the DuckDB database lives in memory, may read only the package's table files, and never the
network. Every problem is collected, at most ``Limits.max_problems_per_code`` per file and code listed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from rhil7.core.database import safe_connect

from .canonical import canonical_descriptor, shape_differences
from .consequences import without_consequences
from .cross_rules import CROSS_RULES, snippet_unsure
from .csv_reading import ReadTable, read_table
from .descriptor_shape import descriptor_problems, too_deep
from rhil7.core.limits import DEFAULT_LIMITS, Limits
from rhil7.core.problems import Problem, cap_problems, descriptor_problem
from rhil7.core.references import package_reference_problems
from .row_rules import row_rule_problems
from .structure import descriptor_standard_problems
from .table_checks import RULE_CELL_CODES, Typing, foreign_key_problems, table_problems
from .typed_tables import TypedTables, in_parallel
from rhil7.core.safe_reader import (
    UTF8_BOM,
    SafeResource,
    UnreadableInput,
    load_descriptor,
    locate_resource,
    read_resource,
)


@dataclass
class Validation:
    """What one validation read and found. With ``keep``: each table's bytes as read (``files``, by resource
    name, BOM included), their sha256 (``digests``, by file path) and each table read whole as DuckDB typed it
    (``typed``: pyarrow tables, by resource name): what build and release use, never read or typed again."""

    descriptor: dict
    problems: list[Problem]
    files: dict[str, bytes] = field(default_factory=dict, repr=False)
    digests: dict[str, str] = field(default_factory=dict)
    typed: dict = field(default_factory=dict, repr=False)
    records: dict = field(default_factory=dict, repr=False)  # name: record number (header = 1) of each typed row


def validate_package(
    package_dir: str | Path, limits: Limits = DEFAULT_LIMITS, canonical: dict | None = None
) -> list[Problem]:
    """All problems of the package; [] means valid. Raises UnreadableInput when nothing can be read.

    ``canonical``: the descriptor whose shape the package must have (default: the one shipped with rhil7).
    At most ``limits.max_problems_per_code`` problems of one code per file are listed, the rest counted."""
    return validate(package_dir, limits, canonical).problems


def validate(
    package_dir: str | Path, limits: Limits = DEFAULT_LIMITS, canonical: dict | None = None, keep: bool = False
) -> Validation:
    """The package validated (``validate_package``), with what was read when ``keep`` (see Validation)."""
    found = Validation({}, [])
    problems = _all_problems(
        Path(package_dir), limits, canonical_descriptor() if canonical is None else canonical, found if keep else None
    )
    found.problems = cap_problems(problems, limits.max_problems_per_code, limits.max_problems)
    return found


def _all_problems(package_dir: Path, limits: Limits, canonical: dict, kept: Validation | None) -> list[Problem]:
    descriptor = load_descriptor(package_dir, limits)
    if kept is not None:
        kept.descriptor = descriptor
    deep = too_deep(descriptor, limits.max_descriptor_depth)
    if deep is not None:
        return [
            descriptor_problem(
                deep,
                "descriptor-too-deep",
                f"JSON nested at most {limits.max_descriptor_depth} levels deep",
                f"deeper at {deep}",
                "The descriptor is nested deeper than any package descriptor needs; nothing else is read.",
            )
        ]
    problems, broken = descriptor_problems(descriptor, limits)
    problems += shape_differences(descriptor, canonical, broken)
    problems += package_reference_problems(descriptor)
    located, found = _located_resources(package_dir, descriptor, broken, canonical, limits)
    problems += found
    schema_problems, rule_problems, reads = _table_and_rule_problems(located, limits, kept) if located else ([], [], {})
    if descriptor != canonical_descriptor():
        # the shipped descriptor meets the standard with any of its resources (tests/test_engine_reference.py):
        # importing and running frictionless for it (about 1 s, most of validating the real package) would
        # only repeat that verdict
        problems += descriptor_standard_problems(descriptor, [_as_read(read.resource) for read in reads.values()])
    problems += schema_problems + without_consequences(schema_problems, rule_problems)
    return _with_lines(problems, reads)


def _located_resources(
    package_dir: Path, descriptor: dict, broken: set[int], canonical: dict, limits: Limits
) -> tuple[list[SafeResource], list[Problem]]:
    """The resources of the project's tables whose files were found safe to read, and the problems of the rest;
    each with the project's schema."""
    project_schemas = {r["name"]: r["schema"] for r in canonical["resources"]}
    located: list[SafeResource] = []
    problems: list[Problem] = []
    for i, resource in enumerate(descriptor["resources"]):
        if i in broken or resource["name"] not in project_schemas:
            continue
        if isinstance(resource.get("schema"), dict):  # the rows are judged by the project's schema, never the
            resource = {**resource, "schema": project_schemas[resource["name"]]}  # contributed one
        found_resource, found = locate_resource(package_dir, resource, limits)
        problems += found
        if found_resource is not None:
            located.append(found_resource)
    return located, problems


def _table_and_rule_problems(
    located: list[SafeResource], limits: Limits, kept: Validation | None
) -> tuple[list[Problem], list[Problem], dict[str, ReadTable]]:
    """The Table Schema's problems and the rules' problems of the ``located`` tables, and the tables read, in one
    DuckDB database that may read only their files."""
    con = safe_connect(allowed_paths=[r.path for r in located])
    try:
        db = TypedTables(con, limits.max_problems_per_code)
        found, reads = _read_tables(located, db, limits, kept)
        checks = _checks(reads, db.listed)
        rules = [partial(_judge, rule, db) for rule in (row_rule_problems, *CROSS_RULES)]
        # the largest table's checks first, then the rules (the slowest first), then the small tables' checks
        first = checks[:1]
        done = in_parallel(con, first + rules + checks[1:])
        judged = [p for found in done[len(first) : len(first) + len(rules)] for p in found] + db.omitted
        found += [p for found in done[: len(first)] + done[len(first) + len(rules) :] for p in found]
        # text safety is a rule of the project: a cell that the Table Schema already finds bad is not judged
        schema_problems = [p for p in found if p.code not in RULE_CELL_CODES]
        rule_problems = [p for p in found if p.code in RULE_CELL_CODES]
        paths = {name: read.resource.relpath for name, read in reads.items()}
        rule_problems += [replace(p, file=paths.get(p.file, p.file)) for p in judged]
        if kept is not None:
            kept.typed = {name: db.arrow(name) for name in reads if db.has(name)}
            kept.records = {name: reads[name].rows.tolist() for name in kept.typed}
    finally:
        con.close()
    return schema_problems, rule_problems, reads


def _with_lines(problems: list[Problem], reads: dict[str, ReadTable]) -> list[Problem]:
    """``problems`` with the physical line of each row where a record's cells span lines (ReadTable.line_of_row)."""
    lines = {read.resource.relpath: read for read in reads.values()}
    return [
        replace(p, line=lines[p.file].line_of_row(p.row)) if p.line is None and p.file in lines else p for p in problems
    ]


def _as_read(resource: SafeResource) -> dict:
    """The resource as frictionless is shown it: its file relative to the package, its encoding."""
    return {**resource.descriptor, "path": resource.relpath, **({"encoding": "utf-8-sig"} if resource.has_bom else {})}


def _judge(rule, db: TypedTables, con) -> list[Problem]:
    mine = db.using(con)
    return rule(mine) + mine.omitted


def _read_tables(
    located: list[SafeResource], db: TypedTables, limits: Limits, kept: Validation | None
) -> tuple[list[Problem], dict[str, ReadTable]]:
    """Every table that can be read, through DuckDB, with the problems of its bytes and shape; the typed tables
    of those read whole go to ``db`` for the rules (the rules trust only those). The largest table is read
    first, the others beside it. ``kept``: where each table's bytes and digest go (see Validation)."""
    order = sorted(range(len(located)), key=lambda i: -located[i].path.stat().st_size)
    jobs = [partial(_read_table, i, located[i], limits, kept) for i in order]
    done = dict(zip(order, in_parallel(db.con, jobs), strict=True))
    problems, reads = [], {}
    for i, res in enumerate(located):
        read, found = done[i]
        problems += found
        if read is not None:
            reads[res.name] = read
            if read.checkable and read.whole:
                db.add(res.name, read)
    return problems, reads


def _read_table(
    index: int, located: SafeResource, limits: Limits, kept: Validation | None, con
) -> tuple[ReadTable | None, list[Problem]]:
    """One table: its bytes (read_resource), then DuckDB's reading. DuckDB reads the file by its path: a file
    changed between the two readings is refused (its size, time or inode differ), so the bytes kept and hashed
    are the bytes DuckDB typed."""
    before = _identity(located.path)
    res, problems = read_resource(located, limits)
    if res is None:
        return None, problems
    if kept is not None:
        data = (UTF8_BOM if res.has_bom else b"") + bytes(res.body)
        kept.files[res.name], kept.digests[res.relpath] = data, hashlib.sha256(data).hexdigest()
    fields = res.descriptor["schema"]["fields"]
    read = read_table(con, res, index, Typing(fields, snippet_unsure(res.name, [f["name"] for f in fields])))
    if _identity(located.path) != before:
        raise UnreadableInput(f"{located.relpath}: the file changed while it was being validated; validate again")
    return read, problems + read.problems


def _names(fields) -> list[str]:
    return [fields] if isinstance(fields, str) else list(fields)


def _identity(path: Path) -> tuple:
    info = path.stat()
    return info.st_ino, info.st_size, info.st_mtime_ns


def _checks(reads: dict[str, ReadTable], listed: int) -> list:
    """The Table Schema's checks of each table that could be checked (the largest first) and of each foreign
    key, as jobs for in_parallel."""
    tables = sorted((read for read in reads.values() if read.checkable), key=lambda read: -len(read.rows))
    keys = [
        (read, reads[fk["reference"].get("resource") or name], fk)
        for name, read in reads.items()
        for fk in read.resource.descriptor["schema"].get("foreignKeys") or []
        if (fk["reference"].get("resource") or name) in reads
    ]
    # (a table read by a narrower header's fields may lack a referenced field: that key is not checked)
    keys = [
        (read, target, fk)
        for read, target, fk in keys
        if set(_names(fk["reference"]["fields"])) <= {f["name"] for f in target.resource.descriptor["schema"]["fields"]}
    ]
    return [partial(table_problems, read=read, listed=listed) for read in tables] + [
        partial(foreign_key_problems, read=read, target=target, fk=fk, listed=listed)
        for read, target, fk in keys
        if read.checkable and target.checkable
    ]
