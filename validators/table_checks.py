"""The Table Schema's checks, derived from the descriptor in one place and run as SQL over the text cells.

Types (integer, number, date), required, enum, pattern, minimum, maximum, minLength, maxLength, unique,
the primary key and the foreign keys, with frictionless' codes, row numbers and fields (its reports are
the reference the tests hold this module to). Each check is one SQL expression over a table of text
cells; its failures are counted in the database and at most ``listed`` of them come back to Python, so a
file full of faults costs no more memory than a clean one. The typed table the rules read comes from the same
cells, cast by the same expressions, in the pass that finds the rows with a failing cell. The project's text safety
(no cell that a spreadsheet reads as a formula, no control character) is checked here too, cell by cell.
"""

from __future__ import annotations

import re
from dataclasses import replace

from rhil7.core.database import quote_identifier, quote_literal
from rhil7.core.vocabulary import FORMULA_STARTS, VERBATIM_FIELDS

from .compiled_checks import CellCheck, field_checks
from .cross_rules import SnippetFilter
from .csv_reading import ReadTable
from .snippets import DIGIT_RUNS
from .typed_tables import (
    ROW_FAILS_A_CHECK,
    SNIPPET_DIGIT_RUNS,
    SNIPPET_UNCONFIRMED,
    TYPED_CELLS_AS_TEXT,
    first_rows,
    typed_cell,
)
from rhil7.core.problems import Problem

INTEGER = "[+-]?[0-9]+"
NUMBER = "[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
DATE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
SQL_TYPES = {"integer": "BIGINT", "number": "DOUBLE", "date": "DATE"}
_SHAPES = {"integer": INTEGER, "number": NUMBER, "date": DATE}


def field_expectation(field: dict) -> str:
    parts = [field.get("type", "string")]
    for key, value in (field.get("constraints") or {}).items():
        if key == "required" and value:
            parts.append("required")
        elif key != "required":
            parts.append(f"{key}={value}")
    return ", ".join(parts)


def _present(column: str) -> str:
    return f"({column} IS NOT NULL AND {column} <> '')"


def typed_value(column: str, type_: str) -> str:
    """The cell as the schema's type; NULL when empty or not of the type."""
    if type_ not in SQL_TYPES:
        return f"NULLIF({column}, '')"
    # (every shape needs a digit: an empty cell never matches)
    shape = quote_literal(_SHAPES[type_])
    return f"CASE WHEN regexp_full_match({column}, {shape}) THEN TRY_CAST({column} AS {SQL_TYPES[type_]}) END"


def _literal(value, type_: str) -> str:
    if type_ in ("integer", "number") and isinstance(value, (int, float)) and not isinstance(value, bool):
        if type_ == "number":
            return repr(float(value))
        return str(int(value)) if float(value).is_integer() else repr(value)
    if type_ == "date":
        return f"TRY_CAST({quote_literal(str(value))} AS DATE)"
    return quote_literal(str(value))


# A NUL ends a string in C and in base R, an ESC sequence (or its C1 form, U+009B) echoed to a terminal can print
# anything (a fake "VALID" included), a bidi override (U+202E) or a zero-width character shows other text than is
# stored: text may hold a tab or a line break, none of these (the byte scan's ``controlled`` finds the same set).
CONTROL_RANGES = (
    (0x00, 0x08),
    (0x0B, 0x0C),
    (0x0E, 0x1F),
    (0x7F, 0x9F),
    (0x061C, 0x061C),
    (0x200B, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x2060),
    (0x2066, 0x2069),
    (0xFEFF, 0xFEFF),
)
CONTROL = "[" + "".join(f"\\x{{{lo:x}}}-\\x{{{hi:x}}}" for lo, hi in CONTROL_RANGES) + "]"  # (RE2's syntax)
_CONTROL = re.compile("[" + "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in CONTROL_RANGES) + "]")
# Codes of the cell checks that are the project's rules, not the Table Schema's (their problems pass through
# consequences.py like the other rules' problems)
RULE_CELL_CODES = ("formula-like-text", "control-character")


