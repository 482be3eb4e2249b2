"""A corpus of invalid contributions: each is the real package plus one small change.

Every case states the exact problems the validator must report, as (code, file, row, field):
a contributor reading the report must be able to go to that cell. Each case is run twice:
through ``validate_package`` (in process) and through the installed ``rhil7`` CLI (exit code,
JSON output, no traceback). Cases that break the descriptor itself are unreadable (exit 2).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from corpus import (
    ARMS,
    ROOT,
    STUDY,
    append_rows,
    checksums,
    delete_rows,
    edit_descriptor,  # noqa: F401
    fixture_package,
    network_calls,
    read_rows,
    resource,
    row_number,
    run_cli,
    set_cell,
    table_path,
    write_rows,
)
from rhil7.core.limits import Limits
from rhil7.core.problem_catalogue import CATALOGUE
from rhil7.validators.run import validate_package
from rhil7.core.safe_reader import UnreadableInput

ALC_CYT = dict(row_id=f"{ARMS['intervention']}_alc_week3")
ALC_PLA = dict(row_id=f"{ARMS['control']}_alc_week3")
ICU_CYT = dict(row_id=f"{ARMS['intervention']}_icu_los_icu_stay")
DEATHS_CYT = dict(row_id=f"{ARMS['intervention']}_mortality")
DEATHS_PLA = dict(row_id=f"{ARMS['control']}_mortality")
CONT, DICH = "tables/outcomes_continuous.csv", "tables/outcomes_dichotomous.csv"
ARMS_CSV, STUDIES_CSV, COVERAGE_CSV = "tables/arms.csv", "tables/studies.csv", "tables/coverage.csv"
OPEN_CSV = "tables/open_questions.csv"
PROV_CSV, SOURCES_CSV, PUBLISHED_CSV = (
    "tables/study_provenance.csv",
    "tables/sources.csv",
    "tables/published_results.csv",
)


@dataclass
class Case:
    """One invalid contribution. ``change`` edits the copy and returns the expected problems."""

    id: str
    change: Callable[[Path], set[tuple]]
    limits: Limits = field(default_factory=Limits)
    cli_args: tuple[str, ...] = ()
    unreadable: bool = False  # the descriptor itself cannot be read: exit 2, message on stderr


CASES: list[Case] = []


def case(id: str, **kwargs):
    def register(change):
        CASES.append(Case(id, change, **kwargs))
        return change

    return register


def _set(p, table, where, field, value, code, csv_path=None):
    row = set_cell(p, table, where, field, value)
    return {(code, csv_path or f"tables/{table}.csv", row, field)}


# ------------------------------------------------------------------ structure: types, constraints, keys


@case("type-error-year")
def _(p):
    return _set(p, "studies", dict(study_id=STUDY), "year", "2O23", "type-error")


@case("type-error-number")
def _(p):
    return _set(p, "outcomes_continuous", ALC_CYT, "mean", "1.2.0", "type-error")


@case("type-error-date")
def _(p):
    return _set(p, "sources", dict(source_id="daix2023_pmc"), "accessed", "27/11/2026", "type-error")


@case("missing-required-label")
def _(p):
    return _set(p, "arms", dict(arm_id=ARMS["control"]), "label", "", "constraint-error")


@case("missing-required-events")
def _(p):
    return _set(p, "outcomes_dichotomous", DEATHS_PLA, "events", "", "constraint-error")


@case("negative-events")
def _(p):
    return _set(p, "outcomes_dichotomous", DEATHS_CYT, "events", "-2", "constraint-error")


@case("negative-n-analysed")
def _(p):
    return _set(p, "arms", dict(arm_id=ARMS["control"]), "n_analysed", "-1", "constraint-error")


@case("negative-sd")
def _(p):
    return _set(p, "outcomes_continuous", ALC_PLA, "sd", "-0.3", "constraint-error")


@case("unknown-outcome-code")
def _(p):
    # a consequence, and true: coverage says ALC at week 3 is extracted, and now only one arm has an ALC row
    return _set(p, "outcomes_continuous", ALC_CYT, "outcome", "lymphocytes", "constraint-error") | {
        (
            "extracted-without-rows",
            COVERAGE_CSV,
            row_number(p, "coverage", study_id=STUDY, outcome="alc", timepoint="week3"),
            "status",
        )
    }


@case("unknown-unit-code")
def _(p):
    return _set(p, "outcomes_continuous", ALC_CYT, "unit", "G/L", "constraint-error")


@case("bad-timepoint-code")
def _(p):
    return _set(p, "outcomes_dichotomous", DEATHS_CYT, "timepoint", "90 days", "constraint-error")


@case("snippet-too-long")
def _(p):
    return _set(
        p,
        "arms",
        dict(arm_id=ARMS["control"]),
        "snippet",
        "Twenty-one patients were enrolled (fifteen CYT107 group, six placebo group). " + "x" * 600,
        "constraint-error",
    )


@case("duplicate-primary-key")
def _(p):
    header, rows = read_rows(p, "arms")
    rows.append(dict(rows[-1]))
    write_rows(p, "arms", header, rows)
    return {("primary-key", ARMS_CSV, len(rows) + 1, "arm_id")}


@case("duplicate-composite-key")
def _(p):
    header, rows = read_rows(p, "coverage")
    rows.append(dict(rows[0], detail="a second opinion on the same cell"))
    write_rows(p, "coverage", header, rows)
    return {("primary-key", COVERAGE_CSV, len(rows) + 1, "study_id,outcome,timepoint")}


@case("orphan-arm-foreign-key")
def _(p):
    # the coverage row of this outcome cannot be checked for both arms while the arm is unknown: not reported
    return _set(p, "outcomes_dichotomous", DEATHS_PLA, "arm_id", "daix2023_ghost", "foreign-key")


@case("orphan-source-foreign-key")
def _(p):
    return _set(p, "studies", dict(study_id=STUDY), "source_id", "daix2023_lancet", "foreign-key")


# ------------------------------------------------------------------ structure: header and CSV syntax


@case("renamed-header")
def _(p):
    path = table_path(p, "arms")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("n_randomized", "n_randomised", 1), encoding="utf-8")
    return {("incorrect-label", ARMS_CSV, 1, "n_randomized")}


@case("missing-header")
def _(p):
    path = table_path(p, "outcomes_dichotomous")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[1:]), encoding="utf-8")
    return {("incorrect-label", DICH, 1, None)}


@case("dropped-column")
def _(p):
    header, rows = read_rows(p, "outcomes_dichotomous")
    header.remove("note")
    write_rows(p, "outcomes_dichotomous", header, [{k: r[k] for k in header} for r in rows])
    return {("missing-label", DICH, 1, "note")}


@case("extra-column")
def _(p):
    header, rows = read_rows(p, "outcomes_dichotomous")
    write_rows(p, "outcomes_dichotomous", header + ["risk_ratio"], [dict(r, risk_ratio="0.8") for r in rows])
    return {("extra-label", DICH, 1, "risk_ratio")}


@case("quote-closed-mid-field")
def _(p):
    path = table_path(p, "arms")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = row_number(p, "arms", arm_id=ARMS["control"])
    lines[number - 1] = lines[number - 1].replace('"Abstract, Results"', '"Abstract, Results', 1)
    path.write_text("".join(lines), encoding="utf-8")
    return {("malformed-csv", ARMS_CSV, number, "location")}


@case("quote-never-closed")
def _(p):
    path = table_path(p, "outcomes_dichotomous")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(i for i, line in enumerate(lines) if "Table 2 (hypothetical)" in line)  # the first fixture row
    lines[i] = lines[i].replace("Table 2 (hypothetical)", '"Table 2 (hypothetical)', 1)
    path.write_text("".join(lines), encoding="utf-8")
    return {("malformed-csv", DICH, i + 1, "location")}


@case("quote-inside-unquoted-field")
def _(p):
    return {
        ("malformed-csv", CONT, _raw_replace(p, "outcomes_continuous", "1.20 (SD 0.50)", '1.20 ("SD" 0.50)'), "snippet")
    }


def _raw_replace(p: Path, table: str, old: str, new: str) -> int:
    """Edit the file's text as a hand edit would (no re-quoting); returns the row number of the edit."""
    path = table_path(p, table)
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1  # these tables have no multi-line cells


