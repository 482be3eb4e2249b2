"""The rules within a row (row_rules.py) over a typed table, as problems.

The Table Schema's own checks are table_checks.py's; pandera's models (schemas.py) declare the same rules
for users of the frames, but the validator calls the rule functions directly: importing pandera costs
about 0.7 s, more than validating the whole real package. The tests hold the models to these functions on the
invalid corpus and run them on the package.
"""
from __future__ import annotations

import pandas as pd

from .limits import DEFAULT_LIMITS
from .problems import Problem, omitted_problem
from .row_rules import ROW_RULES


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "empty"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rule_problem(frame: pd.DataFrame, rule, index: int | None, relpath: str) -> Problem:
    found = ", ".join(f"{c}={_fmt(frame.at[index, c])}" for c in rule.fields if c in frame) if index is not None else ""
    return Problem(file=relpath, row=index, field=rule.fields[0], code=rule.code, expected=rule.expected,
                   found=found, message=f"Row breaks the rule '{rule.code}'.")


def row_rule_problems(frame: pd.DataFrame, table: str, relpath: str,
                      listed: int = DEFAULT_LIMITS.max_problems_per_code) -> list[Problem]:
    """The rows breaking each of the table's row rules: at most ``listed`` per rule, the rest counted."""
    problems = []
    for rule in ROW_RULES.get(table, []):
        failing = frame.index[~rule.check(frame).to_numpy(bool)]
        problems += [_rule_problem(frame, rule, int(row), relpath) for row in failing[:listed]]
        if len(failing) > listed:
            problems.append(omitted_problem(relpath, rule.code, len(failing) - listed, listed))
    return problems
