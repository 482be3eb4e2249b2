"""One-file contribution: `rhil7 template` writes a trial's extraction sheet, `rhil7 ingest` checks it and writes it
into the tables, all or nothing.

The numbers filled in below are TEST FIXTURE values (labelled so in every row's note and in the source's title),
not trial data; they are written into copies of the 0.1.0 snapshot only.
"""

from __future__ import annotations

import csv
import json

import pytest
from conftest import copy_package, run_cli
from corpus import checksums, edit_descriptor, resource

from rhil7.ingest import ingest_sheet
from rhil7.loading import read_descriptor, read_tables
from rhil7.sheet import layout, template_rows
from rhil7.validators.run import validate_package

FIXTURE = "TEST FIXTURE, not trial data"
SOURCE = dict(
    source_kind="publication",
    source_title=f"Shankar-Hari 2025 full text ({FIXTURE})",
    source_url="https://example.org/test-fixture/shankarhari2025",
    source_accessed="2026-11-30",
    source_reach="full",
)
DEATHS = {"shankarhari2025_cyt107": ("9", "54"), "shankarhari2025_placebo": ("12", "55")}


def deaths_snippet() -> str:
    return "Deaths by day 90: CYT107 9 of 54; placebo 12 of 55"


def read_sheet(path):
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return reader.fieldnames, list(reader)


