"""The study sheet: a new trial (the fourth one, or a later one) in one file, one value per row.

`rhil7 template --new-study STUDY_ID --source SOURCE_ID --condition CONDITION` writes it: a row for every field
of the trial's source document (`sources`), of the trial (`studies`) and of each of its two arms (`arms`), each
row with the provenance columns of `study_provenance` (source_id, location, snippet, method, note). All of it is
derived from the Table Schemas. `rhil7 ingest` reads it (its first column is `record`) and writes the source,
the study, a study_provenance row for every documented characteristic, both arms, and a `coverage` row for every
outcome and time point a published target could pool from the trial (`not_reachable` until the numbers are
extracted with the trial's extraction sheet), then validates, all or nothing, like the extraction sheet.
"""

from __future__ import annotations

from pathlib import Path

from rhil7.validators.cross_rules import PROVENANCE_FIELDS
from rhil7.validators.separator import CODE as SEPARATOR_CODE
from rhil7.validators.separator import separator_found, separator_message

from .core.csv_records import CsvTable
from .loading import read_descriptor
from .sheet import SheetError, field_names, read_csv
from .sheet_staging import IngestResult, SheetProblems, SheetRow, apply_staged

STUDY_SHEET_MARK = "record"
ROLES = ("intervention", "control")
TABLES = ("sources", "studies", "study_provenance", "arms", "coverage")  # referenced tables first
ARM_PROVENANCE = ("source_id", "location", "snippet", "method", "note")


def columns(descriptor: dict) -> list[str]:
    provenance = [f for f in field_names(descriptor, "study_provenance") if f not in ("study_id", "field")]
    return [STUDY_SHEET_MARK, "key", "field", "value", *provenance]


def study_template(package_dir: Path, study_id: str, source_id: str, condition: str) -> tuple[list[str], list[dict]]:
    descriptor = read_descriptor(package_dir)
    _, studies = read_csv(package_dir, "studies")
    if study_id in {s["study_id"] for s in studies}:
        raise SheetError(f"study {study_id!r} is already in tables/studies.csv: use `rhil7 template {study_id}`")
    header = columns(descriptor)
    _, sources = read_csv(package_dir, "sources")
    rows = []
    if source_id not in {s["source_id"] for s in sources}:
        rows += [
            dict(record="source", key=source_id, field=f)
            for f in field_names(descriptor, "sources")
            if f not in ("source_id", "study_id")
        ]
    prefilled = dict(condition=condition, source_id=source_id)
    rows += [
        dict(record="study", key=study_id, field=f, value=prefilled.get(f, ""), source_id=source_id)
        for f in field_names(descriptor, "studies")
        if f != "study_id"
    ]
    for role in ROLES:
        arm_fields = [f for f in field_names(descriptor, "arms") if f not in ("arm_id", "study_id", *ARM_PROVENANCE)]
        rows += [
            dict(
                record=f"{role}_arm",
                key=f"{study_id}_{role}",
                field=f,
                value=role if f == "arm_role" else "",
                source_id=source_id,
            )
            for f in arm_fields
        ]
    return header, [{c: r.get(c, "") for c in header} for r in rows]


def _provenance(row) -> dict:
    return {f: row.values.get(f, "") for f in ARM_PROVENANCE}


