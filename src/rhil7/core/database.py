"""DuckDB: the package tables in schema ``raw`` (typed from the Table Schemas) and the public views from queries/.

Every connection the project opens comes from ``safe_connect`` and every identifier taken from a
descriptor goes through ``quote_identifier``: names in a contributed ``datapackage.json`` are data, and
must never become SQL, a file read or written, an extension installed or a host contacted.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from .safe_reader import read_text
from .sql_quoting import quote_identifier, quote_literal  # defined there, imported from here by everyone
from .vocabulary import vocabulary_sql

if TYPE_CHECKING:
    import pandas as pd
    from duckdb import DuckDBPyConnection

# Dependency order of the view files; the names are the public interface (README documents them).
# Old view names kept as aliases for one release (0.2.x), then removed: alias -> the view's name now.
DEPRECATED_VIEWS = {"published": "published_results"}
VIEW_ORDER = [
    "studies",
    "arms",
    "sources",
    "coverage",
    "outcomes_continuous",
    "outcomes_dichotomous",
    "published_results",
    "published",
    "effect_size_inputs",
    "effect_sizes",
    "pooled",
    "open_questions",
    "study_provenance",
    "provenance",
]
MAX_SQL_BYTES = 1024 * 1024  # a view's SQL file; a larger one is no view of this project
SQL_TYPES = {"integer": "BIGINT", "number": "DOUBLE", "string": "VARCHAR", "date": "DATE"}
# Files readable by the DuckDB CLI 1.5 (the newest CLI on PyPI) as well as by this library's 2.x.
FILE_CONFIG = {"storage_compatibility_version": "v1.5.0"}
# No file other than the database itself, no URL, no extension fetched or loaded behind our back.
SAFE_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


def safe_connect(
    path: str | Path = ":memory:", read_only: bool = False, allowed_paths: Iterable[str | Path] = (), **config: Any
) -> DuckDBPyConnection:
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


def column_types(resource: dict[str, Any]) -> list[str]:
    """The SQL type of each field of the resource's Table Schema, in order."""
    return [SQL_TYPES.get(f.get("type", "string"), "VARCHAR") for f in resource["schema"]["fields"]]


def create_table_sql(resource: dict[str, Any]) -> str:
    """CREATE OR REPLACE TABLE raw.<name> with the Table Schema's typed columns and primary key."""
    fields = resource["schema"]["fields"]
    typed = zip(fields, column_types(resource), strict=True)
    columns = ", ".join(f"{quote_identifier(f['name'])} {t}" for f, t in typed)
    pk = resource["schema"].get("primaryKey")
    pk = [pk] if isinstance(pk, str) else pk
    key = f", PRIMARY KEY ({', '.join(quote_identifier(k) for k in pk)})" if pk else ""
    return f"CREATE OR REPLACE TABLE {raw_table(resource['name'])} ({columns}{key})"


def create_tables(con: DuckDBPyConnection, descriptor: dict[str, Any], tables: dict[str, pd.DataFrame]) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for resource in descriptor["resources"]:
        name = resource["name"]
        fields = resource["schema"]["fields"]
        types = column_types(resource)
        con.execute(create_table_sql(resource))
        frame = tables[name][[f["name"] for f in fields]]
        con.register("incoming", frame)
        casts = ", ".join(f"CAST({quote_identifier(f['name'])} AS {t})" for f, t in zip(fields, types, strict=True))
        con.execute(f"INSERT INTO {raw_table(name)} SELECT {casts} FROM incoming")
        con.unregister("incoming")


# A view file's header (dbt style): "-- name: grain and meaning", more lines, then "-- Columns:" and one column a
# line, "--   column: meaning" (indented further: the meaning goes on); a column without a meaning takes its Table
# Schema description. "-- Columns: every column of tables/<name>.csv" documents a view that is that table.
_COLUMN_LINE = re.compile(r"^ {2,3}([a-z_][a-z0-9_]*)(?::\s*(.*))?$")
_EVERY_COLUMN = re.compile(r"^Columns: every column of tables/([a-z_]+)\.csv")


@dataclass
class ViewDoc:
    """What a view file's header says: the view's meaning and each column's, in order ("" = the Table Schema's)."""

    name: str
    description: str
    columns: dict[str, str] = field(default_factory=dict)
    table: str | None = None  # the resource whose every column the view returns, when the header says so


