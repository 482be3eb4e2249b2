"""Rules within one row that a Table Schema cannot express.

Each rule is a named, vectorized check: it takes the whole typed frame and
returns True for rows that satisfy it. Rows where a rule does not apply
(its inputs are missing) pass; presence is a rule of its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from rhil7.vocabulary import OUTCOME_UNITS, STATISTIC_COLUMNS, UNITS


@dataclass(frozen=True)
class RowRule:
    code: str
    fields: tuple[str, ...]  # the cells the rule reads; the first is the one a problem is reported on
    expected: str
    check: Callable[[pd.DataFrame], pd.Series]


def _ok_where_missing(frame: pd.DataFrame, condition: pd.Series, *cols: str) -> pd.Series:
    applicable = frame[list(cols)].notna().all(axis=1)
    return (~applicable | condition.fillna(True)).astype(bool)


VALUE_FIELDS = tuple(dict.fromkeys(c for columns in STATISTIC_COLUMNS.values() for c in columns))
STATISTIC_WORDS = "; ".join(f"{s}: {', '.join(columns)}" for s, columns in STATISTIC_COLUMNS.items())


def _listed(words: list[str], last: str) -> str:
    return f"{', '.join(words[:-1])} {last} {words[-1]}" if len(words) > 1 else words[0]


UNIT_WORDS = "; ".join(
    f"{_listed([u for u, (target, _) in UNITS.items() if target == unit], 'or')} for "
    f"{_listed([o for o, t in OUTCOME_UNITS.items() if t == unit], 'and')}"
    for unit in dict.fromkeys(OUTCOME_UNITS.values()))


def statistic_fields_match(frame: pd.DataFrame) -> pd.Series:
    ok = pd.Series(True, index=frame.index)
    for statistic, needed in STATISTIC_COLUMNS.items():
        rows = frame["statistic"] == statistic
        present = frame[list(needed)].notna().all(axis=1)
        unused = [c for c in VALUE_FIELDS if c not in needed]
        stray = frame[unused].notna().any(axis=1)
        ok &= ~rows | (present & ~stray)
    return ok


def sd_positive(frame):
    return _ok_where_missing(frame, frame["sd"] > 0, "sd")


def se_positive(frame):
    return _ok_where_missing(frame, frame["se"] > 0, "se")


def iqr_width_positive(frame):
    return _ok_where_missing(frame, frame["q3"] > frame["q1"], "q1", "q3")


def quartiles_around_median(frame):
    return _ok_where_missing(frame, (frame["q1"] <= frame["median"]) & (frame["median"] <= frame["q3"]),
                             "q1", "median", "q3")


def range_encloses_quartiles(frame):
    low = _ok_where_missing(frame, frame["min"] <= frame["q1"], "min", "q1")
    high = _ok_where_missing(frame, frame["q3"] <= frame["max"], "q3", "max")
    med = _ok_where_missing(frame, (frame["min"] <= frame["median"]) & (frame["median"] <= frame["max"]),
                            "min", "median", "max")
    return low & high & med


def unit_fits_outcome(frame):
    """The unit converts to the outcome's analysis unit (rhil7.vocabulary: a count per volume, or days)."""
    converts_to = frame["unit"].map({unit: target for unit, (target, _) in UNITS.items()}).astype(object)
    wanted = frame["outcome"].map(OUTCOME_UNITS).astype(object)
    fits = pd.Series([c == w for c, w in zip(converts_to, wanted)], index=frame.index, dtype=bool)
    return (fits | frame["unit"].isna() | frame["outcome"].isna()).astype(bool)


def events_not_above_total(frame):
    return _ok_where_missing(frame, frame["events"] <= frame["total"], "events", "total")


def analysed_not_above_randomized(frame):
    return _ok_where_missing(frame, frame["n_analysed"] <= frame["n_randomized"], "n_analysed", "n_randomized")


def ci_contains_estimate(frame):
    return _ok_where_missing(frame, (frame["ci_low"] <= frame["estimate"]) & (frame["estimate"] <= frame["ci_high"]),
                             "ci_low", "estimate", "ci_high")


def ci_complete(frame):
    present = frame[["estimate", "ci_low", "ci_high"]].notna()
    return (present.all(axis=1) | ~present.any(axis=1)).astype(bool)


def ratio_positive(frame):
    rr = frame["measure"] == "RR"
    positive = (frame[["estimate", "ci_low", "ci_high"]].fillna(1) > 0).all(axis=1)
    return (~rr | positive).astype(bool)


ROW_RULES: dict[str, list[RowRule]] = {
    "outcomes_continuous": [
        RowRule("statistic-fields", ("statistic",) + VALUE_FIELDS,
                f"exactly the value columns of the statistic ({STATISTIC_WORDS})",
                statistic_fields_match),
        RowRule("sd-not-positive", ("sd",), "sd > 0", sd_positive),
        RowRule("se-not-positive", ("se",), "se > 0", se_positive),
        RowRule("iqr-width-not-positive", ("q1", "q3"), "q3 > q1", iqr_width_positive),
        RowRule("quartiles-out-of-order", ("q1", "median", "q3"), "q1 <= median <= q3", quartiles_around_median),
        RowRule("range-out-of-order", ("min", "q1", "median", "q3", "max"), "min <= q1, q3 <= max and min <= median <= max",
                range_encloses_quartiles),
        RowRule("unit-not-for-outcome", ("unit", "outcome"),
                UNIT_WORDS,
                unit_fits_outcome),
    ],
    "outcomes_dichotomous": [
        RowRule("events-above-total", ("events", "total"), "events <= total", events_not_above_total),
    ],
    "arms": [
        RowRule("analysed-above-randomized", ("n_analysed", "n_randomized"), "n_analysed <= n_randomized",
                analysed_not_above_randomized),
    ],
    "published_results": [
        RowRule("ci-excludes-estimate", ("estimate", "ci_low", "ci_high"), "ci_low <= estimate <= ci_high",
                ci_contains_estimate),
        RowRule("ci-incomplete", ("estimate", "ci_low", "ci_high"), "estimate, ci_low and ci_high all given or all empty",
                ci_complete),
        RowRule("ratio-not-positive", ("measure", "estimate", "ci_low", "ci_high"), "a risk ratio and its CI above 0",
                ratio_positive),
    ],
}