@case("blank-line")
def _(p):
    # frictionless counts the blank line as a row; the semantic stage must count it too
    path = table_path(p, "outcomes_dichotomous")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:2] + ["\n"] + lines[2:]), encoding="utf-8")
    return {("blank-row", DICH, 3, None)}


@case("only-commas")
def _(p):
    # a record of empty cells is a blank row for frictionless too, not eight missing values
    path = table_path(p, "arms")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:2] + ["," * lines[0].count(",") + "\n"] + lines[2:]), encoding="utf-8")
    return {("blank-row", ARMS_CSV, 3, None)}


@case("only-commas-before-a-later-fault")
def _(p):
    # the blank record is dropped from the table the checks read: later rows keep their record numbers
    last = read_rows(p, "sources")[1][-1]["source_id"]
    row = set_cell(p, "sources", {"source_id": last}, "reach", "rumour")
    path = table_path(p, "sources")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:2] + ["," * lines[0].count(",") + "\n"] + lines[2:]), encoding="utf-8")
    return {("blank-row", SOURCES_CSV, 3, None), ("constraint-error", SOURCES_CSV, row + 1, "reach")}


@case("cells-spanning-lines-a-blank-line-and-faults")
def _(p):
    # quoted line breaks (one an empty line inside a cell, not a blank row), a blank line and a rejected record:
    # row numbers count records, as frictionless counts them, not lines
    header, rows = read_rows(p, "study_provenance")
    rows[0]["snippet"] = "first line\n\nthird line of one cell"
    rows[3]["method"] = "hearsay"
    lines = []
    for i, row in enumerate(rows):
        lines.append(_csv_line([row[h] for h in header] + (["surplus"] if i == 5 else [])))
        if i == 1:
            lines.append("\n")
    table_path(p, "study_provenance").write_text(_csv_line(header) + "".join(lines), encoding="utf-8")
    # records: the header 1, rows[i] i + 2, the blank line 4, so rows[3] is 6 and rows[5] is 8
    return {
        ("blank-row", PROV_CSV, 4, None),
        ("constraint-error", PROV_CSV, 6, "method"),
        ("extra-cell", PROV_CSV, 8, None),
    }


def _csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


@case("extra-cell")
def _(p):
    path = table_path(p, "outcomes_dichotomous")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[-1] = lines[-1].rstrip("\n") + ",surplus\n"
    path.write_text("".join(lines), encoding="utf-8")
    return {("extra-cell", DICH, len(lines), None)}


# ------------------------------------------------------------------ semantic: rules within a row

# In the rule cases the snippet is changed with the value (a misprint in the source itself):
# the rule must catch what the snippet check cannot.


@case("events-above-total")
def _(p):
    set_cell(p, "outcomes_dichotomous", DEATHS_PLA, "snippet", "Deaths by day 90: placebo 7 of 6")
    return _set(p, "outcomes_dichotomous", DEATHS_PLA, "events", "7", "events-above-total")


@case("sd-zero")
def _(p):
    set_cell(p, "outcomes_continuous", ALC_PLA, "snippet", "ALC at day 21, placebo (n = 6): 0.80 (SD 0)")
    return _set(p, "outcomes_continuous", ALC_PLA, "sd", "0", "sd-not-positive")


@case("se-zero")
def _(p):
    set_cell(p, "outcomes_continuous", ALC_PLA, "snippet", "ALC at day 21, placebo (n = 6): 0.80 (SE 0)")
    set_cell(p, "outcomes_continuous", ALC_PLA, "statistic", "mean_se")
    set_cell(p, "outcomes_continuous", ALC_PLA, "sd", "")
    return _set(p, "outcomes_continuous", ALC_PLA, "se", "0", "se-not-positive")


@case("q1-above-median")
def _(p):
    set_cell(p, "outcomes_continuous", ICU_CYT, "snippet", "ICU stay, CYT107 (n = 15): median 12 days (IQR 13 to 20)")
    return _set(p, "outcomes_continuous", ICU_CYT, "q1", "13", "quartiles-out-of-order")


