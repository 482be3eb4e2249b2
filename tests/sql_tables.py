"""A table of text cells in DuckDB, typed by the validator's own pass: for testing a rule on a few rows."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from rhil7.core.database import quote_identifier, safe_connect
from rhil7.validators.cross_rules import snippet_unsure
from rhil7.validators.csv_reading import ReadTable
from rhil7.validators.table_checks import Typing, table_problems
from rhil7.validators.typed_tables import TypedTables


def typed_tables(tables: dict[str, tuple[list[dict], list[dict]]], listed: int = 1000):
    """``tables``: name -> (Table Schema fields, rows as dicts of text cells). Returns (TypedTables, the
    problems of the Table Schema checks); record numbers start at 2, as in a CSV file."""
    con = safe_connect()
    db, problems = TypedTables(con, listed), []
    for i, (name, (fields, rows)) in enumerate(tables.items()):
        names = [f["name"] for f in fields]
        text, typed, view = (quote_identifier(f"{kind}{i}") for kind in ("text", "typed", "t"))
        con.execute(f"CREATE TABLE {text} ({', '.join(f'{quote_identifier(n)} VARCHAR' for n in names)})")
        if rows:
            con.executemany(
                f"INSERT INTO {text} VALUES ({', '.join('?' for _ in names)})",
                [[row.get(n, "") for n in names] for row in rows],
            )
        resource = SimpleNamespace(relpath=f"tables/{name}.csv", descriptor={"schema": {"fields": fields}})
        read = ReadTable(resource, view, np.arange(2, len(rows) + 2), None, typed=typed)
        typing = Typing(fields, snippet_unsure(name, names))
        con.execute(f"CREATE TABLE {typed} AS {typing.select(False, text)}")
        con.execute(f"CREATE VIEW {view} AS {typing.text_view(typed)}")
        problems += table_problems(con, read, listed)
        db.add(name, read)
    return db, problems
