"""One fault, one report: drop problems that only restate an earlier stage's problem.

The stages overlap on purpose (pandera re-checks what frictionless checked, and the
semantic rules read cells that may already be known to be bad: a value that did not
parse is *missing* for pandas, so "mean_sd needs a mean" would fire on a row whose mean
is a type error). A contributor should see the first, most specific report of a fault:

- a later-stage problem is dropped when a cell it reads already has an earlier-stage
  problem in the same row (the inputs of each rule are declared next to the rule);
- a later-stage problem is dropped when its row has a row-wide structural problem
  (extra cell, blank row, repeated primary key): the row's cells are not trustworthy;
- pandera's uniqueness report is dropped when frictionless reported the same duplicate
  (frictionless names the repeating row; pandera may name the first one);
- frictionless' unique-error on a row that already has a primary-key error on that field;
- frictionless' other reports on a blank row (its primary key is "missing", and so on).
"""
from __future__ import annotations

from .cross_rules import RULE_INPUTS
from .problems import Problem, sorted_problems
from .row_rules import ROW_RULES

_STAGE_ORDER = {"safety": 0, "structure": 1, "semantic": 2}
_ROW_WIDE = {"extra-cell", "blank-row", "primary-key", "missing-cell"}
_ROW_RULE_INPUTS = {rule.code: set(rule.fields) for rules in ROW_RULES.values() for rule in rules}


def _inputs(problem: Problem) -> set[str]:
    fields = {problem.field} if problem.field else set()
    fields |= _ROW_RULE_INPUTS.get(problem.code, set())
    fields |= set(RULE_INPUTS.get(problem.code, ()))
    return fields


def deduplicate(problems: list[Problem]) -> list[Problem]:
    early = [p for p in problems if _STAGE_ORDER.get(p.stage, 3) < 2]
    late = [p for p in problems if _STAGE_ORDER.get(p.stage, 3) >= 2]
    bad_cells = {(p.file, p.row, field) for p in early if p.row is not None and p.field
                 for field in p.field.split(",")}
    bad_rows = {(p.file, p.row) for p in early if p.row is not None and p.row > 1 and p.code in _ROW_WIDE}
    duplicate_files = {p.file for p in early if p.code in ("unique-error", "primary-key")}
    primary_key_rows = {(p.file, p.row) for p in early if p.code == "primary-key"}

    blank_rows = {(p.file, p.row) for p in early if p.code == "blank-row"}

    kept = [p for p in early if not (p.code == "unique-error" and (p.file, p.row) in primary_key_rows)
            and not (p.code != "blank-row" and (p.file, p.row) in blank_rows)]
    for p in late:
        if p.row is not None and (p.file, p.row) in bad_rows:
            continue
        if p.row is not None and any((p.file, p.row, f) in bad_cells for f in _inputs(p)):
            continue
        if p.code == "unique-value" and p.file in duplicate_files:
            continue
        kept.append(p)
    return sorted_problems(kept)
