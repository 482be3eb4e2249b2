"""The project's words and constants, each written once and read everywhere (validator, analysis, SQL views,
forest plots, dictionary). What is data (the allowed codes) lives in the Table Schemas of datapackage.json;
this module holds what the code means by them, and a test proves the two agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from statistics import NormalDist

from .sql_quoting import quote_literal

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

# ---- Outcomes: one registry (code, table, label, analysis unit, direction of benefit) ----
CONTINUOUS_TABLE, DICHOTOMOUS_TABLE = "outcomes_continuous", "outcomes_dichotomous"
HIGHER_IS_BETTER, LOWER_IS_BETTER = "higher", "lower"


@dataclass(frozen=True)
class Outcome:
    code: str
    table: str  # the outcome table whose rows carry it
    label: str  # how plots and reports name it
    unit: str | None  # the analysis unit of a continuous outcome (the meta-analysis's scale); None for counts of events
    better: str  # HIGHER_IS_BETTER or LOWER_IS_BETTER: which way of the intervention's effect is benefit
    kind: str  # "count" (cells), "stay" (a length of stay), "event" (patients with an event)
    own_timepoint: str | None = None  # the time point that is the outcome itself (a stay), not said again in titles


OUTCOMES = (
    Outcome("alc", CONTINUOUS_TABLE, "Absolute lymphocyte count", "10^9/L", HIGHER_IS_BETTER, "count"),
    Outcome("cd4", CONTINUOUS_TABLE, "CD4+ T cells", "10^9/L", HIGHER_IS_BETTER, "count"),
    Outcome("cd8", CONTINUOUS_TABLE, "CD8+ T cells", "10^9/L", HIGHER_IS_BETTER, "count"),
    Outcome("icu_los", CONTINUOUS_TABLE, "ICU length of stay", "days", LOWER_IS_BETTER, "stay", "icu_stay"),
    Outcome(
        "hospital_los", CONTINUOUS_TABLE, "Hospital length of stay", "days", LOWER_IS_BETTER, "stay", "hospital_stay"
    ),
    Outcome("mortality", DICHOTOMOUS_TABLE, "Mortality", None, LOWER_IS_BETTER, "event"),
    Outcome("secondary_infection", DICHOTOMOUS_TABLE, "Secondary infection", None, LOWER_IS_BETTER, "event"),
    Outcome("sae", DICHOTOMOUS_TABLE, "Serious adverse events", None, LOWER_IS_BETTER, "event"),
    Outcome(
        "fever_respiratory_distress",
        DICHOTOMOUS_TABLE,
        "Fever and respiratory distress",
        None,
        LOWER_IS_BETTER,
        "event",
    ),
)
OUTCOME_BY_CODE = {o.code: o for o in OUTCOMES}
OUTCOMES_BY_TABLE = {t: tuple(o.code for o in OUTCOMES if o.table == t) for t in (CONTINUOUS_TABLE, DICHOTOMOUS_TABLE)}
# Outcome codes of the continuous table by kind: cell counts and lengths of stay.
COUNT_OUTCOMES = tuple(o.code for o in OUTCOMES if o.kind == "count")
STAY_OUTCOMES = tuple(o.code for o in OUTCOMES if o.kind == "stay")
# The analysis unit of each continuous outcome and its plausible values there, (low, high) inclusive. A
# lymphocyte count above 50 x 10^9/L is a count in cells/uL written with the wrong unit far more often than a real
# value; the validator scales these bounds to every reported unit by UNITS.
OUTCOME_UNITS = {o.code: o.unit for o in OUTCOMES if o.unit is not None}
PLAUSIBLE_BY_KIND = {"count": (0.0, 50.0), "stay": (0.0, 365.0)}
PLAUSIBLE_IN_ANALYSIS_UNIT = {code: PLAUSIBLE_BY_KIND[OUTCOME_BY_CODE[code].kind] for code in OUTCOME_UNITS}
# How plots and reports name each outcome code (every code of every outcome table has one).
OUTCOME_LABELS = {o.code: o.label for o in OUTCOMES}

# The two arms as plots and reports name them.
INTERVENTION_LABEL, CONTROL_LABEL = "rhIL-7", "control"


def higher_is_better(outcome: str) -> bool:
    """True when a larger value of the outcome is benefit (cell counts), False when a smaller one is (stays,
    deaths, infections, adverse events). Unknown codes raise KeyError: a direction is never guessed."""
    return OUTCOME_BY_CODE[outcome].better == HIGHER_IS_BETTER


def favours_intervention(outcome: str, effect: float, measure: str) -> bool | None:
    """Whether an effect (MD, or RR on the ratio scale) points to benefit of the intervention; None at no effect.

    An MD above 0 or an RR above 1 means more of the outcome in the intervention arm."""
    null = 1.0 if measure == "RR" else 0.0
    if effect == null:
        return None
    return (effect > null) == higher_is_better(outcome)


def favours_labels(outcome: str) -> tuple[str, str]:
    """The forest plot's "Favours" labels, left (below the null) then right (above it), for this outcome."""
    intervention, control = f"Favours {INTERVENTION_LABEL}", f"Favours {CONTROL_LABEL}"
    return (control, intervention) if higher_is_better(outcome) else (intervention, control)


