"""The extraction sheet: one CSV in which a contributor fills a trial's missing outcome numbers.

One row per (arm, outcome, meta-analysis time point) that `coverage` still wants for the study. Its columns
are derived from the Table Schemas of datapackage.json, never listed by hand:

- the arm's ids and role (`arms`),
- every field of `outcomes_continuous` and `outcomes_dichotomous` (a row fills those of its outcome's table),
- `status` and `detail` of `coverage` (`extracted`, or `not_reported` with the reason in `detail`; an empty
  status leaves the row out),
- the fields of `sources` prefixed with `source_` (filled only when `source_id` names a document that is not
  yet in sources.csv: that is how a new source is added).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from .core.limits import DEFAULT_LIMITS
from .core.safe_reader import read_text
from .core.sinks import spreadsheet
from .loading import read_descriptor

OUTCOME_TABLES = ("outcomes_continuous", "outcomes_dichotomous")
LEADING = ("study_id", "arm_id", "arm_role", "outcome", "analysis_timepoint")
COVERAGE_FIELDS = ("status", "detail")
SOURCE_PREFIX = "source_"
# sources fields the sheet does not ask for: the id is the row's source_id, the study is the sheet's
SOURCE_IMPLIED = ("source_id", "study_id")
SHEET_STATUSES = ("extracted", "not_reported")


class SheetError(Exception):
    """The template cannot be made (unknown study or source); a usage error, not a problem in a sheet."""


def _fields(descriptor: dict, name: str) -> list[dict]:
    return next(r for r in descriptor["resources"] if r["name"] == name)["schema"]["fields"]


def field_names(descriptor: dict, name: str) -> list[str]:
    return [f["name"] for f in _fields(descriptor, name)]


@dataclass(frozen=True)
class SheetLayout:
    columns: list[str]
    outcome_fields: dict[str, list[str]]  # table -> its fields
    outcome_table: dict[str, str]  # outcome code -> the table that holds it
    source_fields: list[str]  # sources fields asked for in the sheet (without the prefix)


def layout(descriptor: dict) -> SheetLayout:
    outcome_fields = {t: field_names(descriptor, t) for t in OUTCOME_TABLES}
    columns = list(LEADING)
    for table in OUTCOME_TABLES:
        columns = _merge(columns, [f for f in outcome_fields[table] if f not in LEADING])
    columns += [f for f in COVERAGE_FIELDS if f in field_names(descriptor, "coverage")]
    source_fields = [f for f in field_names(descriptor, "sources") if f not in SOURCE_IMPLIED]
    columns += [SOURCE_PREFIX + f for f in source_fields]
    outcome_table = {}
    for table in OUTCOME_TABLES:
        outcome = next(f for f in _fields(descriptor, table) if f["name"] == "outcome")
        outcome_table.update(dict.fromkeys(outcome["constraints"]["enum"], table))
    return SheetLayout(columns, outcome_fields, outcome_table, source_fields)


def _merge(columns: list[str], fields: list[str]) -> list[str]:
    """``columns`` with the ``fields`` it lacks, each inserted before the next field it shares with them (so a
    table's own value fields sit among the values, before the provenance fields both tables end with)."""
    merged = list(columns)
    pending: list[str] = []
    for name in fields:
        if name in merged:
            at = merged.index(name)
            merged[at:at] = pending
            pending = []
        else:
            pending.append(name)
    return merged + pending


def row_id_for(arm_id: str, outcome: str, timepoint: str) -> str:
    return f"{arm_id}_{outcome}_{timepoint}"


def read_csv(package_dir: Path, table: str) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of the package's ``tables/<table>.csv``, read by the safe reader (a regular file, no
    symbolic link on the way, no named pipe: template never hangs nor reads outside the package)."""
    text = read_text(package_dir, f"tables/{table}.csv", DEFAULT_LIMITS.max_table_bytes)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return list(reader.fieldnames or []), list(reader)


def template_rows(package_dir: Path, study_id: str, source_id: str | None = None) -> tuple[list[str], list[dict]]:
    """The sheet's columns and its rows for ``study_id``: both arms of every coverage cell not yet extracted."""
    descriptor = read_descriptor(package_dir)
    sheet = layout(descriptor)
    _, studies = read_csv(package_dir, "studies")
    if study_id not in {s["study_id"] for s in studies}:
        raise SheetError(f"no study {study_id!r} in tables/studies.csv (add the trial first)")
    _, arms = read_csv(package_dir, "arms")
    arms = [a for a in arms if a["study_id"] == study_id]
    arms.sort(key=lambda a: (a["arm_role"] != "intervention", a["arm_id"]))
    _, coverage = read_csv(package_dir, "coverage")
    wanted = [c for c in coverage if c["study_id"] == study_id and c["status"] != "extracted"]
    rows = []
    for cell in wanted:
        for arm in arms:
            row = dict.fromkeys(sheet.columns, "")
            row.update(
                study_id=study_id,
                arm_id=arm["arm_id"],
                arm_role=arm["arm_role"],
                outcome=cell["outcome"],
                analysis_timepoint=cell["timepoint"],
                timepoint=cell["timepoint"],
                row_id=row_id_for(arm["arm_id"], cell["outcome"], cell["timepoint"]),
                source_id=source_id or "",
            )
            rows.append(row)
    return sheet.columns, rows


def render_sheet(columns: list[str], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows([{k: spreadsheet(v) for k, v in row.items()} for row in rows])  # (a sheet opens in a spreadsheet)
    return out.getvalue()
