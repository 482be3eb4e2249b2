"""rhil7 query: read-only SQL over the built database, rendered as a table, one line per column, CSV or JSON.

Only SELECT statements run, and EXPLAIN (ANALYZE) of a SELECT: each statement is judged by DuckDB's own
parser (``extract_statements`` and the statement type), an EXPLAIN by the statement it explains, because
EXPLAIN ANALYZE executes it. Behind the allow-list the connection is read-only, has external access
switched off and its configuration locked, so a query can neither change the database, nor read or write
other files or the network, nor change a setting.

Bounded: a result longer than ``max_rows`` rows, a query running longer than ``timeout`` seconds (a watchdog
thread interrupts the connection) and one needing more than ``memory_limit`` (DuckDB's own limit; nothing is
spilled to disk) end in a QueryError that names the option raising the bound. Text leaves through the escaping
function of its sink (rhil7.core.sinks): the terminal's for the table and line formats, the spreadsheet's for CSV.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from .core.sinks import spreadsheet, terminal

ALLOWED = {"SELECT"}
CELL_WIDTH = 60  # the table format's default; --width changes it, 0 shows cells whole
CUT_MARKER = "..."
FORMATS = ("table", "line", "csv", "json")


@dataclass(frozen=True)
class QueryLimits:
    """The bounds of one `rhil7 query` run (each raised by the option of the same name)."""

    max_rows: int = 10_000  # rows of one statement's result
    timeout: float = 30.0  # seconds for all the statements together
    memory_limit: str = "1GB"  # DuckDB's memory_limit (nothing spills to disk)


class QueryError(Exception):
    pass


def positive_count(text: str) -> int:
    """--max-rows: a whole number of at least 1."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of rows, at least 1; found {text!r}")
    return int(text)