def write_sheet(path, header, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def fill_mortality(rows: list[dict]) -> None:
    """The contributor's edit: the two mortality rows extracted, the new source described on the first."""
    first = True
    for row in rows:
        if row["outcome"] != "mortality":
            continue
        events, total = DEATHS[row["arm_id"]]
        row.update(
            timepoint="day90",
            timepoint_reported="day 90",
            events=events,
            total=total,
            location="Table 3",
            snippet=deaths_snippet(),
            method="table",
            note=FIXTURE,
            status="extracted",
        )
        if first:
            row.update(SOURCE)
            first = False


@pytest.fixture
def contribution(tmp_path):
    """A copy of the snapshot, its shankarhari2025 sheet written by the CLI and filled by the 'contributor'."""
    package = copy_package(tmp_path / "package")
    sheet = tmp_path / "shankarhari2025.csv"
    made = run_cli(
        "template",
        "shankarhari2025",
        "--source",
        "shankarhari2025_fixture",
        "--out",
        str(sheet),
        "--package",
        str(package),
    )
    assert made.returncode == 0, made.stderr
    header, rows = read_sheet(sheet)
    fill_mortality(rows)
    write_sheet(sheet, header, rows)
    return package, sheet


def test_template_has_both_arms_of_every_wanted_cell_with_ids_and_empty_values(package_copy):
    columns, rows = template_rows(package_copy, "daix2023")
    coverage = read_tables(package_copy, ["coverage"])["coverage"]
    wanted = coverage[(coverage["study_id"] == "daix2023") & (coverage["status"] != "extracted")]
    assert len(rows) == 2 * len(wanted)
    assert {(r["outcome"], r["analysis_timepoint"]) for r in rows} == set(zip(wanted["outcome"], wanted["timepoint"]))
    for row in rows:
        assert row["arm_id"] in {"daix2023_cyt107", "daix2023_placebo"} and row["row_id"].startswith(row["arm_id"])
        for empty in (
            "statistic",
            "n",
            "mean",
            "sd",
            "events",
            "total",
            "unit",
            "location",
            "snippet",
            "method",
            "status",
        ):
            assert row[empty] == "", empty


def test_sheet_columns_come_from_the_table_schemas(package_copy):
    def add_field(descriptor):
        resource(descriptor, "outcomes_continuous")["schema"]["fields"].insert(
            12, {"name": "sem", "type": "number", "description": "a field added to test the sheet's derivation"}
        )

    edit_descriptor(package_copy, add_field)
    columns = layout(read_descriptor(package_copy)).columns
    assert "sem" in columns and columns.index("sem") == columns.index("se") + 1
    descriptor = read_descriptor(package_copy)
    for name in ("outcomes_continuous", "outcomes_dichotomous"):
        assert {f["name"] for f in resource(descriptor, name)["schema"]["fields"]} <= set(columns)
    assert {"status", "detail", "source_title", "source_url", "source_reach"} <= set(columns)


def test_template_refuses_an_unknown_study(package_copy):
    out = run_cli("template", "nosuchtrial", "--package", str(package_copy))
    assert out.returncode == 2 and "nosuchtrial" in out.stderr and "Traceback" not in out.stderr


def test_ingest_writes_rows_flips_coverage_adds_the_source_and_only_those_files(contribution):
    package, sheet = contribution
    before = checksums(package)
    out = run_cli("ingest", str(sheet), "--package", str(package))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "coverage: shankarhari2025 mortality end_of_study: not_reachable -> extracted" in out.stdout
    after = checksums(package)
    assert {f for f in after if after[f] != before.get(f)} == {
        "tables/sources.csv",
        "tables/outcomes_dichotomous.csv",
        "tables/coverage.csv",
    }
    assert validate_package(package) == []
    tables = read_tables(package)
    deaths = tables["outcomes_dichotomous"].set_index("row_id")
    assert deaths.loc["shankarhari2025_cyt107_mortality_end_of_study", ["events", "total"]].tolist() == [9, 54]
    assert deaths.loc["shankarhari2025_placebo_mortality_end_of_study", "analysis_timepoint"] == "end_of_study"
    assert tables["sources"].set_index("source_id").at["shankarhari2025_fixture", "reach"] == "full"


def test_ingest_is_idempotent(contribution):
    package, sheet = contribution
    assert ingest_sheet(package, sheet).written
    once = checksums(package)
    again = ingest_sheet(package, sheet)
    assert again.ok and again.written == [] and checksums(package) == once


def test_diff_reports_exactly_the_added_rows_and_the_moved_targets(contribution, tmp_path):
    package, sheet = contribution
    original = copy_package(tmp_path / "original")
    assert ingest_sheet(package, sheet).ok
    diff = run_cli("diff", str(original), str(package), "--format", "json")
    assert diff.returncode == 0, diff.stderr
    body = json.loads(diff.stdout)
    added = {name: [r["key"] for r in t["added"]] for name, t in body["tables"].items() if t["added"]}
    assert added == {
        "sources": [{"source_id": "shankarhari2025_fixture"}],
        "outcomes_dichotomous": [
            {"row_id": "shankarhari2025_cyt107_mortality_end_of_study"},
            {"row_id": "shankarhari2025_placebo_mortality_end_of_study"},
        ],
    }
    changed = {name: [r["key"] for r in t["changed"]] for name, t in body["tables"].items() if t["changed"]}
    assert changed == {
        "coverage": [{"study_id": "shankarhari2025", "outcome": "mortality", "timepoint": "end_of_study"}]
    }
    assert not any(t["removed"] for t in body["tables"].values())
    statuses = {r["target_id"]: (r["old"]["status"], r["new"]["status"]) for r in body["reproduction"]}
    moved = {t for t, (old, new) in statuses.items() if old != new}
    assert moved == {"covid19_mortality"} and statuses["covid19_mortality"][0] == "not_computable"
    # the combined target gains an input but still lacks the sepsis trials: reported, still not computable
    assert set(statuses) == {"covid19_mortality", "all_mortality"}
    assert statuses["all_mortality"] == ("not_computable", "not_computable")


def test_a_mistaken_sheet_is_reported_on_its_rows_and_nothing_is_written(contribution):
    package, sheet = contribution
    header, rows = read_sheet(sheet)
    cyt = next(i for i, r in enumerate(rows) if r["arm_id"] == "shankarhari2025_cyt107" and r["outcome"] == "mortality")
    rows[cyt]["events"] = "60"  # above its total of 54, and not in the snippet
    write_sheet(sheet, header, rows)
    before = checksums(package)
    result = ingest_sheet(package, sheet, "sheet.csv")
    found = {(p.code, p.file, p.row, p.field) for p in result.problems}
    assert ("events-above-total", "sheet.csv", cyt + 2, "events") in found
    assert ("number-not-in-snippet", "sheet.csv", cyt + 2, "events") in found
    assert checksums(package) == before and not [p for p in package.iterdir() if p.name.startswith(".rhil7-")]
    out = run_cli("ingest", str(sheet), "--package", str(package))
    assert out.returncode == 1 and f"row {cyt + 2}, field events: [events-above-total]" in out.stdout
    assert "Traceback" not in out.stderr


def test_not_reported_needs_its_reason_and_flips_coverage(contribution):
    package, sheet = contribution
    header, rows = read_sheet(sheet)
    cd8 = [r for r in rows if r["outcome"] == "alc" and r["analysis_timepoint"] == "day30"]
    for r in cd8:
        r["status"] = "not_reported"
    write_sheet(sheet, header, rows)
    result = ingest_sheet(package, sheet, "sheet.csv")
    assert {(p.code, p.field) for p in result.problems} == {("missing-reason", "detail")}
    for r in cd8:
        r["detail"] = f"{FIXTURE}: the full text reports ALC at day 28 only"
    write_sheet(sheet, header, rows)
    assert ingest_sheet(package, sheet).ok
    coverage = read_tables(package, ["coverage"])["coverage"].set_index(["study_id", "outcome", "timepoint"])
    assert coverage.at[("shankarhari2025", "alc", "day30"), "status"] == "not_reported"
    assert FIXTURE in coverage.at[("shankarhari2025", "alc", "day30"), "detail"]


def test_values_of_the_wrong_table_and_unknown_status_are_sheet_problems(contribution):
    package, sheet = contribution
    header, rows = read_sheet(sheet)
    mortality = next(i for i, r in enumerate(rows) if r["outcome"] == "mortality")
    rows[mortality]["mean"] = "1.2"
    alc = next(i for i, r in enumerate(rows) if r["outcome"] == "alc")
    rows[alc]["status"] = "done"
    write_sheet(sheet, header, rows)
    result = ingest_sheet(package, sheet, "sheet.csv")
    assert {(p.code, p.row, p.field) for p in result.problems} == {
        ("value-not-for-outcome", mortality + 2, "mean"),
        ("constraint-error", alc + 2, "status"),
    }


# ------------------------------------------------------------------ a new trial from a study sheet

NEW_STUDY = {
    ("source", "kind"): "publication",
    ("source", "title"): f"A fixture trial of CYT107 ({FIXTURE})",
    ("source", "url"): "https://example.org/test-fixture/fixture2026",
    ("source", "accessed"): "2026-11-30",
    ("source", "reach"): "full",
    ("study", "short_citation"): "Fixture A et al. Test J 2026",
    ("study", "title"): f"A fixture trial ({FIXTURE})",
    ("study", "year"): "2026",
    ("study", "identification"): f"{FIXTURE}: added to test the study sheet",
    ("study", "n_randomized"): ("40", "Forty patients were randomized (20 CYT107, 20 placebo)."),
    ("intervention_arm", "label"): "CYT107",
    ("control_arm", "label"): "placebo",
    ("intervention_arm", "n_randomized"): ("20", "Forty patients were randomized (20 CYT107, 20 placebo)."),
    ("control_arm", "n_randomized"): ("20", "Forty patients were randomized (20 CYT107, 20 placebo)."),
}


def test_a_new_trial_from_a_study_sheet_then_its_extraction_sheet(package_copy, tmp_path):
    sheet = tmp_path / "fixture2026.csv"
    made = run_cli(
        "template",
        "fixture2026",
        "--new-study",
        "--source",
        "fixture2026_pub",
        "--condition",
        "covid19",
        "--out",
        str(sheet),
        "--package",
        str(package_copy),
    )
    assert made.returncode == 0, made.stderr
    header, rows = read_sheet(sheet)
    assert header == ["record", "key", "field", "value", "source_id", "location", "snippet", "method", "note"]
    for row in rows:
        given = NEW_STUDY.get((row["record"], row["field"]))
        if given is None:
            continue
        value, snippet = given if isinstance(given, tuple) else (given, "")
        row["value"] = value
        if snippet:
            row.update(snippet=snippet, location="Abstract, Methods", method="text")
    write_sheet(sheet, header, rows)
    before = checksums(package_copy)
    out = run_cli("ingest", str(sheet), "--package", str(package_copy))
    assert out.returncode == 0, out.stdout + out.stderr
    after = checksums(package_copy)
    assert {f for f in after if after[f] != before.get(f)} == {
        "tables/sources.csv",
        "tables/studies.csv",
        "tables/study_provenance.csv",
        "tables/arms.csv",
        "tables/coverage.csv",
    }
    assert validate_package(package_copy) == []
    tables = read_tables(package_copy)
    assert tables["studies"].set_index("study_id").at["fixture2026", "n_randomized"] == 40
    coverage = tables["coverage"]
    added = coverage[coverage["study_id"] == "fixture2026"]
    published = tables["published_results"]
    assert (
        len(added)
        == len(published[published["subgroup"].isin(["covid19", "all"])][["outcome", "timepoint"]].drop_duplicates())
        and (added["status"] == "not_reachable").all()
    )
    again = ingest_sheet(package_copy, sheet)
    assert again.ok and again.written == [] and checksums(package_copy) == after
    # the new trial's numbers then go through its extraction sheet, like any other trial's
    _, outcome_rows = template_rows(package_copy, "fixture2026")
    assert len(outcome_rows) == 2 * len(added)


def test_a_study_sheet_with_a_number_missing_from_its_snippet_points_at_its_row(package_copy, tmp_path):
    sheet = tmp_path / "fixture2026.csv"
    assert (
        run_cli(
            "template",
            "fixture2026",
            "--new-study",
            "--source",
            "fixture2026_pub",
            "--condition",
            "covid19",
            "--out",
            str(sheet),
            "--package",
            str(package_copy),
        ).returncode
        == 0
    )
    header, rows = read_sheet(sheet)
    for row in rows:
        given = NEW_STUDY.get((row["record"], row["field"]))
        if given is not None:
            value, snippet = given if isinstance(given, tuple) else (given, "")
            row.update(
                value=value, snippet=snippet, location="Abstract" if snippet else "", method="text" if snippet else ""
            )
    wrong = next(i for i, r in enumerate(rows) if r["record"] == "study" and r["field"] == "n_randomized")
    rows[wrong]["value"] = "41"
    write_sheet(sheet, header, rows)
    before = checksums(package_copy)
    result = ingest_sheet(package_copy, sheet, "fixture2026.csv")
    found = {(p.code, p.file, p.row) for p in result.problems}
    assert ("number-not-in-snippet", "fixture2026.csv", wrong + 2) in found
    assert checksums(package_copy) == before
