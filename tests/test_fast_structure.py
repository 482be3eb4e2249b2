"""The vectorized structural engine (large tables) reports what frictionless reports (small tables).

Every readable case of the invalid-contribution corpus is validated twice: with frictionless for the
row-level structure (the default for tables up to Limits.frictionless_max_rows lines) and with the
vectorized engine forced on every table. The problems must be the same, code for code and cell for cell.
"""
from dataclasses import replace

import pytest

from rhil7.validators.run import validate_package
from test_invalid_corpus import CASES, _build

READABLE = [c for c in CASES if not c.unreadable]


def _keys(problems):
    return {(p.code, p.file, p.row, p.field) for p in problems}


@pytest.mark.parametrize("case", READABLE, ids=[c.id for c in READABLE])
def test_both_engines_report_the_same_problems(case, tmp_path):
    package, expected = _build(case, tmp_path)
    with_frictionless = validate_package(package, replace(case.limits, frictionless_max_rows=10**9))
    vectorized = validate_package(package, replace(case.limits, frictionless_max_rows=0))
    assert _keys(vectorized) == _keys(with_frictionless) == expected