@case("iqr-width-zero")
def _(p):
    set_cell(p, "outcomes_continuous", ICU_CYT, "snippet", "ICU stay, CYT107 (n = 15): median 12 days (IQR 12 to 12)")
    set_cell(p, "outcomes_continuous", ICU_CYT, "q1", "12")
    row = set_cell(p, "outcomes_continuous", ICU_CYT, "q3", "12")
    return {("iqr-width-not-positive", CONT, row, "q1")}


@case("statistic-without-its-values")
def _(p):
    return _set(p, "outcomes_continuous", ALC_CYT, "statistic", "mean_se", "statistic-fields")


@case("unit-not-for-outcome")
def _(p):
    return _set(p, "outcomes_continuous", ALC_CYT, "unit", "days", "unit-not-for-outcome")


@case("analysed-above-randomized")
def _(p):
    return _set(p, "arms", dict(arm_id=ARMS["control"]), "n_analysed", "8", "analysed-above-randomized")


@case("ci-excludes-estimate")
def _(p):
    set_cell(
        p,
        "published_results",
        dict(target_id="sepsis_alc_week3"),
        "snippet",
        "MD = 3.33 at 3 weeks; 95% CI [0.29, 2.38]",
    )
    return _set(p, "published_results", dict(target_id="sepsis_alc_week3"), "estimate", "3.33", "ci-excludes-estimate")


# ------------------------------------------------------------------ semantic: rules across rows and tables


@case("arms-do-not-add-up")
def _(p):
    arm = dict(arm_id=ARMS["intervention"])
    set_cell(p, "arms", arm, "n_randomized", "16")
    set_cell(p, "arms", arm, "snippet", "Twenty-one patients were enrolled (sixteen CYT107 group, six placebo group).")
    return {("arms-do-not-add-up", STUDIES_CSV, row_number(p, "studies", study_id=STUDY), "n_randomized")}


@case("arm-counts-swapped")
def _(p):
    # 15 + 6 still add up to 21, and the shared snippet holds both numbers, so neither the sum nor the
    # snippet check can see the swap; the outcome rows' own n and total (15 > 6) do.
    set_cell(p, "arms", dict(arm_id=ARMS["control"]), "n_randomized", "15")
    set_cell(p, "arms", dict(arm_id=ARMS["intervention"]), "n_randomized", "6")
    fixture_rows = {
        ("more-than-randomized", CONT, row_number(p, "outcomes_continuous", row_id=f"{ARMS['intervention']}_{o}"), "n")
        for o in ("alc_week3", "icu_los_icu_stay")
    } | {("more-than-randomized", DICH, row_number(p, "outcomes_dichotomous", **DEATHS_CYT), "total")}
    # and any row of the real package on that arm that counts more than 6
    real_rows = {
        ("more-than-randomized", f"tables/{table}.csv", row_number(p, table, row_id=r["row_id"]), count)
        for table, count in (("outcomes_continuous", "n"), ("outcomes_dichotomous", "total"))
        for r in read_rows(p, table)[1]
        if r["arm_id"] == ARMS["intervention"] and r[count] and int(r[count]) > 6
    }
    return fixture_rows | real_rows


@case("number-not-in-snippet")
def _(p):
    return _set(p, "outcomes_continuous", ALC_CYT, "mean", "1.02", "number-not-in-snippet")


@case("provenance-snippet-lacks-study-number")
def _(p):
    set_cell(p, "studies", dict(study_id=STUDY), "follow_up_days", "91")
    return {
        (
            "number-not-in-snippet",
            PROV_CSV,
            row_number(p, "study_provenance", study_id=STUDY, field="follow_up_days"),
            "snippet",
        )
    }


@case("missing-provenance")
def _(p):
    delete_rows(p, "study_provenance", study_id=STUDY, field="route")
    return {("missing-provenance", STUDIES_CSV, row_number(p, "studies", study_id=STUDY), "route")}


@case("missing-control-arm")
def _(p):
    delete_rows(p, "arms", arm_id="shankarhari2025_placebo")
    return {("missing-arm", STUDIES_CSV, row_number(p, "studies", study_id="shankarhari2025"), "study_id")}


@case("duplicate-outcome-row")
def _(p):
    _, rows = read_rows(p, "outcomes_continuous")
    twin = dict(next(r for r in rows if r["row_id"] == ALC_CYT["row_id"]), row_id="daix2023_cyt107_alc_day21")
    (row,) = append_rows(p, "outcomes_continuous", [twin])
    return {("duplicate-outcome-row", CONT, row, "row_id")}


@case("arm-of-other-study")
def _(p):
    return _set(p, "outcomes_dichotomous", DEATHS_PLA, "arm_id", "francois2018_placebo", "arm-of-other-study")


@case("more-than-randomized")
def _(p):
    set_cell(p, "outcomes_dichotomous", DEATHS_PLA, "total", "8")
    row = set_cell(p, "outcomes_dichotomous", DEATHS_PLA, "snippet", "Deaths by day 90: placebo 1 of 8")
    return {("more-than-randomized", DICH, row, "total")}


@case("timepoint-after-follow-up")
def _(p):
    row = set_cell(p, "outcomes_dichotomous", DEATHS_CYT, "timepoint", "day120")
    set_cell(p, "outcomes_dichotomous", DEATHS_CYT, "timepoint_reported", "day 120")
    return {("timepoint-after-follow-up", DICH, row, "timepoint")}


@case("row-without-coverage")
def _(p):
    row = set_cell(p, "outcomes_continuous", ALC_CYT, "analysis_timepoint", "week4")
    return {
        ("missing-coverage", CONT, row, "analysis_timepoint"),
        (
            "extracted-without-rows",
            COVERAGE_CSV,
            row_number(p, "coverage", study_id=STUDY, outcome="alc", timepoint="week3"),
            "status",
        ),
    }


@case("extracted-without-rows")
def _(p):
    return _set(
        p,
        "coverage",
        dict(study_id=STUDY, outcome="cd4", timepoint="week3"),
        "status",
        "extracted",
        "extracted-without-rows",
        COVERAGE_CSV,
    )


