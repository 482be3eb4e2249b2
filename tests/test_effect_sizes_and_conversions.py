"""Effect sizes (zero cells) and the median-to-mean conversions against their published worked examples."""
import math

import numpy as np
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
