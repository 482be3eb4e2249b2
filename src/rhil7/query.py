"""rhil7 query: read-only SQL over the built database, rendered as a table, CSV or JSON.

Only SELECT (and EXPLAIN) statements run: the connection is read-only and has external access
switched off, so a query can neither change the database nor read or write other files or the network.
"""
from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

ALLOWED = {"SELECT", "EXPLAIN"}


class QueryError(Exception):
    pass


def run_query(database: Path, sql: str) -> tuple[list[str], list[tuple]]:
    import duckdb

    from .database import SAFE_CONFIG

    if not Path(database).is_file():
        raise QueryError(f"{database} does not exist; run `rhil7 build` first")
    try:
        con = duckdb.connect(str(database), read_only=True, config=SAFE_CONFIG)
    except duckdb.Error as exc:
        raise QueryError(f"cannot open {database}: {exc}") from None
    try:
        statements = con.extract_statements(sql)
        if not statements:
            raise QueryError("no SQL statement given")
        for statement in statements:
            kind = statement.type.name
            if kind not in ALLOWED:
                raise QueryError(f"only read queries are allowed; refused a {kind} statement")
        result = None
        for statement in statements:
            result = con.execute(statement.query)
        columns = [d[0] for d in result.description] if result.description else []
        return columns, result.fetchall()
    except duckdb.Error as exc:
        raise QueryError(str(exc).strip()) from None
    finally:
        con.close()


def _plain(value):
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _cell(value) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def render(columns: list[str], rows: list[tuple], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([{c: _plain(v) for c, v in zip(columns, row)} for row in rows], indent=2,
                          ensure_ascii=False) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[("" if _plain(v) is None else _plain(v)) for v in row] for row in rows])
        return buffer.getvalue()
    cells = [[_cell(v).replace("\n", " ") for v in row] for row in rows]
    widths = [max([len(c)] + [min(len(r[i]), 60) for r in cells]) for i, c in enumerate(columns)]
    line = lambda values: "  ".join(v[:60].ljust(w) for v, w in zip(values, widths)).rstrip()
    out = [line(columns), line(["-" * w for w in widths])] + [line(r) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"
