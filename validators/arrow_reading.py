"""Read a large table's records with Arrow's multi-threaded CSV parser, every cell as text.

pandas' own reader and Python's csv module cost about a second per 200 MB; Arrow reads the same
bytes on both cores and keeps the text in Arrow buffers (no Python object per cell), which the
validator's string checks then run on at C speed. Only records of exactly the header's width are
read this way: when a record is short or long, ``None`` is returned and the caller walks the file
record by record to say which row is wrong (frictionless' codes and row numbers).
"""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.csv as arrow_csv

from .tables import ARROW_TEXT


def read_records(body: bytes, names: list[str], breaks_inside_fields: bool = True) -> pd.DataFrame | None:
    """Every cell as text ("" for empty), indexed by CSV row number (header = 1); None if a record is misshapen.

    ``body`` is the file's bytes without a BOM, its quoting already found well formed (csv_syntax),
    which also tells whether a quoted field holds a line break (if not, Arrow parses twice as fast).
    """
    misshapen = []

    def note(row) -> str:  # called by Arrow for a record whose width differs from the header's
        misshapen.append(row)
        return "skip"

    table = arrow_csv.read_csv(
        pa.BufferReader(body),
        read_options=arrow_csv.ReadOptions(use_threads=True, block_size=4 << 20, skip_rows=1,
                                           column_names=names),
        parse_options=arrow_csv.ParseOptions(newlines_in_values=breaks_inside_fields, ignore_empty_lines=False,
                                             invalid_row_handler=note),
        # large_string: the layout pandas keeps its Arrow strings in, so handing the table over copies nothing
        convert_options=arrow_csv.ConvertOptions(column_types={n: pa.large_string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    if misshapen:
        return None
    frame = table.to_pandas(types_mapper={pa.large_string(): ARROW_TEXT}.get)
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    return frame


def empty_records(frame: pd.DataFrame) -> list[int]:
    """Row numbers of the records without any text (an empty line, or only commas): frictionless' blank rows.
    Arrow reads an empty line as a record of empty cells."""
    empty = None
    for i in range(frame.shape[1]):
        cells = (frame.iloc[:, i] == "").to_numpy(dtype=bool, na_value=False)
        empty = cells if empty is None else empty & cells
        if not empty.any():
            return []
    return [] if empty is None else frame.index[empty].tolist()
