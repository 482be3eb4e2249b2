"""pandera models for every table, generated from the checks compiled from the Table Schemas (compiled_checks).

The descriptor is the one source of truth: column names and types come from it, and each constraint (required,
enum, pattern, minimum, maximum, minLength, maxLength, unique) from its compiled record, the one the gate's SQL is
generated from. A pattern is a whole-value match run by DuckDB's RE2, as the gate runs it; a repeated value is
reported from its second occurrence, as the gate does. What a Table Schema cannot say (rules within a row) is
added from ``row_rules``, whose SQL conditions DuckDB runs on the frame: the validator runs the very same
conditions. Runnable by users: ``schema_for(resource).validate(frame, lazy=True)``.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from rhil7.core.database import quote_literal, safe_connect

from .compiled_checks import CellCheck, field_checks
from .row_rules import ROW_RULES, RowRule

PANDERA_DTYPES = {"integer": "Int64", "number": "Float64", "date": "datetime64[ns]", "string": "str"}


def column_checks(field: dict) -> list[pa.Check]:
    """The pandera checks of one field, one per compiled constraint (named by its kind); ``required`` and
    ``unique`` are the column's ``nullable`` and ``unique``."""
    return [_check(c) for c in field_checks(field) if c.kind not in ("required", "unique")]


def _check(check: CellCheck) -> pa.Check:
    """The pandera check of one compiled constraint, named (and its failures reported) by the constraint's kind."""
    kind, value = check.kind, check.parameter
    named = {"name": kind, "error": kind}
    if kind == "enum":
        return pa.Check.isin(value, **named)
    if kind == "pattern":
        return pa.Check(lambda cells, pattern=value: full_match(cells, pattern), **named)
    if kind == "minimum":
        return pa.Check.ge(value, **named)
    if kind == "maximum":
        return pa.Check.le(value, **named)
    return pa.Check.str_length(**{"min_value" if kind == "minLength" else "max_value": value}, **named)


def full_match(cells: pd.Series, pattern: str) -> pd.Series:
    """Whether each cell matches ``pattern`` whole, by DuckDB's regexp_full_match (RE2), the gate's own test."""
    con = safe_connect()
    try:
        con.register("cells", pd.DataFrame({"cell": cells.astype(object)}))
        found = con.execute(f"SELECT regexp_full_match(cell, {quote_literal(pattern)}) AS m FROM cells").df()["m"]
    finally:
        con.close()
    return pd.Series(found.fillna(True).astype(bool).to_numpy(), index=cells.index)


def rule_holds(rule: RowRule, frame: pd.DataFrame) -> pd.Series:
    """For each row of ``frame``, whether it keeps ``rule`` (its SQL condition, run by DuckDB on the frame)."""
    con = safe_connect()
    try:
        con.register("frame", frame)
        broken = con.execute(f"SELECT coalesce({rule.breaks}, false) AS b FROM frame").fetchnumpy()["b"]
    finally:
        con.close()
    return pd.Series(~broken.astype(bool), index=frame.index)


def schema_for(resource: dict) -> pa.DataFrameSchema:
    columns = {}
    for field in resource["schema"]["fields"]:
        constraints = field.get("constraints") or {}
        columns[field["name"]] = pa.Column(
            PANDERA_DTYPES.get(field.get("type", "string"), "str"),
            checks=column_checks(field),
            nullable=not constraints.get("required", False),
            unique=bool(constraints.get("unique", False)),
            report_duplicates="exclude_first",  # (the gate reports each repeat after the first)
            required=True,
        )
    rules = ROW_RULES.get(resource["name"], [])
    return pa.DataFrameSchema(
        columns,
        checks=[
            pa.Check(lambda frame, rule=rule: rule_holds(rule, frame), name=rule.code, error=rule.expected)
            for rule in rules
        ],
        strict=True,
        ordered=True,
        coerce=True,  # a frame read another way (an empty table's object columns, CSV text) is judged by its values
        name=resource["name"],
    )
