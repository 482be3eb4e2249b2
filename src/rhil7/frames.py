"""Typed pandas frames of package tables, following their Table Schemas (``rhil7.load``, build, the analysis).

``from_typed``: a table as the validator's DuckDB typed it (rhil7.gate hands it down) as a frame; every command
uses it. ``read_table`` types a CSV with pandas, for a file that is not a package's table (a diff's git blob).
Values that do not parse become missing; the validator reports them as type errors.
Row numbers follow frictionless: the header is row 1, the first record row 2.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

NUMERIC_DTYPES = {"integer": "Int64", "number": "Float64"}


def from_typed(table: pa.Table, resource: dict) -> pd.DataFrame:
    """A pyarrow table typed by DuckDB from the Table Schema (rhil7.validators.run) as the frame the analysis
    reads: integer Int64, number Float64, date datetime64[us], text str or None; a 0-based index."""
    types = {f["name"]: f.get("type", "string") for f in resource["schema"]["fields"]}
    frame = table.to_pandas(
        types_mapper={pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype()}.get, date_as_object=False
    )
    for name in frame.columns:
        if types.get(name) == "date":
            frame[name] = frame[name].astype("datetime64[us]")  # (what pandas.to_datetime gives)
        elif types.get(name, "string") not in NUMERIC_DTYPES:
            frame[name] = frame[name].astype("object").where(frame[name].notna(), None)
    return frame


def read_raw(path: Path) -> pd.DataFrame:
    """Every cell as text ("" for empty), indexed by CSV row number; raises ValueError on unparsable CSV."""
    # skip_blank_lines=False: frictionless counts a blank line as a row (and reports it), so
    # skipping it here would shift every later row number by one.
    frame = pd.read_csv(
        path, dtype=str, keep_default_na=False, encoding="utf-8-sig", on_bad_lines="error", skip_blank_lines=False
    )
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    return frame


def read_table(path: Path, resource: dict) -> pd.DataFrame:
    """Typed frame indexed by CSV row number; raises ValueError on unparsable CSV."""
    return typed(read_raw(path), resource)


def typed(raw: pd.DataFrame, resource: dict) -> pd.DataFrame:
    """The raw text cells converted to the Table Schema's types (unparsable cells become missing); text fields
    are Python objects (str or None)."""
    fields = {f["name"]: f for f in resource.get("schema", {}).get("fields", [])}
    columns = [raw.iloc[:, i] for i in range(raw.shape[1])]
    convert = functools.partial(_typed_column, fields=fields)
    if len(raw) >= PARALLEL_FROM_ROWS:
        # Arrow's kernels release the GIL: two columns convert at once on two cores
        with ThreadPoolExecutor(max_workers=2) as pool:
            converted = list(pool.map(convert, columns))
    else:
        converted = [convert(c) for c in columns]
    frame = raw.copy(deep=False)
    for i, column in enumerate(converted):
        frame.isetitem(i, column)
    return frame


PARALLEL_FROM_ROWS = 100_000


def _typed_column(cells: pd.Series, fields: dict[str, dict]) -> pd.Series:
    empty = cells == ""
    if empty.any():  # (a column without empty cells is not rewritten)
        cells = cells.mask(empty)
    field = fields.get(cells.name)
    if field is None:
        return cells
    type_ = field.get("type", "string")
    if type_ in NUMERIC_DTYPES:
        numbers = to_numbers(cells)
        if type_ == "integer":
            numbers = numbers.where(numbers.isna() | (numbers == numbers.round()))
        return numbers.astype(NUMERIC_DTYPES[type_])
    if type_ == "date":
        return pd.to_datetime(cells, format="%Y-%m-%d", errors="coerce")
    return cells.astype("object").where(cells.notna(), None)


# pandas' "str" dtype (Arrow storage, NaN for missing): what pandas.read_csv(dtype=str) returns
ARROW_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
# Plain decimal notation, which Arrow's parser reads exactly as pandas does; anything else (a word,
# a space, an exponent, "1,234", "inf") is left to pandas.to_numeric, which decides what is a number.
_PLAIN_NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)$"


def to_numbers(cells: pd.Series) -> pd.Series:
    """``pandas.to_numeric(cells, errors="coerce")`` as float64, at Arrow speed for plain decimal text."""
    if not isinstance(cells.dtype, pd.StringDtype) or cells.dtype.storage != "pyarrow":
        return pd.to_numeric(cells, errors="coerce").astype("float64")
    text = pa.array(cells.array)  # the Arrow data itself (a chunked array), not a copy
    plain = pc.fill_null(pc.match_substring_regex(text, _PLAIN_NUMBER), False)
    numbers = pd.Series(
        pc.cast(pc.if_else(plain, text, None), pa.float64()).to_numpy(zero_copy_only=False), index=cells.index
    )
    others = cells.notna() & ~np.asarray(plain)
    if others.any():
        numbers[others] = pd.to_numeric(cells[others].astype(object), errors="coerce").astype("float64")
    return numbers
