"""DuckDB: the package tables in schema ``raw`` (typed from the Table Schemas) and the public views from queries/."""
from __future__ import annotations

from importlib import resources

import pandas as pd

# Dependency order of the view files; the names are the public interface (README documents them).
VIEW_ORDER = ["studies", "arms", "sources", "coverage", "outcomes_continuous", "outcomes_dichotomous",
              "published", "effect_sizes", "pooled"]
SQL_TYPES = {"integer": "BIGINT", "number": "DOUBLE", "string": "VARCHAR", "date": "DATE"}
# Files readable by the DuckDB CLI 1.5 (the newest CLI on PyPI) as well as by this library's 2.x.
FILE_CONFIG = {"storage_compatibility_version": "v1.5.0"}
SAFE_CONFIG = {"enable_external_access": False, "autoinstall_known_extensions": False,
               "autoload_known_extensions": False}


def view_sql(name: str) -> str:
    return resources.files("rhil7.queries").joinpath(f"{name}.sql").read_text(encoding="utf-8")


def create_tables(con, descriptor: dict, tables: dict[str, pd.DataFrame]) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for resource in descriptor["resources"]:
        name = resource["name"]
        fields = resource["schema"]["fields"]
        columns = ", ".join(f'"{f["name"]}" {SQL_TYPES.get(f.get("type", "string"), "VARCHAR")}' for f in fields)
        pk = resource["schema"].get("primaryKey")
        key = f", PRIMARY KEY ({', '.join(pk)})" if pk else ""
        con.execute(f"CREATE OR REPLACE TABLE raw.{name} ({columns}{key})")
        frame = tables[name][[f["name"] for f in fields]]
        con.register("incoming", frame)
        casts = ", ".join(f'CAST("{f["name"]}" AS {SQL_TYPES.get(f.get("type", "string"), "VARCHAR")})' for f in fields)
        con.execute(f"INSERT INTO raw.{name} SELECT {casts} FROM incoming")
        con.unregister("incoming")


def create_views(con) -> int:
    for name in VIEW_ORDER:
        con.execute(view_sql(name))
    return len(VIEW_ORDER)


def connect_in_memory(tables: dict[str, pd.DataFrame], descriptor: dict | None = None):
    import duckdb

    from .loading import read_descriptor
    from .paths import find_package_dir

    descriptor = descriptor or read_descriptor(find_package_dir())
    con = duckdb.connect(":memory:")
    create_tables(con, descriptor, tables)
    create_views(con)
    return con