# ---- Subgroups of the meta-analysis: the trials' conditions, then every trial ----
ALL_TRIALS = "all"
SUBGROUP_LABELS = {"sepsis": "Sepsis", "covid19": "COVID-19", ALL_TRIALS: "All trials"}
CONDITIONS = tuple(code for code in SUBGROUP_LABELS if code != ALL_TRIALS)


# ---- Pooling models: code (JSON ``model``, ``--model``), label (reports), words (forest-plot header), settings ----
@dataclass(frozen=True)
class Model:
    code: str
    label: str
    words: str
    effects: str  # plan column ``model``: "fixed" or "random"
    pooling: str  # plan column ``pooling``: "IV" or "MH"
    tau2_estimator: str | None = None  # plan column ``tau2_estimator`` (random effects)
    adjustment: str | None = None  # plan column ``adjustment``: "none" or "HK"
    # I^2 from Cochran's Q, (Q - df)/Q (fixed effect; RevMan's M-H random), else tau^2/(tau^2 + s^2) (metafor)
    i2_from_q: bool = False

    def plan_settings(self) -> dict[str, str]:
        """The plan columns this model sets (``rhil7 reproduce --model``)."""
        settings = {
            "model": self.effects,
            "pooling": self.pooling,
            "tau2_estimator": self.tau2_estimator,
            "adjustment": self.adjustment,
        }
        return {column: value for column, value in settings.items() if value is not None}


MODELS = (
    Model("FE", "IV, Fixed", "IV, Fixed", "fixed", "IV", i2_from_q=True),
    Model("DL", "IV, Random (DerSimonian-Laird)", "IV, Random", "random", "IV", "DL", "none"),
    Model("REML", "IV, Random (REML)", "IV, Random (REML)", "random", "IV", "REML", "none"),
    Model("DL-HK", "IV, Random (DL, Hartung-Knapp)", "IV, Random (HK)", "random", "IV", "DL", "HK"),
    Model("REML-HK", "IV, Random (REML, Hartung-Knapp)", "IV, Random (REML, HK)", "random", "IV", "REML", "HK"),
    Model("MH", "M-H, Fixed", "M-H, Fixed", "fixed", "MH", i2_from_q=True),
    Model("MH-DL", "M-H, Random", "M-H, Random", "random", "MH", "DL", "none", i2_from_q=True),
)
MODEL_BY_CODE = {m.code: m for m in MODELS}
MODEL_CODES = tuple(MODEL_BY_CODE)
FIXED_EFFECT_MODELS = tuple(m.code for m in MODELS if m.effects == "fixed")


# ---- Time points: the grammar of the ``timepoint`` codes (Table Schema pattern, validator, plots) ----
# A time after randomisation: a unit and a count; each unit's length in days (a month counted as 30 days).
TIMEPOINT_UNIT_DAYS = {"day": 1, "week": 7, "month": 30}
TIMEPOINT_PATTERN = "^(" + "|".join(TIMEPOINT_UNIT_DAYS) + ")([0-9]+)$"
TIMEPOINT_BEFORE = ("baseline",)
# Named periods after every timed point, in this order.
TIMEPOINT_PERIODS = ("icu_stay", "hospital_stay", "end_of_study")
TIMEPOINT_WORDS = {
    "baseline": "at baseline",
    "icu_stay": "over the ICU stay",
    "hospital_stay": "over the hospital stay",
    "end_of_study": "at end of study",
}
# The Table Schema's pattern for every timepoint field, built from the same grammar.
TIMEPOINT_SCHEMA_PATTERN = (
    "^(" + "|".join([*TIMEPOINT_BEFORE, *(f"{u}[0-9]+" for u in TIMEPOINT_UNIT_DAYS), *TIMEPOINT_PERIODS]) + ")$"
)
_TIMED = re.compile(TIMEPOINT_PATTERN)


def timepoint_days(code: str) -> int | None:
    """'week3' -> 21, 'day30' -> 30, 'month2' -> 60; None for baseline and the named periods."""
    match = _TIMED.match(code)
    return TIMEPOINT_UNIT_DAYS[match[1]] * int(match[2]) if match else None


def timepoint_order(code: str) -> tuple[int, int, str]:
    """Sort key running in time: baseline, the timed points by their days, then ICU stay, hospital stay, end of
    study, then unknown codes alphabetically."""
    if code in TIMEPOINT_BEFORE:
        return (0, TIMEPOINT_BEFORE.index(code), code)
    days = timepoint_days(code)
    if days is not None:
        return (1, days, code)
    return (2, TIMEPOINT_PERIODS.index(code) if code in TIMEPOINT_PERIODS else len(TIMEPOINT_PERIODS), code)


def timepoint_words(code: str) -> str:
    """'week3' -> 'at 3 weeks', 'day1' -> 'at 1 day', 'end_of_study' -> 'at end of study'."""
    match = _TIMED.match(code)
    if match:
        n = int(match[2])
        return f"at {n} {match[1]}{'' if n == 1 else 's'}"
    return TIMEPOINT_WORDS.get(code, "at " + code.replace("_", " "))


