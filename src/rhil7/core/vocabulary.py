"""The project's words and constants, each written once and read everywhere (validator, analysis, SQL views,
forest plots, dictionary). What is data (the allowed codes) lives in the Table Schemas of datapackage.json;
this module holds what the code means by them, and a test proves the two agree.
"""
from __future__ import annotations

from statistics import NormalDist

# The normal quantile of every two-sided 95% interval (CIs of effect sizes and pooled estimates).
Z_975 = NormalDist().inv_cdf(0.975)

# Which value columns each reported statistic fills, in order.
STATISTIC_COLUMNS = {
    "mean_sd": ("mean", "sd"),
    "mean_se": ("mean", "se"),
    "median_iqr": ("median", "q1", "q3"),
    "median_range": ("median", "min", "max"),
    "median_iqr_range": ("median", "q1", "q3", "min", "max"),
}
# When an arm reports several statistics for one outcome and time point, the analysis uses the first here:
# reported means before converted medians, and the five-number summary before its parts.
STATISTIC_PREFERENCE = ("mean_sd", "mean_se", "median_iqr_range", "median_iqr", "median_range")

# Every reported unit and its factor to the outcome's analysis unit (the meta-analysis's scale):
# 1 cell/uL = 1 cell/mm3 = 10^6 cells/L = 0.001 x 10^9/L; 10^3/uL = 10^9/L; stays in days.
UNITS = {
    "cells/uL": ("10^9/L", 0.001),
    "cells/mm3": ("10^9/L", 0.001),
    "10^9/L": ("10^9/L", 1.0),
    "10^3/uL": ("10^9/L", 1.0),
    "days": ("days", 1.0),
}

# Outcome codes of the continuous table by kind: cell counts and lengths of stay.
COUNT_OUTCOMES = ("alc", "cd4", "cd8")
STAY_OUTCOMES = ("icu_los", "hospital_los")
# The analysis unit of each continuous outcome (the meta-analysis's scale) and its plausible values there,
# (low, high) inclusive. A lymphocyte count above 50 x 10^9/L is a count in cells/uL written with the wrong unit
# far more often than a real value; the validator scales these bounds to every reported unit by UNITS.
OUTCOME_UNITS = {**dict.fromkeys(COUNT_OUTCOMES, "10^9/L"), **dict.fromkeys(STAY_OUTCOMES, "days")}
PLAUSIBLE_IN_ANALYSIS_UNIT = {**dict.fromkeys(COUNT_OUTCOMES, (0.0, 50.0)), **dict.fromkeys(STAY_OUTCOMES, (0.0, 365.0))}
# How plots and reports name each outcome code (every code of the coverage table has one).
OUTCOME_LABELS = {"alc": "Absolute lymphocyte count", "cd4": "CD4+ T cells", "cd8": "CD8+ T cells",
                  "icu_los": "ICU length of stay", "hospital_los": "Hospital length of stay",
                  "mortality": "Mortality", "secondary_infection": "Secondary infection",
                  "sae": "Serious adverse events", "fever_respiratory_distress": "Fever and respiratory distress"}

# Verbatim quotes of the sources: stored exactly as printed, never refused for their first character.
VERBATIM_FIELDS = ("snippet",)

# A spreadsheet evaluates a cell that starts with one of these as a formula (OWASP "CSV injection"): the
# validator refuses such text (verbatim snippets excepted), the release's spreadsheet copies escape it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def vocabulary_sql() -> str:
    """DuckDB macros that give the views the same constants and words as the Python engine:
    ``z975()``, ``unit_factor(unit)`` (to the analysis unit), ``analysis_unit(unit)``, ``statistic_rank(statistic)``."""
    factors = " ".join(f"WHEN {_sql_text(u)} THEN {f!r}::DOUBLE" for u, (_, f) in UNITS.items())
    targets = " ".join(f"WHEN {_sql_text(u)} THEN {_sql_text(t)}" for u, (t, _) in UNITS.items())
    ranks = " ".join(f"WHEN {_sql_text(s)} THEN {i}" for i, s in enumerate(STATISTIC_PREFERENCE, 1))
    return "\n".join([
        "-- Generated from rhil7.core.vocabulary: the engine's constants and words, written once.",
        f"CREATE OR REPLACE MACRO z975() AS {Z_975!r}::DOUBLE;",
        f"CREATE OR REPLACE MACRO unit_factor(unit) AS CASE unit {factors} END;",
        f"CREATE OR REPLACE MACRO analysis_unit(unit) AS CASE unit {targets} END;",
        f"CREATE OR REPLACE MACRO statistic_rank(statistic) AS CASE statistic {ranks} END;",
        ""])
