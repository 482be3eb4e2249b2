"""Forest plots: words not codes, "Favours" placed by the outcome's direction of benefit, marks for converted and
corrected studies, a partial plot said to be partial, p-values that do not round 0.055 to 0.05; PNG and SVG for
k = 1 and combined figures."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from sparse_fixture import build_sparse_package, default_plan

from rhil7.analysis import forest
from rhil7.analysis.presentation import format_p
from rhil7.analysis.reproduction import fit, reproduce_all
from rhil7.loading import read_tables


def test_titles_are_words_and_a_stay_is_not_said_twice():
    assert (
        forest.title_words(dict(outcome="alc", timepoint="week3", subgroup="covid19"))
        == "Absolute lymphocyte count at 3 weeks: COVID-19"
    )
    assert (
        forest.title_words(dict(outcome="mortality", timepoint="end_of_study", subgroup="all"))
        == "Mortality at end of study: All trials"
    )
    assert (
        forest.title_words(dict(outcome="icu_los", timepoint="icu_stay", subgroup="sepsis"))
        == "ICU length of stay: Sepsis"
    )


@pytest.mark.parametrize(
    "p, printed",
    [
        (0.055, "P = 0.055"),
        (0.05, "P = 0.05"),
        (0.0496, "P = 0.0496"),
        (0.00099, "P < 0.001"),
        (0.001, "P = 0.001"),
        (1.0, "P = 1"),
        (0.12345, "P = 0.123"),
    ],
)
def test_p_values_keep_three_significant_digits(p, printed):
    assert format_p(p) == printed


def test_ratio_axis_is_0_1_to_10_unless_an_estimate_lies_outside():
    assert forest._ratio_limits([0.5, 0.12, 8]) == (0.1, 10)
    assert forest._ratio_limits([0.05, 1.0]) == (0.01, 100)


def test_difference_axis_is_symmetric_about_zero():
    low, high = forest._difference_limits([-0.2, 1.3])
    assert low == -high and high >= 1.3


def _texts(svg: str) -> dict[str, float]:
    """Each text drawn in a matplotlib SVG (its comment) and the x of its anchor."""
    return {m[1]: float(m[2]) for m in re.finditer(r"<!-- (.*?) -->\s*<g [^>]*transform=\"translate\(([-\d.]+)", svg)}


def _favours_left_to_right(svg_path) -> list[str]:
    texts = _texts(svg_path.read_text(encoding="utf-8"))
    return sorted((t for t in texts if t.startswith("Favours")), key=texts.get)


def _plan(**rows) -> pd.DataFrame:
    return pd.DataFrame([dict(target_id=k, **v) for k, v in rows.items()]).set_index("target_id").fillna("")


def test_a_shorter_stay_is_drawn_under_favours_the_intervention(reference_package, tmp_path):
    """Normand 1999's mean differences in days of stay (-15 pooled) lie left of 0: a shorter stay favours the arm
    that has it, so the left label is the intervention's, for a mean difference as for a risk ratio of deaths."""
    plan = _plan(
        all_hospital_los=dict(measure="MD", model="random", target_unit="days"),
        all_secondary_infection=dict(measure="RR", model="random"),
    )
    rows, comps = reproduce_all(read_tables(reference_package), plan)
    for row, comp in zip(rows, comps, strict=True):
        paths = forest.forest_plot(comp, row, row["model"], tmp_path / row["target_id"])
        svg = [p for p in paths if p.suffix == ".svg"]
        assert _favours_left_to_right(svg[0]) == ["Favours rhIL-7", "Favours control"], row["target_id"]
        assert comp.fits[row["model"]].estimate < 0  # drawn on the left: the benefit side


@pytest.fixture(scope="module")
def sparse(tmp_path_factory):
    package = build_sparse_package(tmp_path_factory.mktemp("sparse") / "package")
    rows, comps = reproduce_all(read_tables(package), pd.DataFrame(default_plan()).set_index("target_id"))
    return {r["target_id"]: (r, c) for r, c in zip(rows, comps, strict=True)}


def _svg(sparse, target, tmp_path) -> str:
    row, comp = sparse[target]
    paths = forest.forest_plot(comp, row, row["model"], tmp_path / target)
    assert [p.suffix for p in paths] == [".png", ".svg"] and all(p.stat().st_size > 10_000 for p in paths)
    return paths[1].read_text(encoding="utf-8")


def test_a_higher_count_is_drawn_under_favours_the_intervention_on_the_right(sparse, tmp_path):
    _svg(sparse, "all_alc_week3", tmp_path)
    assert _favours_left_to_right(tmp_path / "all_alc_week3.svg") == ["Favours control", "Favours rhIL-7"]


def test_converted_and_corrected_studies_are_marked_and_explained(sparse, tmp_path):
    alc = _texts(_svg(sparse, "all_alc_week3", tmp_path))
    assert f"Synthetic B {forest.CONVERTED_MARK}" in alc and forest.CONVERTED_NOTE in alc
    assert "Synthetic A" in alc and forest.CORRECTED_NOTE not in alc
    deaths = _texts(_svg(sparse, "sepsis_mortality", tmp_path))
    assert f"Synthetic C {forest.CORRECTED_MARK}" in deaths and forest.CORRECTED_NOTE in deaths


def test_a_plot_with_missing_trials_says_it_is_partial_and_a_complete_one_does_not(sparse, tmp_path):
    row, comp = sparse["sepsis_alc_week3"]
    assert not any(t.startswith("Partial") for t in _texts(_svg(sparse, "sepsis_alc_week3", tmp_path)))
    comp.missing.append("syn_x alc week3 (not_reachable)")
    try:
        texts = _texts(_svg(sparse, "sepsis_alc_week3", tmp_path))
    finally:
        comp.missing.pop()
    partial = [t for t in texts if t.startswith("Partial")]
    assert partial == [
        f"Partial: {comp.fits['DL'].k} of {comp.fits['DL'].k + 1} trial inputs are in the package; "
        "not the published comparison (1 missing, see the report)"
    ]


def test_single_study_plot_and_its_notes(sparse, tmp_path):
    row, comp = sparse["covid19_mortality"]
    assert comp.fits["DL"].k == 1 and comp.fits["DL-HK"].t_df is None
    texts = _texts(_svg(sparse, "covid19_mortality", tmp_path))
    assert "Heterogeneity: not applicable (one study)" in texts


def test_plots_for_combined_figures_have_subtotals(reference_package, tmp_path):
    plan = _plan(
        all_secondary_infection=dict(measure="RR", model="random", pooling="MH"),
        all_hospital_los=dict(measure="MD", model="random", target_unit="days"),
    )
    rows, comps = reproduce_all(read_tables(reference_package), plan)
    for row, comp in zip(rows, comps, strict=True):
        assert comp.subgroups and comp.subgroup_test is not None  # subtotals of the combined figure
        paths = forest.forest_plot(comp, row, row["model"], tmp_path / row["target_id"])
        assert "Test for subgroup differences" in paths[1].read_text(encoding="utf-8")
    single = comps[0]
    single.inputs = single.inputs[:1]
    single.subgroups, single.subgroup_test = {}, None
    fit(single)
    assert single.fits["DL"].k == 1
    assert forest.forest_plot(single, rows[0], "DL", tmp_path / "single")[0].exists()
