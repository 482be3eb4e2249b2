"""Stage 2: pandera semantic checks, lazily collected into problems.

Large tables (checked column by column by the structural engine) skip pandera's column checks and
run only the rules within a row, the same functions pandera wraps, reported the same way.
"""
from __future__ import annotations

import pandas as pd
import pandera.errors as pa_errors

from .problems import Problem
from .row_rules import ROW_RULES
from .schemas import schema_for


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "empty"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _constraint_text(resource: dict, field: str, check: str) -> str:
    for f in resource["schema"]["fields"]:
        if f["name"] == field:
            constraints = f.get("constraints") or {}
            if check in constraints:
                return f"{check} {constraints[check]}"
            if check in ("not_nullable",):
                return "a value (required)"
            if check == "field_uniqueness":
                return "a unique value"
            return f"{f.get('type', 'string')} {check}"
    return check


def _rule_problem(frame: pd.DataFrame, rule, index: int | None, relpath: str) -> Problem:
    found = ", ".join(f"{c}={_fmt(frame.at[index, c])}" for c in rule.fields if c in frame) if index is not None else ""
    return Problem(file=relpath, row=index, field=rule.fields[0], code=rule.code, expected=rule.expected,
                   found=found, message=f"Row breaks the rule '{rule.code}'.")


def row_rule_problems(frame: pd.DataFrame, table: str, relpath: str) -> list[Problem]:
    """The rows breaking each of the table's row rules, as pandera_problems reports them."""
    problems = []
    for rule in ROW_RULES.get(table, []):
        passed = rule.check(frame)
        problems += [_rule_problem(frame, rule, int(row), relpath) for row in frame.index[~passed.to_numpy(bool)]]
    return problems


def pandera_problems(frame: pd.DataFrame, resource: dict, relpath: str) -> list[Problem]:
    schema = schema_for(resource)
    try:
        schema.validate(frame, lazy=True)
        return []
    except pa_errors.SchemaErrors as exc:
        cases = exc.failure_cases
    # pandera names a failed frame-wide check by its error text (not its name) and repeats the
    # failure once per column of the row; look rules up by both, and report each row once.
    rules = {}
    for rule in ROW_RULES.get(resource["name"], []):
        rules[rule.code] = rules[rule.expected] = rule
    problems = []
    reported_rows: set[tuple[str, int | None]] = set()
    for case in cases.itertuples(index=False):
        check = str(case.check)
        column = None if pd.isna(case.column) else str(case.column)
        index = None if pd.isna(case.index) else int(case.index)
        if check in rules:
            rule = rules[check]
            if (rule.code, index) in reported_rows:
                continue
            reported_rows.add((rule.code, index))
            problems.append(_rule_problem(frame, rule, index, relpath))
        elif check == "column_in_schema" or check == "column_in_dataframe" or check == "column_ordered":
            problems.append(Problem(file=relpath, row=1, field=_fmt(case.failure_case), code="header-mismatch",
                                    expected="the columns of the Table Schema, in order", found=_fmt(case.failure_case),
                                    message="The header does not match the Table Schema."))
        else:
            code = {"not_nullable": "required-value", "field_uniqueness": "unique-value", "dtype": "type"}.get(
                check.split("(")[0], "constraint")
            problems.append(Problem(file=relpath, row=index, field=column, code=code,
                                    expected=_constraint_text(resource, column or "", check.split("(")[0]),
                                    found=_fmt(case.failure_case), message=f"Value fails the check {check}."))
    return problems
