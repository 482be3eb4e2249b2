"""Many faults at once: the validator reports exactly the planted ones, no fewer, no more.

The invalid corpus plants one fault per package; here ten sit in one package, in
different tables and rows, so a fault must neither hide another nor spill over into
reports about cells that are fine. One table gets a blank line above its faults (every
later row number moves by one) and one is saved with a BOM and CRLF line endings.
"""

from __future__ import annotations

import json

from corpus import ARMS, delete_rows, fixture_package, row_number, run_cli, set_cell, table_path
from rhil7.validators.run import validate_package

CONT, DICH = "tables/outcomes_continuous.csv", "tables/outcomes_dichotomous.csv"


def plant_faults(package) -> set[tuple]:
    """Plant the faults; return them as (code, file, row, field)."""
    faults = set()

    def cell(table, where, field, value, code, report_field=None):
        row = set_cell(package, table, where, field, value)
        faults.add((code, f"tables/{table}.csv", row, report_field or field))
        return row

    cell("studies", dict(study_id="daix2023"), "year", "2O23", "type-error")
    cell("sources", dict(source_id="daix2023_pmc"), "accessed", "2026-02-30", "type-error")
    cell("arms", dict(arm_id="shankarhari2025_cyt107"), "label", "", "constraint-error")
    cell("published_results", dict(target_id="sepsis_alc_week4"), "ci_high", "2.25x", "type-error")

    deaths = dict(row_id=f"{ARMS['control']}_mortality")
    set_cell(package, "outcomes_dichotomous", deaths, "snippet", "Deaths by day 90: placebo 7 of 6")
    cell("outcomes_dichotomous", deaths, "events", "7", "events-above-total")

    # outcomes_continuous: two faults, then a blank line above them moves them down one row
    icu = dict(row_id=f"{ARMS['intervention']}_icu_los_icu_stay")
    set_cell(package, "outcomes_continuous", icu, "snippet", "ICU stay, CYT107 (n = 15): median 12 days (IQR 13 to 20)")
    icu_row = set_cell(package, "outcomes_continuous", icu, "q1", "13")
    alc_row = set_cell(package, "outcomes_continuous", dict(row_id=f"{ARMS['control']}_alc_week3"), "mean", "0.88")
    path = table_path(package, "outcomes_continuous")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:1] + ["\n"] + lines[1:]), encoding="utf-8")
    faults |= {
        ("blank-row", CONT, 2, None),
        ("quartiles-out-of-order", CONT, icu_row + 1, "q1"),
        ("number-not-in-snippet", CONT, alc_row + 1, "mean"),
    }

    delete_rows(package, "study_provenance", study_id="francois2018", field="design")
    faults.add(
        ("missing-provenance", "tables/studies.csv", row_number(package, "studies", study_id="francois2018"), "design")
    )
    delete_rows(package, "coverage", study_id="shankarhari2025", outcome="alc", timepoint="day30")
    faults.add(
        (
            "coverage-gap",
            "tables/published_results.csv",
            row_number(package, "published_results", target_id="covid19_alc_day30"),
            "target_id",
        )
    )

    # not a fault: a BOM and Windows line endings
    dich = table_path(package, "outcomes_dichotomous")
    dich.write_bytes(b"\xef\xbb\xbf" + dich.read_bytes().replace(b"\n", b"\r\n"))
    return faults


def test_exactly_the_planted_faults_are_reported(tmp_path):
    package = fixture_package(tmp_path / "pkg")
    planted = plant_faults(package)
    assert len(planted) == 10
    found = {(p.code, p.file, p.row, p.field) for p in validate_package(package)}
    assert found == planted, {"missed": planted - found, "unexpected": found - planted}


def test_the_cli_reports_the_same_set(tmp_path):
    package = fixture_package(tmp_path / "pkg")
    planted = plant_faults(package)
    result = run_cli("validate", str(package), "--format", "json")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    found = {(p["code"], p["file"], p["row"], p["field"]) for p in json.loads(result.stdout)["problems"]}
    assert found == planted
