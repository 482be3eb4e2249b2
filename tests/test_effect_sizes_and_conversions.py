"""Effect sizes (zero cells) and the median-to-mean conversions against their published worked examples."""

import math

import pytest

from rhil7.analysis import conversions, effect_sizes, units


def test_zero_cell_gets_half_added_to_every_cell():
    es = effect_sizes.log_risk_ratio([0], [10], [3], [10])
    # (0.5/11) / (3.5/11): each of a, b, c, d gains 0.5, so n1 and n2 gain 1
    assert es.yi[0] == pytest.approx(math.log(0.5 / 3.5))
    assert es.vi[0] == pytest.approx(1 / 0.5 - 1 / 11 + 1 / 3.5 - 1 / 11)
    assert es.corrected[0] and es.included[0]


def test_double_zero_study_is_excluded():
    es = effect_sizes.log_risk_ratio([0, 2], [10, 10], [0, 4], [12, 10])
    assert es.included.tolist() == [False, True]
    assert math.isnan(es.yi[0])


def test_all_events_in_both_arms_is_excluded():
    assert not effect_sizes.log_risk_ratio([10], [10], [8], [8]).included[0]


def test_mean_difference_and_variance():
    es = effect_sizes.mean_difference(5.0, 2.0, 10, 3.0, 1.0, 20)
    assert es.yi[0] == 2.0 and es.vi[0] == pytest.approx(0.4 + 0.05)


# metafor conv.fivenum worked example (n = 20), Luo 2018 mean; Wan 2014 SD (S1, S3) and Shi 2020 SD (S2)
def test_luo_wan_min_median_max():
    assert round(conversions.mean_luo2018(20, 6, lo=2, hi=14), 6) == 6.594468
    assert round(conversions.sd_wan2014(20, 6, lo=2, hi=14), 6) == 3.211576


def test_luo_wan_quartiles():
    assert round(conversions.mean_luo2018(20, 6, q1=4, q3=10), 6) == 6.719500
    assert round(conversions.sd_wan2014(20, 6, q1=4, q3=10), 6) == 4.787076


def test_luo_shi_five_numbers():
    assert round(conversions.mean_luo2018(20, 6, q1=4, q3=10, lo=2, hi=14), 6) == 6.938841
    assert round(conversions.sd_shi2020(20, 6, q1=4, q3=10, lo=2, hi=14), 6) == 3.679435


def test_wan_2014_means_are_the_published_formulas():
    assert conversions.mean_wan2014(20, 6, lo=2, hi=14) == (2 + 12 + 14) / 4
    assert conversions.mean_wan2014(20, 6, q1=4, q3=10) == (4 + 6 + 10) / 3
    assert conversions.mean_wan2014(20, 6, q1=4, q3=10, lo=2, hi=14) == (2 + 8 + 12 + 20 + 14) / 8


def test_wan_xi_closed_form_is_within_rounding_of_table_1():
    """Wan 2014 Table 1 prints xi(20) = 3.735 (exact expectation); the paper's closed form, which metafor also
    uses, gives 3.7365: the two agree to 0.002, the approximation error the paper reports."""
    assert abs(conversions.xi(20) - 3.735) < 0.002
    assert round(conversions.xi(20), 4) == 3.7365


def test_conversion_needs_a_spread():
    with pytest.raises(ValueError):
        conversions.mean_wan2014(20, 6)


def test_unit_factors():
    assert units.factor("cells/uL", "10^9/L") == 0.001
    assert units.factor("cells/mm3", "10^9/L") == 0.001
    assert units.factor("10^3/uL", "10^9/L") == 1.0
    with pytest.raises(ValueError):
        units.factor("days", "10^9/L")


# Shi et al. 2023 skewness test, as metafor's conv.fivenum (R/conv.fivenum.r, metafor 4.x) computes it:
# S1 |a + b - 2m|/(b - a) >= 1/ln(n + 9) + 2.5/(n + 1); S3 |q1 + q3 - 2m|/(q3 - q1) >= 2.65/sqrt(n) - 6/n^2;
# S2 max(2.65 ln(0.6 n)/sqrt(n) T1, T3) >= 3/sqrt(n) - 40/n^3.
def test_skewness_test_min_median_max():
    symmetric = conversions.skewness_test(20, 6, lo=2, hi=10)
    assert symmetric.scenario == "S1" and symmetric.statistic == 0.0 and not symmetric.significant
    assert symmetric.critical == pytest.approx(1 / math.log(29) + 2.5 / 21, abs=1e-15)
    skewed = conversions.skewness_test(20, 4, lo=2, hi=14)
    assert skewed.statistic == pytest.approx(8 / 12) and skewed.significant


def test_skewness_test_quartiles_and_five_numbers():
    s3 = conversions.skewness_test(20, 4.5, q1=4, q3=10)
    assert s3.scenario == "S3" and s3.statistic == pytest.approx(5 / 6)
    assert s3.critical == pytest.approx(2.65 / math.sqrt(20) - 6 / 400) and s3.significant
    s2 = conversions.skewness_test(20, 6, q1=4, q3=8, lo=2, hi=10)
    assert s2.scenario == "S2" and s2.statistic == 0.0 and s2.critical == pytest.approx(3 / math.sqrt(20) - 40 / 8000)
    far = conversions.skewness_test(20, 3.5, q1=3, q3=10, lo=1, hi=30)
    t1, t3 = abs(1 + 30 - 7) / 29, abs(3 + 10 - 7) / 7
    assert far.statistic == pytest.approx(max(2.65 * math.log(12) / math.sqrt(20) * t1, t3)) and far.significant


def _median_row(n, **values):
    import pandas as pd

    return pd.Series(
        dict(
            row_id="r1",
            statistic="median_iqr",
            unit="10^9/L",
            n=n,
            mean=None,
            sd=None,
            se=None,
            median=None,
            q1=None,
            q3=None,
            min=None,
            max=None,
        )
        | values
    )


def test_median_conversion_refuses_n_below_five_and_skewed_arms_by_default():
    from rhil7.analysis.derive import NotDerivable, arm_mean_sd

    with pytest.raises(NotDerivable, match="n = 4 is below 5"):
        arm_mean_sd(_median_row(4, median=6, q1=4, q3=8), "10^9/L", "wan2014", None)
    skewed = _median_row(20, median=4.5, q1=4, q3=10)
    with pytest.raises(NotDerivable, match="skewed"):
        arm_mean_sd(skewed, "10^9/L", "wan2014", None)
    converted = arm_mean_sd(skewed, "10^9/L", "wan2014", None, skewed_medians="convert")
    assert converted["skewness"]["significant"] and converted["mean"] == pytest.approx((4 + 4.5 + 10) / 3)
    fine = arm_mean_sd(_median_row(20, median=6, q1=4, q3=8), "10^9/L", "wan2014", None)
    assert fine["skewness"]["significant"] is False and "Shi 2023" in fine["skewness"]["text"]


def test_one_statistic_per_arm_prefers_mean_and_sd_then_the_smallest_row_id():
    import pandas as pd

    from rhil7.analysis.derive import pick_row

    rows = pd.DataFrame(
        [
            dict(row_id="b", statistic="mean_se"),
            dict(row_id="c", statistic="mean_sd"),
            dict(row_id="a", statistic="median_iqr"),
            dict(row_id="d", statistic="mean_sd"),
        ]
    )
    assert pick_row(rows)["row_id"] == "c"
    assert pick_row(rows[rows["statistic"] != "mean_sd"])["row_id"] == "b"
