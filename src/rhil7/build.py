"""rhil7 build: a validated package -> build/rhil7.duckdb (tables + views + the sealed fingerprint) and build/parquet/.

The tables are the ones the validation read and typed (rhil7.gate.ValidatedPackage), never read again; the
fingerprint is of those bytes, sealed with this machine's build key (rhil7.fingerprint), so ``rhil7 query``
trusts only databases built here.

Atomic and safe to run concurrently: the build holds an exclusive lock on its output directory (a second
build of the same package waits for the first), writes the database and the Parquet copies into a fresh
staging directory, and moves them into place with one rename each, the Parquet directory first and the
database last. A build killed before that leaves the previous outputs whole; its staging directory is
removed by the next build.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .core.paths import clear_stale_staging, output_dir, output_lock, publish, staging_dir
from .fingerprint import NoBuildKey, build_key, fingerprint_text, seal
from .gate import ValidatedPackage, require_valid

DATABASE = "rhil7.duckdb"
PARQUET = "parquet"


class BuildRefused(Exception):
    pass


@dataclass
class BuildResult:
    database: Path
    parquet_dir: Path
    tables: int
    views: int


def write_fingerprint(con, fingerprint: dict, key: bytes) -> None:
    """What the database was built from (see rhil7.fingerprint), so a reader can tell when it is stale, sealed
    with this machine's build key, so a reader can tell this machine built it."""
    text = fingerprint_text(fingerprint)
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute("CREATE OR REPLACE TABLE meta.fingerprint (fingerprint VARCHAR, seal VARCHAR)")
    con.execute("INSERT INTO meta.fingerprint VALUES (?, ?)", [text, seal(text, key)])


def build_database(
    package: ValidatedPackage | Path, out: Path | None = None, progress: Callable[[str], None] = lambda m: None
) -> BuildResult:
    """Build from a package directory (validated first) or from a ValidatedPackage (its tables, never read
    again); an invalid package is refused (BuildRefused).

    ``out``: the output directory (default ``build/`` of the package); refused (UnsafeOutput) when it is a
    symbolic link.
    """
    from .core.database import VIEW_ORDER

    package = require_valid(package, BuildRefused, progress)
    target = output_dir(package.root, out, "build", entries=(DATABASE, PARQUET))
    try:
        key = build_key(create=True)
    except NoBuildKey as exc:
        raise BuildRefused(str(exc)) from None
    with output_lock(target):
        clear_stale_staging(target)
        staging = staging_dir(target)
        progress(f"loading {len(package.tables)} tables into DuckDB")
        try:
            _write_outputs(staging, package, key, progress)
            publish(staging, target, (PARQUET, DATABASE))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    progress(f"built {target / DATABASE}")
    return BuildResult(target / DATABASE, target / PARQUET, len(package.tables), len(VIEW_ORDER))


def _write_outputs(staging: Path, package: ValidatedPackage, key: bytes, progress: Callable[[str], None]) -> None:
    from .core.database import FILE_CONFIG, create_tables, create_views, raw_table, safe_connect
    from .parquet import write_parquet

    con = safe_connect(staging / DATABASE, **FILE_CONFIG)
    try:
        create_tables(con, package.descriptor, package.tables)
        create_views(con, package.root)
        write_fingerprint(con, package.fingerprint, key)
        progress("writing Parquet copies")
        (staging / PARQUET).mkdir()
        for name in package.tables:
            write_parquet(con, raw_table(name), staging / PARQUET / f"{name}.parquet")
        con.execute("CHECKPOINT")
    finally:
        con.close()
