"""Plausible values declared once (cross_rules.PLAUSIBLE_RANGES, read by the validator and the dictionary), arm
counts within the trial's size, and messages that say what they found. Values are TEST FIXTURE numbers."""

from __future__ import annotations

from corpus import ARMS, STUDY, fixture_package, set_cell

from rhil7.dictionary import render_dictionary
from rhil7.loading import read_descriptor
from rhil7.validators.cross_rules import PLAUSIBLE_RANGES
from rhil7.validators.run import validate_package

ALC_CYT = dict(row_id=f"{ARMS['intervention']}_alc_week3")


def _problems(package):
    return {(p.code, p.field): p for p in validate_package(package)}


def test_a_count_in_cells_per_ul_labelled_10_9_per_l_names_the_likely_unit(tmp_path):
    package = fixture_package(tmp_path / "pkg")
    set_cell(package, "outcomes_continuous", ALC_CYT, "mean", "1560")
    set_cell(package, "outcomes_continuous", ALC_CYT, "sd", "420")
    set_cell(package, "outcomes_continuous", ALC_CYT, "snippet", "ALC at day 21, CYT107 (n = 15): 1560 (SD 420)")
    found = _problems(package)
    assert set(found) == {("implausible-value", "mean")}
    problem = found[("implausible-value", "mean")]
    assert "cells/uL" in problem.message and problem.found == "mean=1560, sd=420 (10^9/L)"
    assert problem.expected == "alc in 10^9/L between 0 and 50"
    set_cell(package, "outcomes_continuous", ALC_CYT, "unit", "cells/uL")  # the unit the snippet prints
    assert validate_package(package) == []


def test_a_stay_beyond_a_year_is_implausible(tmp_path):
    package = fixture_package(tmp_path / "pkg")
    where = dict(row_id=f"{ARMS['intervention']}_icu_los_icu_stay")
    for field, value in (
        ("median", "400"),
        ("q3", "420"),
        ("snippet", "ICU stay, CYT107 (n = 15): median 400 days (IQR 8 to 420)"),
    ):
        set_cell(package, "outcomes_continuous", where, field, value)
    assert set(_problems(package)) == {("implausible-value", "median")}


def test_arm_counts_above_the_trial_size_when_arm_sizes_are_blank(tmp_path):
    package = fixture_package(tmp_path / "pkg")
    for arm in ARMS.values():
        set_cell(package, "arms", dict(arm_id=arm), "n_randomized", "")
    set_cell(package, "arms", dict(arm_id=ARMS["intervention"]), "snippet", "arm size not given (TEST FIXTURE)")
    set_cell(package, "arms", dict(arm_id=ARMS["control"]), "snippet", "arm size not given (TEST FIXTURE)")
    assert validate_package(package) == []
    deaths = dict(row_id=f"{ARMS['intervention']}_mortality")
    set_cell(package, "outcomes_dichotomous", deaths, "total", "18")
    set_cell(package, "outcomes_dichotomous", deaths, "snippet", "Deaths by day 90: CYT107 2 of 18")
    found = _problems(package)
    assert set(found) == {("arms-above-randomized", "total")}
    assert found[("arms-above-randomized", "total")].found == "18 + 6 = 24"
    assert f"{STUDY}'s n_randomized (21)" in found[("arms-above-randomized", "total")].expected


def test_missing_coverage_says_what_it_found(tmp_path):
    package = fixture_package(tmp_path / "pkg")
    set_cell(package, "coverage", dict(study_id=STUDY, outcome="alc", timepoint="week3"), "status", "not_reachable")
    found = {p.code: p for p in validate_package(package)}
    assert found["missing-coverage"].found == f"the coverage row ({STUDY}, alc, week3) with status not_reachable"


def test_the_dictionary_lists_the_ranges_the_validator_applies():
    text = render_dictionary(read_descriptor(fixture_package.__globals__["ROOT"]))
    for outcome, units in PLAUSIBLE_RANGES.items():
        for unit, (low, high) in units.items():
            assert f"| `{outcome}` | {unit} | {low:g} | {high:,g} |" in text


def test_a_verbatim_snippet_is_never_refused_for_its_first_character(tmp_path):
    package = fixture_package(tmp_path / "pkg")
    set_cell(package, "outcomes_continuous", ALC_CYT, "snippet", "-ALC at day 21, CYT107 (n = 15): 1.20 (SD 0.50)")
    assert validate_package(package) == []
    set_cell(package, "outcomes_continuous", ALC_CYT, "note", "-a note is ours to word")
    assert {p.code for p in validate_package(package)} == {"formula-like-text"}
