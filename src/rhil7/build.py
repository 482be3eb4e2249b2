"""rhil7 build: validated tables -> build/rhil7.duckdb (tables + views) and build/parquet/*.parquet, atomically.

Everything is written under temporary names in the build directory and moved into place with
os.replace only when complete, so an interrupted build leaves the previous database intact.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .loading import read_descriptor, read_tables
from .paths import build_dir


class BuildRefused(Exception):
    pass


@dataclass
class BuildResult:
    database: Path
    parquet_dir: Path
    tables: int
    views: int


def build_database(package_dir: Path, progress: Callable[[str], None] = lambda m: None,
                   validate: bool = True) -> BuildResult:
    import pyarrow.parquet as pq

    from .database import FILE_CONFIG, create_tables, create_views, raw_table, safe_connect

    if validate:
        from .gate import require_valid

        require_valid(package_dir, BuildRefused, progress)
    out = build_dir(Path(package_dir))
    out.mkdir(parents=True, exist_ok=True)
    descriptor = read_descriptor(package_dir)
    tables = read_tables(package_dir)
    progress(f"loading {len(tables)} tables into DuckDB")
    fd, tmp_name = tempfile.mkstemp(prefix=".rhil7-", suffix=".duckdb.tmp", dir=out)
    os.close(fd)
    os.unlink(tmp_name)  # DuckDB must create the file itself
    tmp = Path(tmp_name)
    try:
        con = safe_connect(tmp, **FILE_CONFIG)
        create_tables(con, descriptor, tables)
        views = create_views(con)
        parquet_dir = out / "parquet"
        parquet_dir.mkdir(exist_ok=True)
        progress("writing Parquet copies")
        for name in tables:
            part = parquet_dir / f".{name}.parquet.tmp"
            # written by pyarrow from DuckDB's result: the connection itself may not touch any file but its own
            pq.write_table(con.sql(f"SELECT * FROM {raw_table(name)}").to_arrow_table(), part)
            os.replace(part, parquet_dir / f"{name}.parquet")
        con.execute("CHECKPOINT")
        con.close()
        database = out / "rhil7.duckdb"
        os.replace(tmp, database)
        wal = Path(str(tmp) + ".wal")
        if wal.exists():
            wal.unlink()
    finally:
        if tmp.exists():
            tmp.unlink()
    progress(f"built {database}")
    return BuildResult(database, parquet_dir, len(tables), views)
