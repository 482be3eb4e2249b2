"""The project's words and constants are written once (rhil7.core.vocabulary) and agree with the Table Schemas."""

from __future__ import annotations

import ast
import json
import re

import pandas as pd

import pytest
from conftest import ROOT

from rhil7.core.database import safe_connect
from rhil7.core.vocabulary import (
    COUNT_OUTCOMES,
    OUTCOME_LABELS,
    OUTCOME_UNITS,
    PLAUSIBLE_IN_ANALYSIS_UNIT,
    STATISTIC_COLUMNS,
    STATISTIC_PREFERENCE,
    STAY_OUTCOMES,
    UNITS,
    VERBATIM_FIELDS,
    Z_975,
    vocabulary_sql,
)

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
    codes = {
        c
        for fields in FIELDS.values()
        if "outcome" in fields
        for c in fields["outcome"].get("constraints", {}).get("enum", [])
    }
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
        assert not re.search(constant, text), (
            f"{path.name} writes {constant} itself; use rhil7.core.vocabulary's macros"
        )


# ---- the registries (issue 24: one per concept) agree with the Table Schemas and are the only place of their words


def test_outcome_registry_is_every_outcome_table_enum():
    from rhil7.core.vocabulary import OUTCOMES_BY_TABLE

    assert {t: list(codes) for t, codes in OUTCOMES_BY_TABLE.items()} == {
        t: enum(t, "outcome") for t in ("outcomes_continuous", "outcomes_dichotomous")
    }
    assert set(enum("coverage", "outcome")) <= set(OUTCOME_LABELS)


def test_subgroup_registry_is_the_schemas_subgroups_and_conditions():
    from rhil7.core.vocabulary import ALL_TRIALS, CONDITIONS, SUBGROUP_LABELS

    assert list(SUBGROUP_LABELS) == enum("published_results", "subgroup")
    assert list(CONDITIONS) == enum("studies", "condition") and ALL_TRIALS not in CONDITIONS


def test_time_point_grammar_is_the_schemas_pattern():
    from rhil7.core.vocabulary import TIMEPOINT_SCHEMA_PATTERN

    patterns = {
        f["constraints"]["pattern"]
        for fields in FIELDS.values()
        for name, f in fields.items()
        if name in ("timepoint", "analysis_timepoint")
    }
    assert patterns == {TIMEPOINT_SCHEMA_PATTERN}


@pytest.mark.parametrize(
    "code, days, words",
    [
        ("day1", 1, "at 1 day"),
        ("week3", 21, "at 3 weeks"),
        ("month2", 60, "at 2 months"),
        ("baseline", None, "at baseline"),
        ("end_of_study", None, "at end of study"),
        ("week", None, "at week"),
    ],
)
def test_time_points_in_days_and_words(code, days, words):
    from rhil7.core.vocabulary import timepoint_days, timepoint_words

    assert timepoint_days(code) == days and timepoint_words(code) == words


def test_time_points_sort_in_time():
    from rhil7.core.vocabulary import timepoint_order

    codes = ["end_of_study", "week2", "icu_stay", "day30", "baseline", "day3", "hospital_stay", "zzz", "month1"]
    assert sorted(codes, key=timepoint_order) == [
        "baseline",
        "day3",
        "week2",
        "day30",
        "month1",
        "icu_stay",
        "hospital_stay",
        "end_of_study",
        "zzz",
    ]


def test_a_stay_is_not_said_twice():
    from rhil7.core.vocabulary import outcome_words

    assert outcome_words("icu_los", "icu_stay") == "ICU length of stay"
    assert outcome_words("icu_los", "day28") == "ICU length of stay at 28 days"


@pytest.mark.parametrize(
    "outcome, measure, effect, benefit",
    [
        ("alc", "MD", 1.3, True),
        ("alc", "MD", -0.2, False),
        ("cd8", "MD", 0.0, None),
        ("icu_los", "MD", -6.6, True),
        ("hospital_los", "MD", 2.0, False),
        ("mortality", "RR", 0.85, True),
        ("secondary_infection", "RR", 1.4, False),
        ("sae", "RR", 0.5, True),
        ("fever_respiratory_distress", "RR", 2.0, False),
        ("mortality", "RR", 1.0, None),
    ],
)
def test_direction_of_benefit_is_the_outcomes(outcome, measure, effect, benefit):
    """More lymphocytes are better; a shorter stay and fewer deaths, infections and adverse events are better."""
    from rhil7.core.vocabulary import INTERVENTION_LABEL, favours_intervention, favours_labels

    assert favours_intervention(outcome, effect, measure) is benefit
    left, right = favours_labels(outcome)
    if benefit is not None:  # the label on the side where the effect lies names the arm it favours
        side = right if effect > (1.0 if measure == "RR" else 0.0) else left
        assert (side == f"Favours {INTERVENTION_LABEL}") is benefit


