"""The pooling engine reproduces results that others published, to the printed precision.

Sources and excerpts: tests/reference/README.md and research/reference_examples.md.
"""

import csv
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from rhil7.analysis import effect_sizes, pooling

REF = Path(__file__).parent / "reference"


def _rows(name):
    with (REF / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def bcg():
    rows = _rows("bcg_colditz1994.csv")
    t, tn, c, cn = (np.array([int(r[column]) for r in rows]) for column in ("tpos", "tneg", "cpos", "cneg"))
    return t, t + tn, c, c + cn


def test_bcg_log_risk_ratios_match_escalc(bcg):
    es = effect_sizes.log_risk_ratio(*bcg)
    printed_yi = [
        -0.8893,
        -1.5854,
        -1.3481,
        -1.4416,
        -0.2175,
        -0.7861,
        -1.6209,
        0.0120,
        -0.4694,
        -1.3713,
        -0.3394,
        0.4459,
        -0.0173,
    ]
    printed_vi = [
        0.3256,
        0.1946,
        0.4154,
        0.0200,
        0.0512,
        0.0069,
        0.2230,
        0.0040,
        0.0564,
        0.0730,
        0.0124,
        0.5325,
        0.0714,
    ]
    assert np.round(es.yi, 4).tolist() == printed_yi
    assert np.round(es.vi, 4).tolist() == printed_vi


def test_bcg_fixed_effect(bcg):
    es = effect_sizes.log_risk_ratio(*bcg)
    fit = pooling.fixed_effect(es.yi, es.vi)
    assert (round(fit.estimate, 4), round(fit.ci_low, 4), round(fit.ci_high, 4)) == (-0.4303, -0.5097, -0.3509)
    assert round(fit.z, 4) == -10.6247
    assert round(fit.q, 4) == 152.2330 and fit.q_df == 12
    assert [round(np.exp(x), 4) for x in (fit.estimate, fit.ci_low, fit.ci_high)] == [0.6503, 0.6007, 0.7040]


def test_bcg_dersimonian_laird(bcg):
    es = effect_sizes.log_risk_ratio(*bcg)
    fit = pooling.random_effects(es.yi, es.vi, "DL")
    assert round(fit.tau2, 4) == 0.3088
    assert (round(fit.estimate, 4), round(fit.ci_low, 4), round(fit.ci_high, 4)) == (-0.7141, -1.0644, -0.3638)
    assert round(fit.z, 4) == -3.9952
    assert round(100 * fit.i2, 4) == 92.1173
    assert [round(np.exp(x), 4) for x in (fit.estimate, fit.ci_low, fit.ci_high)] == [0.4896, 0.3449, 0.6950]


def test_bcg_reml(bcg):
    es = effect_sizes.log_risk_ratio(*bcg)
    fit = pooling.random_effects(es.yi, es.vi, "REML")
    assert round(fit.tau2, 4) == 0.3132
    assert (round(fit.estimate, 4), round(fit.se, 4), round(fit.z, 4)) == (-0.7145, 0.1798, -3.9744)
    assert (round(fit.ci_low, 4), round(fit.ci_high, 4)) == (-1.0669, -0.3622)
    assert round(100 * fit.i2, 2) == 92.22


def test_bcg_mantel_haenszel(bcg):
    fit = pooling.mantel_haenszel_rr(*bcg)
    assert (round(fit.estimate, 4), round(fit.se, 4), round(fit.z, 4)) == (-0.4537, 0.0393, -11.5338)
    assert (round(fit.ci_low, 4), round(fit.ci_high, 4)) == (-0.5308, -0.3766)
    assert [round(np.exp(x), 4) for x in (fit.estimate, fit.ci_low, fit.ci_high)] == [0.6353, 0.5881, 0.6862]
    assert round(fit.q, 4) == 152.5676
    assert round(100 * fit.i2, 2) == 92.13


def test_rothman_mantel_haenszel_at_90_percent():
    """Rothman 2008 Table 15-1 (metafor test): MH RR 1.3256, 90% CI [0.8658, 2.0296]; Q 0.4472."""
    a, b, c, d = np.array([8, 22]), np.array([98, 76]), np.array([5, 16]), np.array([115, 69])
    fit = pooling.mantel_haenszel_rr(a, a + b, c, c + d)
    z90 = stats.norm.ppf(0.95)
    low, high = fit.estimate - z90 * fit.se, fit.estimate + z90 * fit.se
    assert (round(fit.estimate, 4), round(low, 4), round(high, 4)) == (0.2818, -0.1442, 0.7078)
    assert [round(np.exp(x), 4) for x in (fit.estimate, low, high)] == [1.3256, 0.8658, 2.0296]
    assert round(fit.q, 4) == 0.4472


def test_normand_reml_mean_difference():
    rows = _rows("normand1999.csv")

    def f(k):
        return np.array([float(r[k]) for r in rows])

    es = effect_sizes.mean_difference(f("m1i"), f("sd1i"), f("n1i"), f("m2i"), f("sd2i"), f("n2i"))
    assert np.round(es.vi, 4).tolist() == [
        40.5080,
        2.0806,
        15.6984,
        150.2222,
        17.3077,
        1.1673,
        94.5891,
        6.3109,
        19.8423,
    ]
    fit = pooling.random_effects(es.yi, es.vi, "REML")
    assert round(fit.tau2, 4) == 684.6462
    assert (round(fit.estimate, 4), round(fit.se, 4), round(fit.z, 4)) == (-15.1060, 8.9466, -1.6885)
    assert (round(fit.ci_low, 4), round(fit.ci_high, 4)) == (-32.6409, 2.4289)
    assert round(fit.q, 4) == 238.9158
    assert round(100 * fit.i2, 2) == 98.97


# Raudenbush (2009) Table 16.3 via metafor's test: (tau2, mu, se, ci.lb, ci.ub) for the z test and knha
RAUDENBUSH = {
    ("DL", False): (0.0259, 0.0893, 0.0558, -0.0200, 0.1987),
    ("REML", False): (0.0188, 0.0837, 0.0516, -0.0175, 0.1849),
    ("DL", True): (0.0259, 0.0893, 0.0636, -0.0442, 0.2229),
    ("REML", True): (0.0188, 0.0837, 0.0616, -0.0457, 0.2131),
}


@pytest.mark.parametrize("method,hk", list(RAUDENBUSH))
def test_raudenbush_random_effects_and_hartung_knapp(method, hk):
    rows = _rows("raudenbush1985.csv")
    yi, vi = ([float(r[column]) for r in rows] for column in ("yi", "vi"))
    fit = pooling.random_effects(yi, vi, method, hartung_knapp=hk)
    got = tuple(round(x, 4) for x in (fit.tau2, fit.estimate, fit.se, fit.ci_low, fit.ci_high))
    assert got == RAUDENBUSH[(method, hk)]
    assert fit.model == method + ("-HK" if hk else "")


def test_raudenbush_fixed_effect_q():
    rows = _rows("raudenbush1985.csv")
    fit = pooling.fixed_effect([float(r["yi"]) for r in rows], [float(r["vi"]) for r in rows])
    assert (round(fit.estimate, 4), round(fit.se, 4)) == (0.0604, 0.0365)
    assert round(fit.q, 2) == 35.83


def test_statsmodels_agrees_on_fixed_and_dl(bcg):
    """A second opinion, not the oracle: statsmodels' combine_effects for FE and DL."""
    sm = pytest.importorskip("statsmodels.stats.meta_analysis")
    es = effect_sizes.log_risk_ratio(*bcg)
    res = sm.combine_effects(es.yi, es.vi, method_re="dl")
    assert res.mean_effect_fe == pytest.approx(pooling.fixed_effect(es.yi, es.vi).estimate, abs=1e-10)
    assert res.mean_effect_re == pytest.approx(pooling.random_effects(es.yi, es.vi, "DL").estimate, abs=1e-10)
    assert res.tau2 == pytest.approx(pooling.tau2_dersimonian_laird(es.yi, es.vi), abs=1e-10)


def test_subgroup_difference_is_zero_for_equal_subgroups_and_large_for_distant_ones():
    assert pooling.subgroup_difference([0.5, 0.5], [0.1, 0.2]).q_between == pytest.approx(0.0)
    far = pooling.subgroup_difference([0.0, 1.0], [0.1, 0.1])
    assert far.q_between == pytest.approx(50.0) and far.df == 1 and far.p < 1e-10


def test_tau2_is_zero_without_excess_heterogeneity():
    assert pooling.tau2_dersimonian_laird([0.1, 0.1, 0.1], [0.1, 0.2, 0.3]) == 0.0
    assert pooling.tau2_reml([0.1, 0.1, 0.1], [0.1, 0.2, 0.3]) == 0.0


def test_pooling_refuses_empty_input():
    with pytest.raises(ValueError, match="no study to pool"):
        pooling.fixed_effect([], [])


# Invalid variances: metafor's rma stops ("Division by zero when computing the inverse variance weights"); the
# engine raises naming the study, and never pools fewer studies than it was given.
@pytest.mark.parametrize(
    "yi, vi, bad",
    [
        ([0.1, 0.5, 0.3], [0, 0.1, 0.2], "study 0 "),
        ([0.1, 0.5, 0.3], [0.1, -0.1, 0.2], "study 1 "),
        ([0.1, np.nan, 0.3], [0.1, 0.1, 0.2], "study 1 "),
        ([0.1, 0.5, 0.3], [0.1, 0.1, np.inf], "study 2 "),
    ],
)
@pytest.mark.parametrize(
    "fit",
    [
        pooling.fixed_effect,
        pooling.random_effects,
        lambda y, v: pooling.random_effects(y, v, "REML", hartung_knapp=True),
        pooling.tau2_dersimonian_laird,
        pooling.tau2_reml,
    ],
)
def test_an_invalid_variance_or_effect_stops_pooling_naming_the_study(fit, yi, vi, bad):
    with pytest.raises(ValueError, match=bad):
        fit(yi, vi)


def test_mantel_haenszel_refuses_counts_without_a_finite_log_risk_ratio():
    with pytest.raises(ValueError, match="study 1 "):
        pooling.mantel_haenszel_rr([3, -1, 4], [10, 10, 10], [2, 3, 5], [10, 10, 10])


# REML at the boundary tau^2 = 0 and where it is interior, against metafor 3.8 (tests/reference/reml_boundary.R)
def _reml_reference():
    from collections import defaultdict

    out = defaultdict(dict)
    for row in _rows("reml_boundary.csv"):
        out[row["item"]][row["quantity"]] = float(row["value"])
    return out


REML_R = _reml_reference()
REML_SETS = sorted({r["dataset"] for r in _rows("reml_boundary_inputs.csv")})
BOUNDARY_SETS = [name for name in REML_SETS if REML_R[f"{name}_REML"]["tau2"] < 1e-9]


def _log_rr(name):
    rows = [r for r in _rows("reml_boundary_inputs.csv") if r["dataset"] == name]
    es = effect_sizes.log_risk_ratio(*(np.array([float(r[c]) for r in rows]) for c in ("ai", "n1i", "ci", "n2i")))
    return es.yi[es.included], es.vi[es.included]


def test_the_reference_holds_boundary_and_interior_cases():
    assert {"issue25", "hine1989", "yusuf1985_6", "yusuf1985_9"} <= set(BOUNDARY_SETS)
    assert "egger2001" in REML_SETS and "egger2001" not in BOUNDARY_SETS


@pytest.mark.parametrize("name", REML_SETS)
@pytest.mark.parametrize("hk", [False, True])
def test_reml_maximises_the_restricted_likelihood_over_zero_to_infinity(name, hk):
    yi, vi = _log_rr(name)
    fit = pooling.random_effects(yi, vi, "REML", hartung_knapp=hk)
    expected = REML_R[f"{name}_REML{'_HK' if hk else ''}"]
    assert fit.k == expected["k"]
    for quantity in ("tau2", "estimate", "se", "ci_low", "ci_high", "q", "q_p", "i2", "p"):
        assert getattr(fit, quantity) == pytest.approx(expected[quantity], abs=1e-6), quantity
    at_boundary = name in BOUNDARY_SETS
    assert (pooling.REML_AT_BOUNDARY in fit.notes) == at_boundary
    assert (fit.tau2 == 0.0) == at_boundary


@pytest.mark.parametrize("name", REML_SETS)
def test_restricted_log_likelihood_is_metafors(name):
    yi, vi = _log_rr(name)
    expected = REML_R[f"{name}_REML"]
    assert pooling.restricted_log_likelihood(yi, vi, expected["tau2"]) == pytest.approx(expected["ll"], abs=1e-9)
    assert pooling.restricted_log_likelihood(yi, vi, 0.0) == pytest.approx(expected["ll_at_0"], abs=1e-9)


def test_issue25_fisher_scoring_from_dl_alone_stops_at_a_lower_local_maximum():
    """The case of issue 25: Fisher scoring from the DL value reaches 0.2695, whose restricted likelihood is below
    that of tau^2 = 0 (metafor: -4.9628 at 0); the engine returns 0 and metafor's interval [-0.4982, 0.5494]."""
    yi, vi = _log_rr("issue25")
    local = pooling._fisher_scoring(yi, vi, pooling.tau2_dersimonian_laird(yi, vi), 1e-12, 1000)
    assert local == pytest.approx(0.26948, abs=1e-5)
    assert pooling.restricted_log_likelihood(yi, vi, local) < pooling.restricted_log_likelihood(yi, vi, 0.0)
    assert pooling.reml(yi, vi) == (0.0, True)
    fit = pooling.random_effects(yi, vi, "REML")
    assert (round(fit.ci_low, 4), round(fit.ci_high, 4)) == (-0.4982, 0.5494)


def test_metafors_default_threshold_stops_short_of_the_boundary_where_the_engine_does_not():
    """collins1985a (other deaths): metafor's default control (tau2 change < 1e-5) stops at 7.5e-6; with a tight
    threshold it reaches 7e-12, and the engine gives the boundary itself."""
    yi, vi = _log_rr("collins1985a_other")
    assert REML_R["collins1985a_other_REML_default_control"]["tau2"] > 1e-6
    assert pooling.tau2_reml(yi, vi) == 0.0


def test_hartung_knapp_with_one_study_is_metafors_z_test():
    yi, vi = _log_rr("issue25")
    fit = pooling.random_effects(yi[:1], vi[:1], "DL", hartung_knapp=True)
    expected = REML_R["single_DL_HK"]
    assert fit.model == "DL-HK" and fit.t_df is None and pooling.HK_ONE_STUDY in fit.notes
    for quantity in ("estimate", "se", "ci_low", "ci_high", "p", "q", "q_p"):
        assert getattr(fit, quantity) == pytest.approx(expected[quantity], abs=1e-12), quantity


@pytest.mark.parametrize("fit", [pooling.fixed_effect, pooling.random_effects])
def test_q_on_zero_df_has_p_one_as_in_metafor(fit):
    result = fit([0.3], [0.04])
    assert (result.q, result.q_df, result.q_p) == (0.0, 0, REML_R["single_FE"]["q_p"]) == (0.0, 0, 1.0)


def test_double_zero_studies_are_left_out_as_escalc_drop00():
    """nielweise2007: metafor's escalc keeps Yucel 2004 (0/n in both arms) with 0.5 added unless drop00=TRUE; the
    engine leaves it out, as RevMan does, so it equals the drop00 fit and differs from the default one."""
    rows = _rows("nielweise2007.csv")
    es = effect_sizes.log_risk_ratio(*(np.array([float(r[c]) for r in rows]) for c in ("ai", "n1i", "ci", "n2i")))
    fit = pooling.random_effects(es.yi[es.included], es.vi[es.included], "DL")
    assert fit.k == REML_R["nielweise_DL_drop00"]["k"] == REML_R["nielweise_DL_keep00"]["k"] - 1
    assert fit.estimate == pytest.approx(REML_R["nielweise_DL_drop00"]["estimate"], abs=1e-9)
    assert abs(fit.estimate - REML_R["nielweise_DL_keep00"]["estimate"]) > 0.01


def test_reml_climbs_where_plain_fisher_scoring_cycles():
    """Ten studies on which Fisher scoring alternates between 0 and 1.046 for ever (metafor's default fit stops
    with "did not converge"): with its steps halved until the likelihood climbs, and the score's root polished,
    the engine reaches metafor's maximum (stepadj = 0.5, threshold 1e-10)."""
    rows = _rows("reml_cycle.csv")
    yi, vi = (np.array([float(r[column]) for r in rows]) for column in ("yi", "vi"))
    expected = REML_R["fisher_cycle_REML"]
    assert expected["default_converges"] == 0
    fit = pooling.random_effects(yi, vi, "REML")
    for quantity in ("tau2", "estimate", "se", "ci_low", "ci_high", "q", "i2", "p"):
        assert getattr(fit, quantity) == pytest.approx(expected[quantity], abs=1e-9), quantity
    assert pooling.REML_AT_BOUNDARY not in fit.notes