@case("coverage-gap")
def _(p):
    # two published targets (sepsis and all, ALC week 4) could pool daix2023: each names the gap
    delete_rows(p, "coverage", study_id=STUDY, outcome="alc", timepoint="week4")
    return {
        ("coverage-gap", PUBLISHED_CSV, row_number(p, "published_results", target_id=t), "target_id")
        for t in ("sepsis_alc_week4", "all_alc_week4")
    }


# ------------------------------------------------------------------ untrusted input: files and paths


def _point(p: Path, table: str, path_value: str) -> None:
    edit_descriptor(p, lambda d: resource(d, table).__setitem__("path", path_value))


@case("remote-schema")
def _(p):
    edit_descriptor(p, lambda d: resource(d, "arms").__setitem__("schema", "https://example.org/arms.schema.json"))
    return {("remote-reference", ARMS_CSV, None, None)}


@case("remote-dialect")
def _(p):
    edit_descriptor(p, lambda d: resource(d, "arms").__setitem__("dialect", "https://example.org/dialect.json"))
    return {("remote-reference", ARMS_CSV, None, None)}


@case("custom-remote-profile")
def _(p):
    edit_descriptor(p, lambda d: d.__setitem__("profile", "https://example.org/my-profile.json"))
    return {("remote-reference", "datapackage.json", None, None)}


@case("spreadsheet-format")
def _(p):
    edit_descriptor(p, lambda d: resource(d, "open_questions").__setitem__("format", "xlsx"))
    return {("unsupported-format", "tables/open_questions.csv", None, None)}


@case("inline-data")
def _(p):
    def change(d):
        r = resource(d, "open_questions")
        r.pop("path")
        r["data"] = [["question_id"], ["q1"]]

    edit_descriptor(p, change)
    return {("inline-data", "resource open_questions", None, None)}


@case("empty-file")
def _(p):
    table_path(p, "open_questions").write_bytes(b"")
    return {("empty-file", "tables/open_questions.csv", None, None)}


@case("remote-path")
def _(p):
    url = "https://example.org/rhil7/arms.csv"
    _point(p, "arms", url)
    return {("remote-path", url, None, None)}


@case("path-traversal")
def _(p):
    (p.parent / "outside.csv").write_bytes(table_path(p, "arms").read_bytes())
    _point(p, "arms", "../outside.csv")
    return {("path-outside-package", "../outside.csv", None, None)}


@case("absolute-path")
def _(p):
    target = str(table_path(p, "arms").resolve())
    _point(p, "arms", target)
    return {("absolute-path", target, None, None)}


@case("symlink-out-of-package")
def _(p):
    outside = p.parent / "secret.csv"
    outside.write_bytes(table_path(p, "open_questions").read_bytes())
    table_path(p, "open_questions").unlink()
    table_path(p, "open_questions").symlink_to(outside)
    return {("path-outside-package", "tables/open_questions.csv", None, None)}


@case("missing-file")
def _(p):
    table_path(p, "open_questions").unlink()
    return {("missing-file", "tables/open_questions.csv", None, None)}


@case("oversized-file", limits=Limits(max_table_bytes=10_000), cli_args=("--max-bytes", "10000"))
def _(p):
    sizes = {path.name: path.stat().st_size for path in (p / "tables").iterdir()}
    assert [name for name, size in sizes.items() if size > 10_000] == ["coverage.csv"], sizes
    return {("file-too-large", COVERAGE_CSV, None, None)}


@case("too-many-rows", limits=Limits(max_table_rows=30), cli_args=("--max-rows", "30"))
def _(p):
    return {("too-many-rows", PROV_CSV, None, None)}


@case("non-utf8-bytes")
def _(p):
    path = table_path(p, "arms")
    path.write_bytes(path.read_bytes().replace("placebo group".encode(), "placebo gr\xfcppe".encode("latin-1"), 1))
    return {("encoding-error", ARMS_CSV, row_number_of_bytes(path, b"gr\xfcppe"), None)}


def row_number_of_bytes(path: Path, needle: bytes) -> int:
    data = path.read_bytes()
    return data.count(b"\n", 0, data.index(needle)) + 1


# ------------------------------------------------------------------ unreadable descriptor (exit 2)


@case("descriptor-not-json", unreadable=True)
def _(p):
    (p / "datapackage.json").write_text('{"name": "rhil7", "resources": [', encoding="utf-8")
    return set()


@case("descriptor-without-resources", unreadable=True)
def _(p):
    edit_descriptor(p, lambda d: d.pop("resources"))
    return set()


@case("descriptor-not-utf8", unreadable=True)
def _(p):
    path = p / "datapackage.json"
    path.write_bytes(path.read_bytes().replace(b"Creative Commons", b"Cr\xe9ative Commons", 1))
    return set()


# ------------------------------------------------------------------ bounded cost (issue 12, defect 4)


def _widen(p: Path, columns: int) -> list[str]:
    """open_questions.csv with its header widened to ``columns`` labels; returns the added labels."""
    path = table_path(p, "open_questions")
    header, rows = read_rows(p, "open_questions")
    extra = [f"c{i}" for i in range(columns - len(header))]
    path.write_text(
        ",".join(header + extra) + "\n" + "".join(",".join(r[k] for k in header) + "\n" for r in rows), encoding="utf-8"
    )
    return extra


@case("header-20000-columns-wide")
def _(p):
    # 131 KB that once cost 142 s and 6.6 GB: refused from its first 64 KB
    _widen(p, 20_000)
    return {("header-too-long", "tables/open_questions.csv", 1, None)}


@case("header-5000-columns-wide")
def _(p):
    # refused from its first line; the labels beyond the schema listed up to the cap, the rest counted
    listed = sorted(_widen(p, 5_000))[: Limits().max_problems_per_code]
    return {("extra-label", "tables/open_questions.csv", 1, label) for label in listed} | {
        ("problems-omitted", "tables/open_questions.csv", None, None)
    }


@case("cr-only-line-ends-counted-as-rows", limits=Limits(max_table_rows=30), cli_args=("--max-rows", "30"))
def _(p):
    # counting only LF bytes, a file whose lines end in CR alone had "no rows" and passed any --max-rows
    path = table_path(p, "study_provenance")
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    return {("too-many-rows", PROV_CSV, None, None)}


