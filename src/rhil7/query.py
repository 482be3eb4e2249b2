"""rhil7 query: read-only SQL over the built database, rendered as a table, CSV or JSON.

Only SELECT statements run, and EXPLAIN (ANALYZE) of a SELECT: each statement is judged by DuckDB's own
parser (``extract_statements`` and the statement type), an EXPLAIN by the statement it explains, because
EXPLAIN ANALYZE executes it. Behind the allow-list the connection is read-only, has external access
switched off and its configuration locked, so a query can neither change the database, nor read or write
other files or the network, nor change a setting.
"""
from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from .core.sinks import spreadsheet, terminal

ALLOWED = {"SELECT"}
CELL_WIDTH = 60
CUT_MARKER = "..."


class QueryError(Exception):
    pass


@dataclass
class QueryResult:
    sql: str
    columns: list[str]
    rows: list[tuple]


def _with_article(kind: str) -> str:
    return f"{'an' if kind[:1] in 'AEIOU' else 'a'} {kind}"


def _explained(con, query: str) -> list:
    """The statements an EXPLAIN [ANALYZE] [(options)] statement explains, parsed by DuckDB."""
    import duckdb

    tokens = duckdb.tokenize(query)
    words = [(start, query[start:].split(None, 1)[0].upper()) for start, _ in tokens]
    i = 1  # token 0 is EXPLAIN
    if i < len(words) and words[i][1] == "ANALYZE":
        i += 1
    if i < len(words) and words[i][1].startswith("("):
        depth = 0
        for j in range(i, len(tokens)):
            text = query[tokens[j][0]:].lstrip()[:1]
            depth += text == "("
            depth -= text == ")"
            if depth == 0:
                i = j + 1
                break
        else:
            return []
    if i >= len(words):
        return []
    return con.extract_statements(query[words[i][0]:])


def judge(con, sql: str) -> list:
    """The statements of ``sql`` if every one is a read query; QueryError naming the first one that is not."""
    statements = con.extract_statements(sql)
    if not statements:
        raise QueryError("no SQL statement given")
    for statement in statements:
        kind = statement.type.name
        if kind == "EXPLAIN":
            inner = _explained(con, statement.query)
            inner_kinds = [s.type.name for s in inner]
            if len(inner_kinds) != 1 or inner_kinds[0] not in ALLOWED:
                what = _with_article(inner_kinds[0]) if len(inner_kinds) == 1 else "an unreadable"
                raise QueryError(f"only read queries are allowed; refused an EXPLAIN of {what} statement "
                                 "(EXPLAIN ANALYZE runs the statement it explains)")
        elif kind not in ALLOWED:
            raise QueryError(f"only read queries are allowed; refused {_with_article(kind)} statement")
    return statements


def run_queries(database: Path, sql: str) -> list[QueryResult]:
    """Every statement of ``sql``, each with its columns and rows, or QueryError before any of them runs."""
    import duckdb

    from .core.database import safe_connect

    if not Path(database).is_file():
        raise QueryError(f"{database} does not exist; run `rhil7 build` first")
    try:
        con = safe_connect(database, read_only=True)
    except duckdb.Error as exc:
        raise QueryError(f"cannot open {database}: {exc}") from None
    try:
        results = []
        for statement in judge(con, sql):
            cursor = con.execute(statement.query)
            columns = [d[0] for d in cursor.description] if cursor.description else []
            results.append(QueryResult(statement.query.strip(), columns, cursor.fetchall()))
        return results
    except duckdb.Error as exc:
        raise QueryError(str(exc).strip()) from None
    finally:
        con.close()


def run_query(database: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """The one statement of ``sql``: its columns and rows."""
    results = run_queries(database, sql)
    if len(results) != 1:
        raise QueryError(f"expected one statement, found {len(results)}")
    return results[0].columns, results[0].rows


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


def _fit(text: str) -> tuple[str, bool]:
    if len(text) <= CELL_WIDTH:
        return text, False
    return text[: CELL_WIDTH - len(CUT_MARKER)] + CUT_MARKER, True


def _table(columns: list[str], rows: list[tuple]) -> tuple[list[str], bool]:
    fitted = [[_fit(terminal(_cell(v))) for v in row] for row in rows]  # the terminal's escaping: one line a cell
    cut = any(was_cut for row in fitted for _, was_cut in row)
    cells = [[text for text, _ in row] for row in fitted]
    widths = [max([len(terminal(c))] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = lambda values: "  ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()
    out = [line([terminal(c) for c in columns]), line(["-" * w for w in widths])] + [line(r) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return out, cut


def render(columns: list[str], rows: list[tuple], fmt: str) -> str:
    return render_results([QueryResult("", columns, rows)], fmt)


def render_results(results: list[QueryResult], fmt: str) -> str:
    """Table, CSV or JSON. Several statements: tables one after the other; CSV and JSON take one statement."""
    if fmt in ("csv", "json") and len(results) != 1:
        raise QueryError(f"--format {fmt} prints one result; the SQL holds {len(results)} statements "
                         "(run them one at a time, or use the table format)")
    if fmt == "json":
        result = results[0]
        # all ASCII: every value kept whole (\u escapes), none can drive the terminal it is printed to
        return json.dumps([{c: _plain(v) for c, v in zip(result.columns, row)} for row in result.rows], indent=2,
                          ensure_ascii=True) + "\n"
    if fmt == "csv":
        result = results[0]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        # a CSV is opened in spreadsheets: a text cell that would start a formula gets its apostrophe
        writer.writerow([spreadsheet(c) for c in result.columns])
        writer.writerows([[spreadsheet("" if _plain(v) is None else _plain(v)) for v in row] for row in result.rows])
        return buffer.getvalue()
    out, any_cut = [], False
    for index, result in enumerate(results):
        if len(results) > 1:
            out += ([""] if index else []) + [f"-- {' '.join(result.sql.split())}"]
        lines, cut = _table(result.columns, result.rows)
        out += lines
        any_cut |= cut
    if any_cut:
        out.append(f"(cells longer than {CELL_WIDTH} characters are cut, marked {CUT_MARKER}; "
                   "use --format csv or --format json for whole values)")
    return "\n".join(out) + "\n"
