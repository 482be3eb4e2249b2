"""A rule does not judge a cell the Table Schema checks already found bad.

The row and cross-table rules read typed cells; a cell that is not of its type is missing to them, so
"mean_sd needs a mean" would fire on a row whose mean is a type error, and a rule reading a row with an
extra cell or a repeated primary key reads a row that cannot be trusted. Such a report is a consequence,
not a second fault: it is left out, so a contributor sees each fault once, by its most specific code.
The cells each rule reads are declared next to the rule (row_rules.ROW_RULES, cross_rules.RULE_INPUTS).
"""

from __future__ import annotations

from .cross_rules import RULE_INPUTS
from rhil7.core.problems import Problem
from .row_rules import ROW_RULES

_ROW_WIDE = {"extra-cell", "blank-row", "primary-key", "missing-cell"}
_ROW_RULE_INPUTS = {rule.code: set(rule.fields) for rules in ROW_RULES.values() for rule in rules}


def _inputs(problem: Problem) -> set[str]:
    fields = {problem.field} if problem.field else set()
    return fields | _ROW_RULE_INPUTS.get(problem.code, set()) | set(RULE_INPUTS.get(problem.code, ()))


def without_consequences(schema_problems: list[Problem], rule_problems: list[Problem]) -> list[Problem]:
    """``rule_problems`` except those reading a cell or row that ``schema_problems`` already reports."""
    bad_cells = {
        (p.file, p.row, f) for p in schema_problems if p.row is not None and p.field for f in p.field.split(",")
    }
    bad_rows = {(p.file, p.row) for p in schema_problems if p.row is not None and p.row > 1 and p.code in _ROW_WIDE}
    return [
        p
        for p in rule_problems
        if p.row is None
        or ((p.file, p.row) not in bad_rows and not any((p.file, p.row, f) in bad_cells for f in _inputs(p)))
    ]