# ------------------------------------------------------------------ the package's shape is the project's (defect 5)

DP = "datapackage.json"


@case("no-resources-at-all")
def _(p):
    edit_descriptor(p, lambda d: d.__setitem__("resources", []))
    return {("missing-resource", DP, None, None)}


@case("resource-dropped")
def _(p):
    edit_descriptor(p, lambda d: d["resources"].remove(resource(d, "published_results")))
    return {("missing-resource", DP, None, None)}


@case("constraint-loosened")
def _(p):
    def change(d):
        events = next(f for f in resource(d, "outcomes_dichotomous")["schema"]["fields"] if f["name"] == "events")
        del events["constraints"]["minimum"]

    edit_descriptor(p, change)
    # the rows are still judged by the project's schema: the negative count the loosening let in is reported
    return {("constraint-removed", DP, None, "events")} | _set(
        p, "outcomes_dichotomous", DEATHS_CYT, "events", "-2", "constraint-error"
    )


@case("enum-widened")
def _(p):
    def change(d):
        method = next(f for f in resource(d, "arms")["schema"]["fields"] if f["name"] == "method")
        method["constraints"]["enum"].append("guess")

    edit_descriptor(p, change)
    return {("constraint-changed", DP, None, "method")}


@case("field-added")
def _(p):
    edit_descriptor(
        p,
        lambda d: resource(d, "outcomes_dichotomous")["schema"]["fields"].append(
            {"name": "risk_ratio", "type": "number"}
        ),
    )
    header, rows = read_rows(p, "outcomes_dichotomous")
    write_rows(p, "outcomes_dichotomous", header + ["risk_ratio"], [dict(r, risk_ratio="0.8") for r in rows])
    return {("unexpected-field", DP, None, "risk_ratio"), ("extra-label", DICH, 1, "risk_ratio")}


@case("resource-added")
def _(p):
    (p / "tables" / "notes.csv").write_text("note_id,text\nn1,hello\n", encoding="utf-8")
    edit_descriptor(
        p,
        lambda d: d["resources"].append(
            {
                "name": "notes",
                "path": "tables/notes.csv",
                "schema": {"fields": [{"name": "note_id", "type": "string"}, {"name": "text", "type": "string"}]},
            }
        ),
    )
    return {("unexpected-resource", DP, None, None)}


@case("foreign-key-to-missing-table")
def _(p):
    edit_descriptor(
        p,
        lambda d: resource(d, "arms")["schema"]["foreignKeys"].append(
            {"fields": ["study_id"], "reference": {"resource": "trials", "fields": ["trial_id"]}}
        ),
    )
    return {("foreign-key-target-missing", DP, None, None)}


# ------------------------------------------------------------- malformed descriptors: located, never a crash (defect 8)


def _field(d, table, name):
    return next(f for f in resource(d, table)["schema"]["fields"] if f["name"] == name)


@case("resource-without-name")
def _(p):
    edit_descriptor(p, lambda d: resource(d, "open_questions").pop("name"))
    return {("unsafe-name", DP, None, None), ("missing-resource", DP, None, None)}


@case("fields-not-a-list")
def _(p):
    edit_descriptor(p, lambda d: resource(d, "arms")["schema"].__setitem__("fields", {"arm_id": "string"}))
    return {("bad-schema", DP, None, None)}


@case("field-name-not-a-string")
def _(p):
    edit_descriptor(p, lambda d: _field(d, "arms", "label").__setitem__("name", 42))
    return {("unsafe-name", DP, None, None)}


@case("field-type-an-object")
def _(p):
    edit_descriptor(p, lambda d: _field(d, "arms", "label").__setitem__("type", {"kind": "string"}))
    return {("bad-field-type", DP, None, "label")}


@case("constraints-a-list")
def _(p):
    edit_descriptor(p, lambda d: _field(d, "arms", "label").__setitem__("constraints", ["required"]))
    return {("bad-constraint", DP, None, "label")}


@case("foreign-key-a-string")
def _(p):
    edit_descriptor(p, lambda d: resource(d, "arms")["schema"].__setitem__("foreignKeys", ["study_id -> studies"]))
    return {("bad-foreign-key", DP, None, None)}


@case("pattern-not-a-regex")
def _(p):
    edit_descriptor(
        p, lambda d: _field(d, "outcomes_dichotomous", "timepoint")["constraints"].__setitem__("pattern", "^(day[0-9+$")
    )
    return {("bad-pattern", DP, None, "timepoint")}


@case("descriptor-nested-deeply")
def _(p):
    deep: object = "x"
    for _ in range(200):
        deep = [deep]
    edit_descriptor(p, lambda d: d.__setitem__("keywords", deep))
    return {("descriptor-too-deep", DP, None, None)}


@case("descriptor-nested-5000-levels", unreadable=True)
def _(p):
    (p / "datapackage.json").write_text('{"resources": [], "x": ' + "[" * 5000 + "]" * 5000 + "}", encoding="utf-8")
    return set()


@case("path-with-nul")
def _(p):
    _point(p, "open_questions", "tables/open_questions.csv\x00.txt")
    return {("bad-path", "resource open_questions", None, None)}


@case("path-5000-characters")
def _(p):
    _point(p, "open_questions", "tables/" + "a" * 5000 + ".csv")
    return {("bad-path", "resource open_questions", None, None)}


# ------------------------------------------------------------- names are identifiers (defect 1, the validator's part)

INJECTION = "x\" VARCHAR); COPY (SELECT 'pwned') TO 'pwned.csv'; --"


@case("sql-in-a-field-name")
def _(p):
    edit_descriptor(p, lambda d: _field(d, "open_questions", "next_step").__setitem__("name", INJECTION))
    header, rows = read_rows(p, "open_questions")
    write_rows(
        p,
        "open_questions",
        [INJECTION if h == "next_step" else h for h in header],
        [{(INJECTION if k == "next_step" else k): v for k, v in r.items()} for r in rows],
    )
    return {("unsafe-name", DP, None, None)}


