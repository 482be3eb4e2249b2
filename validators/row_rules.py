"""Rules within one row that a Table Schema cannot express.

Each rule is one SQL condition over the row's typed cells, true where the row breaks it: the validator runs it
on the typed tables in DuckDB (``row_rule_problems``), and the pandera models (schemas.py) run the same condition
on a pandas frame (the validator does not import pandera: about 0.7 s, more than validating the real package).
Rows where a rule does not apply (its inputs are missing) pass; presence is a rule of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from rhil7.core.database import quote_identifier as q
from rhil7.core.database import quote_literal
from rhil7.core.vocabulary import OUTCOME_UNITS, STATISTIC_COLUMNS, UNITS

from rhil7.core.problems import Problem

from .compiled_checks import Comparison
from .typed_tables import TypedTables, fmt, problem


@dataclass(frozen=True)
class RowRule:
    code: str
    fields: tuple[str, ...]  # the cells the rule reads; the first is the one a problem is reported on
    expected: str
    breaks: str  # SQL over the row's typed cells: true where the row breaks the rule (NULL: it does not)
    # a rule that is one comparison: its SQL is generated from it, and so are its pandera and GX forms
    compare: Comparison | None = None


def _given(*columns: str) -> str:
    return " AND ".join(f"{q(c)} IS NOT NULL" for c in columns)


def _when_given(condition: str, *columns: str) -> str:
    """``condition`` (true for a broken row) judged only where every one of ``columns`` has a value."""
    return f"({_given(*columns)} AND {condition})"


def _compared(code: str, left: str, op: str, right: str | float) -> RowRule:
    """The rule ``left op right`` (compiled_checks.Comparison), its problem reported on ``left``."""
    comparison = Comparison(left, op, right)
    other = q(right) if isinstance(right, str) else repr(right)
    return RowRule(
        code,
        comparison.fields,
        f"{left} {op} {right}",
        _when_given(f"NOT ({q(left)} {op} {other})", *comparison.fields),
        comparison,
    )


VALUE_FIELDS = tuple(dict.fromkeys(c for columns in STATISTIC_COLUMNS.values() for c in columns))
STATISTIC_WORDS = "; ".join(f"{s}: {', '.join(columns)}" for s, columns in STATISTIC_COLUMNS.items())


def _listed(words: list[str], last: str) -> str:
    return f"{', '.join(words[:-1])} {last} {words[-1]}" if len(words) > 1 else words[0]


UNIT_WORDS = "; ".join(
    f"{_listed([u for u, (target, _) in UNITS.items() if target == unit], 'or')} for "
    f"{_listed([o for o, t in OUTCOME_UNITS.items() if t == unit], 'and')}"
    for unit in dict.fromkeys(OUTCOME_UNITS.values())
)


def _statistic_fields_wrong() -> str:
    cases = []
    for statistic, needed in STATISTIC_COLUMNS.items():
        unused = [c for c in VALUE_FIELDS if c not in needed]
        stray = " OR ".join(f"{q(c)} IS NOT NULL" for c in unused) or "false"
        cases.append(f"WHEN {quote_literal(statistic)} THEN NOT ({_given(*needed)}) OR {stray}")
    return f"(CASE {q('statistic')} {' '.join(cases)} ELSE false END)"


def _unit_wrong() -> str:
    converts = " ".join(f"WHEN {quote_literal(u)} THEN {quote_literal(target)}" for u, (target, _) in UNITS.items())
    wanted = " ".join(f"WHEN {quote_literal(o)} THEN {quote_literal(t)}" for o, t in OUTCOME_UNITS.items())
    fits = f"(CASE {q('unit')} {converts} END) = (CASE {q('outcome')} {wanted} END)"
    return _when_given(f"NOT coalesce({fits}, false)", "unit", "outcome")


ROW_RULES: dict[str, list[RowRule]] = {
    "outcomes_continuous": [
        RowRule(
            "statistic-fields",
            ("statistic",) + VALUE_FIELDS,
            f"exactly the value columns of the statistic ({STATISTIC_WORDS})",
            _statistic_fields_wrong(),
        ),
        _compared("sd-not-positive", "sd", ">", 0),
        _compared("se-not-positive", "se", ">", 0),
        _compared("iqr-width-not-positive", "q1", "<", "q3"),
        RowRule(
            "quartiles-out-of-order",
            ("q1", "median", "q3"),
            "q1 <= median <= q3",
            _when_given('NOT ("q1" <= "median" AND "median" <= "q3")', "q1", "median", "q3"),
        ),
        RowRule(
            "range-out-of-order",
            ("min", "q1", "median", "q3", "max"),
            "min <= q1, q3 <= max and min <= median <= max",
            (
                _when_given('"min" > "q1"', "min", "q1")
                + " OR "
                + _when_given('"q3" > "max"', "q3", "max")
                + " OR "
                + _when_given('NOT ("min" <= "median" AND "median" <= "max")', "min", "median", "max")
            ),
        ),
        RowRule("unit-not-for-outcome", ("unit", "outcome"), UNIT_WORDS, _unit_wrong()),
    ],
    "outcomes_dichotomous": [
        _compared("events-above-total", "events", "<=", "total"),
    ],
    "arms": [
        _compared("analysed-above-randomized", "n_analysed", "<=", "n_randomized"),
    ],
    "published_results": [
        RowRule(
            "ci-excludes-estimate",
            ("estimate", "ci_low", "ci_high"),
            "ci_low <= estimate <= ci_high",
            _when_given('NOT ("ci_low" <= "estimate" AND "estimate" <= "ci_high")', "ci_low", "estimate", "ci_high"),
        ),
        RowRule(
            "ci-incomplete",
            ("estimate", "ci_low", "ci_high"),
            "estimate, ci_low and ci_high all given or all empty",
            (
                '("estimate" IS NULL OR "ci_low" IS NULL OR "ci_high" IS NULL) AND '
                '("estimate" IS NOT NULL OR "ci_low" IS NOT NULL OR "ci_high" IS NOT NULL)'
            ),
        ),
        RowRule(
            "ratio-not-positive",
            ("measure", "estimate", "ci_low", "ci_high"),
            "a risk ratio and its CI above 0",
            (
                '"measure" = \'RR\' AND (coalesce("estimate", 1) <= 0 OR coalesce("ci_low", 1) <= 0 '
                'OR coalesce("ci_high", 1) <= 0)'
            ),
        ),
    ],
}


def row_rule_problems(db: TypedTables) -> list[Problem]:
    """The rows breaking each row rule of each typed table."""
    problems = []
    for table, rules in ROW_RULES.items():
        rules = [rule for rule in rules if db.has(table, *rule.fields)]
        if not rules:
            continue
        # one pass counts the rows breaking each rule; only the rules some row breaks are listed
        counts = db.every("SELECT " + ", ".join(f"count_if({rule.breaks})" for rule in rules) + f" FROM {db[table]}")[0]
        for rule, count in zip(rules, counts, strict=True):
            if not count:
                continue
            for row, *values in db.rows(
                table,
                rule.code,
                f"SELECT rowid, {', '.join(map(q, rule.fields))} FROM {db[table]} WHERE {rule.breaks}",
                count,
            ):
                problems.append(
                    problem(
                        table,
                        row,
                        rule.fields[0],
                        rule.code,
                        rule.expected,
                        ", ".join(f"{c}={fmt(v)}" for c, v in zip(rule.fields, values, strict=True)),
                        f"Row breaks the rule '{rule.code}'.",
                    )
                )
    return problems
