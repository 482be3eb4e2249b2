"""The engine on sparse data against R metafor 3.8-1 (tests/reference/sparse_and_subgroups.R and its printed
output sparse_and_subgroups.csv): a single study, zero cells under both conventions, RevMan's M-H random effects,
prediction intervals and the test for subgroup differences. Every number to 1e-6 (most agree to 1e-12)."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from rhil7.analysis import effect_sizes, pooling

REFERENCE = Path(__file__).resolve().parent / "reference"
TOL = 1e-6


def _reference() -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = defaultdict(dict)
    with (REFERENCE / "sparse_and_subgroups.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out[row["item"]][row["quantity"]] = float(row["value"])
    return out


R = _reference()


def _rows(name):
    with (REFERENCE / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _counts(rows, a, n1, c, n2):
    return [np.array([float(r[x]) for r in rows]) for x in (a, n1, c, n2)]


def nielweise():
    return _counts(_rows("nielweise2007.csv"), "ai", "n1i", "ci", "n2i")


def bcg(rows=None):
    rows = rows or _rows("bcg_alloc.csv")
    a = np.array([float(r["tpos"]) for r in rows])
    c = np.array([float(r["cpos"]) for r in rows])
    return a, a + np.array([float(r["tneg"]) for r in rows]), c, c + np.array([float(r["cneg"]) for r in rows])


def assert_fit(fit: pooling.Pooled, item: str, quantities=("estimate", "se", "ci_low", "ci_high", "tau2", "q", "i2")):
    expected = R[item]
    for quantity in quantities:
        assert getattr(fit, quantity) == pytest.approx(expected[quantity], abs=TOL), (item, quantity)
    if "k" in expected and "k" in quantities:
        assert fit.k == expected["k"]


# 1. k = 1: tau2 = 0, Q = 0, I2 = 0 and every model returns the study's own estimate and interval
@pytest.mark.parametrize("model", ["FE", "DL", "REML"])
def test_single_mean_difference(model):
    r = _rows("normand1999.csv")[0]
    es = effect_sizes.mean_difference(
        float(r["m1i"]), float(r["sd1i"]), float(r["n1i"]), float(r["m2i"]), float(r["sd2i"]), float(r["n2i"])
    )
    fit = pooling.fixed_effect(es.yi, es.vi) if model == "FE" else pooling.random_effects(es.yi, es.vi, model)
    assert_fit(fit, f"single_md_{model}")
    assert fit.k == 1 and fit.q == 0.0 and fit.i2 == 0.0 and fit.tau2 == 0.0 and fit.pi_low is None


def test_single_risk_ratio_random_and_mantel_haenszel():
    a, n1, c, n2 = (x[:1] for x in bcg())
    es = effect_sizes.log_risk_ratio(a, n1, c, n2)
    assert_fit(pooling.random_effects(es.yi, es.vi, "DL"), "single_rr_DL")
    for convention in pooling.ZERO_CELL_CONVENTIONS:
        assert_fit(pooling.mantel_haenszel_rr(a, n1, c, n2, zero_cells=convention), "single_rr_MH")
        mh_random = pooling.mantel_haenszel_random(a, n1, c, n2, zero_cells=convention)
        assert_fit(mh_random, "single_rr_DL")  # RevMan's M-H, Random of one study is that study


def test_single_study_with_a_zero_cell():
    a, n1, c, n2 = (x[:1] for x in nielweise())
    es = effect_sizes.log_risk_ratio(a, n1, c, n2)
    assert_fit(pooling.random_effects(es.yi, es.vi, "DL"), "single_zero_rr_DL")
    assert_fit(pooling.mantel_haenszel_random(a, n1, c, n2), "single_zero_rr_DL")


# 2. zero cells, both conventions, on dat.nielweise2007 (a double-zero study: Yucel 2004)
def test_mantel_haenszel_without_correction_is_metafor_default():
    fit = pooling.mantel_haenszel_rr(*nielweise(), zero_cells="mh_uncorrected")
    assert_fit(fit, "nielweise_MH_uncorrected", ("estimate", "se", "ci_low", "ci_high", "q", "i2"))
    # metafor counts the double-zero table in k (it adds nothing to the MH sums); the engine counts studies pooled
    assert R["nielweise_MH_uncorrected"]["k"] == 18 and fit.k == 17


def test_mantel_haenszel_with_half_added_is_revman_and_r_meta():
    fit = pooling.mantel_haenszel_rr(*nielweise(), zero_cells="add_0.5")
    assert_fit(fit, "nielweise_MH_add", ("estimate", "se", "ci_low", "ci_high", "q", "i2", "k"))


def test_the_two_conventions_differ_and_the_default_is_revmans():
    add = pooling.mantel_haenszel_rr(*nielweise(), zero_cells="add_0.5")
    plain = pooling.mantel_haenszel_rr(*nielweise(), zero_cells="mh_uncorrected")
    assert abs(add.estimate - plain.estimate) > 0.05
    # without a convention named, the MH sums get the 0.5 too (RevMan 5, R meta): equal to rma.mh with add, to
    assert pooling.mantel_haenszel_rr(*nielweise()).estimate == add.estimate
    assert add.estimate == pytest.approx(R["nielweise_MH_add"]["estimate"], abs=TOL)
    with pytest.raises(ValueError, match="zero-cell convention"):
        pooling.mantel_haenszel_rr(*nielweise(), zero_cells="add_1")


@pytest.mark.parametrize("model", ["FE", "DL"])
def test_inverse_variance_on_sparse_log_risk_ratios(model):
    es = effect_sizes.log_risk_ratio(*nielweise())
    assert es.included.sum() == 17 and es.corrected.sum() == 5 and es.double_zero.sum() == 1
    yi, vi = es.yi[es.included], es.vi[es.included]  # the double-zero study is left out before pooling
    fit = pooling.fixed_effect(yi, vi) if model == "FE" else pooling.random_effects(yi, vi, "DL")
    assert_fit(fit, f"nielweise_{model}", ("estimate", "se", "ci_low", "ci_high", "tau2", "q", "i2", "k"))


# 3. RevMan's "M-H, Random" (hand computation in R following Deeks & Higgins 2010)
@pytest.mark.parametrize(
    "item, data, convention",
    [
        ("bcg_MH_random", bcg, "add_0.5"),
        ("nielweise_MH_random_add", nielweise, "add_0.5"),
        ("nielweise_MH_random_uncorrected", nielweise, "mh_uncorrected"),
    ],
)
def test_mantel_haenszel_random_effects_as_revman(item, data, convention):
    fit = pooling.mantel_haenszel_random(*data(), zero_cells=convention)
    assert fit.model == "MH-DL" and fit.t_df is None and fit.pi_low is not None  # random effects, z test
    assert_fit(fit, item, ("estimate", "se", "ci_low", "ci_high", "tau2", "q", "i2", "k"))


# 4. prediction intervals
@pytest.mark.parametrize("method", ["DL", "REML"])
def test_prediction_interval_t_with_k_minus_1_df_and_metafor_z(method):
    es = effect_sizes.log_risk_ratio(*bcg())
    fit = pooling.random_effects(es.yi, es.vi, method)
    expected = R[f"bcg_PI_{method}"]
    assert fit.pi_low == pytest.approx(expected["pi_low_t"], abs=TOL)
    assert fit.pi_high == pytest.approx(expected["pi_high_t"], abs=TOL)
    z = pooling.prediction_interval(fit.estimate, fit.se, fit.tau2, fit.k, dist="z")
    assert z == pytest.approx((expected["pi_low_z"], expected["pi_high_z"]), abs=TOL)


def test_no_prediction_interval_below_three_studies_or_for_fixed_effect():
    es = effect_sizes.log_risk_ratio(*bcg())
    assert pooling.random_effects(es.yi[:2], es.vi[:2]).pi_low is None
    assert pooling.fixed_effect(es.yi, es.vi).pi_low is None


# 5. the test for subgroup differences, dat.bcg by allocation method
@pytest.mark.parametrize("model", ["FE", "DL"])
def test_subgroup_difference_by_allocation(model):
    rows = _rows("bcg_alloc.csv")
    fits = []
    for alloc in sorted({r["alloc"] for r in rows}):
        es = effect_sizes.log_risk_ratio(*bcg([r for r in rows if r["alloc"] == alloc]))
        fit = pooling.fixed_effect(es.yi, es.vi) if model == "FE" else pooling.random_effects(es.yi, es.vi, "DL")
        assert_fit(fit, f"bcg_alloc_{alloc}_{model}", ("estimate", "se", "ci_low", "ci_high", "tau2", "q", "i2", "k"))
        fits.append(fit)
    test = pooling.subgroup_difference([f.estimate for f in fits], [f.se for f in fits])
    expected = R[f"bcg_subgroups_{model}"]
    assert test.q_between == pytest.approx(expected["q_between"], abs=TOL)
    assert test.df == expected["df"] and test.p == pytest.approx(expected["p"], abs=TOL)


def test_mantel_haenszel_without_correction_is_undefined_when_one_arm_never_has_events():
    a, n1, c, n2 = [0, 0], [10, 12], [3, 4], [10, 12]
    with pytest.raises(ValueError, match="not defined"):
        pooling.mantel_haenszel_rr(a, n1, c, n2, zero_cells="mh_uncorrected")
    assert pooling.mantel_haenszel_rr(a, n1, c, n2, zero_cells="add_0.5").estimate < 0


def test_reproduction_names_an_undefined_model_instead_of_failing(tmp_path):
    import pandas as pd

    from rhil7.analysis.reproduction import reproduce_all
    from rhil7.loading import read_tables
    from sparse_fixture import build_sparse_package, default_plan

    tables = read_tables(build_sparse_package(tmp_path / "package"))
    dich = tables["outcomes_dichotomous"]
    dich.loc[dich["row_id"] == "syn_a_intervention_death", "events"] = 0
    plan = pd.DataFrame(default_plan()).set_index("target_id")
    plan.loc["sepsis_mortality", ["model", "pooling", "zero_cells"]] = ["fixed", "MH", "mh_uncorrected"]
    rows, _ = reproduce_all(tables, plan)
    row = next(r for r in rows if r["target_id"] == "sepsis_mortality")
    assert row["status"] == "not_computable" and "MH model is not defined" in row["note"] and row["k"] == 2
