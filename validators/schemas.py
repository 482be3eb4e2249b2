"""pandera models for every table, derived from the Table Schemas in datapackage.json.

The descriptor is the one source of truth: column names, types, required,
enum, pattern, minimum/maximum, maxLength and unique come from it; what a
Table Schema cannot say (rules within a row) is added from ``row_rules``, whose
SQL conditions DuckDB runs on the frame: the validator runs the very same conditions.
"""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from rhil7.core.database import safe_connect

from .row_rules import ROW_RULES, RowRule

PANDERA_DTYPES = {"integer": "Int64", "number": "Float64", "date": "datetime64[ns]", "string": "str"}


def column_checks(field: dict) -> list[pa.Check]:
    constraints = field.get("constraints") or {}
    checks = []
    if "enum" in constraints:
        checks.append(pa.Check.isin(constraints["enum"], name="enum"))
    if "pattern" in constraints:
        checks.append(pa.Check.str_matches(f"(?:{constraints['pattern']})\\Z", name="pattern"))
    if "minimum" in constraints:
        checks.append(pa.Check.ge(constraints["minimum"], name="minimum"))
    if "maximum" in constraints:
        checks.append(pa.Check.le(constraints["maximum"], name="maximum"))
    if "maxLength" in constraints:
        checks.append(pa.Check.str_length(max_value=constraints["maxLength"], name="maxLength"))
    return checks


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
            required=True,
        )
    rules = ROW_RULES.get(resource["name"], [])
    return pa.DataFrameSchema(
        columns,
        checks=[pa.Check(lambda frame, rule=rule: rule_holds(rule, frame), name=rule.code, error=rule.expected)
                for rule in rules],
        strict=True,
        ordered=True,
        coerce=True,  # a frame read another way (an empty table's object columns, CSV text) is judged by its values
        name=resource["name"],
    )
