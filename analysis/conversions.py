"""Median/quartiles/range to mean and SD: derived data, labelled by method, never stored over the reported values.

Scenarios (Wan et al. 2014): S1 = {min, median, max, n}; S2 = {min, q1, median, q3, max, n};
S3 = {q1, median, q3, n}.

Mean
- Wan 2014 (BMC Med Res Methodol 14:135): S1 (a + 2m + b)/4; S2 (a + 2q1 + 2m + 2q3 + b)/8; S3 (q1 + m + q3)/3.
- Luo 2018 (Stat Methods Med Res 27:1785): S1 w(a+b)/2 + (1-w)m, w = 4/(4 + n^0.75);
  S2 w1(a+b)/2 + w2(q1+q3)/2 + (1-w1-w2)m, w1 = 2.2/(2.2 + n^0.75), w2 = 0.7 - 0.72/n^0.55;
  S3 w(q1+q3)/2 + (1-w)m, w = 0.7 + 0.39/n.
SD
- Wan 2014: S1 (b-a)/xi(n), xi(n) = 2 Phi^-1((n-0.375)/(n+0.25));
  S3 (q3-q1)/eta(n), eta(n) = 2 Phi^-1((0.75n-0.125)/(n+0.25));
  S2 (b-a)/(2 xi(n)) + (q3-q1)/(2 eta(n)).
- Shi 2020 (Res Synth Methods 11:641): S2 theta1(n)(b-a)/xi(n) + theta2(n)(q3-q1)/eta(n),
  theta1 = 1/(1 + 0.07 n^0.6), theta2 = 1 - theta1; in S1 and S3 it reduces to Wan 2014.
Mean and SE to SD: sd = se * sqrt(n).

Safeguards, as metafor's conv.fivenum (3.8): arms with n < 5 are not converted (the estimators are not
meant for them; n = 1 would give SD = inf), and every converted arm gets the skewness test of Shi et al.
2023 (Stat Methods Med Res 32:1338) on the five-number summary (``skewness_test``); by default an arm whose
test is significant is not converted either (conv.fivenum's test=TRUE); the plan can say otherwise.
"""

from __future__ import annotations

import math

from dataclasses import dataclass

from scipy.stats import norm

MIN_N = 5  # metafor conv.fivenum: "exclude rows where n < 5"


def xi(n: float) -> float:
    return 2 * norm.ppf((n - 0.375) / (n + 0.25))


def eta(n: float) -> float:
    return 2 * norm.ppf((0.75 * n - 0.125) / (n + 0.25))


def scenario(q1=None, median=None, q3=None, lo=None, hi=None) -> str:
    has_iqr, has_range = q1 is not None and q3 is not None, lo is not None and hi is not None
    if median is None:
        raise ValueError("a median is needed")
    if has_iqr and has_range:
        return "S2"
    if has_range:
        return "S1"
    if has_iqr:
        return "S3"
    raise ValueError("quartiles or a range are needed")


def mean_wan2014(n, median, q1=None, q3=None, lo=None, hi=None) -> float:
    s = scenario(q1, median, q3, lo, hi)
    if s == "S1":
        return (lo + 2 * median + hi) / 4
    if s == "S2":
        return (lo + 2 * q1 + 2 * median + 2 * q3 + hi) / 8
    return (q1 + median + q3) / 3


def mean_luo2018(n, median, q1=None, q3=None, lo=None, hi=None) -> float:
    s = scenario(q1, median, q3, lo, hi)
    if s == "S1":
        w = 4 / (4 + n**0.75)
        return w * (lo + hi) / 2 + (1 - w) * median
    if s == "S2":
        w1 = 2.2 / (2.2 + n**0.75)
        w2 = 0.7 - 0.72 / n**0.55
        return w1 * (lo + hi) / 2 + w2 * (q1 + q3) / 2 + (1 - w1 - w2) * median
    w = 0.7 + 0.39 / n
    return w * (q1 + q3) / 2 + (1 - w) * median


def sd_wan2014(n, median=None, q1=None, q3=None, lo=None, hi=None) -> float:
    s = scenario(q1, median if median is not None else 0.0, q3, lo, hi)
    if s == "S1":
        return (hi - lo) / xi(n)
    if s == "S2":
        return (hi - lo) / (2 * xi(n)) + (q3 - q1) / (2 * eta(n))
    return (q3 - q1) / eta(n)


def sd_shi2020(n, median=None, q1=None, q3=None, lo=None, hi=None) -> float:
    s = scenario(q1, median if median is not None else 0.0, q3, lo, hi)
    if s != "S2":
        return sd_wan2014(n, median, q1, q3, lo, hi)
    theta1 = 1 / (1 + 0.07 * n**0.6)
    return theta1 * (hi - lo) / xi(n) + (1 - theta1) * (q3 - q1) / eta(n)


@dataclass(frozen=True)
class SkewnessTest:
    """Shi et al. 2023 test for skewness of a median-reported arm: significant when statistic >= critical."""

    scenario: str
    statistic: float
    critical: float

    @property
    def significant(self) -> bool:
        return self.statistic >= self.critical

    def describe(self) -> str:
        verdict = "skewed" if self.significant else "not significantly skewed"
        return (
            f"Shi 2023 skewness test ({self.scenario}): T = {self.statistic:.3f}, critical {self.critical:.3f}, "
            f"{verdict}"
        )


def skewness_test(n, median, q1=None, q3=None, lo=None, hi=None) -> SkewnessTest:
    """Shi et al. 2023 skewness test, as metafor's conv.fivenum computes it.

    S1 (min, median, max): T = |a + b - 2m| / (b - a), critical 1/ln(n + 9) + 2.5/(n + 1);
    S3 (q1, median, q3):   T = |q1 + q3 - 2m| / (q3 - q1), critical 2.65/sqrt(n) - 6/n^2;
    S2 (all five):         T = max(2.65 ln(0.6 n)/sqrt(n) x T_S1, T_S3), critical 3/sqrt(n) - 40/n^3.
    """
    s = scenario(q1, median, q3, lo, hi)
    # a zero spread gives NaN in conv.fivenum, which it reads as "not significant"
    t1 = abs(lo + hi - 2 * median) / (hi - lo) if s in ("S1", "S2") and hi > lo else 0.0
    t3 = abs(q1 + q3 - 2 * median) / (q3 - q1) if s in ("S2", "S3") and q3 > q1 else 0.0
    if s == "S1":
        return SkewnessTest(s, t1, 1 / math.log(n + 9) + 2.5 / (n + 1))
    if s == "S3":
        return SkewnessTest(s, t3, 2.65 / math.sqrt(n) - 6 / n**2)
    return SkewnessTest(s, max(2.65 * math.log(0.6 * n) / math.sqrt(n) * t1, t3), 3 / math.sqrt(n) - 40 / n**3)


def sd_from_se(se: float, n: float) -> float:
    return se * math.sqrt(n)


METHODS = {
    # name: (mean estimator, sd estimator)
    "wan2014": (mean_wan2014, sd_wan2014),
    "luo2018_wan2014": (mean_luo2018, sd_wan2014),
    "luo2018_shi2020": (mean_luo2018, sd_shi2020),
}