@case("sql-in-a-resource-name")
def _(p):
    edit_descriptor(p, lambda d: resource(d, "open_questions").__setitem__("name", 'q"; DROP TABLE studies; --'))
    return {("unsafe-name", DP, None, None), ("missing-resource", DP, None, None)}


# ------------------------------------------------------------------ control characters in cells (defect 9)


@case("nul-in-a-snippet")
def _(p):
    set_cell(
        p,
        "arms",
        dict(arm_id=ARMS["control"]),
        "snippet",
        "Twenty-one patients were enrolled (fifteen CYT107 group,\x00 six placebo group).",
    )
    return {("control-character", ARMS_CSV, row_number(p, "arms", arm_id=ARMS["control"]), "snippet")}


@case("escape-sequence-in-a-label")
def _(p):
    return _set(p, "arms", dict(arm_id=ARMS["control"]), "label", "placebo\x1b[2J\x1b[HVALID", "control-character")


# ------------------------------------------------------------------ C1, bidi and zero-width characters (issue 23)


@case("c1-control-sequence-introducer-in-a-label")
def _(p):
    return _set(p, "arms", dict(arm_id=ARMS["control"]), "label", "placebo\x9b2J", "control-character")


@case("bidi-override-in-a-study-title")
def _(p):
    return _set(p, "studies", dict(study_id=STUDY), "title", "Interleukin-7 in sepsis\u202e dilav", "control-character")


@case("zero-width-space-in-a-source-title")
def _(p):
    return _set(
        p,
        "sources",
        dict(source_id=STUDY + "_pmc"),
        "title",
        "Interleukin\u200b-7 in septic shock",
        "control-character",
    )


# ------------------------------------------------------------------ contribution guards (issue 25, items 9-11)


@case("sem-stored-as-sd")
def _(p):
    set_cell(p, "outcomes_continuous", ALC_CYT, "snippet", "ALC at day 21, CYT107 (n = 15): mean ± SEM 1.20 ± 0.50")
    return {("statistic-not-as-snippet", CONT, row_number(p, "outcomes_continuous", **ALC_CYT), "statistic")}


@case("range-stored-as-iqr")
def _(p):
    set_cell(p, "outcomes_continuous", ICU_CYT, "snippet", "ICU stay, CYT107 (n = 15): median 12 days (range 8 to 20)")
    return {("statistic-not-as-snippet", CONT, row_number(p, "outcomes_continuous", **ICU_CYT), "statistic")}


@case("intervention-arm-given-the-placebos-numbers")
def _(p):
    snippet = "Two of 15 patients receiving CYT107 died by day 90 versus 1 of 6 receiving placebo"
    for where in (DEATHS_CYT, DEATHS_PLA):
        set_cell(p, "outcomes_dichotomous", where, "snippet", snippet)
    set_cell(p, "outcomes_dichotomous", DEATHS_CYT, "total", "6")
    # the CYT107 row says 1 of 6: the placebo's numbers, reported on its first field taken (events)
    return _set(p, "outcomes_dichotomous", DEATHS_CYT, "events", "1", "arm-took-other-arms-number")


@case("table-saved-with-semicolons")
def _(p):
    path = table_path(p, "arms")
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    with path.open("w", encoding="utf-8-sig", newline="") as fh:  # a European spreadsheet: BOM, CR LF, ';'
        csv.writer(fh, delimiter=";", lineterminator="\r\n").writerows(rows)
    return {("separator-not-comma", ARMS_CSV, 1, None)}


# ------------------------------------------------------------- every row checked in one run (frictionless' fixtures)


@case("row-checked-past-a-renamed-header")
def _(p):
    faults = _set(p, "studies", dict(study_id=STUDY), "year", "2O23", "type-error")
    path = table_path(p, "studies")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("funding", "fundng", 1), encoding="utf-8")
    return faults | {("incorrect-label", STUDIES_CSV, 1, "funding")}


@case("row-checked-past-a-dropped-column")
def _(p):
    faults = _set(p, "outcomes_dichotomous", DEATHS_CYT, "events", "seven", "type-error", DICH)
    header, rows = read_rows(p, "outcomes_dichotomous")
    header.remove("note")
    write_rows(p, "outcomes_dichotomous", header, [{k: r[k] for k in header} for r in rows])
    return faults | {("missing-label", DICH, 1, "note")}


@case("empty-primary-key-cell")
def _(p):
    header, rows = read_rows(p, "open_questions")
    rows[0]["question_id"] = ""
    write_rows(p, "open_questions", header, rows)
    # the key's field is required too: frictionless reports the empty cell and the row without a key
    return {("constraint-error", OPEN_CSV, 2, "question_id"), ("primary-key", OPEN_CSV, 2, "question_id")}


@case("extra-cell-and-a-type-error-in-its-row")
def _(p):
    faults = _set(p, "studies", dict(study_id=STUDY), "year", "2O23", "type-error")
    path = table_path(p, "studies")
    with path.open(encoding="utf-8", newline="") as fh:
        records = list(csv.reader(fh))
    row = next(iter(faults))[2]
    records[row - 1].append("surplus")
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(records)
    return faults | {("extra-cell", STUDIES_CSV, row, None)}


# ------------------------------------------------------------------ descriptor properties the engine does not implement


@case("decimal-char-on-a-number-field")
def _(p):
    edit_descriptor(p, lambda d: _field(d, "arms", "n_randomized").update(decimalChar=","))
    return {("unsupported-property", DP, None, "n_randomized")}


@case("format-on-a-string-field")
def _(p):
    edit_descriptor(p, lambda d: _field(d, "studies", "study_id").update(format="email"))
    return {("unsupported-property", DP, None, "study_id")}


@case("exclusive-minimum")
def _(p):
    edit_descriptor(p, lambda d: _field(d, "arms", "n_randomized")["constraints"].update(exclusiveMinimum=0))
    return {("unsupported-property", DP, None, "n_randomized")}


@case("missing-values-other-than-empty")
def _(p):
    edit_descriptor(p, lambda d: resource(d, "arms")["schema"].update(missingValues=["", "NA"]))
    return {("unsupported-property", DP, None, None)}


