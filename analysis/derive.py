"""Arm-level inputs for pooling, derived from the reported rows and labelled with how.

Reported statistics are never changed: this module returns, per arm, the mean and
SD used for pooling, in the target unit, and the method that produced them
(reported, SE x sqrt(n), or a median conversion).
"""
from __future__ import annotations

import math

import pandas as pd

from . import conversions
from .units import factor



def _num(value):
    return None if value is None or pd.isna(value) else float(value)


def arm_mean_sd(row: pd.Series, target_unit: str, conversion: str, fallback_n: float | None) -> dict:
    """Mean and SD in target_unit for one reported row; 'method' says how they were obtained."""
    n = _num(row.get("n")) or fallback_n
    k = factor(row["unit"], target_unit)
    statistic = row["statistic"]
    if statistic == "mean_sd":
        mean, sd, method = _num(row["mean"]), _num(row["sd"]), "reported mean and SD"
    elif statistic == "mean_se":
        if n is None:
            raise ValueError(f"{row['row_id']}: mean and SE without n cannot give an SD")
        mean, sd, method = _num(row["mean"]), conversions.sd_from_se(_num(row["se"]), n), "SD = SE x sqrt(n)"
    else:
        if n is None:
            raise ValueError(f"{row['row_id']}: median conversion needs n")
        mean_fn, sd_fn = conversions.METHODS[conversion]
        args = dict(median=_num(row["median"]), q1=_num(row.get("q1")), q3=_num(row.get("q3")),
                    lo=_num(row.get("min")), hi=_num(row.get("max")))
        mean, sd = mean_fn(n, **args), sd_fn(n, **args)
        method = f"converted from {statistic} by {conversion}"
    if n is None or mean is None or sd is None or math.isnan(mean) or math.isnan(sd):
        raise ValueError(f"{row['row_id']}: incomplete inputs")
    return {"mean": mean * k, "sd": sd * k, "n": n, "method": method, "unit_factor": k, "row_id": row["row_id"]}