def ingest_study_rows(
    package_dir: Path, header: list[str], rows: list[SheetRow], problems: SheetProblems
) -> IngestResult:
    descriptor = read_descriptor(package_dir)
    result = IngestResult()
    if header != columns(descriptor):
        separator = separator_found(header, columns(descriptor))
        problems.add(
            None,
            None,
            SEPARATOR_CODE if separator else "header-mismatch",
            ",".join(columns(descriptor)),
            ",".join(header),
            separator_message(separator, "the study sheet")
            if separator
            else "The study sheet's columns are not those `rhil7 template --new-study` writes.",
        )
        result.problems = problems.items
        return result
    documented = set(
        next(
            f
            for f in next(r for r in descriptor["resources"] if r["name"] == "study_provenance")["schema"]["fields"]
            if f["name"] == "field"
        )["constraints"]["enum"]
    )
    records: dict[str, dict[str, dict]] = {"source": {}, "study": {}, "intervention_arm": {}, "control_arm": {}}
    origin: dict[tuple, object] = {}
    for row in rows:
        kind = row.values[STUDY_SHEET_MARK]
        if kind not in records:
            problems.add(
                row,
                STUDY_SHEET_MARK,
                "constraint-error",
                "one of " + ", ".join(records),
                kind,
                "Each row of a study sheet belongs to the source, the study or one of its arms.",
            )
            continue
        records[kind].setdefault(row.values["key"], {})[row.values["field"]] = row
    if problems.items or len(records["study"]) != 1:
        if not problems.items:
            problems.add(
                None,
                STUDY_SHEET_MARK,
                "constraint-error",
                "the rows of exactly one study",
                ", ".join(records["study"]) or "none",
                "A study sheet adds one trial.",
            )
        result.problems = problems.items
        return result
    ((study_id, study_rows),) = records["study"].items()
    first_row = next(iter(study_rows.values()))

    def edit(tables: dict[str, CsvTable]) -> None:
        for source_id, fields in records["source"].items():
            values = {f: r.values["value"] for f, r in fields.items()}
            tables["sources"].upsert(dict(values, source_id=source_id, study_id=study_id), ["source_id"])
            for f, r in fields.items():
                origin[("sources", source_id, f)] = r
            origin[("sources", source_id, None)] = next(iter(fields.values()))
        study = {f: r.values["value"] for f, r in study_rows.items()}
        tables["studies"].upsert(dict(study, study_id=study_id), ["study_id"])
        for f, r in study_rows.items():
            origin[("studies", study_id, f)] = r
            # a characteristic the validator wants documented, or one the contributor documented anyway
            if (
                f in documented
                and r.values["value"].strip()
                and (f in PROVENANCE_FIELDS or r.values["snippet"].strip())
            ):
                prov = dict(_provenance(r), study_id=study_id, field=f)
                tables["study_provenance"].upsert(prov, ["study_id", "field", "source_id"])
                origin[("study_provenance", f"{study_id}/{f}", None)] = r
        for role in ROLES:
            for arm_id, fields in records[f"{role}_arm"].items():
                documented_row = next(
                    (r for r in fields.values() if r.values["snippet"].strip()), next(iter(fields.values()))
                )
                arm = {f: r.values["value"] for f, r in fields.items()}
                tables["arms"].upsert(
                    dict(arm, **_provenance(documented_row), arm_id=arm_id, study_id=study_id), ["arm_id"]
                )
                for f, r in fields.items():
                    origin[("arms", arm_id, f)] = r
                origin[("arms", arm_id, None)] = documented_row
        published = CsvTable.read(package_dir, "tables/published_results.csv").rows()
        main_source = study.get("source_id", "")
        for target in published:
            if target["subgroup"] not in (study.get("condition"), "all"):
                continue
            key = dict(study_id=study_id, outcome=target["outcome"], timepoint=target["timepoint"])
            if tables["coverage"].find(key) is None:
                detail = (
                    "Added with the trial; its arm-level numbers are not extracted yet "
                    f"(fill the trial's extraction sheet: rhil7 template {study_id})."
                )
                tables["coverage"].upsert(
                    dict(
                        key,
                        status="not_reachable",
                        detail=detail,
                        wanted_source=f"{main_source}: results tables and figures",
                    ),
                    list(key),
                )
                origin[("coverage", "/".join(key.values()), None)] = first_row

    keys = {
        "sources": lambda r: r["source_id"],
        "studies": lambda r: r["study_id"],
        "arms": lambda r: r["arm_id"],
        "study_provenance": lambda r: f"{r['study_id']}/{r['field']}",
        "coverage": lambda r: "/".join((r["study_id"], r["outcome"], r["timepoint"])),
    }

    def locate(name, record, field_):
        if name not in keys:
            return None
        key = keys[name](record)
        return origin.get((name, key, field_)) or origin.get((name, key, None))

    result.problems, result.written = apply_staged(package_dir, TABLES, edit, locate, problems)
    if not result.problems and result.written:
        result.rows = {"studies": {"added": 1, "changed": 0}}
    return result