@case("minimum-that-is-not-a-number")
def _(p):
    edit_descriptor(p, lambda d: _field(d, "studies", "year")["constraints"].update(minimum="abc"))
    return {("bad-constraint", DP, None, "year")}


# ================================================================== the tests


def _keys(problems) -> set[tuple]:
    return {(p.code, p.file, p.row, p.field) for p in problems}


def _build(case: Case, tmp_path: Path) -> tuple[Path, set[tuple]]:
    package = fixture_package(tmp_path / "pkg")
    expected = case.change(package)
    assert case.unreadable or expected, f"{case.id}: a case must name the problems it plants"
    return package, expected


def test_the_corpus_is_large_and_its_base_is_valid(tmp_path):
    assert len(CASES) >= 30 and len({c.id for c in CASES}) == len(CASES)
    assert validate_package(fixture_package(tmp_path / "pkg")) == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_validator_reports_exactly_the_planted_problem(case, tmp_path):
    package, expected = _build(case, tmp_path)
    before = checksums(tmp_path)
    if case.unreadable:
        with pytest.raises(UnreadableInput):
            validate_package(package, case.limits)
        assert checksums(tmp_path) == before, "validation changed the files it checked"
        return
    problems = validate_package(package, case.limits)
    assert _keys(problems) == expected
    for p in problems:  # every report says what the contributor must change, and from what
        assert p.expected and p.found and p.message, p
        assert p.code in CATALOGUE, f"{p.code}: not in rhil7.core.problem_catalogue"
    assert checksums(tmp_path) == before, "validation changed the files it checked"


# The command line adds parsing, exit codes and JSON to what the in-process test above checks on every case; a
# representative of each kind of fault (typing, CSV shape, row rule, snippet, file safety, limits, unreadable
# descriptor, descriptor shape, hostile names) proves that road without paying a subprocess per case.
CLI_CASES = (
    "type-error-year",
    "quote-never-closed",
    "extra-cell",
    "number-not-in-snippet",
    "symlink-out-of-package",
    "oversized-file",
    "too-many-rows",
    "descriptor-not-json",
    "descriptor-nested-5000-levels",
    "constraint-loosened",
    "sql-in-a-field-name",
    "escape-sequence-in-a-label",
)


def test_the_cli_cases_are_in_the_corpus():
    assert set(CLI_CASES) <= {c.id for c in CASES}


@pytest.mark.cli
@pytest.mark.parametrize("case", [c for c in CASES if c.id in CLI_CASES], ids=lambda c: c.id)
def test_cli_reports_it_in_json_without_a_traceback(case, tmp_path):
    package, expected = _build(case, tmp_path)
    sentinel = tmp_path / "sentinel"  # the working directory, outside the package: a write lands here
    sentinel.mkdir()
    before = checksums(tmp_path)
    result = run_cli("validate", str(package), "--format", "json", *case.cli_args, cwd=sentinel)
    assert "Traceback" not in result.stderr + result.stdout
    assert "internal error" not in result.stderr
    assert checksums(tmp_path) == before and list(sentinel.iterdir()) == []
    if case.unreadable:
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("rhil7 validate: ") and "datapackage.json" in result.stderr
        assert result.stdout == ""
        return
    assert result.returncode == 1, result.stderr
    body = json.loads(result.stdout)
    assert body["valid"] is False
    assert {(p["code"], p["file"], p["row"], p["field"]) for p in body["problems"]} == expected


# ------------------------------------------------------------------ what must be accepted


@pytest.mark.parametrize("bom, crlf", [(True, False), (False, True), (True, True)], ids=["bom", "crlf", "bom+crlf"])
def test_utf8_bom_and_crlf_line_endings_are_accepted(tmp_path, bom, crlf):
    package = fixture_package(tmp_path / "pkg")
    for path in (package / "tables").glob("*.csv"):
        data = path.read_bytes()
        if crlf:
            data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if bom:
            data = b"\xef\xbb\xbf" + data
        path.write_bytes(data)
    assert validate_package(package) == []
    result = run_cli("validate", str(package))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_fault_after_a_bom_and_crlf_keeps_its_row(tmp_path):
    package = fixture_package(tmp_path / "pkg")
    row = set_cell(package, "outcomes_continuous", ALC_CYT, "mean", "1.02")
    path = table_path(package, "outcomes_continuous")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert _keys(validate_package(package)) == {("number-not-in-snippet", CONT, row, "mean")}


# ------------------------------------------------------------------ no network, ever

REMOTE_VARIANTS = {
    "path": lambda d: resource(d, "arms").__setitem__("path", "https://example.org/arms.csv"),
    "schema": lambda d: resource(d, "arms").__setitem__("schema", "https://example.org/arms.schema.json"),
    "dialect": lambda d: resource(d, "arms").__setitem__("dialect", "https://example.org/dialect.json"),
    "resource-profile": lambda d: resource(d, "arms").__setitem__("profile", "https://example.org/profile.json"),
    "package-profile": lambda d: d.__setitem__("profile", "https://example.org/profile.json"),
    "scheme": lambda d: resource(d, "arms").__setitem__("scheme", "https"),
    "extrapaths": lambda d: resource(d, "arms").__setitem__("extrapaths", ["https://example.org/more.csv"]),
}


@pytest.mark.parametrize("where", REMOTE_VARIANTS)
def test_a_remote_reference_opens_no_network_connection(tmp_path, network_calls, where):
    package = fixture_package(tmp_path / "pkg")
    edit_descriptor(package, REMOTE_VARIANTS[where])
    problems = validate_package(package)
    assert network_calls == []
    assert problems and all(p.stage == "safety" for p in problems), problems


# ------------------------------------------------------------------ nothing contributed drives the terminal


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_control_characters_are_shown_escaped_in_every_format(tmp_path, fmt):
    package = fixture_package(tmp_path / "pkg")
    set_cell(package, "arms", dict(arm_id=ARMS["control"]), "label", "placebo\x1b[2J\x1b[HVALID\u202e")
    result = run_cli("validate", str(package), "--format", fmt)
    assert result.returncode == 1
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "\\x1b[2J" in result.stdout.replace("\\\\", "\\")  # (json doubles the backslash)