def cell_checks(field: dict, controlled: bool = False, typed: str | None = None) -> list[tuple[str, str, str]]:
    """(code, constraint name or '', SQL condition that is true for a failing cell, false or NULL otherwise) for
    one field. ``controlled``: the file holds a control character, so its text cells are searched for one.
    ``typed``: a column holding the cell's ``typed_value`` already (each cell is then typed once)."""
    column = quote_identifier(field["name"])
    type_ = field.get("type", "string")
    constraints = field.get("constraints") or {}
    typed_type = type_ in SQL_TYPES
    value = (typed or typed_value(column, type_)) if typed_type else column
    # a constraint judges only a value of the type: an empty or mistyped cell leaves it NULL (never true)
    valid = f"{value} IS NOT NULL AND " if typed_type else f"{column} <> '' AND "
    checks = [("type-error", "", f"({column} <> '' AND {value} IS NULL)")] if typed_type else []
    # (a typed value is NULL unless the cell is of the type; a text cell must be tested for being empty)
    given = "" if typed_type else valid
    checks += [
        (check.code, check.kind, _failing(check, column, value, valid, given))
        for check in field_checks(field)
        if check.kind != "unique"
    ]
    if type_ == "string":
        # spreadsheet safety (OWASP "CSV injection"): a verbatim snippet is a quote, exempt (the release makes
        # the spreadsheet copies safe); so is a field whose values all come from an enum of safe words (a formula
        # there fails the enum, the more specific problem)
        safe_enum = "enum" in constraints and not any(str(v).startswith(FORMULA_STARTS) for v in constraints["enum"])
        if field["name"] not in VERBATIM_FIELDS and not safe_enum:
            starts = ", ".join(str(ord(c)) for c in FORMULA_STARTS)  # (the first character's code: fastest)
            checks.append(("formula-like-text", "", f"ascii({column}) IN ({starts})"))
        if controlled:
            checks.append(("control-character", "", f"regexp_matches({column}, {quote_literal(CONTROL)})"))
    return checks


def _failing(check: CellCheck, column: str, value: str, valid: str, given: str) -> str:
    """The SQL condition, true for a cell that fails ``check`` (``value``: the cell typed, ``valid``: a prefix
    that leaves an empty or mistyped cell unjudged, ``given``: the same, empty for a typed value)."""
    parameter, kind = check.parameter, check.kind
    if kind == "required":
        return f"coalesce({column}, '') = ''"
    if kind == "enum":
        return f"({given}{value} NOT IN ({', '.join(_literal(v, check.type) for v in parameter)}))"
    if kind == "pattern":  # a whole-value match (RE2), as pandera and Great Expectations run it
        return f"({valid}NOT regexp_full_match({column}, {quote_literal(parameter)}))"
    if kind in ("minimum", "maximum"):
        return f"({given}{value} {'<' if kind == 'minimum' else '>'} {_literal(parameter, check.type)})"
    return f"({valid}length({column}) {'<' if kind == 'minLength' else '>'} {int(parameter)})"


class Listing:
    """Problems of one table, at most ``listed`` per check, the rest counted."""

    def __init__(self, read: ReadTable, listed: int):
        self.read, self.listed, self.problems = read, listed, []

    def rows_where(self, con, condition: str, columns: list[str], code: str, count: int | None = None) -> list[tuple]:
        """(record number, *columns) of the first rows where ``condition`` holds; the rest are counted."""
        selected = ", ".join(["rowid"] + [quote_identifier(c) for c in columns])
        return first_rows(
            con,
            self.read,
            f"SELECT {selected} FROM {self.read.table} WHERE {condition}",
            code,
            self.listed,
            self.problems,
            count,
        )


def _problem(read: ReadTable, row, field, code, expected, found, message) -> Problem:
    return Problem(
        read.resource.relpath,
        row,
        field,
        code,
        expected,
        "empty (no value)" if found in ("", None) else str(found),
        message,
        "structure",
    )


def _cell_problem(read: ReadTable, field: dict, code: str, constraint: str, value: str) -> Problem:
    if code == "formula-like-text":
        first = {"\t": "a tab", "\r": "a carriage return"}.get(value[0], value[0])
        return Problem(
            read.resource.relpath,
            None,
            field["name"],
            code,
            "text that does not start with =, +, -, @, a tab or a carriage return",
            value[:80],
            f"The text starts with {first} and would be evaluated as a formula when the CSV is opened in a "
            "spreadsheet; reword it so it starts with a letter, digit or bracket.",
        )
    if code == "control-character":
        first = _CONTROL.search(value).group()
        return Problem(
            read.resource.relpath,
            None,
            field["name"],
            code,
            "text without control, bidi or zero-width characters (a tab or a line break is allowed)",
            f"U+{ord(first):04X} in {value[:80]!r}",
            "The text holds a control or invisible character, which readers truncate at (NUL), a "
            "terminal executes (ESC, U+009B) or which shows other text than is stored (a bidi override "
            "such as U+202E, a zero-width space); remove it.",
        )
    message = (
        f'Type Error: type is "{field.get("type", "string")}"'
        if code == "type-error"
        else f'Constraint Error: constraint "{constraint}" is "{(field.get("constraints") or {})[constraint]}"'
    )
    return _problem(read, None, field["name"], code, field_expectation(field), value, message)


