"""Read package tables into typed pandas frames, following their Table Schemas.

Values that do not parse become missing here; frictionless has already
reported them as type errors, so the semantic stage does not report them twice.
Row numbers follow frictionless: the header is row 1, the first record row 2.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

NUMERIC_DTYPES = {"integer": "Int64", "number": "Float64"}


def field_names(resource: dict) -> list[str]:
    return [f["name"] for f in resource.get("schema", {}).get("fields", [])]


def read_raw(path: Path) -> pd.DataFrame:
    """Every cell as text ("" for empty), indexed by CSV row number; raises ValueError on unparsable CSV."""
    # skip_blank_lines=False: frictionless counts a blank line as a row (and reports it), so
    # skipping it here would shift every later row number by one.
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                        on_bad_lines="error", skip_blank_lines=False)
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    return frame


def read_table(path: Path, resource: dict) -> pd.DataFrame:
    """Typed frame indexed by CSV row number; raises ValueError on unparsable CSV."""
    return typed(read_raw(path), resource)


def typed(raw: pd.DataFrame, resource: dict) -> pd.DataFrame:
    """The raw text cells converted to the Table Schema's types (unparsable cells become missing)."""
    frame = raw.mask(raw == "")
    for field in resource.get("schema", {}).get("fields", []):
        name, type_ = field["name"], field.get("type", "string")
        if name not in frame.columns:
            continue
        if type_ in NUMERIC_DTYPES:
            numbers = pd.to_numeric(frame[name], errors="coerce")
            if type_ == "integer":
                numbers = numbers.where(numbers.isna() | (numbers == numbers.round()))
            frame[name] = numbers.astype(NUMERIC_DTYPES[type_])
        elif type_ == "date":
            frame[name] = pd.to_datetime(frame[name], format="%Y-%m-%d", errors="coerce")
        else:
            frame[name] = frame[name].astype("object").where(frame[name].notna(), None)
    return frame