def test_the_cap_states_how_many_problems_were_left_out(tmp_path):
    package = fixture_package(tmp_path / "pkg")
    _widen(package, 1_200)
    result = run_cli("validate", str(package), "--format", "json")
    body = json.loads(result.stdout)
    omitted = [p for p in body["problems"] if p["code"] == "problems-omitted"]
    listed = [p for p in body["problems"] if p["code"] == "extra-label"]
    assert len(listed) == Limits().max_problems_per_code
    assert body["problem_count"] == 1_200 - 7 and omitted[0]["found"].startswith(f"{1_200 - 7 - len(listed)} more")


def test_a_pull_request_is_compared_with_the_base_revisions_descriptor(tmp_path):
    base = tmp_path / "base.json"
    base.write_text((ROOT / "datapackage.json").read_text(encoding="utf-8"), encoding="utf-8")
    package = fixture_package(tmp_path / "pkg")
    edit_descriptor(package, lambda d: _field(d, "arms", "label")["constraints"].pop("required"))
    # the installed copy of the descriptor would be the pull request's own: the base revision's is given
    result = run_cli("validate", str(package), "--canonical", str(base), "--format", "json")
    assert result.returncode == 1
    assert {(p["code"], p["field"], p["pointer"]) for p in json.loads(result.stdout)["problems"]} == {
        ("constraint-removed", "label", "/resources/3/schema/fields/3/constraints")
    }
    result = run_cli("validate", str(package), "--canonical", str(package))
    assert result.returncode == 0, result.stdout
    missing = run_cli("validate", str(package), "--canonical", str(tmp_path / "nowhere.json"))
    assert missing.returncode == 2 and "canonical descriptor" in missing.stderr


# ------------------------------------------------------------------ GitHub annotations


def _physical_start_lines(path: Path) -> list[int]:
    starts, previous = [], 0
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        for _ in reader:
            starts.append(previous + 1)
            previous = reader.line_num
    return starts


def test_rows_after_cells_spanning_lines_name_their_physical_lines(tmp_path):
    # every problem of the spanning case carries the line an editor shows (the record's first line)
    case = next(c for c in CASES if c.id == "cells-spanning-lines-a-blank-line-and-faults")
    package, _ = _build(case, tmp_path)
    starts = _physical_start_lines(table_path(package, "study_provenance"))
    found = {p.code: (p.row, p.line) for p in validate_package(package) if p.file == PROV_CSV}
    assert found == {
        code: (row, starts[row - 1]) for code, row in (("blank-row", 4), ("constraint-error", 6), ("extra-cell", 8))
    }
    assert all(line > row for row, line in found.values())  # (the cell's two line breaks come before each)


def test_github_format_emits_error_annotations_at_the_right_lines(tmp_path):
    package = fixture_package(tmp_path / "pkg")
    set_cell(package, "studies", dict(study_id="shankarhari2025"), "n_randomized", "110")
    prov_row = row_number(package, "study_provenance", study_id="shankarhari2025", field="n_randomized")
    deaths = set_cell(package, "outcomes_dichotomous", DEATHS_CYT, "events", "-2")
    result = run_cli("validate", str(package), "--format", "github")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 2, result.stdout
    # study_provenance.csv has snippets that span lines: the annotation names the line, not the row number
    prov_line = _physical_start_lines(table_path(package, "study_provenance"))[prov_row - 1]
    assert prov_line != prov_row
    assert any(
        line.startswith(f"::error file=tables/study_provenance.csv,line={prov_line},title=number-not-in-snippet")
        for line in errors
    ), errors
    assert any(
        line.startswith(f"::error file=tables/outcomes_dichotomous.csv,line={deaths},title=constraint-error")
        for line in errors
    ), errors
    assert result.stdout.splitlines()[-1].startswith("INVALID:")


# ------------------------------------------------------------------ the repository root is not an importable package


@pytest.mark.data
def test_validators_at_the_repo_root_does_not_shadow_the_pypi_package():
    import subprocess
    import sys

    code = "import frictionless, validators; print(validators.__file__)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    location = Path(result.stdout.strip())
    assert "site-packages" in location.parts, location
    assert not location.is_relative_to(ROOT / "validators")


@pytest.mark.data
def test_frictionless_validates_the_package_from_the_repo_root():
    import subprocess
    import sys

    frictionless = str(Path(sys.executable).with_name("frictionless"))
    result = subprocess.run(
        [frictionless, "validate", "datapackage.json"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_the_pandera_models_flag_the_rows_the_validator_flags_for_a_row_rule(tmp_path):
    """The pandera models (validators/schemas.py) declare the row rules for users of the frames; the validator
    runs the same rule functions without importing pandera. On every corpus case whose problems are all row-rule
    problems, both name the same rows."""
    import pandera.errors

    from rhil7.validators.row_rules import ROW_RULES
    from rhil7.validators.schemas import schema_for
    from rhil7.frames import read_table

    rule_codes = {f"tables/{t}.csv": {r.code for r in rules} for t, rules in ROW_RULES.items()}
    compared = 0
    for case in CASES:
        package, expected = _build(case, tmp_path / case.id)
        if case.unreadable or not all(code in rule_codes.get(file, ()) for code, file, _, _ in expected):
            continue
        descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
        flagged = set()
        for file in {file for _, file, _, _ in expected}:
            spec = next(r for r in descriptor["resources"] if r["path"] == file)
            try:
                schema_for(spec).validate(read_table(package / file, spec), lazy=True)
            except pandera.errors.SchemaErrors as errors:
                cases = errors.failure_cases
                frame_level = cases[cases["schema_context"] == "DataFrameSchema"]
                # pandera names a failed frame-wide check by its error text (the rule's expected text)
                rules = {r.expected: r for r in ROW_RULES[spec["name"]]}
                flagged |= {
                    (rules[check].code, file, int(index), rules[check].fields[0])
                    for check, index in zip(frame_level["check"], frame_level["index"])
                    if check in rules
                }
        assert flagged == expected, case.id
        compared += 1
    assert compared >= 5, "the corpus lost its row-rule cases"
