"""Spreadsheet safety (issue 7): a text cell starting with =, +, -, @ (or tab / CR) makes the package invalid."""
from __future__ import annotations

import csv

import pandas as pd
import pytest

from rhil7.validators.cross_rules import CROSS_RULES
from rhil7.validators.run import validate_package
from rhil7.validators.spreadsheet_safety import formula_like_text


def test_rule_is_registered():
    assert formula_like_text in CROSS_RULES


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_text_is_flagged(text):
    frame = pd.DataFrame({"note": [None, "fine", text], "n": pd.array([1, -2, 3], dtype="Int64")},
                         index=pd.RangeIndex(2, 5))
    problems = formula_like_text({"arms": frame})
    assert [(p.file, p.row, p.field, p.code) for p in problems] == [("arms", 4, "note", "formula-like-text")]


def test_numbers_and_inner_signs_are_fine():
    frame = pd.DataFrame({"note": ["a = b", "MD -0.15", "x@y"], "estimate": pd.array([-0.15, 1.0, 2.0], dtype="Float64")},
                         index=pd.RangeIndex(2, 5))
    assert formula_like_text({"published_results": frame}) == []


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
