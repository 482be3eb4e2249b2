"""DuckDB: the package tables in schema ``raw`` (typed from the Table Schemas) and the public views from queries/.

Every connection the project opens comes from ``safe_connect`` and every identifier taken from a
descriptor goes through ``quote_identifier``: names in a contributed ``datapackage.json`` are data, and
must never become SQL, a file read or written, an extension installed or a host contacted.
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from .safe_reader import read_text
from .sql_quoting import quote_identifier, quote_literal  # defined there, imported from here by everyone
from .vocabulary import vocabulary_sql

if TYPE_CHECKING:
    import pandas as pd

# Dependency order of the view files; the names are the public interface (README documents them).
VIEW_ORDER = ["studies", "arms", "sources", "coverage", "outcomes_continuous", "outcomes_dichotomous",
              "published", "effect_size_inputs", "effect_sizes", "pooled", "open_questions", "study_provenance"]
MAX_SQL_BYTES = 1024 * 1024  # a view's SQL file; a larger one is no view of this project
SQL_TYPES = {"integer": "BIGINT", "number": "DOUBLE", "string": "VARCHAR", "date": "DATE"}
# Files readable by the DuckDB CLI 1.5 (the newest CLI on PyPI) as well as by this library's 2.x.
FILE_CONFIG = {"storage_compatibility_version": "v1.5.0"}
# No file other than the database itself, no URL, no extension fetched or loaded behind our back.
SAFE_CONFIG = {"enable_external_access": False, "autoinstall_known_extensions": False,
               "autoload_known_extensions": False}


def safe_connect(path: str = ":memory:", read_only: bool = False, allowed_paths=(), **config):
    """A DuckDB connection that cannot reach files, the network or extensions, with its configuration locked.

    ``config`` adds settings (threads, storage version); it cannot switch the safety settings back on.
    ``allowed_paths``: local files the connection may read (the validator's CSV files), and no other.
    """
    import duckdb

    unsafe = {k for k in SAFE_CONFIG if k in config and config[k] != SAFE_CONFIG[k]}
    if unsafe:
        raise ValueError(f"safe_connect cannot relax {sorted(unsafe)}")
    settings = {**config, **SAFE_CONFIG}
    if allowed_paths:  # DuckDB takes the allow-list only once started, and before external access is switched off
        settings["enable_external_access"] = True
    con = duckdb.connect(str(path), read_only=read_only, config=settings)
    try:
        if allowed_paths:
            con.execute(f"SET allowed_paths = [{', '.join(quote_literal(str(p)) for p in allowed_paths)}]")
            con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def view_sql(name: str, package_dir: Path | None = None) -> str:
    """The view's SQL from ``<package>/queries/<name>.sql`` when the package being built has it (a checkout: an
    edit takes effect on the next build, no reinstall), else from the installed copy."""
    if package_dir is not None and os.path.lexists(Path(package_dir) / "queries" / f"{name}.sql"):
        # through the safe reader: a linked queries/ or .sql file, a named pipe or a device is refused
        # (UnreadableInput), never followed (its first line would be echoed in DuckDB's error)
        return read_text(package_dir, f"queries/{name}.sql", MAX_SQL_BYTES)
    return resources.files("rhil7.queries").joinpath(f"{name}.sql").read_text(encoding="utf-8")


def raw_table(name: str) -> str:
    return f"raw.{quote_identifier(name)}"


def column_types(resource: dict) -> list[str]:
    """The SQL type of each field of the resource's Table Schema, in order."""
    return [SQL_TYPES.get(f.get("type", "string"), "VARCHAR") for f in resource["schema"]["fields"]]


def create_table_sql(resource: dict) -> str:
    """CREATE OR REPLACE TABLE raw.<name> with the Table Schema's typed columns and primary key."""
    fields = resource["schema"]["fields"]
    columns = ", ".join(f"{quote_identifier(f['name'])} {t}" for f, t in zip(fields, column_types(resource)))
    pk = resource["schema"].get("primaryKey")
    pk = [pk] if isinstance(pk, str) else pk
    key = f", PRIMARY KEY ({', '.join(quote_identifier(k) for k in pk)})" if pk else ""
    return f"CREATE OR REPLACE TABLE {raw_table(resource['name'])} ({columns}{key})"


def create_tables(con, descriptor: dict, tables: dict[str, pd.DataFrame]) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for resource in descriptor["resources"]:
        name = resource["name"]
        fields = resource["schema"]["fields"]
        types = column_types(resource)
        con.execute(create_table_sql(resource))
        frame = tables[name][[f["name"] for f in fields]]
        con.register("incoming", frame)
        casts = ", ".join(f"CAST({quote_identifier(f['name'])} AS {t})" for f, t in zip(fields, types))
        con.execute(f"INSERT INTO {raw_table(name)} SELECT {casts} FROM incoming")
        con.unregister("incoming")


def create_views(con, package_dir: Path | None = None) -> int:
    con.execute(vocabulary_sql())
    for name in VIEW_ORDER:
        con.execute(view_sql(name, package_dir))
    return len(VIEW_ORDER)


def connect_in_memory(tables: dict[str, pd.DataFrame], descriptor: dict):
    """An in-memory database with the tables (typed by ``descriptor``) and the public views."""
    con = safe_connect()
    create_tables(con, descriptor, tables)
    create_views(con)
    return con
