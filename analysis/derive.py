"""Arm-level inputs for pooling, derived from the reported rows and labelled with how.

Reported statistics are never changed: this module returns, per arm, the mean and SD used for pooling, in the
target unit, and the method that produced them (reported, SE x sqrt(n), or a median conversion).

One statistic per arm (the same rule as the SQL view ``effect_sizes``): when an arm has several rows for the
same outcome and analysis time point, the first by ``STATISTIC_PREFERENCE`` is used (a reported mean and SD
needs no derivation; a median needs the most assumptions), ties broken by the smallest ``row_id``.
The arm's n is the row's n, else the arm's n_analysed, else its n_randomized.
"""

from __future__ import annotations

import math

import pandas as pd

from . import conversions
from rhil7.core.vocabulary import STATISTIC_PREFERENCE

from .units import factor

SKEWED_MEDIANS = {
    "exclude": "an arm whose Shi 2023 test is significant is not converted (metafor conv.fivenum's default)",
    "convert": "converted all the same; the test result is reported with the arm",
}
DEFAULT_SKEWED_MEDIANS = "exclude"


class NotDerivable(ValueError):
    """The arm's reported statistics cannot give a mean and SD under the plan (the reason is the message)."""


def pick_row(rows: pd.DataFrame) -> pd.Series:
    """The row used for an arm: the first statistic by STATISTIC_PREFERENCE, then the smallest row_id."""
    rank = rows["statistic"].map({s: i for i, s in enumerate(STATISTIC_PREFERENCE)})
    return rows.assign(_rank=rank).sort_values(["_rank", "row_id"]).iloc[0].drop("_rank")


def _num(value):
    return None if value is None or pd.isna(value) else float(value)


def arm_mean_sd(
    row: pd.Series,
    target_unit: str,
    conversion: str,
    fallback_n: float | None,
    skewed_medians: str = DEFAULT_SKEWED_MEDIANS,
) -> dict:
    """Mean and SD in target_unit for one reported row; 'method' says how they were obtained, 'skewness' holds
    the Shi 2023 test of a converted arm. Raises NotDerivable with the reason when the row cannot be used."""
    n = _num(row.get("n")) or fallback_n
    k = factor(row["unit"], target_unit)
    statistic = row["statistic"]
    skewness = None
    if statistic == "mean_sd":
        mean, sd, method = _num(row["mean"]), _num(row["sd"]), "reported mean and SD"
    elif statistic == "mean_se":
        if n is None:
            raise NotDerivable(f"{row['row_id']}: mean and SE without n cannot give an SD")
        mean, sd, method = _num(row["mean"]), conversions.sd_from_se(_num(row["se"]), n), "SD = SE x sqrt(n)"
    else:
        if n is None:
            raise NotDerivable(f"{row['row_id']}: median conversion needs n")
        if n < conversions.MIN_N:
            raise NotDerivable(
                f"{row['row_id']}: n = {n:g} is below {conversions.MIN_N}, too few to convert a median "
                "(metafor conv.fivenum refuses it too)"
            )
        mean_fn, sd_fn = conversions.METHODS[conversion]
        args = dict(
            median=_num(row["median"]),
            q1=_num(row.get("q1")),
            q3=_num(row.get("q3")),
            lo=_num(row.get("min")),
            hi=_num(row.get("max")),
        )
        test = conversions.skewness_test(n, **args)
        skewness = {
            "scenario": test.scenario,
            "statistic": test.statistic,
            "critical": test.critical,
            "significant": test.significant,
            "text": test.describe(),
        }
        if test.significant and skewed_medians == "exclude":
            raise NotDerivable(f"{row['row_id']}: {test.describe()}; not converted (plan: skewed_medians = exclude)")
        mean, sd = mean_fn(n, **args), sd_fn(n, **args)
        method = f"converted from {statistic} by {conversion}"
    if n is None or mean is None or sd is None or math.isnan(mean) or math.isnan(sd) or math.isinf(sd):
        raise NotDerivable(f"{row['row_id']}: incomplete inputs")
    return {
        "mean": mean * k,
        "sd": sd * k,
        "n": n,
        "method": method,
        "unit_factor": k,
        "row_id": row["row_id"],
        "statistic": statistic,
        "skewness": skewness,
    }
