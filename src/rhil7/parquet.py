"""The one Parquet writer: a table of the database, as the build and the release ship it.

Fixed settings, so the same table gives the same bytes (the release's byte-identical guarantee rests on it).
"""

from __future__ import annotations

from pathlib import Path

PARQUET_SETTINGS = {
    "compression": "zstd",
    "compression_level": 9,
    "version": "2.6",
    "row_group_size": 1_000_000,
    "use_dictionary": True,
    "write_statistics": True,
}


def write_parquet(con, table: str, target: Path) -> None:
    """``table`` (a quoted identifier) of ``con`` into ``target``. Written by pyarrow from DuckDB's result: the
    connection itself may not touch any file but its own."""
    import pyarrow.parquet as pq

    pq.write_table(con.sql(f"SELECT * FROM {table}").to_arrow_table(), target, **PARQUET_SETTINGS)
