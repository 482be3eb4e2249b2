"""No control characters in text cells.

A NUL ends a string in C and in base R (a reader of the CSV would get a truncated snippet), and an ESC
sequence echoed to a terminal can clear it and print anything, a fake "VALID" included. Text cells may
hold a tab, a line feed or a carriage return (a quoted snippet may span lines); every other C0 control
character (U+0000 to U+001F) is refused, with its row and field. Like the rules in cross_rules.py, the
function takes the typed frames by table name and returns problems with file = table name.
"""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .problems import Problem

CONTROL = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]"


def _flagged(column: pd.Series) -> pd.Series:
    text = pa.array(column.astype("str").array) if column.dtype == object else pa.array(column.array)
    hits = pc.fill_null(pc.match_substring_regex(text, CONTROL), False).to_numpy(zero_copy_only=False)
    return column[hits]


def control_characters(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """``tables``: only those whose text holds a control character (csv_reading.holds_control_characters)."""
    problems = []
    for table in sorted(tables):
        frame = tables[table]
        for field in frame.columns:
            column = frame[field]
            if not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)):
                continue
            for row, value in _flagged(column).items():
                first = next(c for c in value if ord(c) < 0x20 and c not in "\t\n\r")
                problems.append(Problem(
                    file=table, row=int(row), field=str(field), code="control-character",
                    expected="text without control characters (a tab or a line break is allowed)",
                    found=f"U+{ord(first):04X} in {value[:80]!r}",
                    message="The text holds a control character, which readers truncate at (NUL) or a terminal "
                            "executes (ESC); remove it."))
    return problems
