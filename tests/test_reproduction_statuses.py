"""Statuses and notes of `rhil7 reproduce` on the sparse fixture (tests/sparse_fixture.py): nothing published to
compare with, an inestimable subgroup, Hartung-Knapp and Mantel-Haenszel with one study, REML at the boundary,
and the footnotes of the conventions each figure depends on (issue 25, items 3, 5, 7, 8)."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
from sparse_fixture import build_sparse_package, default_plan

from rhil7.analysis import pooling
from rhil7.analysis.presentation import FOOTNOTES, footnotes
from rhil7.analysis.reproduction import STATUSES, reproduce_all
from rhil7.loading import read_tables


@pytest.fixture(scope="module")
def package_tables(tmp_path_factory):
    return read_tables(build_sparse_package(tmp_path_factory.mktemp("sparse") / "package"))


@pytest.fixture
def tables(package_tables):
    return copy.deepcopy(package_tables)


def _run(tables, **changes) -> dict[str, tuple[dict, object]]:
    plan = pd.DataFrame(default_plan()).set_index("target_id")
    for target, columns in changes.items():
        for column, value in columns.items():
            plan.loc[target, column] = value
    rows, comps = reproduce_all(tables, plan)
    assert all(r["status"] in STATUSES for r in rows)
    return {r["target_id"]: (r, c) for r, c in zip(rows, comps, strict=True)}


def _deaths(tables, row_id, events):
    dich = tables["outcomes_dichotomous"]
    dich.loc[dich["row_id"] == row_id, "events"] = events


def test_a_target_without_figure_or_claim_has_nothing_published_to_compare_with(tables):
    row, _ = _run(tables, all_mortality=dict(claim="none"))["all_mortality"]
    assert row["status"] == "nothing_published" and row["estimate"] is not None and row["k"] == 3
    assert row["note"].startswith("the abstract gives neither a figure nor a claim")
    assert "states no effect" not in row["note"]


@pytest.mark.parametrize("claim, status", [("no_effect", "consistent"), ("effect", "differs")])
def test_a_claim_in_words_is_judged_by_whether_our_ci_includes_no_effect(tables, claim, status):
    row, comp = _run(tables, all_mortality=dict(claim=claim))["all_mortality"]
    assert comp.fits["DL"].ci_low < 0 < comp.fits["DL"].ci_high  # this CI includes no effect
    assert row["status"] == status


def test_a_subgroup_where_every_trial_had_no_events_in_either_arm_is_inestimable(tables):
    """COVID-19 deaths: syn_d reports 0/40 and 0/41, syn_e did not report them: the risk ratio is inestimable,
    which is not 'no study reports this outcome', and the row counts the study left out."""
    _deaths(tables, "syn_d_intervention_death", 0)
    _deaths(tables, "syn_d_control_death", 0)
    runs = _run(tables)
    row, comp = runs["covid19_mortality"]
    assert row["status"] == "not_computable" and row["estimate"] is None
    assert (row["k"], row["k_excluded"]) == (0, 1)
    assert row["note"].startswith("inestimable: each of the 1 study present was left out")
    assert "no study reports" not in row["note"] and "syn_d mortality left out" in row["note"]
    assert "syn_e did not report" in row["note"]
    assert runs["all_mortality"][0]["k_excluded"] == 2  # syn_b and syn_d, both double zero


def test_hartung_knapp_with_one_study_falls_back_to_the_z_test_with_its_note(tables):
    row, comp = _run(tables, covid19_mortality=dict(adjustment="HK"))["covid19_mortality"]
    assert row["model"] == "DL-HK" and row["status"] != "not_computable" and row["k"] == 1
    hk = comp.fits["DL-HK"]
    assert hk.t_df is None and (hk.estimate, hk.ci_low, hk.ci_high) == (
        comp.fits["DL"].estimate,
        comp.fits["DL"].ci_low,
        comp.fits["DL"].ci_high,
    )
    assert pooling.HK_ONE_STUDY in row["note"] and "zero cells" not in row["note"]


@pytest.mark.parametrize("zero_cells", ["mh_uncorrected", "add_0.5"])
@pytest.mark.parametrize("model", ["fixed", "random"])
def test_mantel_haenszel_with_one_study_and_a_zero_cell_is_the_study_itself(tables, zero_cells, model):
    _deaths(tables, "syn_d_intervention_death", 0)
    row, comp = _run(tables, covid19_mortality=dict(model=model, pooling="MH", zero_cells=zero_cells))[
        "covid19_mortality"
    ]
    assert {"MH", "MH-DL"} <= set(comp.fits) and row["status"] != "not_computable"
    study = comp.inputs[0]
    for code in ("MH", "MH-DL"):  # the study's own 0.5-corrected log RR and its Wald interval, as RevMan
        assert (comp.fits[code].estimate, comp.fits[code].ci_low) == pytest.approx((study.yi, study.ci_low), abs=1e-12)


def test_reml_at_the_boundary_says_so_in_the_note_and_the_footnotes(tables):
    row, comp = _run(tables, sepsis_mortality=dict(tau2_estimator="REML"))["sepsis_mortality"]
    assert row["model"] == "REML" and row["tau2"] == 0.0
    assert pooling.REML_AT_BOUNDARY in row["note"]
    assert f"REML: {pooling.REML_AT_BOUNDARY}" in footnotes(comp)


def test_footnotes_name_the_conventions_each_figure_depends_on(tables):
    runs = _run(tables)
    sepsis = footnotes(runs["sepsis_mortality"][1])  # a double-zero study left out, a single-zero study corrected
    assert FOOTNOTES["double_zero"] in sepsis and FOOTNOTES["zero_cell"] in sepsis and FOOTNOTES["q_one"] not in sepsis
    single = footnotes(runs["covid19_mortality"][1])  # one study: Q on 0 df, HK falls back
    assert FOOTNOTES["q_one"] in single and FOOTNOTES["double_zero"] not in single
    assert FOOTNOTES["i2_tau"] in footnotes(runs["all_alc_week3"][1])


@pytest.mark.slow
def test_no_plots_keeps_the_plots_of_an_earlier_run(reference_package, tmp_path):
    """`rhil7 reproduce --no-plots` rewrites the report and the JSON, and leaves the earlier plots in place."""
    from rhil7.reproduce import reproduce

    package = reference_package
    reproduce(package, plots=True, out=tmp_path / "build")
    report = tmp_path / "build" / "report"
    drawn = {p.relative_to(report): p.read_bytes() for p in report.rglob("*") if p.suffix in (".png", ".svg")}
    assert any(p.parts[0] == "forest" for p in drawn) and len(drawn) > 4
    (report / "report.md").write_text("stale", encoding="utf-8")
    reproduce(package, plots=False, out=tmp_path / "build")
    assert {p.relative_to(report): p.read_bytes() for p in report.rglob("*") if p.suffix in (".png", ".svg")} == drawn
    assert (report / "report.md").read_text(encoding="utf-8") != "stale"


@pytest.mark.parametrize(
    "outcome, estimate, measure, arm",
    [
        ("icu_los", -6.6, "MD", "rhIL-7"),
        ("icu_los", 2.0, "MD", "control"),
        ("alc", 1.15, "MD", "rhIL-7"),
        ("mortality", 0.85, "RR", "rhIL-7"),
        ("secondary_infection", 1.3, "RR", "control"),
    ],
)
def test_the_report_says_which_arm_an_estimate_favours_by_the_outcomes_direction(outcome, estimate, measure, arm):
    from rhil7.analysis.presentation import direction_words

    words = direction_words(dict(outcome=outcome, estimate=estimate, measure=measure, model="DL"))
    assert words.endswith(f"our estimate (DL) favours {arm}.")


def test_the_report_shows_the_direction_under_each_computed_figure(tables):
    from rhil7.analysis.presentation import report_markdown

    runs = _run(tables)
    rows, comps = [r for r, _ in runs.values()], [c for _, c in runs.values()]
    text = report_markdown(rows, comps, [], tables["coverage"], tables["sources"], {}, None)
    assert "Direction of benefit: for Mortality, lower is better" in text
    assert "Direction of benefit: for Absolute lymphocyte count, higher is better" in text


def test_a_combined_figure_shows_an_inestimable_subgroup_instead_of_dropping_it(tables, tmp_path):
    from rhil7.analysis import forest
    from rhil7.analysis.presentation import report_markdown

    _deaths(tables, "syn_d_intervention_death", 0)
    _deaths(tables, "syn_d_control_death", 0)
    runs = _run(tables)
    row, comp = runs["all_mortality"]
    assert list(comp.subgroups) == ["sepsis"] and comp.inestimable_subgroups == ["covid19"]
    svg = forest.forest_plot(comp, row, row["model"], tmp_path / "all_mortality")[1].read_text(encoding="utf-8")
    assert f"<!-- {forest.NOT_ESTIMABLE} -->" in svg and "<!-- COVID-19 -->" in svg
    text = report_markdown([row], [comp], [], tables["coverage"], tables["sources"], {}, None)
    assert "| covid19 | 0 | not estimable | - |" in text
