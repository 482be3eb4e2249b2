"""Read one table with DuckDB's CSV reader, every cell as text, straight into its typed table (the SELECT of
table_checks.Typing), in file order, with its record number; a view shows the cells as text again.

DuckDB's ``read_csv`` with the Table Schema's columns, ``strict_mode`` and ``store_rejects`` reports an
unterminated or misplaced quote, a missing or an extra cell with the record number (header = row 1,
blank lines counted, as frictionless counts) and the column; the rest of the file is read. What it does
not report came from the bytes before (byte_scan.py, when check_resource read the file): a quote inside an
unquoted field, a blank line and control characters. Quoted cells may span lines, so a record's row number
and the physical line an editor shows are told apart (``line_of_row``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import partial

import duckdb
import numpy as np

from rhil7.core.database import quote_identifier, quote_literal

from rhil7.core.byte_scan import ByteScan, line_breaks
from rhil7.core.problems import Problem
from rhil7.core.safe_reader import SafeResource, csv_cells

from .separator import CODE as SEPARATOR_CODE
from .separator import separator_found, separator_message

_LINE_BREAK = re.compile(rb"\r\n|\n|\r")


@dataclass
class ReadTable:
    resource: SafeResource
    table: str  # DuckDB view: the cells as text, one row per accepted record, in file order
    rows: np.ndarray  # record number (header = 1) of each table row
    starts: np.ndarray | None  # physical line where record k + 1 starts, when cells span lines (else = k + 1)
    problems: list[Problem] = field(default_factory=list)
    checkable: bool = True  # header and quoting sound: the cells and keys can be checked
    whole: bool = True  # every record was read: the cross-table rules can trust the table
    controlled: bool = False  # the file holds a control character (table_checks.py says where)
    typed: str = ""  # DuckDB table: the cells typed (table_checks.Typing), what ``table`` shows as text

    def line_of_row(self, row: int | None) -> int | None:
        return int(self.starts[row - 1]) if row and self.starts is not None and row <= len(self.starts) else row


def _problem(res: SafeResource, row, fld, code, expected, found, message, line=None) -> Problem:
    return Problem(
        res.relpath,
        None if row is None else int(row),
        fld,
        code,
        expected,
        found if found != "" else "empty (no value)",
        message,
        "structure",
        line=line,
    )


def header_problems(res: SafeResource, labels: list[str]) -> list[Problem]:
    """frictionless' label errors, from the header's labels and the schema's field names (a header wider than
    the schema was refused before: untrusted.locate_resource)."""
    names = [f["name"] for f in res.descriptor["schema"]["fields"]]
    expected = "header: " + ",".join(names)
    separator = separator_found(labels, names)
    if separator is not None:  # one problem that says why, not a label problem per column
        return [
            _problem(
                res,
                1,
                None,
                SEPARATOR_CODE,
                f"comma-separated cells ({expected})",
                ",".join(labels)[:200],
                separator_message(separator, "this file")
                + " Files in tables/ are best edited with a text editor or `rhil7 ingest` (a spreadsheet may "
                "also reformat dates and numbers).",
            )
        ]
    problems = []
    for i, (label, name) in enumerate(zip(labels, names, strict=False)):
        if label == "":
            problems.append(_problem(res, 1, name, "blank-label", expected, label, "Blank Label: the label is empty"))
        elif label in labels[:i]:
            problems.append(_problem(res, 1, name, "duplicate-label", expected, label, "Duplicate Label"))
        elif label != name:
            problems.append(
                _problem(
                    res,
                    1,
                    name,
                    "incorrect-label",
                    expected,
                    label,
                    f'Incorrect Label: label "{label}" in the header is not "{name}"',
                )
            )
    problems += [
        _problem(res, 1, name, "missing-label", expected, name, "Missing Label: the header lacks this field")
        for name in names[len(labels) :]
    ]
    incorrect = [p for p in problems if p.code == "incorrect-label"]
    if len(names) >= 2 and len(incorrect) >= len(names):  # no label matches: the header row is missing
        merged = _problem(
            res,
            1,
            None,
            "incorrect-label",
            expected,
            ",".join(p.found for p in incorrect)[:200],
            "The first row is not the header: no label matches the Table Schema (is the header row missing?).",
        )
        problems = [p for p in problems if p.code != "incorrect-label"] + [merged]
    return problems


def _line_number(body: memoryview, offset: int) -> int:
    return line_breaks(body[:offset]) + 1


def read_table(con, res: SafeResource, index: int, typing) -> ReadTable:
    """Load ``res`` into DuckDB table typed<index> (``typing``: a table_checks.Typing, which types the cells as
    DuckDB reads them), with the view t<index> of its cells as text, and report its shape. Takes the file's bytes
    from ``res.body`` (without BOM; read once by check_resource) and lets them go before DuckDB reads the file."""
    body, res.body = res.body, None
    read = ReadTable(
        res, quote_identifier(f"t{index}"), np.empty(0, dtype=np.int64), None, typed=quote_identifier(f"typed{index}")
    )
    labels = _header_labels(body)
    header = header_problems(res, labels)
    # a label that is wrong, blank or repeated leaves each cell in its field's place, so the rows are checked
    # too (every problem in one run, as frictionless reports them); a header narrower than the schema is read by
    # the fields it has (a row as wide as the schema then has extra cells, as frictionless says); a header cut by
    # another separator than the comma is not read
    if not labels or any(p.code == SEPARATOR_CODE for p in header):
        return _unchecked(read, header)
    if len(labels) < len(res.descriptor["schema"]["fields"]):
        res = read.resource = _narrowed(res, len(labels))
        typing = type(typing)(res.descriptor["schema"]["fields"])
    names = [f["name"] for f in res.descriptor["schema"]["fields"]]
    stray, read.controlled = res.scan.stray, res.scan.controlled
    quoted = body if stray is not None else None  # kept only to quote a quoting fault
    del body  # DuckDB reads the file itself: a large table is not held twice
    typed_select = partial(typing.select, read.controlled)  # (the source relation -> the SELECT typing its cells)
    try:
        rejects = _load_strict_or_lenient(con, res, names, read.typed, typed_select, f"rejects{index}")
    except duckdb.Error as exc:
        return _unchecked(
            read,
            header
            + [
                _problem(
                    res,
                    None,
                    None,
                    "malformed-csv",
                    "well-formed CSV (RFC 4180)",
                    str(exc).splitlines()[0][:200],
                    "The CSV cannot be read.",
                )
            ],
        )
    con.execute(f"CREATE OR REPLACE VIEW {read.table} AS {typing.text_view(read.typed)}")
    rejected = _rejected_records(con, rejects)
    count = con.execute(f"SELECT count(*) FROM {read.typed}").fetchone()[0]
    reject_rows = np.array(sorted({r[0] for r in rejected}), dtype=np.int64)
    read.rows, read.starts, blank_rows = _record_numbers(count, reject_rows, res.scan)
    quoting = [r for r in rejected if r[2] == "UNQUOTED VALUE"]
    if quoting or stray is not None:
        return _unchecked(
            read, header + [_quoting_problem(res, read, quoted, stray, quoting[0] if quoting else None, names)]
        )
    read.problems += _rejected_problems(res, rejected, names)
    _add_too_wide_rows(con, read, typed_select, names, rejected, index)
    read.problems += _without_blank_rows(con, read, names, blank_rows)
    read.problems = header + read.problems
    read.whole = not rejected and not header  # (the rules across tables trust a table whose header is sound)
    return read


def _header_labels(body: memoryview) -> list[str]:
    """The cells of the file's first line."""
    first = _LINE_BREAK.search(body)
    return csv_cells(bytes(body[: first.start() if first else len(body)]).decode("utf-8"))


