"""Reproduction: statuses, notes naming missing inputs, JSON keys, report and plots."""

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from rhil7.analysis.presentation import REQUIRED_KEYS
from rhil7.analysis.reproduction import STATUSES, judge, read_plan, reproduce_all
from rhil7.loading import read_tables

ROOT = Path(__file__).resolve().parents[1]


def _plan(**rows):
    frame = pd.DataFrame([dict(target_id=k, **v) for k, v in rows.items()]).set_index("target_id")
    return frame.fillna("")


MD_REML = dict(
    measure="MD",
    model="random",
    tau2_estimator="REML",
    pooling="IV",
    target_unit="days",
    conversion="wan2014",
    rationale="",
)
MD_DL = dict(MD_REML, tau2_estimator="DL")
RR_DL = dict(
    measure="RR", model="random", tau2_estimator="DL", pooling="IV", target_unit="", conversion="", rationale=""
)


@pytest.mark.data
def test_plan_covers_every_published_target():
    published = pd.read_csv(ROOT / "tables/published_results.csv")
    plan = read_plan()
    assert set(published["target_id"]) == set(plan.index)
    assert (plan.loc[published["target_id"], "measure"].values == published["measure"].values).all()


@pytest.mark.data
def test_every_target_without_a_published_figure_says_what_the_abstract_claims():
    """A target without a figure is judged by the plan's claim; the plan states it rather than leaving the
    default (nothing to compare with) to chance, and a target with a figure needs none."""
    published = pd.read_csv(ROOT / "tables/published_results.csv").set_index("target_id")
    raw = pd.read_csv(ROOT / "analysis/plan.csv", dtype=str, keep_default_na=False).set_index("target_id")
    for target_id, target in published.iterrows():
        if pd.isna(target["estimate"]):
            assert raw.loc[target_id, "claim"] in {"none", "no_effect", "effect"}, target_id
        else:
            assert raw.loc[target_id, "claim"] == "", target_id


def test_reference_figures_reproduce_with_the_authors_model(reference_package):
    tables = read_tables(reference_package)
    rows, comps = reproduce_all(tables, _plan(all_hospital_los=MD_REML, all_secondary_infection=RR_DL))
    by = {r["target_id"]: r for r in rows}
    assert by["all_hospital_los"]["status"] == "reproduced" and by["all_hospital_los"]["k"] == 9
    assert by["all_secondary_infection"]["status"] == "reproduced" and by["all_secondary_infection"]["k"] == 13
    assert round(by["all_secondary_infection"]["estimate"], 4) == 0.4896


def test_another_model_differs_and_the_note_names_the_model_that_reproduces(reference_package):
    tables = read_tables(reference_package)
    rows, _ = reproduce_all(tables, _plan(all_hospital_los=MD_DL, all_secondary_infection=RR_DL))
    los = next(r for r in rows if r["target_id"] == "all_hospital_los")
    assert los["status"] == "differs"
    assert "REML model reproduces" in los["note"]


def test_missing_plan_row_is_not_computable(reference_package):
    rows, comps = reproduce_all(read_tables(reference_package), _plan(all_secondary_infection=RR_DL))
    los = next(r for r in rows if r["target_id"] == "all_hospital_los")
    assert los["status"] == "not_computable" and "plan" in los["note"]
    assert len(rows) == len(comps)


def test_not_reachable_input_makes_target_not_computable_and_is_named(reference_package):
    tables = read_tables(reference_package)
    cov = tables["coverage"]
    cov.loc[(cov["study_id"] == "bcg_4") & (cov["outcome"] == "secondary_infection"), "status"] = "not_reachable"
    rows, _ = reproduce_all(tables, _plan(all_hospital_los=MD_REML, all_secondary_infection=RR_DL))
    bcg = next(r for r in rows if r["target_id"] == "all_secondary_infection")
    assert bcg["status"] == "not_computable" and bcg["estimate"] is None
    assert "bcg_4 secondary_infection end of study (not_reachable)" in bcg["note"]


def test_judge_rounds_to_published_precision():
    target = pd.Series(dict(estimate=1.33, ci_low=0.29, ci_high=2.38, decimals=2))
    assert judge(target, 1.334, 0.2851, 2.3849) == "reproduced"
    assert judge(target, 1.36, 0.30, 2.40) == "close"
    assert judge(target, 1.45, 0.29, 2.38) == "differs"


def test_snapshot_every_target_is_not_computable_and_names_missing_inputs(package_copy):
    """The 0.1.0 snapshot has no arm-level rows: every target says which inputs are missing."""
    rows, _ = reproduce_all(read_tables(package_copy))
    assert len(rows) == 16
    for r in rows:
        assert r["status"] == "not_computable"
        assert "not_reachable" in r["note"]
        assert "fourth_trial" in r["note"]
    sepsis = next(r for r in rows if r["target_id"] == "sepsis_cd8_week2")
    assert (
        "francois2018 cd8 week2 (not_reachable)" in sepsis["note"]
        and "daix2023 cd8 week2 (not_reachable)" in sepsis["note"]
    )