def positive_seconds(text: str) -> float:
    """--timeout: seconds, more than 0 and finite."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0; found {text!r}")
    return value


def memory_size(text: str) -> str:
    """--memory-limit: a size DuckDB reads, a number and a unit (500MB, 4GB, 1.5GiB)."""
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?\s*[KMGT]i?B", text.strip(), re.IGNORECASE):
        raise argparse.ArgumentTypeError(f"expected a size such as 500MB or 4GB; found {text!r}")
    return text.strip()


@dataclass
class QueryResult:
    sql: str
    columns: list[str]
    rows: list[tuple]


def _with_article(kind: str) -> str:
    return f"{'an' if kind[:1] in 'AEIOU' else 'a'} {kind}"


def _explained(con, query: str) -> list:
    """The statements an EXPLAIN [ANALYZE] [(options)] statement explains, parsed by DuckDB."""
    import duckdb  # deferred, as in run_queries

    tokens = duckdb.tokenize(query)
    words = [(start, query[start:].split(None, 1)[0].upper()) for start, _ in tokens]
    i = 1  # token 0 is EXPLAIN
    if i < len(words) and words[i][1] == "ANALYZE":
        i += 1
    if i < len(words) and words[i][1].startswith("("):
        depth = 0
        for j in range(i, len(tokens)):
            text = query[tokens[j][0] :].lstrip()[:1]
            depth += text == "("
            depth -= text == ")"
            if depth == 0:
                i = j + 1
                break
        else:
            return []
    if i >= len(words):
        return []
    return con.extract_statements(query[words[i][0] :])


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
                raise QueryError(
                    f"only read queries are allowed; refused an EXPLAIN of {what} statement "
                    "(EXPLAIN ANALYZE runs the statement it explains)"
                )
        elif kind not in ALLOWED:
            raise QueryError(f"only read queries are allowed; refused {_with_article(kind)} statement")
    return statements


def run_queries(database: Path, sql: str, limits: QueryLimits = QueryLimits()) -> list[QueryResult]:
    """Every statement of ``sql``, each with its columns and rows, or QueryError before any of them runs (a refused
    statement) or when one passes a bound of ``limits``."""
    # deferred: cli.py imports this module for its options at every start, and DuckDB (with the numpy that
    # rhil7.core.database pulls in) is paid only when a query runs
    import duckdb

    from .core.database import safe_connect

    if not Path(database).is_file():
        raise QueryError(f"{database} does not exist; run `rhil7 build` first")
    try:  # max_temp_directory_size 0: a query that outgrows memory_limit stops instead of spilling to disk
        con = safe_connect(database, read_only=True, memory_limit=limits.memory_limit, max_temp_directory_size="0KB")
    except duckdb.Error as exc:
        raise QueryError(f"cannot open {database}: {exc}") from None
    watchdog = threading.Timer(limits.timeout, con.interrupt)
    watchdog.daemon = True
    try:
        statements = judge(con, sql)
        watchdog.start()
        return [_run(con, statement, limits) for statement in statements]
    except duckdb.InterruptException:
        raise QueryError(
            f"the query ran longer than {limits.timeout:g} s and was stopped; make it cheaper (a "
            "recursive CTE needs a stop condition) or allow more time with --timeout SECONDS"
        ) from None
    except duckdb.OutOfMemoryException:
        raise QueryError(
            f"the query needs more memory than {limits.memory_limit} and was stopped; add a LIMIT "
            "or a WHERE, or allow more with --memory-limit (e.g. --memory-limit 4GB)"
        ) from None
    except duckdb.Error as exc:
        raise QueryError(str(exc).strip()) from None
    finally:
        watchdog.cancel()
        con.close()


def _run(con, statement, limits: QueryLimits) -> QueryResult:
    cursor = con.execute(statement.query)
    columns = [d[0] for d in cursor.description] if cursor.description else []
    rows = cursor.fetchmany(limits.max_rows + 1)  # the result streams: no more than this is ever fetched
    if len(rows) > limits.max_rows:
        raise QueryError(
            f"the result has more than {limits.max_rows:,} rows, the cap; add a LIMIT (or an "
            "aggregate), or raise the cap with --max-rows N"
        )
    return QueryResult(statement.query.strip(), columns, rows)


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


def _fit(text: str, width: int) -> tuple[str, bool]:
    if not width or len(text) <= width:
        return text, False
    return text[: max(width - len(CUT_MARKER), 1)] + CUT_MARKER, True


def _table(columns: list[str], rows: list[tuple], width: int) -> tuple[list[str], bool]:
    fitted = [[_fit(terminal(_cell(v)), width) for v in row] for row in rows]
    cut = any(was_cut for row in fitted for _, was_cut in row)
    cells = [[text for text, _ in row] for row in fitted]
    names = [terminal(c) for c in columns]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(names)]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(names), line(["-" * w for w in widths])] + [line(r) for r in cells]
    out.append(_count(rows))
    return out, cut


def _lines(columns: list[str], rows: list[tuple]) -> list[str]:
    """One ``column = value`` line per column, names aligned, a blank line between records (sqlite's .mode line):
    wide rows read whole, nothing cut."""
    names = [terminal(c) for c in columns]
    width = max((len(n) for n in names), default=0)
    out = []
    for index, row in enumerate(rows):
        record = [
            f"{name.rjust(width)} = {terminal(_cell(value))}".rstrip() for name, value in zip(names, row, strict=True)
        ]
        out += ([""] if index else []) + record
    return out + ["", _count(rows)] if rows else [_count(rows)]


def _count(rows: list[tuple]) -> str:
    return f"({len(rows)} row{'s' if len(rows) != 1 else ''})"


def render(columns: list[str], rows: list[tuple], fmt: str, width: int = CELL_WIDTH) -> str:
    return render_results([QueryResult("", columns, rows)], fmt, width)


def render_results(results: list[QueryResult], fmt: str, width: int = CELL_WIDTH) -> str:
    """Table, line, CSV or JSON. Several statements: tables (or records) one after the other; CSV and JSON take one
    statement. ``width``: the table format's cell width (0: whole cells); a cut cell is marked and said."""
    if fmt in ("csv", "json") and len(results) != 1:
        raise QueryError(
            f"--format {fmt} prints one result; the SQL holds {len(results)} statements "
            "(run them one at a time, or use the table or line format)"
        )
    if fmt == "json":
        result = results[0]
        # all ASCII: every value kept whole (\u escapes), none can drive the terminal it is printed to
        records = [{c: _plain(v) for c, v in zip(result.columns, row, strict=True)} for row in result.rows]
        return json.dumps(records, indent=2, ensure_ascii=True) + "\n"
    if fmt == "csv":  # a CSV is opened in spreadsheets: a text cell that reads as a formula is escaped
        result = results[0]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([spreadsheet(c) for c in result.columns])
        writer.writerows([[("" if _plain(v) is None else spreadsheet(_plain(v))) for v in row] for row in result.rows])
        return buffer.getvalue()
    out, any_cut = [], False
    for index, result in enumerate(results):
        if len(results) > 1:
            out += ([""] if index else []) + [f"-- {terminal(' '.join(result.sql.split()))}"]
        if fmt == "line":
            out += _lines(result.columns, result.rows)
            continue
        lines, cut = _table(result.columns, result.rows, width)
        out += lines
        any_cut |= cut
    if any_cut:
        out.append(
            f"(cells longer than {width} characters are cut, marked {CUT_MARKER}; --format line shows "
            "them whole, one column a line, as do --width 0, --format csv and --format json)"
        )
    return "\n".join(out) + "\n"