def _unchecked(read: ReadTable, problems: list[Problem]) -> ReadTable:
    """``read`` with ``problems`` that leave its cells and keys unchecked and its rules untrusted."""
    read.problems, read.checkable, read.whole = problems, False, False
    return read


def _load_strict_or_lenient(con, res: SafeResource, names: list[str], table: str, typed_select, rejects: str) -> str:
    """``_load`` in DuckDB's strict mode, else leniently; returns the name of the rejects table. Raises
    duckdb.Error when neither can read the file."""
    try:
        return _load(con, res, names, table, typed_select, rejects, strict=True)
    except duckdb.Error:  # strict mode refuses mixed line ends (CR LF and LF in one file), which the standard allows
        return _load(con, res, names, table, typed_select, rejects + "_lenient", strict=False)


def _rejected_records(con, rejects: str) -> list[tuple]:
    """(record number, column, DuckDB's error type, the record's text) of each record DuckDB set aside, in file
    order."""
    return con.execute(
        f"SELECT line, column_name, error_type, csv_line FROM {quote_identifier(rejects)} ORDER BY line, column_idx"
    ).fetchall()


def _add_too_wide_rows(con, read: ReadTable, typed_select, names: list[str], rejected: list[tuple], index: int) -> None:
    """The rows with more cells than the header, which DuckDB set aside, put in ``read``'s typed table: their
    cells are checked like every other row's (as frictionless does)."""
    too_wide = {
        line: csv_cells(text.strip("\r\n"))[: len(names)]
        for line, _, kind, text in rejected
        if kind == "TOO MANY COLUMNS"
    }
    if too_wide:
        read.rows = _add_rows(con, read.typed, typed_select, names, too_wide, read.rows, index)


