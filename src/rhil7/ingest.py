"""Ingest a filled extraction sheet (sheet.py) into the package's tables, all or nothing.

The sheet is checked on its own first (its statuses, reasons and stray values); then its rows are written into a
staged copy of the package (outcome rows added or replaced by row_id, coverage rows flipped, a new source added),
the staged package is validated by the same validator as `rhil7 validate`, and every problem found in a row that
came from the sheet is reported on that sheet row (same code, same field). Only when there is no problem are the
changed tables moved into place, each by an atomic rename; otherwise nothing is written. Ingesting the same sheet
twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from rhil7.core.limits import DEFAULT_LIMITS
from rhil7.core.safe_reader import read_text
from rhil7.validators.separator import CODE as SEPARATOR_CODE
from rhil7.validators.separator import first_label, separator_found, separator_message

from .core.csv_records import CsvTable
from .loading import read_descriptor
from .sheet import COVERAGE_FIELDS, SHEET_STATUSES, SOURCE_PREFIX, SheetLayout, layout
from .sheet_staging import IngestResult, SheetProblems, SheetRow, apply_staged
from .study_sheet import STUDY_SHEET_MARK, ingest_study_rows

CELL = ("study_id", "outcome", "analysis_timepoint")
REQUIRED = ("study_id", "arm_id", "outcome", "analysis_timepoint", "row_id")


def _read_sheet(path: Path) -> tuple[list[str], list[SheetRow]]:
    # the sheet is the user's file, named on the command line (a link to it is fine), but still a regular file
    # within the table size limit: a named pipe would hang, /dev/zero would never end
    path = Path(path).resolve()
    text = read_text(path.parent, path.name, DEFAULT_LIMITS.max_table_bytes, links_allowed=True)
    with io.StringIO(text, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        rows, start = [], reader.line_num + 1
        for values in reader:
            if any(v.strip() for v in values):
                padded = values + [""] * (len(header) - len(values))  # a short row: its missing cells empty
                rows.append(SheetRow(len(rows) + 2, start, dict(zip(header, padded, strict=False))))
            start = reader.line_num + 1
    return header, rows


def _check_sheet(
    header: list[str], rows: list[SheetRow], sheet: SheetLayout, problems: SheetProblems, arm_roles: dict[str, str]
) -> list[SheetRow]:
    """The rows to ingest (status filled); problems of the sheet itself go to ``problems``."""
    if header != sheet.columns:
        separator = separator_found(header, sheet.columns)
        problems.add(
            None,
            None,
            SEPARATOR_CODE if separator else "header-mismatch",
            ",".join(sheet.columns),
            ",".join(header),
            separator_message(separator, "the sheet")
            if separator
            else "The sheet's columns are not those `rhil7 template` writes (from the Table Schemas).",
        )
        return []
    chosen = []
    status_of_cell: dict[tuple, tuple[str, SheetRow]] = {}
    for row in rows:
        v = row.values
        status = v["status"].strip()
        if not status:
            continue
        if status not in SHEET_STATUSES:
            problems.add(
                row,
                "status",
                "constraint-error",
                "extracted, not_reported, or empty to leave the row out",
                status,
                "The status of a sheet row says what to do with it.",
            )
            continue
        missing = [f for f in REQUIRED if not v[f].strip()]
        for f in missing:
            problems.add(row, f, "constraint-error", "a value (required)", "empty", "The sheet row lacks an id.")
        if missing:
            continue
        table = sheet.outcome_table.get(v["outcome"])
        if table is None:
            problems.add(
                row,
                "outcome",
                "constraint-error",
                "one of " + ", ".join(sheet.outcome_table),
                v["outcome"],
                "Unknown outcome.",
            )
            continue
        role = arm_roles.get(v["arm_id"])
        if role is not None and v["arm_role"] and v["arm_role"] != role:
            problems.add(
                row,
                "arm_role",
                "arm-role-mismatch",
                f"{role} (the role of {v['arm_id']} in arms.csv)",
                v["arm_role"],
                "The arm's role does not match its arm_id: is the arm_id the right one?",
            )
        own = set(sheet.outcome_fields[table]) | {"study_id", "arm_id", "arm_role", *COVERAGE_FIELDS}
        values = [c for c in sheet.columns if not c.startswith(SOURCE_PREFIX) and c not in own and v[c].strip()]
        for c in values:
            problems.add(
                row,
                c,
                "value-not-for-outcome",
                f"empty (a {v['outcome']} row fills the fields of {table})",
                v[c],
                f"{c} is not a field of {table}: is the outcome right?",
            )
        if status == "not_reported":
            if not v["detail"].strip():
                problems.add(
                    row,
                    "detail",
                    "missing-reason",
                    "the reason, e.g. 'Table 2 reports no CD8 count'",
                    "empty",
                    "A not_reported row says in detail why the number is not reported.",
                )
        cell = tuple(v[c] for c in CELL)
        if cell in status_of_cell and status_of_cell[cell][0] != status:
            first = status_of_cell[cell][1]
            problems.add(
                row,
                "status",
                "coverage-status-disagrees",
                f"{status_of_cell[cell][0]} (as on row {first.number})",
                status,
                "Both arms of one outcome and time point have one coverage status.",
            )
        status_of_cell.setdefault(cell, (status, row))
        chosen.append(row)
    return chosen


def _detail(rows: list[SheetRow], table: str) -> str:
    given = next((r.values["detail"].strip() for r in rows if r.values["detail"].strip()), "")
    if given or rows[0].values["status"].strip() == "not_reported":
        return given
    ids = ", ".join(r.values["row_id"] for r in rows)
    first = rows[0].values
    return f"Rows in {table}.csv ({ids}), from {first['location']} of {first['source_id']}."


def ingest_sheet(package_dir: Path, sheet_path: Path, sheet_name: str | None = None) -> IngestResult:
    package_dir, sheet_path = Path(package_dir), Path(sheet_path)
    problems = SheetProblems(sheet_name or str(sheet_path))
    header, rows = _read_sheet(sheet_path)
    if first_label(header) == STUDY_SHEET_MARK:  # (a study sheet saved with ';' is told its separator too)
        return ingest_study_rows(package_dir, header, rows, problems)
    descriptor = read_descriptor(package_dir)
    sheet = layout(descriptor)
    arms = CsvTable.read(package_dir, "tables/arms.csv").rows()
    chosen = _check_sheet(header, rows, sheet, problems, {a["arm_id"]: a["arm_role"] for a in arms})
    result = IngestResult()
    if problems.items or not chosen:
        result.problems = problems.items
        return result
    origin: dict[tuple[str, str], SheetRow] = {}  # (table, key) -> the sheet row it came from

    def edit(tables: dict[str, CsvTable]) -> None:
        known = {r["source_id"] for r in tables["sources"].rows()}
        for row in chosen:  # a new source named by the sheet
            v = row.values
            given = {f: v[SOURCE_PREFIX + f] for f in sheet.source_fields if v[SOURCE_PREFIX + f].strip()}
            if v["source_id"] and v["source_id"] not in known and given:
                tables["sources"].upsert(dict(given, source_id=v["source_id"], study_id=v["study_id"]), ["source_id"])
                known.add(v["source_id"])
                origin[("sources", v["source_id"])] = row
        cells: dict[tuple, list[SheetRow]] = {}
        for row in chosen:
            cells.setdefault(tuple(row.values[c] for c in CELL), []).append(row)
            if row.values["status"].strip() != "extracted":
                continue
            table = sheet.outcome_table[row.values["outcome"]]
            record = {
                f: row.values[f].strip() if f != "snippet" else row.values[f] for f in sheet.outcome_fields[table]
            }
            change = tables[table].upsert(record, ["row_id"])
            origin[(table, record["row_id"])] = row
            if change != "same":
                result.rows.setdefault(table, {"added": 0, "changed": 0})[change] += 1
        coverage = tables["coverage"]
        for (study, outcome, timepoint), members in cells.items():
            key = dict(study_id=study, outcome=outcome, timepoint=timepoint)
            index = coverage.find(key)
            old = dict(zip(coverage.header, coverage.records[index], strict=False)) if index is not None else dict(key)
            status, detail = members[0].values["status"].strip(), _detail(members, sheet.outcome_table[outcome])
            if old.get("status") not in (None, status) and old.get("detail"):  # keep what was searched before
                detail = f"{detail} Before ({old['status']}): {old['detail']}"
            elif old.get("status") == status and old.get("detail", "").startswith(detail):
                detail = old["detail"]  # ingested before: unchanged
            new = dict(old, status=status, detail=detail)
            if status == "extracted" and new.get("wanted_source"):
                new["wanted_source"] = ""  # found: no longer wanted
            if coverage.upsert(new, list(key)) != "same":
                result.coverage.append((study, outcome, timepoint, old.get("status", "none"), new["status"]))
            origin[("coverage", "/".join((study, outcome, timepoint)))] = members[0]

    keys = {
        "sources": lambda r: r["source_id"],
        "coverage": lambda r: "/".join((r["study_id"], r["outcome"], r["timepoint"])),
    }

    def locate(name, record, field_):
        return origin.get((name, keys.get(name, lambda r: r.get("row_id", ""))(record)))

    result.problems, result.written = apply_staged(
        package_dir, ("sources", *sheet.outcome_fields, "coverage"), edit, locate, problems
    )
    if result.problems:
        result.rows, result.coverage = {}, []
    return result