def test_no_direction_is_guessed_for_an_unknown_outcome():
    from rhil7.core.vocabulary import favours_intervention

    with pytest.raises(KeyError):
        favours_intervention("lactate", 1.0, "MD")


def test_every_model_code_is_offered_planned_labelled_and_drawn():
    from rhil7.analysis import forest, plan, pooling
    from rhil7.cli import _parser
    from rhil7.core.vocabulary import MODEL_CODES

    reproduce = next(
        a
        for a in _parser()._subparsers._group_actions[0].choices["reproduce"]._actions
        if "--model" in a.option_strings
    )
    assert tuple(reproduce.choices) == MODEL_CODES
    assert tuple(plan.MODEL_CODES) == tuple(pooling.MODEL_LABELS) == tuple(forest.MODEL_WORDS) == MODEL_CODES
    for code, settings in plan.MODEL_CODES.items():  # each code's plan settings lead back to the code
        row = pd.Series({**plan.DEFAULTS, "measure": "RR", **settings})
        assert plan.model_code(row) == code


def test_every_model_code_fits_and_names_itself():
    import numpy as np

    from rhil7.analysis import pooling
    from rhil7.core.vocabulary import MODEL_CODES

    counts = [np.array([3.0, 5, 2]), np.array([20.0, 30, 25]), np.array([6.0, 9, 4]), np.array([20.0, 31, 24])]
    yi = np.log(counts[0] / counts[1]) - np.log(counts[2] / counts[3])
    vi = 1 / counts[0] - 1 / counts[1] + 1 / counts[2] - 1 / counts[3]
    assert [pooling.fit(code, yi, vi, counts).model for code in MODEL_CODES] == list(MODEL_CODES)


def _code_files():
    """Every Python module of the project but the vocabulary itself (the linked folders once)."""
    src = ROOT / "src" / "rhil7"
    paths = [
        p
        for p in src.rglob("*.py")
        if not any(part in ("analysis", "validators", "queries") for part in p.relative_to(src).parts[:1])
    ]
    paths += [p for folder in ("analysis", "validators", "queries") for p in (ROOT / folder).rglob("*.py")]
    return sorted(p for p in paths if p.name != "vocabulary.py" or p.parent.name != "core")


def _literals(tree):
    """(line, string) of every string constant that is not a docstring; (line, strings) of every collection."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    strings, collections = [], []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            strings.append((node.lineno, node.value))
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
            items = node.keys if isinstance(node, ast.Dict) else node.elts
            collections.append((node.lineno, [i.value for i in items if isinstance(i, ast.Constant)]))
    return strings, collections


@pytest.mark.data
def test_no_registry_word_or_code_list_is_written_again_elsewhere():
    """A label, a model's words, a time-point pattern written outside the vocabulary, or a list of two or more
    outcome, subgroup or model codes, is a second copy that will drift: derive it from the registry instead."""
    from rhil7.core import vocabulary as v

    words = (
        {m.label for m in v.MODELS}
        | {m.words for m in v.MODELS}
        | set(OUTCOME_LABELS.values())
        | set(v.SUBGROUP_LABELS.values())
        | set(v.TIMEPOINT_WORDS.values())
        | {v.TIMEPOINT_PATTERN}
    )
    codes = {"outcome": set(OUTCOME_LABELS), "subgroup": set(v.SUBGROUP_LABELS), "model": set(v.MODEL_CODES)}
    grammar = "|".join(v.TIMEPOINT_UNIT_DAYS)
    found = []
    files = _code_files()
    assert len(files) > 40
    for path in files:
        strings, collections = _literals(ast.parse(path.read_text(encoding="utf-8")))
        where = path.relative_to(ROOT)
        found += [f"{where}:{line} {text!r}" for line, text in strings if text in words or grammar in text]
        found += [
            f"{where}:{line} {kind} codes {hits}"
            for line, items in collections
            for kind, registry in codes.items()
            if len(hits := [i for i in items if i in registry]) >= 2
        ]
    assert not found, "written again outside rhil7.core.vocabulary:\n" + "\n".join(found)