def _rejected_problems(res: SafeResource, rejected: list[tuple], names: list[str]) -> list[Problem]:
    """An extra cell, the missing cells or a malformed record, for each record DuckDB set aside."""
    problems = []
    for line, column, kind, text in rejected:
        if kind == "TOO MANY COLUMNS":
            cells = csv_cells(text.strip("\r\n"))
            extra = cells[len(names)] if len(cells) > len(names) else ""
            problems.append(
                _problem(
                    res,
                    line,
                    None,
                    "extra-cell",
                    f"at most {len(names)} cells, as in the header",
                    f"a cell beyond the header: {extra!r}",
                    "Extra Cell: Row has more cells than the header",
                )
            )
        elif kind == "MISSING COLUMNS":
            cells = csv_cells(text.strip("\r\n"))
            problems += [
                _problem(
                    res,
                    line,
                    name,
                    "missing-cell",
                    f"{len(names)} cells, as in the header",
                    f"the row ends before {name}",
                    "Missing Cell: Row has fewer cells than the header",
                )
                for name in names[len(cells) :]
            ]
        else:
            problems.append(
                _problem(
                    res,
                    line,
                    column,
                    "malformed-csv",
                    "well-formed CSV (RFC 4180)",
                    text[:120],
                    f"The record cannot be read: {kind.lower()}.",
                )
            )
    return problems


def _without_blank_rows(con, read: ReadTable, names: list[str], blank_lines: list[int]) -> list[Problem]:
    """A blank-row problem for each blank line and each row whose cells are all empty; those rows are taken out
    of ``read``'s typed table and record numbers."""
    empty = " AND ".join(f"coalesce({quote_identifier(n)}, '') = ''" for n in names)
    all_empty = con.execute(f"SELECT rowid FROM {read.table} WHERE {empty} ORDER BY rowid").fetchnumpy()["rowid"]
    problems = [
        _problem(
            read.resource,
            row,
            None,
            "blank-row",
            "a record (no empty lines inside a table)",
            "an empty line (or only commas)",
            "Blank Row: Row is completely blank",
        )
        for row in blank_lines + read.rows[all_empty].tolist()
    ]
    if len(all_empty):
        # rebuilt, not DELETEd from: DuckDB keeps the row ids of the rows after a deleted one, and row ids
        # index read.rows
        con.execute(
            f"CREATE OR REPLACE TABLE {read.typed} AS SELECT * FROM {read.typed} WHERE rowid NOT IN "
            f"(SELECT rowid FROM {read.table} WHERE {empty}) ORDER BY rowid"
        )
        keep = np.ones(len(read.rows), dtype=bool)
        keep[all_empty] = False
        read.rows = read.rows[keep]
    return problems


def _load(con, res: SafeResource, names: list[str], table: str, typed_select, rejects: str, strict: bool) -> str:
    """CREATE TABLE ``table`` from the file (``typed_select``: the source relation -> the SELECT that types its
    text cells); returns the name of its rejects table."""
    con.execute(f"CREATE OR REPLACE TABLE {table} AS {typed_select(_csv_as_text(res, names, rejects, strict))}")
    return rejects


def _csv_as_text(res: SafeResource, names: list[str], rejects: str, strict: bool) -> str:
    """DuckDB's read_csv of ``res``'s file, every cell of the columns ``names`` as text, the records it cannot
    read set aside in the table ``rejects``."""
    columns = ", ".join(f"{quote_literal(n)}: 'VARCHAR'" for n in names)
    return (
        f"read_csv({quote_literal(str(res.path))}, columns = {{{columns}}}, header = true, auto_detect = false, "
        f"delim = ',', quote = '\"', escape = '\"', strict_mode = {str(strict).lower()}, store_rejects = true, "
        f"rejects_table = {quote_literal(rejects)}, rejects_scan = {quote_literal(rejects + '_scan')}, "
        f"encoding = 'utf-8', max_line_size = 4194304)"
    )


def _narrowed(res: SafeResource, width: int) -> SafeResource:
    """``res`` with the first ``width`` fields of its schema, and the keys made of those fields only."""
    schema = res.descriptor["schema"]
    fields = schema["fields"][:width]
    kept = {f["name"] for f in fields}
    key = schema.get("primaryKey")
    key = [key] if isinstance(key, str) else list(key or [])
    keys = [
        fk
        for fk in schema.get("foreignKeys") or []
        if set([fk["fields"]] if isinstance(fk["fields"], str) else fk["fields"]) <= kept
    ]
    narrowed = {**schema, "fields": fields, "primaryKey": key if set(key) <= kept else [], "foreignKeys": keys}
    return replace(res, descriptor={**res.descriptor, "schema": narrowed})


