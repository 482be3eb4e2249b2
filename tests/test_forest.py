"""Forest plots: words not codes, the ratio scale RevMan labels, PNG and SVG written for k = 1 and combined figures."""
from __future__ import annotations

from rhil7.analysis import forest
from rhil7.analysis.reproduction import reproduce_all
from rhil7.loading import read_tables


def test_titles_are_words():
    row = dict(outcome="alc", timepoint="week3", subgroup="covid19")
    assert forest.title_words(row) == "Absolute lymphocyte count at 3 weeks: COVID-19"
    assert forest.title_words(dict(outcome="mortality", timepoint="end_of_study", subgroup="all")) == \
        "Mortality at end of study: All trials"
    assert forest.timepoint_words("day30") == "at 30 days"


def test_ratio_axis_is_0_1_to_10_unless_an_estimate_lies_outside():
    assert forest._ratio_limits([0.5, 0.12, 8]) == (0.1, 10)
    assert forest.RATIO_TICKS == [0.1, 0.2, 0.5, 1, 2, 5, 10]
    assert forest._ratio_limits([0.05, 1.0]) == (0.01, 100)


def test_difference_axis_is_symmetric_about_zero():
    low, high = forest._difference_limits([-0.2, 1.3])
    assert low == -high and high >= 1.3


def test_plots_for_combined_and_single_study_figures(reference_package, tmp_path):
    import pandas as pd

    plan = pd.DataFrame([dict(target_id="all_secondary_infection", measure="RR", model="random", pooling="MH"),
                         dict(target_id="all_hospital_los", measure="MD", model="random", target_unit="days")])
    rows, comps = reproduce_all(read_tables(reference_package), plan.set_index("target_id").fillna(""))
    for row, comp in zip(rows, comps):
        assert comp.subgroups and comp.subgroup_test is not None  # subtotals of the combined figure
        paths = forest.forest_plot(comp, row, row["model"], tmp_path / row["target_id"])
        assert [p.suffix for p in paths] == [".png", ".svg"] and all(p.stat().st_size > 10_000 for p in paths)
    single = comps[0]
    single.inputs = single.inputs[:1]
    single.subgroups, single.subgroup_test = {}, None
    from rhil7.analysis.reproduction import fit

    fit(single)
    assert single.fits["DL"].k == 1
    assert forest.forest_plot(single, rows[0], "DL", tmp_path / "single")[0].exists()
