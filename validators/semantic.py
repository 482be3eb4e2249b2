"""The rules within a row (row_rules.py) over the typed tables, as problems.

The Table Schema's own checks are table_checks.py's; pandera's models (schemas.py) declare the same rules
for users of the frames and run the same SQL conditions, but the validator runs them in DuckDB without
importing pandera (about 0.7 s, more than validating the whole real package).
"""
from __future__ import annotations

from rhil7.database import quote_identifier

from .problems import Problem
from .row_rules import ROW_RULES
from .typed_tables import TypedTables, fmt, problem


def row_rule_problems(db: TypedTables) -> list[Problem]:
    """The rows breaking each row rule of each typed table."""
    problems = []
    for table, rules in ROW_RULES.items():
        if table not in db:
            continue
        rules = [rule for rule in rules if db.has(table, *rule.fields)]
        # one pass finds the rows breaking any rule; each rule's rows are listed from those few
        broken = " OR ".join(f"coalesce({rule.breaks}, false)" for rule in rules)
        if not rules or not db.every(f"SELECT bool_or({broken}) FROM {db[table]}")[0][0]:
            continue
        for rule in rules:
            cells = ", ".join(quote_identifier(c) for c in rule.fields)
            for row, *values in db.rows(table, rule.code, f"SELECT _rid, {cells} FROM {db[table]} "
                                                          f"WHERE coalesce({rule.breaks}, false)"):
                problems.append(problem(table, row, rule.fields[0], rule.code, rule.expected,
                                        ", ".join(f"{c}={fmt(v)}" for c, v in zip(rule.fields, values)),
                                        f"Row breaks the rule '{rule.code}'."))
    return problems
