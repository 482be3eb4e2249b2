"""rhil7 build: validated tables -> build/rhil7.duckdb (tables + views + the package's fingerprint) and build/parquet/.

Atomic and safe to run concurrently: the build holds an exclusive lock on its output directory (a second
build of the same package waits for the first), writes the database and the Parquet copies into a fresh
staging directory, and moves them into place with one rename each, the Parquet directory first and the
database last. A build killed before that leaves the previous outputs whole; its staging directory is
removed by the next build.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .loading import Package, read_package
from .core.paths import clear_stale_staging, output_dir, output_lock, publish, staging_dir

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


def write_fingerprint(con, fingerprint: dict) -> None:
    """What the database was built from (see rhil7.fingerprint), so a reader can tell when it is stale."""
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute("CREATE OR REPLACE TABLE meta.fingerprint (fingerprint VARCHAR)")
    con.execute("INSERT INTO meta.fingerprint VALUES (?)", [json.dumps(fingerprint, sort_keys=True)])


def build_database(package: Package | Path, out: Path | None = None,
                   progress: Callable[[str], None] = lambda m: None, validate: bool = True) -> BuildResult:
    """Build from a package directory, or from a Package already read (then it is not read again).

    ``out``: the output directory (default ``build/`` of the package); refused (UnsafeOutput) when it is a
    symbolic link. ``validate=False`` only for callers that have just validated the same package.
    """
    from rhil7.core.safe_reader import UnreadableInput

    from .core.database import VIEW_ORDER
    from .fingerprint import package_fingerprint

    package_dir = package.package_dir if isinstance(package, Package) else Path(package)
    if validate:
        from .gate import require_valid

        require_valid(package_dir, BuildRefused, progress)
    target = output_dir(package_dir, out, "build", entries=(DATABASE, PARQUET))
    try:
        if not isinstance(package, Package):
            package = read_package(package_dir)
        fingerprint = package_fingerprint(package_dir)
    except UnreadableInput as exc:
        raise BuildRefused(str(exc)) from None
    with output_lock(target):
        clear_stale_staging(target)
        staging = staging_dir(target)
        progress(f"loading {len(package.tables)} tables into DuckDB")
        try:
            _write_outputs(staging, package, fingerprint, progress)
            publish(staging, target, (PARQUET, DATABASE))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    progress(f"built {target / DATABASE}")
    return BuildResult(target / DATABASE, target / PARQUET, len(package.tables), len(VIEW_ORDER))


def _write_outputs(staging: Path, package: Package, fingerprint: dict, progress: Callable[[str], None]) -> None:
    from .core.database import FILE_CONFIG, create_tables, create_views, raw_table, safe_connect
    from .parquet import write_parquet

    con = safe_connect(staging / DATABASE, **FILE_CONFIG)
    try:
        create_tables(con, package.descriptor, package.tables)
        create_views(con, package.package_dir)
        write_fingerprint(con, fingerprint)
        progress("writing Parquet copies")
        (staging / PARQUET).mkdir()
        for name in package.tables:
            write_parquet(con, raw_table(name), staging / PARQUET / f"{name}.parquet")
        con.execute("CHECKPOINT")
    finally:
        con.close()