@pytest.mark.data
def test_real_package_every_target_has_a_status_consistent_with_its_inputs():
    """Whatever the live data: a target with an input that is neither extracted nor not_reported is
    not_computable and names that input; a computed target pools exactly its extracted trials."""
    tables = read_tables(ROOT)
    rows, _ = reproduce_all(tables)
    assert [r["target_id"] for r in rows] == list(tables["published_results"]["target_id"])
    coverage = {(c.study_id, c.outcome, c.timepoint): c.status for c in tables["coverage"].itertuples()}
    open_questions = tables["open_questions"].query("status == 'open'")["question_id"].tolist()
    for r in rows:
        assert r["status"] in STATUSES, r
        studies = tables["studies"]
        pooled = studies if r["subgroup"] == "all" else studies[studies["condition"] == r["subgroup"]]
        status = {
            sid: coverage.get((sid, r["outcome"], r["timepoint"]), "not in coverage") for sid in pooled["study_id"]
        }
        gaps = {sid: st for sid, st in status.items() if st not in ("extracted", "not_reported")}
        for sid, st in gaps.items():
            assert r["status"] == "not_computable", r
            assert f"{sid} {r['outcome']} {r['timepoint'].replace('_', ' ')} ({st})" in r["note"], r
        if r["status"] != "not_computable":
            assert sorted(r["studies"]) == sorted(sid for sid, st in status.items() if st == "extracted"), r
            assert r["estimate"] is not None and r["k"] == len(r["studies"])
        else:
            assert r["estimate"] is None and r["note"]
        for question in open_questions:
            assert question in r["note"], r


@pytest.mark.data
def test_reproduce_cli_json_report_and_plots(cli, reference_package, tmp_path):
    env = dict(os.environ, RHIL7_BUILD=str(tmp_path / "build"))
    out = cli("reproduce", str(ROOT), "--format", "json", env=env)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    published = read_tables(ROOT, ["published_results"])["published_results"]
    assert len(rows) == len(published) and all(set(REQUIRED_KEYS) <= set(r) for r in rows)
    report = (tmp_path / "build" / "report" / "report.md").read_text(encoding="utf-8")
    assert "## Audit of the published figures" in report and "## Coverage" in report
    assert (tmp_path / "build" / "report" / "published_figures.png").stat().st_size > 10_000
    # a package with data gets forest plots in PNG and SVG, linked from the report with the input rows
    env = dict(os.environ, RHIL7_BUILD=str(tmp_path / "refbuild"))
    ref = cli("reproduce", str(reference_package), env=env)
    assert ref.returncode == 0, ref.stderr
    forest = tmp_path / "refbuild" / "report" / "forest"
    assert {p.name for p in forest.iterdir()} == {"all_secondary_infection.png", "all_secondary_infection.svg"}
    ref_report = (tmp_path / "refbuild" / "report" / "report.md").read_text(encoding="utf-8")
    assert "forest/all_secondary_infection.png" in ref_report and "`bcg_1_intervention_tb`" in ref_report


def test_reproduce_refuses_an_invalid_package(cli, package_copy, tmp_path):
    (package_copy / "tables" / "studies.csv").write_text("study_id\nx\n", encoding="utf-8")
    out = cli("reproduce", str(package_copy), env=dict(os.environ, RHIL7_BUILD=str(tmp_path / "b")))
    assert out.returncode == 1 and "invalid" in out.stderr and "Traceback" not in out.stderr


def test_median_arms_are_converted_labelled_and_shown_under_each_conversion(reference_package):
    tables = read_tables(reference_package)
    cont = tables["outcomes_continuous"]
    row = cont["row_id"] == "normand_1_intervention_los"
    cont.loc[row, ["statistic", "mean", "sd", "median", "q1", "q3"]] = ["median_iqr", None, None, 48.0, 25.0, 80.0]
    rows, comps = reproduce_all(tables, _plan(all_hospital_los=MD_REML, all_secondary_infection=RR_DL))
    los, comp = next((r, c) for r, c in zip(rows, comps) if r["target_id"] == "all_hospital_los")
    methods = {s.detail["intervention"]["method"] for s in comp.inputs}
    assert "converted from median_iqr by wan2014" in methods
    assert set(comp.sensitivity) == {"wan2014", "luo2018_wan2014", "luo2018_shi2020"}
    assert comp.sensitivity["wan2014"].estimate != comp.sensitivity["luo2018_wan2014"].estimate
    assert los["status"] in {"close", "differs"}
    # the reported statistic is untouched: conversion happens on the way to pooling only
    assert tables["outcomes_continuous"].loc[row, "mean"].isna().all()


def test_hartung_knapp_option_in_the_plan(reference_package):
    hk = dict(MD_REML, adjustment="HK")
    rows, comps = reproduce_all(
        read_tables(reference_package), _plan(all_hospital_los=hk, all_secondary_infection=RR_DL)
    )
    los = next(r for r in rows if r["target_id"] == "all_hospital_los")
    assert los["model"] == "REML-HK" and los["status"] == "differs"
    assert "REML model reproduces" in los["note"]


def test_a_package_read_once_is_not_read_again_and_its_plots_are_byte_identical(
    reference_package, tmp_path, monkeypatch
):
    """reproduce(ValidatedPackage) builds and recomputes from what the gate read (release hands it down), and
    two reproductions of the same data draw the same bytes (no date, a fixed SVG salt): reproducible reports."""
    import rhil7.gate
    import rhil7.reproduce
    from rhil7.gate import read_package

    package = read_package(reference_package)

    def refuse(*args, **kwargs):
        raise AssertionError("the package was read a second time")

    monkeypatch.setattr(rhil7.gate, "read_package", refuse)
    monkeypatch.setattr(rhil7.gate, "validate", refuse)
    runs = [rhil7.reproduce.reproduce(package, out=tmp_path / name) for name in ("one", "two")]
    assert [len(r.rows) for r in runs] == [len(package.tables["published_results"])] * 2
    svgs = [tmp_path / name / "report" / "forest" / "all_secondary_infection.svg" for name in ("one", "two")]
    assert svgs[0].read_bytes() == svgs[1].read_bytes() and b"<dc:date>" not in svgs[0].read_bytes()
    parquet = [tmp_path / name / "parquet" / "outcomes_dichotomous.parquet" for name in ("one", "two")]
    assert parquet[0].read_bytes() == parquet[1].read_bytes()