def _add_rows(
    con, table: str, typed_select, names: list[str], rows: dict[int, list[str]], records: np.ndarray, index: int
) -> np.ndarray:
    """``rows`` (record number: text cells, the schema's first ones) typed by ``typed_select`` (the source
    relation -> the SELECT that types its text cells) and put in ``table`` among the rows DuckDB read
    (``records``: their record numbers, in order), in
    file order; returns the record numbers of the table's rows. (A table rewritten: only for a file with a row
    wider than its header.)"""
    import pyarrow as pa  # (deferred: only such a file needs it)

    cells = pa.table(
        {
            name: [row[i] if i < len(row) and row[i] != "" else None for row in rows.values()]
            for i, name in enumerate(names)
        }
    )
    records = np.concatenate([records, np.fromiter(rows, dtype=np.int64)])
    places = pa.table({"place": np.arange(len(records), dtype=np.int64), "record": records})
    source, cursor = f"too_wide{index}", con.cursor()  # (a cursor of its own: ``con`` may hold a pending result)
    try:
        cursor.register(source, cells)
        cursor.register(f"{source}_places", places)
        cursor.execute(f"INSERT INTO {table} {typed_select(quote_identifier(source))}")
        cursor.execute(
            f"CREATE OR REPLACE TABLE {table} AS SELECT t.* FROM {table} t JOIN "
            f"{quote_identifier(source + '_places')} p ON t.rowid = p.place ORDER BY p.record"
        )
    finally:
        cursor.close()
    return np.sort(records)


def _record_numbers(
    count: int, reject_rows: np.ndarray, scan: ByteScan
) -> tuple[np.ndarray, np.ndarray | None, list[int]]:
    """The record number of each accepted row, the physical line where each record starts (None: every record is
    one line) and the record numbers of the blank lines. The records are DuckDB's accepted rows, its rejected
    records (numbered by DuckDB) and the blank lines, in file order; a record ends at a line end outside quoted
    cells (the scan)."""
    starts = None
    blank = np.asarray(scan.blank, dtype=np.int64)
    if len(scan.spanning):  # the line where each record starts (the header, record 1, at line 1)
        starts = np.concatenate([[1], np.delete(np.arange(scan.lines, dtype=np.int64), scan.spanning) + 2])
        blank = np.searchsorted(starts, blank) + 1  # (a blank line is a record of its own)
    taken = np.union1d(reject_rows, blank)
    rows = (
        np.setdiff1d(np.arange(2, count + len(taken) + 2, dtype=np.int64), taken)[:count]
        if len(taken)
        else np.arange(2, count + 2, dtype=np.int64)
    )
    if starts is not None and count + len(taken) + 1 > len(starts):  # (quoting broken: the records' lines unknown)
        starts = None
    return rows, starts, blank.tolist()


def _quoting_problem(
    res: SafeResource, read: ReadTable, body: memoryview | None, stray, reject, names: list[str]
) -> Problem:
    """The first quoting fault of the file (DuckDB's, or a quote inside an unquoted field), located."""
    message = (
        "The CSV quoting is broken (RFC 4180): a quote must enclose a whole field, and a quote inside a "
        "field is written twice. The rest of the file is not checked until this is fixed."
    )
    expected = 'a comma or line end after a field; quote the whole field and double any quote inside it ("")'
    row = reject[0] if reject else None
    if stray is not None:
        line = _line_number(body, stray)
        stray_row = _row_of_line(read, line)
        if row is None or stray_row < row:
            start = bytes(body[:stray]).rfind(b"\n") + 1
            before = bytes(body[start:stray]).decode("utf-8", errors="replace")
            column = len(csv_cells(before) or [""]) - 1 if before else 0
            excerpt = bytes(body[max(0, stray - 30) : stray + 30]).decode("utf-8", errors="replace")
            return _problem(
                res,
                stray_row,
                names[column] if column < len(names) else None,
                "malformed-csv",
                expected,
                f"a quote inside an unquoted field: {excerpt!r}",
                message,
                line=line,
            )
    found = f"a quote that does not enclose its field: {reject[3][:60]!r}"
    return _problem(res, row, reject[1], "malformed-csv", "a closing quote for the quoted field", found, message)


def _row_of_line(read: ReadTable, line: int) -> int:
    """The record number of the record on (or spanning) physical ``line``."""
    return line if read.starts is None else int(np.searchsorted(read.starts, line, side="right"))
