"""Spreadsheet safety: no text cell may be read as a formula when a CSV is opened in a spreadsheet.

Excel, LibreOffice and Google Sheets evaluate a cell that starts with =, +, - or @ (and, in some
versions, one that starts with a tab or a carriage return) as a formula ("CSV injection", OWASP).
A text value of this package must therefore never begin with one of these characters; numbers are
typed fields and are not concerned (-0.15 in a number field is a number, not text). A verbatim snippet is
exempt: it is stored exactly as the source prints it ("-0.15 (95% CI ...)" is a quote, not ours to reword);
the release makes the copies meant for spreadsheets safe (CONTRIBUTING.md and README.md say the same).

Like the rules in cross_rules.py, the function takes the typed frames by table name (text fields are
object columns holding str or None) and returns problems with file = table name.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from rhil7.vocabulary import VERBATIM_FIELDS

from .problems import Problem

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SHOWN = {"\t": "a tab", "\r": "a carriage return"}
_FIRST_BYTES = pa.array([c.encode() for c in FORMULA_STARTS], type=pa.large_binary())


def _starts_like_formula(column: pd.Series) -> np.ndarray:
    """For Arrow-backed text: the first byte of each value among the formula starts, in one pass (the
    starts are ASCII, and no other character's UTF-8 encoding begins with an ASCII byte)."""
    text = pa.array(column.array).cast(pa.large_binary())  # (a view of the same bytes)
    return pc.fill_null(pc.is_in(pc.binary_slice(text, 0, 1), value_set=_FIRST_BYTES), False).to_numpy(zero_copy_only=False)


def _is_text_column(series: pd.Series) -> bool:
    return series.dtype == object or pd.api.types.is_string_dtype(series.dtype)


def formula_like_text(tables) -> list[Problem]:
    problems = []
    for table in sorted(tables):
        frame = tables[table]
        for field in frame.columns:
            column = frame[field]
            if field in VERBATIM_FIELDS or not _is_text_column(column):
                continue
            if column.dtype == object:
                text = column.dropna()
                text = text[text.map(type) == str]
                flagged = text[text.str.startswith(FORMULA_STARTS)] if len(text) else text
            else:
                flagged = column[_starts_like_formula(column)]
            for row, value in flagged.items():
                if isinstance(value, str):
                    first = _SHOWN.get(value[0], value[0])
                    problems.append(Problem(
                        file=table, row=int(row), field=str(field), code="formula-like-text",
                        expected="text that does not start with =, +, -, @, a tab or a carriage return",
                        found=value[:80],
                        message=f"The text starts with {first} and would be evaluated as a formula when the CSV is "
                                "opened in a spreadsheet; reword it so it starts with a letter, digit or bracket."))
    return problems
