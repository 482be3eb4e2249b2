"""The checks compiled once (validators/compiled_checks.py) mean the same in every engine generated from them.

Every case of the invalid corpus that plants a problem the three engines can all say (a constraint, a repeated
value, a row rule that is one comparison) is run by the gate (its SQL), by the pandera models (schemas.py) and
by the Great Expectations suite (quality_report.py) on the tables the gate read; the (code, row, field) sets
must be the same.
"""

from __future__ import annotations

import pandas as pd
import pytest
from pandera.errors import SchemaErrors

from rhil7.gate import read_package
from rhil7.validators.canonical import canonical_descriptor
from rhil7.validators.compiled_checks import CellCheck, Comparison
from rhil7.validators.quality_report import run_quality
from rhil7.validators.row_rules import ROW_RULES
from rhil7.validators.schemas import schema_for
from test_invalid_corpus import CASES, _build

COMPARED_RULES = {rule.code: rule for rules in ROW_RULES.values() for rule in rules if rule.compare is not None}
COMPARED = {"constraint-error", "unique-error"} | set(COMPARED_RULES)
# pandera's name of each failure -> the gate's code (a compiled constraint's check is named by its kind)
PANDERA_CODES = {
    "not_nullable": "constraint-error",
    "field_uniqueness": "unique-error",
    **{kind: "constraint-error" for kind in ("enum", "pattern", "minimum", "maximum", "minLength", "maxLength")},
}


NOT_WHOLE = {"extra-cell", "missing-cell", "malformed-csv", "incorrect-label", "blank-label", "duplicate-label"}


def _cases() -> list:
    """The readable cases that plant a problem all three engines can say (read from what each case plants)."""
    import tempfile
    from pathlib import Path

    chosen = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(c for c in CASES if not c.unreadable):
            package = Path(tmp) / str(i)
            try:
                _, expected = _build(case, package)
            except Exception:  # (a case that cannot be built here fails in test_invalid_corpus, not here)
                continue
            # (a table with a row the CSV reader set aside or a wrong header is not read whole: no frame to compare)
            partly_read = {k[1] for k in expected if k[0] in NOT_WHOLE}
            if any(k[0] in COMPARED and k[1] not in partly_read for k in expected):
                chosen.append(case)
    return chosen


CASES_EXPRESSED = _cases()


def _resources() -> dict[str, dict]:
    return {r["name"]: r for r in canonical_descriptor()["resources"]}


def gate_keys(package) -> tuple[set[tuple], dict]:
    """The gate's keys of the tables it read whole, and those tables indexed by record number."""
    validated = read_package(package)
    paths = {_resources()[name]["path"]: name for name in validated.tables}
    keys = {
        (p.code, paths[p.file], p.row, p.field) for p in validated.problems if p.code in COMPARED and p.file in paths
    }
    return keys, {name: frame.set_axis(validated.records[name], axis=0) for name, frame in validated.tables.items()}


def one_fault_one_code(keys: set[tuple]) -> set[tuple]:
    """The gate's rule (consequences.py): a rule's problem on a row whose inputs a constraint already finds bad
    is left out."""
    bad = {(table, row, field) for code, table, row, field in keys if code not in COMPARED_RULES}
    return {
        k
        for k in keys
        if k[0] not in COMPARED_RULES or not any((k[1], k[2], f) in bad for f in COMPARED_RULES[k[0]].fields)
    }


def pandera_keys(tables: dict[str, pd.DataFrame]) -> set[tuple]:
    rules = {rule.expected: code for code, rule in COMPARED_RULES.items()}  # (a rule's failure says what it expects)
    keys = set()
    for name, frame in tables.items():
        try:
            schema_for(_resources()[name]).validate(frame, lazy=True)
            continue
        except SchemaErrors as exc:
            failures = exc.failure_cases
        for check, column, row in zip(failures["check"], failures["column"], failures["index"], strict=True):
            check = rules.get(check, check)
            if check in COMPARED_RULES:
                keys.add((check, name, int(row), COMPARED_RULES[check].fields[0]))
            elif check in PANDERA_CODES and row is not None and row == row:
                keys.add((PANDERA_CODES[check], name, int(row), column))
    return one_fault_one_code(keys)


def gx_keys(package, tables: dict[str, pd.DataFrame]) -> set[tuple]:
    report, _ = run_quality(package)
    keys = set()
    for outcome in report.outcomes:
        if outcome.code not in COMPARED or outcome.success:
            continue
        assert outcome.unexpected_count <= 10, "more failures than GX lists: the case is too large to compare"
        field = COMPARED_RULES[outcome.code].fields[0] if outcome.code in COMPARED_RULES else outcome.columns[0]
        rows = outcome.unexpected_rows
        if outcome.code == "unique-error":  # GX lists each row of a repeated value, the gate each repeat after the 1st
            values = tables[outcome.table][field]
            rows = [r for r in rows if values[r] in set(values[[x for x in rows if x < r]])]
        keys |= {(outcome.code, outcome.table, r, field) for r in rows}
    return one_fault_one_code(keys)


def test_the_compiled_records_say_what_each_engine_runs():
    """A constraint is one record (field, kind, parameter, code); a comparison rule one Comparison."""
    from rhil7.validators.compiled_checks import field_checks

    field = {"name": "n", "type": "integer", "constraints": {"required": True, "minimum": 1, "unique": True}}
    assert field_checks(field) == [
        CellCheck("n", "required", True, "integer", "constraint-error"),
        CellCheck("n", "minimum", 1, "integer", "constraint-error"),
        CellCheck("n", "unique", True, "integer", "unique-error"),
    ]
    assert COMPARED_RULES["iqr-width-not-positive"].compare == Comparison("q1", "<", "q3")
    assert len(CASES_EXPRESSED) >= 10


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES_EXPRESSED, ids=lambda c: c.id)
def test_the_gate_pandera_and_great_expectations_find_the_same_problems(case, tmp_path):
    package, _ = _build(case, tmp_path)
    gate, tables = gate_keys(package)
    assert gate, "the case plants a problem the gate reports"
    assert pandera_keys(tables) == gate
    assert gx_keys(package, tables) == gate