class Typing:
    """How one table goes into DuckDB: the SELECT that types its cells as DuckDB's CSV reader reads them (one
    pass: each cell typed once, every cell check evaluated, the rows with a failing cell marked
    ROW_FAILS_A_CHECK, the snippet rule's pre-filter SNIPPET_UNCONFIRMED computed), and the view that shows the
    typed table as text again."""

    def __init__(self, fields: list[dict], snippet: SnippetFilter | None = None):
        self.fields, self.snippet = fields, snippet
        self.cast = {i: typed_cell(i) for i, f in enumerate(fields) if f.get("type", "string") in SQL_TYPES}

    def select(self, controlled: bool, source: str) -> str:
        """The SELECT that types and checks the text cells of relation ``source`` (SQL: a quoted table name or a
        table function); ``controlled``: the file holds a control character."""
        checked = self._checked_rows(controlled, self._typed_cells(source))
        unconfirmed = f"coalesce({self.snippet.unsure if self.snippet else 'false'}, false)"
        return (
            f"SELECT {self._output_columns()}, {ROW_FAILS_A_CHECK}, {unconfirmed} AS {SNIPPET_UNCONFIRMED} "
            f"FROM {checked}"
        )

    def _typed_cells(self, source: str) -> str:
        """``source``'s text cells, with each cell of a typed field typed once beside them (typed_cell)."""
        typed = "".join(
            f", {typed_value(quote_identifier(self.fields[i]['name']), self.fields[i]['type'])} AS {c}"
            for i, c in self.cast.items()
        )
        return f"(SELECT *{typed} FROM {source})"

    def _checked_rows(self, controlled: bool, cells: str) -> str:
        """``cells`` with whether each row fails a cell check, and the snippet's runs of digits."""
        # the snippet's runs of digits (a regular expression: about 0.5 s a million rows)
        words = f"CASE WHEN snippet <> '' THEN {DIGIT_RUNS.format('snippet')} END" if self.snippet else "NULL"
        failing = [c for i, f in enumerate(self.fields) for *_, c in cell_checks(f, controlled, self.cast.get(i))]
        bad = f"coalesce({' OR '.join(failing) or 'false'}, false)"  # (a condition is NULL where it does not apply)
        return f"(SELECT *, ({bad}) AS {ROW_FAILS_A_CHECK}, {words} AS {SNIPPET_DIGIT_RUNS} FROM {cells})"

    def _output_columns(self) -> str:
        """The typed table's columns: each field as its type (a text field NULL when empty), then, where some
        field is typed, TYPED_CELLS_AS_TEXT."""
        fields, cast = self.fields, self.cast
        columns = ", ".join(
            f"{cast[i]} AS {quote_identifier(f['name'])}"
            if i in cast
            else f"{typed_value(quote_identifier(f['name']), 'string')} AS {quote_identifier(f['name'])}"
            for i, f in enumerate(fields)
        )
        if cast:  # the typed cells keep their text only in a row with a failing cell (the only rows listed)
            columns += (
                f", CASE WHEN {ROW_FAILS_A_CHECK} THEN ["
                + ", ".join(quote_identifier(fields[i]["name"]) for i in cast)
                + f"] END AS {TYPED_CELLS_AS_TEXT}"
            )
        return columns

    def text_view(self, typed: str) -> str:
        """The typed table's cells as text (a typed cell of a row without a failing cell as its value's text:
        the checks find it well typed and present, as they found its text)."""
        place = {i: k for k, i in enumerate(self.cast, start=1)}  # (a DuckDB list counts from 1)
        cells = ", ".join(self._as_text(f["name"], place.get(i)) for i, f in enumerate(self.fields))
        return f"SELECT rowid AS rowid, {cells}, {ROW_FAILS_A_CHECK} FROM {typed}"

    @staticmethod
    def _as_text(name: str, place: int | None) -> str:
        """Field ``name`` as text; ``place``: where its text is in TYPED_CELLS_AS_TEXT (None: a text field)."""
        column = quote_identifier(name)
        if place is None:
            return f"{column} AS {column}"
        return f"coalesce({TYPED_CELLS_AS_TEXT}[{place}], CAST({column} AS VARCHAR)) AS {column}"


