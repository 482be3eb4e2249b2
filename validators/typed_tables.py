"""The typed tables the rules read: one DuckDB table per table read whole, and a way to list a rule's rows.

A rule is SQL over these tables; only the rows that break it come back to Python, at most ``listed`` per
query (the rest are counted), so a table of a million rows, or of a million faults, never becomes a Python
object per row.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from copy import copy

from rhil7.core.database import quote_identifier

from .csv_reading import ReadTable
from rhil7.core.problems import Problem, omitted_problem

# The engine's own columns beside a table's fields. Each starts with an underscore: a field name starts with a
# letter (descriptor_shape.py refuses any other), so none can collide with a field of the table.
ROW_FAILS_A_CHECK = "_row_fails_a_check"  # true where some cell of the row fails a cell check
SNIPPET_UNCONFIRMED = "_snippet_unconfirmed"  # the snippet rule's pre-filter (cross_rules.SnippetFilter)
SNIPPET_DIGIT_RUNS = "_snippet_digit_runs"  # the snippet's runs of digits and points (snippets.DIGIT_RUNS)
TYPED_CELLS_AS_TEXT = "_typed_cells_as_text"  # the typed cells' text, kept in a row that fails a check


def typed_cell(position: int) -> str:
    """The column holding field ``position``'s cell as its type, while the typing pass runs."""
    return f"_typed_cell_{position}"


class TypedTables:
    def __init__(self, con, listed: int):
        self.con, self.listed = con, listed
        self.omitted: list[Problem] = []  # the problems-omitted records of the queries that listed no more
        self._tables: dict[str, ReadTable] = {}

    def using(self, con) -> "TypedTables":
        """The same tables through connection ``con`` (a cursor of this one), with problems-omitted records of
        its own: for a rule run alongside others (``in_parallel``)."""
        other = copy(self)
        other.con, other.omitted = con, []
        return other

    def add(self, name: str, read: ReadTable) -> None:
        self._tables[name] = read

    def __getitem__(self, name: str) -> str:
        """The quoted DuckDB table of ``name``."""
        return self._tables[name].typed

    def has(self, name: str, *columns: str) -> bool:
        """Whether ``name`` was read whole and its schema has every one of ``columns``."""
        return name in self._tables and set(columns) <= {
            f["name"] for f in self._tables[name].resource.descriptor["schema"]["fields"]
        }

    def rows(self, name: str, code: str, query: str, count: int | None = None) -> list[tuple]:
        """(record number, *rest) of the rows ``query`` selects (its first column: ``rowid`` of table ``name``),
        in file order; at most ``listed``, the rest counted as problems of ``code``. ``count``: how many rows
        ``query`` selects, when known (then ``query`` must be a plain filter of the table, which keeps its order)."""
        return first_rows(self.con, self._tables[name], query, code, self.listed, self.omitted, count, file=name)

    def record(self, name: str, rid: int) -> int:
        """The record number (header = 1) of row ``rid`` of table ``name``."""
        return int(self._tables[name].rows[rid])

    def stream(self, query: str, batch: int = 10_000):
        """The rows of ``query``, fetched a batch at a time."""
        result = self.con.execute(query)
        while rows := result.fetchmany(batch):
            yield from rows

    def every(self, query: str) -> list[tuple]:
        return self.con.execute(query).fetchall()

    def arrow(self, name: str):
        """Table ``name`` as DuckDB typed it (the schema's fields only, in file order), a pyarrow Table."""
        fields = self._tables[name].resource.descriptor["schema"]["fields"]
        columns = ", ".join(quote_identifier(f["name"]) for f in fields)
        return self.con.sql(f"SELECT {columns} FROM {self[name]} ORDER BY rowid").to_arrow_table()


def first_rows(
    con,
    read: ReadTable,
    query: str,
    code: str,
    listed: int,
    omitted: list[Problem],
    count: int | None = None,
    file: str | None = None,
) -> list[tuple]:
    """(record number, *rest) of the first ``listed`` rows of ``query`` (its first column: a row id of ``read``'s
    table), in file order; the rest are counted in a problems-omitted record added to ``omitted``. ``count``:
    how many rows ``query`` gives, when known (a plain filter keeps the table's order: the scan stops early)."""
    if count is None:
        found = con.execute(f"SELECT *, count(*) OVER () FROM ({query}) ORDER BY 1 LIMIT {listed}").fetchall()
        count, found = (found[0][-1] if found else 0), [r[:-1] for r in found]
    else:
        found = con.execute(f"{query} LIMIT {listed}").fetchall()
    if count > listed:
        omitted.append(omitted_problem(file or read.resource.relpath, code, count - listed, listed))
    return [(int(read.rows[r[0]]), *r[1:]) for r in found]


def fmt(value) -> str:
    """A cell's value as a problem shows it: 12 rather than 12.0, "empty" for a missing value."""
    if value is None or value != value:
        return "empty"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def problem(table: str, row, field, code, expected, found, message) -> Problem:
    return Problem(
        file=table,
        row=None if row is None else int(row),
        field=field,
        code=code,
        expected=expected,
        found=str(found),
        message=message,
    )


def in_parallel(con, jobs: list) -> list:
    """Each job called with a cursor of its own on ``con``'s database, two to four at once (one per core), the
    results in the jobs' order. A table's reading and a rule's queries keep the cores busy only part of the time
    (small tables, joins, the Python between the queries); DuckDB runs the queries of several cursors together.
    (No more than four: DuckDB spreads each query over the cores itself, and each job running holds its own
    intermediate results in memory.)"""
    workers = min(len(jobs), 4, max(2, os.cpu_count() or 1))
    if workers < 2:
        return [job(con) for job in jobs]

    def run(job):
        cursor = con.cursor()
        try:
            return job(cursor)
        finally:
            cursor.close()

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(run, jobs))
