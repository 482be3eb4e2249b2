"""The release's spreadsheet copies: a text cell a spreadsheet would evaluate is neutralised, nothing else moves."""

from __future__ import annotations

import csv
import io

from rhil7.release import spreadsheet_copy

RESOURCE = {
    "schema": {
        "fields": [
            {"name": "row_id", "type": "string"},
            {"name": "snippet", "type": "string"},
            {"name": "ci_lower", "type": "number"},
        ]
    }
}


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_formula_like_text_is_prefixed_and_numbers_are_not():
    table = (
        "row_id,snippet,ci_lower\n"
        'a,"-0.15 (95% CI -0.30 to 0.01), ""quoted""",-0.30\n'
        'b,=HYPERLINK("x"),1.5\n'
        "c,@SUM(A1),\n"
        "d,plain text,2\n"
    ).encode("utf-8")
    rows = _rows(spreadsheet_copy(table, RESOURCE))
    assert rows == [
        ["row_id", "snippet", "ci_lower"],
        ["a", '\'-0.15 (95% CI -0.30 to 0.01), "quoted"', "-0.30"],
        ["b", '\'=HYPERLINK("x")', "1.5"],
        ["c", "'@SUM(A1)", ""],
        ["d", "plain text", "2"],
    ]


def test_a_safe_table_is_unchanged_cell_for_cell():
    table = 'row_id,snippet,ci_lower\r\nx,"two\nlines",3\r\n'.encode("utf-8")
    assert _rows(spreadsheet_copy(table, RESOURCE)) == [["row_id", "snippet", "ci_lower"], ["x", "two\nlines", "3"]]