def table_problems(con, read: ReadTable, listed: int) -> list[Problem]:
    """Types, constraints, text safety, unique values and the primary key of one table (read by read_table)."""
    listing = Listing(read, listed)
    schema = read.resource.descriptor["schema"]
    failing = [(field, *check) for field in schema["fields"] for check in cell_checks(field, read.controlled)]
    if failing and con.execute(f"SELECT bool_or({ROW_FAILS_A_CHECK}) FROM {read.typed}").fetchone()[0]:
        # only the rows with a failing cell are looked at again (that filter first: the checks run on those)
        counts = con.execute(
            "SELECT "
            + ", ".join(f"count_if({c})" for *_, c in failing)
            + f" FROM {read.table} WHERE {ROW_FAILS_A_CHECK}"
        ).fetchone()
        for (field, code, constraint, condition), count in zip(failing, counts, strict=True):
            if not count:
                continue
            where = f"{ROW_FAILS_A_CHECK} AND {condition}"
            for row, value in listing.rows_where(con, where, [field["name"]], code, count):
                listing.problems.append(replace(_cell_problem(read, field, code, constraint, value), row=row))
    key = schema.get("primaryKey")
    key = [key] if isinstance(key, str) else list(key or [])
    for field in schema["fields"]:
        # a unique field that is the whole primary key: its repeats are primary-key problems, reported once
        if any(c.kind == "unique" for c in field_checks(field)) and key != [field["name"]]:
            listing.problems += _repeats(
                con, listing, [field], "unique-error", field_expectation(field), "Unique Error: the value is not unique"
            )
    if key:
        fields = {f["name"]: f for f in schema["fields"]}
        joined = ",".join(key)
        listing.problems += _repeats(
            con,
            listing,
            [fields[k] for k in key],
            "primary-key",
            f"a primary key ({joined}) that no other row has",
            "Primary Key Error: the same as in an earlier row",
        )
        listing.problems += _keyless(con, listing, key)
    return listing.problems


def _keyless(con, listing: Listing, key: list[str]) -> list[Problem]:
    """Rows whose primary-key cells are all empty (or not of their type): a row no key can name (frictionless'
    primary-key error "cells composing the primary keys are all None")."""
    empty = " AND ".join(f"{quote_identifier(k)} IS NULL" for k in key)
    condition = f"rowid IN (SELECT rowid FROM {listing.read.typed} WHERE {empty})"
    joined = ",".join(key)
    return [
        _problem(
            listing.read,
            row,
            joined,
            "primary-key",
            f"a primary key ({joined}) in every row",
            "empty (no value)",
            "Primary Key Error: the cells of the primary key are all empty; give the row its key",
        )
        for row, *_ in listing.rows_where(con, condition, [], "primary-key")
    ]


def _repeats(con, listing: Listing, fields: list[dict], code: str, expected: str, message: str) -> list[Problem]:
    """Rows whose values in ``fields`` (all present) an earlier row already has; numbers compare as numbers (the
    typed table's). (One numbering query: a pre-pass grouping the repeated hashes first paid nothing, A/B 0.99
    on the 1M-row package.)"""
    names = [f["name"] for f in fields]
    values, typed = ", ".join(map(quote_identifier, names)), listing.read.typed
    present = " AND ".join(f"{quote_identifier(n)} IS NOT NULL" for n in names)
    condition = (
        f"rowid IN (SELECT rowid FROM {typed} WHERE {present} "
        f"QUALIFY row_number() OVER (PARTITION BY {values} ORDER BY rowid) > 1)"
    )
    problems = []
    for row, *cells in listing.rows_where(con, condition, names, code):
        if code == "primary-key":
            pairs = ", ".join(f"{n}={v}" for n, v in zip(names, cells, strict=True))
            found = f"{pairs} (the same values as an earlier row)"
        else:
            found = cells[0]
        problems.append(_problem(listing.read, row, ",".join(names), code, expected, found, message))
    return problems


def foreign_key_problems(con, read: ReadTable, target: ReadTable, fk: dict, listed: int) -> list[Problem]:
    """Rows whose key (all parts present) is not among the referenced table's values."""
    fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
    reference = fk["reference"]
    ref_fields = reference["fields"] if isinstance(reference["fields"], list) else [reference["fields"]]
    present = " AND ".join(_present(quote_identifier(f)) for f in fields)
    mine = ", ".join(quote_identifier(f) for f in fields)
    theirs = ", ".join(quote_identifier(f) for f in ref_fields)
    condition = (
        f"({present} AND ({mine}) NOT IN (SELECT ({theirs}) FROM {target.table}))"
        if len(fields) > 1
        else f"({present} AND {mine} NOT IN (SELECT {theirs} FROM {target.table} WHERE {theirs} IS NOT NULL))"
    )
    listing = Listing(read, listed)
    where = f"{reference.get('resource') or 'this table'}.{','.join(ref_fields)}"
    for row, *cells in listing.rows_where(con, condition, fields, "foreign-key"):
        listing.problems.append(
            _problem(
                read,
                row,
                ",".join(fields),
                "foreign-key",
                f"a value that exists in {where}",
                ",".join(map(str, cells)),
                "Foreign Key Error: the key is not in the referenced table",
            )
        )
    return listing.problems
