"""The project's words and constants are written once (rhil7.core.vocabulary) and agree with the Table Schemas."""
from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT

from rhil7.core.database import safe_connect
from rhil7.core.vocabulary import (COUNT_OUTCOMES, OUTCOME_LABELS, OUTCOME_UNITS, PLAUSIBLE_IN_ANALYSIS_UNIT,
                              STATISTIC_COLUMNS, STATISTIC_PREFERENCE, STAY_OUTCOMES, UNITS, VERBATIM_FIELDS, Z_975,
                              vocabulary_sql)

DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
FIELDS = {r["name"]: {f["name"]: f for f in r["schema"]["fields"]} for r in DESCRIPTOR["resources"]}


def enum(table: str, field: str) -> list[str]:
    return FIELDS[table][field]["constraints"]["enum"]


def test_statistics_units_and_outcomes_are_the_schemas_codes():
    assert list(STATISTIC_COLUMNS) == enum("outcomes_continuous", "statistic")
    assert sorted(STATISTIC_PREFERENCE) == sorted(enum("outcomes_continuous", "statistic"))
    assert {c for columns in STATISTIC_COLUMNS.values() for c in columns} <= set(FIELDS["outcomes_continuous"])
    assert list(UNITS) == enum("outcomes_continuous", "unit")
    assert [*COUNT_OUTCOMES, *STAY_OUTCOMES] == enum("outcomes_continuous", "outcome")


def test_every_outcome_code_of_every_table_has_a_label():
    codes = {c for fields in FIELDS.values() if "outcome" in fields
             for c in fields["outcome"].get("constraints", {}).get("enum", [])}
    assert codes and codes <= set(OUTCOME_LABELS)


def test_every_continuous_outcome_has_an_analysis_unit_and_plausible_bounds_there():
    assert set(OUTCOME_UNITS) == set(PLAUSIBLE_IN_ANALYSIS_UNIT) == {*COUNT_OUTCOMES, *STAY_OUTCOMES}
    assert set(OUTCOME_UNITS.values()) == {target for target, _ in UNITS.values()}


def test_verbatim_fields_exist():
    assert all(any(f in fields for fields in FIELDS.values()) for f in VERBATIM_FIELDS)


def test_the_views_get_the_same_constants_as_the_python_engine():
    con = safe_connect()
    con.execute(vocabulary_sql())
    assert con.execute("SELECT z975()").fetchone()[0] == Z_975 == pytest.approx(1.959963984540054, abs=1e-15)
    for unit, (target, factor) in UNITS.items():
        assert con.execute("SELECT unit_factor(?), analysis_unit(?)", [unit, unit]).fetchone() == (factor, target)
    ranks = [con.execute("SELECT statistic_rank(?)", [s]).fetchone()[0] for s in STATISTIC_PREFERENCE]
    assert ranks == list(range(1, len(STATISTIC_PREFERENCE) + 1))


@pytest.mark.parametrize("constant", [r"1\.9599", r"\b0\.001\b", r"'cells/uL'", r"'mean_se' THEN 2"])
def test_no_view_writes_a_vocabulary_constant_again(constant):
    for path in sorted((ROOT / "queries").glob("*.sql")):
        text = "\n".join(line.split("--", 1)[0] for line in path.read_text(encoding="utf-8").splitlines())
        assert not re.search(constant, text), f"{path.name} writes {constant} itself; use rhil7.core.vocabulary's macros"