def view_doc(name: str, sql: str) -> ViewDoc:
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[3:] if line.startswith("-- ") else line[2:])
    doc, in_columns, current = ViewDoc(name, ""), False, None
    for line in lines:
        every = _EVERY_COLUMN.match(line)
        if every:  # the rest of the header only names the table's columns
            doc.table, in_columns, current = every.group(1), True, None
        elif line.strip() == "Columns:":
            in_columns = True
        elif in_columns and (column := _COLUMN_LINE.match(line)):
            current = column.group(1)
            doc.columns[current] = column.group(2) or ""
        elif in_columns and current and line.startswith("    "):
            doc.columns[current] += " " + line.strip()
        elif not in_columns:
            doc.description += (" " if doc.description else "") + line.strip()
    doc.description = re.sub(rf"^{re.escape(name)}:\s*", "", doc.description)
    return doc


def field_descriptions(descriptor: dict[str, Any]) -> dict[str, dict[str, str]]:
    """resource -> field -> its Table Schema description (what the data dictionary prints)."""
    return {
        r["name"]: {f["name"]: str(f.get("description", "")) for f in r["schema"]["fields"]}
        for r in descriptor["resources"]
    }


def column_meanings(doc: ViewDoc, described: dict[str, dict[str, str]]) -> dict[str, str]:
    """Each column of the view with its meaning: the header's, else the description of the same field in the
    view's own table (same name, or the one the header names), else in the first table that has the field."""
    own = doc.table or doc.name
    columns = dict.fromkeys(described.get(own, {}), "") if doc.table else doc.columns
    order = [own, *described]
    return {
        column: meaning or next((described[t][column] for t in order if described.get(t, {}).get(column)), "")
        for column, meaning in columns.items()
    }


def comment_sql(descriptor: dict[str, Any], docs: list[ViewDoc], existing: set[tuple[str, str]] | None = None) -> str:
    """COMMENT ON every raw table and column (their Table Schema descriptions) and every view and view column
    (the view file's header), so that duckdb_tables(), duckdb_views() and duckdb_columns() say what they hold.
    ``existing``: the (table or view, column) pairs the database has, when known; others are not commented."""
    described = field_descriptions(descriptor)
    out = []
    for resource in descriptor["resources"]:
        table = raw_table(resource["name"])
        out.append(f"COMMENT ON TABLE {table} IS {quote_literal(str(resource.get('description', '')))};")
        out += [
            f"COMMENT ON COLUMN {table}.{quote_identifier(f)} IS {quote_literal(text)};"
            for f, text in described[resource["name"]].items()
            if existing is None or (resource["name"], f) in existing
        ]
    for doc in docs:
        view = quote_identifier(doc.name)
        out.append(f"COMMENT ON VIEW {view} IS {quote_literal(doc.description)};")
        out += [
            f"COMMENT ON COLUMN {view}.{quote_identifier(c)} IS {quote_literal(text)};"
            for c, text in column_meanings(doc, described).items()
            if existing is None or (doc.name, c) in existing
        ]
    return "\n".join(out) + "\n"


def views_sql(descriptor: dict[str, Any], package_dir: Path | None = None) -> str:
    """Everything after the tables, as one SQL text that DuckDB (and DuckDB-WASM: no Python function) runs: the
    vocabulary's macros, the views of queries/ (the package's own when it has them) and their comments."""
    texts = {name: view_sql(name, package_dir) for name in VIEW_ORDER}
    docs = [view_doc(name, text) for name, text in texts.items()]
    views = "\n".join(text.strip() + "\n" for text in texts.values())
    return "\n".join([vocabulary_sql(), views, comment_sql(descriptor, docs)])


def create_views(
    con: DuckDBPyConnection, package_dir: Path | None = None, descriptor: dict[str, Any] | None = None
) -> int:
    """The macros, views and comments; ``descriptor`` (default: this project's) gives the tables' descriptions."""
    texts = {name: view_sql(name, package_dir) for name in VIEW_ORDER}
    con.execute(vocabulary_sql())
    for text in texts.values():
        con.execute(text)
    existing = set(con.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal").fetchall())
    docs = [view_doc(name, text) for name, text in texts.items()]
    con.execute(comment_sql(descriptor or project_descriptor(), docs, existing))
    return len(VIEW_ORDER)


def project_descriptor() -> dict[str, Any]:
    """The project's own datapackage.json, shipped with rhil7 (the shape every package must have)."""
    descriptor: dict[str, Any] = json.loads(resources.files("rhil7").joinpath("datapackage.json").read_text("utf-8"))
    return descriptor


def connect_in_memory(tables: dict[str, pd.DataFrame], descriptor: dict[str, Any]) -> DuckDBPyConnection:
    """An in-memory database with the tables (typed by ``descriptor``) and the public views."""
    con = safe_connect()
    create_tables(con, descriptor, tables)
    create_views(con, descriptor=descriptor)
    return con
