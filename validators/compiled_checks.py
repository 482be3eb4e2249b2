"""The checks of a table, compiled once from its Table Schema and the row rules into records.

Every engine that checks a table is generated from these records, never from the descriptor directly: the
gate's SQL (table_checks.cell_checks, row_rules.ROW_RULES), the pandera models (schemas.py) and the Great
Expectations suite (quality_report.py). So they cannot disagree on what a constraint means (a pattern is a
whole-value match everywhere; a bound is inclusive everywhere; q3 must exceed q1 everywhere);
tests/test_engines_agree.py runs all three on the invalid corpus and requires the same (code, row, field) sets.

A record says what is checked, not how: the field, the kind of check, its parameter and the problem code.
"""

from __future__ import annotations

from dataclasses import dataclass

# The Table Schema constraints the engine implements, in the order they are checked (a property it does not
# implement is refused by descriptor_shape.py)
CONSTRAINT_KINDS = ("required", "enum", "pattern", "minimum", "maximum", "minLength", "maxLength")
# A comparison a row rule may be: ``left op right``, true for a row that keeps the rule
COMPARISONS = {"<": "less than", "<=": "at most", ">": "greater than", ">=": "at least"}


@dataclass(frozen=True)
class CellCheck:
    """One constraint of one field: a cell fails it when it is a value of the field's type (or, for
    ``required``, when it is empty) and does not meet ``parameter``."""

    field: str
    kind: str  # one of CONSTRAINT_KINDS, or "unique"
    parameter: object  # the constraint's value
    type: str  # the field's Table Schema type
    code: str  # the problem code: constraint-error, unique-error


@dataclass(frozen=True)
class Comparison:
    """A row rule that is one comparison between two cells of a row, or a cell and a number: ``left op right``
    holds for a row that keeps the rule; a row with either side empty is not judged."""

    left: str
    op: str  # a key of COMPARISONS
    right: str | float  # a field name, or a number

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.left,) if not isinstance(self.right, str) else (self.left, self.right)


def field_checks(field: dict) -> list[CellCheck]:
    """The Table Schema checks of one field, in CONSTRAINT_KINDS order, then ``unique``."""
    constraints = field.get("constraints") or {}
    type_ = field.get("type", "string")
    checks = [
        CellCheck(field["name"], kind, constraints[kind], type_, "constraint-error")
        for kind in CONSTRAINT_KINDS
        if kind in constraints and (kind != "required" or constraints[kind])
    ]
    if constraints.get("unique"):
        checks.append(CellCheck(field["name"], "unique", True, type_, "unique-error"))
    return checks


def table_checks(resource: dict) -> list[CellCheck]:
    """The Table Schema checks of every field of ``resource``, in field order."""
    return [check for field in resource["schema"]["fields"] for check in field_checks(field)]
