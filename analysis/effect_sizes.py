"""Effect sizes per study (metafor's ``escalc``): yi and its sampling variance vi.

Mean difference (MD): yi = m1 - m2, vi = sd1^2/n1 + sd2^2/n2
(Borenstein et al. 2009, Introduction to Meta-Analysis, eq. 4.5).
Log risk ratio (RR): yi = ln[(a/n1)/(c/n2)], vi = 1/a - 1/n1 + 1/c - 1/n2
(Borenstein 2009 eq. 5.2-5.3). A study with a zero cell gets 0.5 added to
each of its four cells (a, n1-a, c, n2-c), RevMan's and metafor's default;
a study with no events in either arm (or all events in both) carries no
information on the RR scale and is excluded (Cochrane Handbook 10.4.4.2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

CONTINUITY_CORRECTION = 0.5


@dataclass(frozen=True)
class EffectSizes:
    yi: np.ndarray
    vi: np.ndarray
    measure: str
    included: np.ndarray  # False for studies that carry no information (double-zero)
    corrected: np.ndarray  # True where the continuity correction was applied
    double_zero: np.ndarray | None = None  # True where no events (or only events) in both arms (RR only)


def mean_difference(m1, sd1, n1, m2, sd2, n2) -> EffectSizes:
    m1, sd1, n1, m2, sd2, n2 = (np.atleast_1d(np.asarray(x, dtype=float)) for x in (m1, sd1, n1, m2, sd2, n2))
    yi = m1 - m2
    vi = sd1**2 / n1 + sd2**2 / n2
    ok = np.isfinite(yi) & np.isfinite(vi) & (vi > 0)
    return EffectSizes(yi, vi, "MD", ok, np.zeros_like(ok))


def log_risk_ratio(a, n1, c, n2, cc: float = CONTINUITY_CORRECTION) -> EffectSizes:
    a, n1, c, n2 = (np.atleast_1d(np.asarray(x, dtype=float)) for x in (a, n1, c, n2))
    b, d = n1 - a, n2 - c
    double = ((a == 0) & (c == 0)) | ((b == 0) & (d == 0))
    zero = ((a == 0) | (b == 0) | (c == 0) | (d == 0)) & ~double
    add = np.where(zero, cc, 0.0)
    a2, b2, c2, d2 = a + add, b + add, c + add, d + add
    with np.errstate(divide="ignore", invalid="ignore"):
        yi = np.log((a2 / (a2 + b2)) / (c2 / (c2 + d2)))
        vi = 1 / a2 - 1 / (a2 + b2) + 1 / c2 - 1 / (c2 + d2)
    ok = ~double & np.isfinite(yi) & np.isfinite(vi)
    return EffectSizes(np.where(ok, yi, np.nan), np.where(ok, vi, np.nan), "RR", ok, zero, double)


def confidence_interval(yi: float, vi: float, level: float = 0.95) -> tuple[float, float]:
    """The study's own Wald interval yi +/- z sqrt(vi) (what RevMan and metafor's forest() draw per study)."""
    half = norm.ppf(0.5 + level / 2) * np.sqrt(vi)
    return float(yi - half), float(yi + half)
