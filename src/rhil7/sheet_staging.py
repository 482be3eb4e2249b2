"""Writing a sheet into the package all or nothing, shared by the extraction sheet (ingest.py) and the study sheet
(study_sheet.py): the package staged in a copy inside it, the sheet's edit applied there, the copy validated like
`rhil7 validate`, the problems of rows that came from the sheet moved onto their sheet row, and only a valid result
moved into place, one atomic rename per table. (Its own module so that ingest.py, which hands a study sheet to
study_sheet.py, and study_sheet.py, which writes through this, import each other in neither direction.)
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rhil7.core.limits import DEFAULT_LIMITS
from rhil7.core.problems import Problem
from rhil7.core.safe_reader import UnreadableInput, plain_relative_path, read_bytes
from rhil7.validators.run import validate_package

from .core.csv_records import CsvTable
from .loading import read_descriptor
from .sheet import COVERAGE_FIELDS, SOURCE_PREFIX


@dataclass
class IngestResult:
    problems: list[Problem] = field(default_factory=list)
    rows: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> {"added": n, "changed": n}
    coverage: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # study, outcome, tp, old, new
    written: list[str] = field(default_factory=list)  # the package files replaced

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class SheetRow:
    number: int  # the record number in the sheet, header = 1 (as validators number rows)
    line: int  # the physical line where it starts
    values: dict[str, str]


class SheetProblems:
    def __init__(self, sheet_name: str):
        self.sheet_name, self.items = sheet_name, []

    def add(self, row: SheetRow | None, field_: str | None, code: str, expected: str, found: str, message: str) -> None:
        self.items.append(
            Problem(
                self.sheet_name,
                row.number if row else 1,
                field_,
                code,
                expected,
                found,
                message,
                "sheet",
                line=row.line if row else 1,
            )
        )


def apply_staged(
    package_dir: Path, names: tuple[str, ...], edit, locate, problems: SheetProblems
) -> tuple[list[Problem], list[str]]:
    """Copy the package to a staging directory inside it, let ``edit`` change the tables ``names`` (CsvTables),
    validate the staged package and, when valid, move the changed tables into place (in the order of
    ``names``: referenced tables first). Returns (problems, files written); nothing is written on a problem.
    ``locate(table, record, field)`` names the sheet row a staged record came from (None: not from the sheet)."""
    _refuse_linked_tables(package_dir)
    staging = Path(tempfile.mkdtemp(prefix=".rhil7-ingest-", dir=package_dir))
    try:
        stage_package(package_dir, staging)
        tables = {name: CsvTable.read(staging, f"tables/{name}.csv") for name in names}
        edit(tables)
        changed = [name for name in names if tables[name].changed]
        if not changed:
            return problems.items, []  # everything already in the package: nothing to write
        for name in changed:
            tables[name].write(staging, f"tables/{name}.csv")
        found = _on_sheet(validate_package(staging), tables, locate, problems)
        if found:
            return found, []
        _refuse_linked_tables(package_dir)  # (again: nothing is written through a link made meanwhile)
        for name in changed:
            os.replace(staging / "tables" / f"{name}.csv", package_dir / "tables" / f"{name}.csv")
        return [], [f"tables/{name}.csv" for name in changed]
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _refuse_linked_tables(package_dir: Path) -> None:
    """``tables/`` is a real directory of the package: a rename into a linked one would write outside it."""
    info = os.lstat(package_dir / "tables")
    if not stat.S_ISDIR(info.st_mode):
        raise UnreadableInput(
            f"{package_dir / 'tables'}: a symbolic link or not a directory; ingest writes only into "
            "the package's own tables/ directory"
        )


def stage_package(package_dir: Path, staging: Path) -> None:
    """The descriptor and the tables it names, copied into ``staging`` through the safe reader (a regular file each,
    no link followed, no named pipe or device read); a path the reader refuses is left out (validating the staged
    package reports it)."""
    descriptor = read_bytes(package_dir, "datapackage.json", DEFAULT_LIMITS.max_descriptor_bytes)
    (staging / "datapackage.json").write_bytes(descriptor)
    (staging / "tables").mkdir()
    for resource in read_descriptor(package_dir)["resources"]:
        path = resource.get("path") if isinstance(resource, dict) else None
        if not plain_relative_path(path) or not path.startswith("tables/") or path.count("/") != 1:
            continue
        try:
            data = read_bytes(package_dir, path, DEFAULT_LIMITS.max_table_bytes)
        except UnreadableInput:
            continue
        (staging / path).write_bytes(data)


def _on_sheet(found: list[Problem], tables: dict[str, CsvTable], locate, problems: SheetProblems) -> list[Problem]:
    """The staged package's problems, those in rows that came from the sheet moved onto their sheet row."""
    moved = []
    for p in found:
        name = p.file.removeprefix("tables/").removesuffix(".csv")
        row = None
        if name in tables and p.row is not None and p.row >= 2 and p.row - 2 < len(tables[name].records):
            row = locate(name, dict(zip(tables[name].header, tables[name].records[p.row - 2], strict=False)), p.field)
        if row is None:
            moved.append(p)
            continue
        field_ = p.field
        if name == "sources" and field_ not in (None, "source_id") and SOURCE_PREFIX + field_ in row.values:
            field_ = SOURCE_PREFIX + field_
        elif name == "coverage" and field_ not in COVERAGE_FIELDS and "status" in row.values:
            field_ = "status"
        moved.append(
            Problem(
                problems.sheet_name, row.number, field_, p.code, p.expected, p.found, p.message, p.stage, line=row.line
            )
        )
    return problems.items + moved
