"""Spreadsheet safety (issue 7): a text cell starting with =, +, -, @ (or tab / CR) makes the package invalid."""

from __future__ import annotations

import csv
import io

import pytest
from sql_tables import typed_tables

from rhil7.core.sinks import spreadsheet
from rhil7.core.vocabulary import FORMULA_STARTS
from rhil7.query import QueryResult, render_results
from rhil7.release import spreadsheet_copy
from rhil7.validators.run import validate_package

FIELDS = [{"name": "note"}, {"name": "n", "type": "integer"}, {"name": "snippet"}]


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx", "="])
def test_formula_like_text_is_flagged(text):
    rows = [dict(note=""), dict(note="fine", n="-2"), dict(note=text), dict(note="\u00e9=x"), dict(note="a = b")]
    _, problems = typed_tables({"arms": (FIELDS, rows)})
    assert [(p.file, p.row, p.field, p.code, p.found) for p in problems] == [
        ("tables/arms.csv", 4, "note", "formula-like-text", text)
    ]


def test_numbers_inner_signs_and_snippets_are_fine():
    rows = [dict(note="a = b", n="-15", snippet="-0.15 (95% CI -0.3 to 0)"), dict(note="MD -0.15"), dict(note="x@y")]
    assert typed_tables({"arms": (FIELDS, rows)})[1] == []


def test_package_with_formula_cell_is_invalid(package_copy):
    path = package_copy / "tables" / "arms.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
        fields = list(rows[0])
    rows[0]["note"] = "=cmd|' /C calc'!A0"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    problems = validate_package(package_copy)
    found = [(p.file, p.row, p.field) for p in problems if p.code == "formula-like-text"]
    assert found == [("tables/arms.csv", 2, "note")]


def test_repository_package_has_no_formula_like_text(package_copy):
    assert not [p for p in validate_package(package_copy) if p.code == "formula-like-text"]


def test_enum_of_safe_words_reports_a_formula_once_however_many_fail():
    # a formula in a field whose enum holds only safe words fails the enum: that is its one problem, also for the
    # cells beyond the listing cap (whose enum problems are counted, not listed, so nothing else would hide them)
    fields = [{"name": "unit", "constraints": {"enum": ["cells/uL", "10^9/L"]}}]
    rows = [dict(unit="=1+1"), dict(unit="cells/uL"), dict(unit="@SUM(A1)"), dict(unit="-x")]
    _, problems = typed_tables({"arms": (fields, rows)}, listed=1)
    assert sorted((p.row or 0, p.code, p.found) for p in problems) == [
        (0, "problems-omitted", "2 more constraint-error problem(s)"),
        (2, "constraint-error", "=1+1"),
    ]


def test_enum_that_allows_a_formula_start_is_still_checked():
    fields = [{"name": "sign", "constraints": {"enum": ["+", "-"]}}]
    _, problems = typed_tables({"arms": (fields, [dict(sign="+"), dict(sign="x")])})
    assert sorted((p.row, p.code) for p in problems) == [(2, "formula-like-text"), (3, "constraint-error")]


SPREADSHEET_CASES = ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "plain", "a=b", "\u00e9=x"]


def test_one_function_escapes_every_csv_meant_for_spreadsheets():
    """The release's spreadsheet/ copies and `rhil7 query --format csv` prefix exactly the cells the validator
    calls formula-like (rhil7.core.sinks.spreadsheet, from FORMULA_STARTS); numbers stay numbers (issue 23)."""
    expected = ["'" + v if v.startswith(FORMULA_STARTS) else v for v in SPREADSHEET_CASES]
    assert [spreadsheet(v) for v in SPREADSHEET_CASES] == expected
    resource = {"schema": {"fields": [{"name": "t", "type": "string"}, {"name": "n", "type": "integer"}]}}
    table = io.StringIO(newline="")
    csv.writer(table, lineterminator="\n").writerows([["t", "n"]] + [[v, "-5"] for v in SPREADSHEET_CASES])
    released = list(csv.reader(io.StringIO(spreadsheet_copy(table.getvalue().encode(), resource).decode(), newline="")))
    assert [r[0] for r in released[1:]] == expected and {r[1] for r in released[1:]} == {"-5"}
    queried = render_results([QueryResult("", ["t", "n"], [(v, -5) for v in SPREADSHEET_CASES])], "csv")
    rows = list(csv.reader(io.StringIO(queried, newline="")))
    assert [r[0] for r in rows[1:]] == expected and {r[1] for r in rows[1:]} == {"-5"}