def outcome_words(outcome: str, timepoint: str) -> str:
    """The outcome and its time point in words; a stay's own period is not said twice ('ICU length of stay',
    not 'ICU length of stay over the ICU stay')."""
    known = OUTCOME_BY_CODE.get(outcome)
    label = known.label if known else outcome
    if known and known.own_timepoint == timepoint:
        return label
    return f"{label} {timepoint_words(timepoint)}"


# Verbatim quotes of the sources: stored exactly as printed, never refused for their first character.
VERBATIM_FIELDS = ("snippet",)

# A spreadsheet evaluates a cell that starts with one of these as a formula (OWASP "CSV injection"): the
# validator refuses such text (verbatim snippets excepted), the release's spreadsheet copies escape it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# The analysis measure of each outcome: a mean difference for the continuous outcomes, a risk ratio for the others.
OUTCOME_MEASURES = {o.code: "MD" if o.table == CONTINUOUS_TABLE else "RR" for o in OUTCOMES}
# t(0.975, df) is listed for df up to this many degrees of freedom; above it, the Cornish-Fisher expansion
# (Abramowitz & Stegun 26.7.5, four terms) is within 1e-10 of it (checked by tests/test_sql_python_agree.py).
T_975_LISTED = 100


@cache
def t_975(df_max: int = T_975_LISTED) -> tuple[float, ...]:
    """t(0.975, df) for df = 1 .. df_max, by scipy.stats.t.ppf (what rhil7.analysis.pooling uses)."""
    from scipy import stats  # deferred: scipy is heavy, and only the SQL macros need it here

    return tuple(float(stats.t.ppf(0.975, df)) for df in range(1, df_max + 1))


def _t975_macro() -> str:
    z = "z975()"
    terms = [
        f"({z} ^ 3 + {z}) / (4 * df)",
        f"(5 * {z} ^ 5 + 16 * {z} ^ 3 + 3 * {z}) / (96 * df ^ 2)",
        f"(3 * {z} ^ 7 + 19 * {z} ^ 5 + 17 * {z} ^ 3 - 15 * {z}) / (384 * df ^ 3)",
        f"(79 * {z} ^ 9 + 776 * {z} ^ 7 + 1482 * {z} ^ 5 - 1920 * {z} ^ 3 - 945 * {z}) / (92160 * df ^ 4)",
    ]
    listed = ", ".join(repr(t) for t in t_975())
    return (
        f"CREATE OR REPLACE MACRO t975(df) AS CASE WHEN df >= 1 AND df <= {T_975_LISTED} "
        f"THEN ([{listed}]::DOUBLE[])[df::BIGINT] "
        f"WHEN df > {T_975_LISTED} THEN {z} + " + " + ".join(terms) + " END;"
    )


def _statistic_incomplete_macro() -> str:
    columns = list(dict.fromkeys(c for cs in STATISTIC_COLUMNS.values() for c in cs))
    cases = " ".join(
        f"WHEN {quote_literal(s)} THEN " + " OR ".join(f"{c} IS NULL" for c in cs)
        for s, cs in STATISTIC_COLUMNS.items()
    )
    return (
        f"CREATE OR REPLACE MACRO statistic_incomplete(statistic, {', '.join(columns)}) AS CASE statistic {cases} END;"
    )


def vocabulary_sql() -> str:
    """DuckDB macros that give the views the same constants and words as the Python engine:
    ``z975()``, ``t975(df)``, ``unit_factor(unit)`` (to the analysis unit), ``analysis_unit(unit)``,
    ``statistic_rank(statistic)``, ``statistic_incomplete(statistic, <value columns>)`` (a column the statistic
    fills is empty), ``outcome_measure(outcome)``."""
    factors = " ".join(f"WHEN {quote_literal(u)} THEN {f!r}::DOUBLE" for u, (_, f) in UNITS.items())
    targets = " ".join(f"WHEN {quote_literal(u)} THEN {quote_literal(t)}" for u, (t, _) in UNITS.items())
    ranks = " ".join(f"WHEN {quote_literal(s)} THEN {i}" for i, s in enumerate(STATISTIC_PREFERENCE, 1))
    measures = " ".join(f"WHEN {quote_literal(o)} THEN {quote_literal(m)}" for o, m in OUTCOME_MEASURES.items())
    return "\n".join(
        [
            "-- Generated from rhil7.core.vocabulary: the engine's constants and words, written once.",
            f"CREATE OR REPLACE MACRO z975() AS {Z_975!r}::DOUBLE;",
            f"CREATE OR REPLACE MACRO unit_factor(unit) AS CASE unit {factors} END;",
            f"CREATE OR REPLACE MACRO analysis_unit(unit) AS CASE unit {targets} END;",
            f"CREATE OR REPLACE MACRO statistic_rank(statistic) AS CASE statistic {ranks} END;",
            _statistic_incomplete_macro(),
            f"CREATE OR REPLACE MACRO outcome_measure(outcome) AS CASE outcome {measures} END;",
            _t975_macro(),
            "",
        ]
    )
