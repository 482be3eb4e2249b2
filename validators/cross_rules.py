"""Rules across rows and tables, and the provenance rule (snippet holds its numbers).

Each function takes the typed frames by table name and returns problems (file =
table name; the runner maps it to the CSV path); a
table that could not be read is absent and its rules are skipped (its own
problems already say why).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from rhil7.vocabulary import COUNT_OUTCOMES, OUTCOME_UNITS, PLAUSIBLE_IN_ANALYSIS_UNIT, STAY_OUTCOMES, UNITS

from .problems import Problem
from .snippets import digits_in, rows_to_check, snippet_supports
from .tables import ARROW_TEXT

NUMERIC_FIELDS = {
    "outcomes_continuous": ("n", "mean", "sd", "se", "median", "q1", "q3", "min", "max"),
    "outcomes_dichotomous": ("events", "total"),
    "arms": ("n_randomized", "n_analysed"),
    "published_results": ("estimate", "ci_low", "ci_high"),
}


def _p(table, row, field, code, expected, found, message):
    return Problem(file=table, row=None if row is None else int(row), field=field, code=code,
                   expected=expected, found=str(found), message=message)


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "empty"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def snippet_fields(table: str, frame: pd.DataFrame) -> list[str]:
    """The numeric fields of ``table`` whose value its row's snippet must hold ([] without a snippet)."""
    return [f for f in NUMERIC_FIELDS.get(table, ()) if f in frame] if "snippet" in frame else []


def snippets_hold_numbers(tables, prescanned: dict | None = None) -> list[Problem]:
    """``prescanned``: table name -> a Future of ``rows_to_check`` for that table, started earlier."""
    problems = []
    for table in NUMERIC_FIELDS:
        frame = tables.get(table)
        fields = [] if frame is None else snippet_fields(table, frame)
        if not fields:
            continue
        # each snippet is parsed once, however many of its row's fields it must hold
        parsed: dict[str, set[float]] = {}  # digits only; number words are looked for only on a miss
        started = (prescanned or {}).get(table)
        frame = frame.loc[started.result() if started is not None else rows_to_check(frame, fields)]
        for field in fields:
            present = frame[field].notna() & frame["snippet"].notna()
            for row, value, snippet in zip(frame.index[present], frame[field][present].tolist(),
                                           _texts(frame["snippet"][present])):
                numbers = parsed.get(snippet)
                if numbers is None:
                    numbers = parsed[snippet] = digits_in(snippet)
                if float(value) not in numbers and not snippet_supports(float(value), snippet):
                    problems.append(_p(table, row, field, "number-not-in-snippet",
                                       f"the snippet to contain {_fmt(value)}", snippet[:120],
                                       f"The value {_fmt(value)} does not appear in its verbatim snippet (transcription error?)."))
    frame = tables.get("study_provenance")
    studies = tables.get("studies")
    if frame is not None and studies is not None:
        numeric = [f for f in ("n_randomized", "follow_up_days") if f in studies]
        study_ids = _texts(studies["study_id"])
        value_of = {f: dict(zip(study_ids, studies[f].astype(object).tolist())) for f in numeric}
        for row, study, field, snippet in zip(frame.index, *(_texts(frame[c]) for c in ("study_id", "field", "snippet"))):
            if field in value_of and study in value_of[field]:
                value = value_of[field][study]
                snippet = snippet if isinstance(snippet, str) else ""
                if not pd.isna(value) and float(value) not in digits_in(snippet) and not snippet_supports(float(value), snippet):
                    problems.append(_p("study_provenance", row, "snippet", "number-not-in-snippet",
                                       f"the snippet to contain studies.{field} = {_fmt(value)}", snippet[:120],
                                       f"The snippet documenting {study}.{field} does not contain its value."))
    return problems


class _Keys:
    """The rows' values in some columns, for membership tests of other rows' values.

    A small table is a set of tuples (microseconds); a large one an index of Arrow-backed text, factorized
    in C (a Python tuple per row of a million-row table would cost seconds)."""

    SMALL = 5_000

    def __init__(self, frame: pd.DataFrame, columns: list[str]):
        self.frame, self.columns = frame, columns
        self._set: set | None = None
        self._index: pd.MultiIndex | None = None

    def contains(self, frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
        """For each row of ``frame``, whether its values in ``columns`` are among these keys."""
        if len(frame) <= self.SMALL and len(self.frame) <= self.SMALL:
            if self._set is None:
                self._set = set(zip(*(_texts(self.frame[c]) for c in self.columns)))
            return np.fromiter((key in self._set for key in zip(*(_texts(frame[c]) for c in columns))),
                               dtype=bool, count=len(frame))
        if self._index is None:
            self._index = _index(self.frame, self.columns)
        return np.asarray(_index(frame, columns).isin(self._index), dtype=bool)


def _index(frame: pd.DataFrame, columns: list[str]) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(frame[columns].astype(ARROW_TEXT).set_axis(range(len(columns)), axis=1))


def _rows_in(frame: pd.DataFrame, columns: list[str], known: _Keys | pd.DataFrame) -> np.ndarray:
    """For each row of ``frame``, whether its values in ``columns`` are among ``known`` (keys, or a frame
    with the same columns)."""
    if isinstance(known, pd.DataFrame):
        known = _Keys(known, columns)
    return known.contains(frame, columns)


def _texts(series: pd.Series) -> list:
    """A column's values as Python objects, None for missing: iterating Arrow-backed text value by value is slow."""
    return series.to_numpy(dtype=object, na_value=None).tolist()


PROVENANCE_FIELDS = ("registry_ids", "design", "countries", "intervention", "dose", "route", "schedule", "control",
                     "lymphopenia_threshold", "follow_up", "follow_up_days", "n_randomized", "funding")


def studies_have_provenance(tables) -> list[Problem]:
    studies, prov = tables.get("studies"), tables.get("study_provenance")
    if studies is None or prov is None:
        return []
    problems = []
    documented = set(zip(_texts(prov["study_id"]), _texts(prov["field"])))
    study_ids = _texts(studies["study_id"])
    for field in [f for f in PROVENANCE_FIELDS if f in studies]:
        for row, study, value in zip(studies.index, study_ids, _texts(studies[field])):
            if value is not None and (study, field) not in documented:
                problems.append(_p("studies", row, field, "missing-provenance",
                                   "a study_provenance row with the source and a verbatim snippet",
                                   _fmt(value), f"{study}.{field} has a value but no provenance."))
    return sorted(problems, key=lambda p: p.row)


def arms_complete(tables) -> list[Problem]:
    studies, arms = tables.get("studies"), tables.get("arms")
    if studies is None or arms is None:
        return []
    problems = []
    roles = ("intervention", "control")
    has = {role: studies["study_id"].isin(arms.loc[arms["arm_role"] == role, "study_id"]).to_numpy(bool) for role in roles}
    for i in np.flatnonzero(~(has["intervention"] & has["control"])):
        study = studies["study_id"].iloc[i]
        for role in roles:
            if not has[role][i]:
                problems.append(_p("studies", studies.index[i], "study_id", "missing-arm", f"an {role} arm in arms",
                                   study, f"Study {study} has no {role} arm."))
    grouped = arms.groupby("study_id")["n_randomized"]
    totals = grouped.sum().where(grouped.count() == grouped.size()).to_dict()  # unknown when an arm's n is missing
    for row, study, n in zip(studies.index, _texts(studies["study_id"]), studies["n_randomized"].tolist()):
        total = totals.get(study)
        if pd.isna(n) or total is None or pd.isna(total):
            continue
        if int(total) != int(n):
            problems.append(_p("studies", row, "n_randomized", "arms-do-not-add-up",
                               f"the sum of the arms' n_randomized ({int(total)})", int(n),
                               f"The arms of {study} do not add up to the study's n_randomized."))
    return problems


def outcome_rows_consistent(tables) -> list[Problem]:
    arms = tables.get("arms")
    problems = []
    keys = {"outcomes_continuous": ["study_id", "arm_id", "outcome", "timepoint", "statistic"],
            "outcomes_dichotomous": ["study_id", "arm_id", "outcome", "timepoint"]}
    for table, key in keys.items():
        frame = tables.get(table)
        if frame is None:
            continue
        dup = frame.duplicated(subset=key, keep="first")
        for row in frame.index[dup]:
            problems.append(_p(table, row, "row_id", "duplicate-outcome-row", "one row per " + ", ".join(key),
                               "/".join(_fmt(frame.at[row, k]) for k in key),
                               "This row repeats an earlier row's " + ", ".join(key) + "."))
        if arms is None:
            continue
        arm_info = arms.set_index("arm_id")
        arm_columns = arm_info[["study_id", "n_randomized"]].rename(columns={"study_id": "study_id_arm"})
        merged = frame[["study_id", "arm_id"]].join(arm_columns, on="arm_id")
        wrong = merged["study_id_arm"].notna() & (merged["study_id"] != merged["study_id_arm"])
        for row in frame.index[wrong]:
            problems.append(_p(table, row, "arm_id", "arm-of-other-study", f"an arm of {frame.at[row, 'study_id']}",
                               f"{frame.at[row, 'arm_id']} (of {merged.at[row, 'study_id_arm']})",
                               "The row's arm belongs to another study."))
        count = "n" if table == "outcomes_continuous" else "total"
        over = merged["n_randomized"].notna() & frame[count].notna() & (frame[count] > merged["n_randomized"])
        for row in frame.index[over]:
            problems.append(_p(table, row, count, "more-than-randomized",
                               f"at most the arm's n_randomized ({_fmt(merged.at[row, 'n_randomized'])})",
                               _fmt(frame.at[row, count]), "More participants than were randomized to the arm."))
    return problems


_UNIT_DAYS = {"day": 1, "week": 7, "month": 30}


def _per_distinct(values: pd.Series, compute) -> pd.Series:
    """``compute`` (distinct values as an object Series -> float array) spread back over ``values``, NaN where
    missing: a long column of few distinct codes is worked out once per code."""
    codes, distinct = pd.factorize(values)
    per_code = np.asarray(compute(pd.Series(np.asarray(distinct, dtype=object))), dtype=float)
    result = np.full(len(codes), np.nan)
    result[codes >= 0] = per_code[codes[codes >= 0]]
    return pd.Series(result, index=values.index)


def _days_of(codes: pd.Series) -> np.ndarray:
    """dayN / weekN / monthN in days (NaN for anything else)."""
    parts = codes.str.extract(r"^(day|week|month)([0-9]+)$")
    return (pd.to_numeric(parts[1], errors="coerce") * parts[0].map(_UNIT_DAYS)).to_numpy(dtype=float)


def timepoints_within_follow_up(tables) -> list[Problem]:
    studies = tables.get("studies")
    if studies is None or "follow_up_days" not in studies:
        return []
    follow_up = dict(zip(_texts(studies["study_id"]), studies["follow_up_days"]))
    limits_by_study = pd.to_numeric(pd.Series(follow_up, dtype=object), errors="coerce").astype(float)
    problems = []
    for table in ("outcomes_continuous", "outcomes_dichotomous"):
        frame = tables.get(table)
        if frame is None:
            continue
        days = _per_distinct(frame["timepoint"], _days_of)
        limits = _per_distinct(frame["study_id"], lambda ids: ids.map(limits_by_study).to_numpy(dtype=float))
        late = (days > limits).fillna(False).astype(bool)  # vectorized: a time point past its study's follow-up
        for row, study, code in zip(frame.index[late], _texts(frame["study_id"][late]), _texts(frame["timepoint"][late])):
            problems.append(_p(table, row, "timepoint", "timepoint-after-follow-up",
                               f"a time point within the study's follow-up ({int(follow_up[study])} days)", code,
                               "The time point lies after the end of the study's follow-up."))
    return problems


OUTCOMES_BY_TABLE = {"outcomes_continuous": (*COUNT_OUTCOMES, *STAY_OUTCOMES),
                     "outcomes_dichotomous": ("mortality", "secondary_infection", "sae")}


def coverage_consistent(tables) -> list[Problem]:
    coverage = tables.get("coverage")
    if coverage is None:
        return []
    problems = []
    arms = tables.get("arms")
    cell = ["study_id", "outcome", "timepoint"]
    extracted = coverage.loc[coverage["status"] == "extracted", cell]
    mapped_rows = []  # (study, outcome, analysis time point, role of the row's arm: NaN when the arm is unknown)
    for table in ("outcomes_continuous", "outcomes_dichotomous"):
        frame = tables.get(table)
        if frame is None or "analysis_timepoint" not in frame:
            continue
        mapped = frame.loc[frame["analysis_timepoint"].notna(), ["study_id", "outcome", "analysis_timepoint", "arm_id"]]
        keys = mapped[["study_id", "outcome", "analysis_timepoint"]].set_axis(cell, axis=1)
        role = _roles(arms).reindex(mapped["arm_id"]).to_numpy() if arms is not None else None
        mapped_rows.append(keys.assign(role=role).drop_duplicates())
        uncovered = mapped[~_rows_in(keys, cell, extracted)]
        listed = {} if uncovered.empty else dict(zip(zip(*(_texts(coverage[c]) for c in cell)), _texts(coverage["status"])))
        for row, study, outcome, tp in zip(uncovered.index, *(_texts(uncovered[c]) for c in
                                                               ("study_id", "outcome", "analysis_timepoint"))):
            status = listed.get((study, outcome, tp))
            found = f"the coverage row ({study}, {outcome}, {tp}) with status {status}" if status else \
                f"no coverage row ({study}, {outcome}, {tp})"
            problems.append(_p(table, row, "analysis_timepoint", "missing-coverage",
                               f"a coverage row ({study}, {outcome}, {tp}) with status extracted", found,
                               "A row mapped to a meta-analysis time point must be listed as extracted in coverage."))
    # Whether "extracted" has its rows can only be told when the outcome's table and the arms
    # (for the roles) were readable, and when no row of that cell names an unknown arm (role None):
    # otherwise the unreadable table's or the foreign key's own problem says why.
    checkable = {outcome for table, outcomes in OUTCOMES_BY_TABLE.items() if table in tables for outcome in outcomes}
    if arms is None:
        checkable = set()
    present = pd.concat(mapped_rows) if mapped_rows else pd.DataFrame(columns=cell + ["role"], dtype=object)
    claimed = coverage.loc[(coverage["status"] == "extracted") & coverage["outcome"].isin(list(checkable)), cell]
    claimed_keys = claimed[cell]
    unknown_arm = _rows_in(claimed_keys, cell, present[present["role"].isna()])
    has = {role: _rows_in(claimed_keys, cell, present[present["role"] == role]) for role in ("intervention", "control")}
    lacking = ~unknown_arm & ~(has["intervention"] & has["control"])
    for i in np.flatnonzero(lacking):
        missing = [role for role in ("intervention", "control") if not has[role][i]]
        problems.append(_p("coverage", claimed.index[i], "status", "extracted-without-rows",
                           "outcome rows for both arms with this analysis_timepoint",
                           "no row for the " + " and ".join(missing) + " arm",
                           "Coverage says extracted but the outcome tables lack the rows."))
    published, studies = tables.get("published_results"), tables.get("studies")
    if published is not None and studies is not None:
        # sets of Python keys: a target names a few dozen studies, so a frame per target cost more than the lookups
        listed = set(zip(*(_texts(coverage[c]) for c in cell)))
        trials = list(zip(_texts(studies["study_id"]), _texts(studies["condition"])))
        for row, target, outcome, subgroup, tp in zip(published.index, *(_texts(published[c]) for c in
                                                                        ("target_id", "outcome", "subgroup", "timepoint"))):
            pooled = (study for study, condition in trials if subgroup == "all" or condition == subgroup)
            for study in (s for s in pooled if (s, outcome, tp) not in listed):
                # reported on the target that needs the coverage row: the missing row has no row number
                problems.append(_p("published_results", row, "target_id", "coverage-gap",
                                   f"a row ({study}, {outcome}, {tp}) in coverage.csv", "none",
                                   f"Target {target} could pool {study}, but coverage.csv "
                                   "does not say whether its data are here."))
    return problems


def _roles(arms: pd.DataFrame) -> pd.Series:
    """arm_id -> arm_role (the last row wins when an arm_id repeats: its own problem is the primary key's)."""
    arms = arms[arms["arm_id"].notna()].drop_duplicates("arm_id", keep="last")
    return pd.Series(arms["arm_role"].to_numpy(), index=pd.Index(arms["arm_id"]))


# ------------------------------------------------------------------ plausibility (issue 13)

# The plausible values of each outcome in each reported unit: rhil7.vocabulary's bounds in the analysis unit,
# scaled by the unit's factor. This rule, the data dictionary (rhil7.dictionary) and the docs read this table.
PLAUSIBLE_RANGES: dict[str, dict[str, tuple[float, float]]] = {
    outcome: {unit: (low / factor, high / factor) for unit, (target, factor) in UNITS.items()
              if target == OUTCOME_UNITS[outcome]}
    for outcome, (low, high) in PLAUSIBLE_IN_ANALYSIS_UNIT.items()}
PLAUSIBLE_FIELDS = ("mean", "median", "q1", "q3", "min", "max", "sd", "se")


def _fits(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


def _plausible_bounds(outcomes: pd.Series, units: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's plausible (low, high), NaN where its outcome or unit has no range. The few distinct
    outcomes and units are looked up once each (a lookup per row costs seconds at a million rows)."""
    outcome_codes, outcome_names = pd.factorize(outcomes)
    unit_codes, unit_names = pd.factorize(units)
    # one extra row and column of NaN: code -1 (a missing outcome or unit) lands there
    low = np.full((len(outcome_names) + 1, len(unit_names) + 1), np.nan)
    high = low.copy()
    for i, outcome in enumerate(outcome_names):
        for j, unit in enumerate(unit_names):
            low[i, j], high[i, j] = PLAUSIBLE_RANGES.get(outcome, {}).get(unit, (np.nan, np.nan))
    return low[outcome_codes, unit_codes], high[outcome_codes, unit_codes]


def values_plausible(tables) -> list[Problem]:
    """Every value of a continuous outcome row within its outcome's plausible range in the row's unit. A row
    outside is one problem, on its first value outside, naming the units in which its values would be plausible
    (the likely mix-up)."""
    frame = tables.get("outcomes_continuous")
    if frame is None or not {"outcome", "unit"} <= set(frame):
        return []
    fields = [f for f in PLAUSIBLE_FIELDS if f in frame]
    low, high = _plausible_bounds(frame["outcome"], frame["unit"])
    values = np.column_stack([pd.to_numeric(frame[f], errors="coerce").to_numpy(dtype=float) for f in fields])
    with np.errstate(invalid="ignore"):
        outside = (values < low[:, None]) | (values > high[:, None])  # NaN (missing, or no range) compares False
    problems = []
    for i in np.flatnonzero(outside.any(axis=1)):
        outcome, unit = frame["outcome"].iloc[i], frame["unit"].iloc[i]
        present = [(f, float(v)) for f, v in zip(fields, values[i]) if not np.isnan(v)]
        wrong = [(f, v) for (f, v), out in zip(present, outside[i][~np.isnan(values[i])]) if out]
        likely = [u for u, b in PLAUSIBLE_RANGES[outcome].items()
                  if u != unit and all(_fits(v, b) for _, v in present)]
        lo, hi = PLAUSIBLE_RANGES[outcome][unit]
        hint = (f" The values would be plausible in {' or '.join(likely)}: is the unit {likely[0]}, as the source "
                "prints it?" if likely else " Check the values and their unit against the source.")
        problems.append(_p("outcomes_continuous", frame.index[i], wrong[0][0], "implausible-value",
                           f"{outcome} in {unit} between {_fmt(lo)} and {_fmt(hi)}",
                           ", ".join(f"{f}={_fmt(v)}" for f, v in wrong) + f" ({unit})",
                           f"Not a plausible {outcome} in {unit}.{hint}"))
    return problems


def arm_counts_within_trial(tables) -> list[Problem]:
    """For each study whose arm sizes are not all given (a source often gives only the trial's size), the arms'
    n (continuous) or total (dichotomous) at one outcome and time point add up to no more than the study's
    n_randomized. (With every arm's size given, more-than-randomized checks each arm against its own.)"""
    studies = tables.get("studies")
    if studies is None or "n_randomized" not in studies:
        return []
    size = dict(zip(_texts(studies["study_id"]), studies["n_randomized"].astype(object).tolist()))
    arms = tables.get("arms")
    if arms is not None and "n_randomized" in arms:
        # a study whose every arm has its size is left to more-than-randomized (each arm against its own size)
        sized = arms.groupby("study_id")["n_randomized"].count() == arms.groupby("study_id").size()
        for study in sized.index[sized.to_numpy(bool)]:
            size.pop(study, None)
    size = {study: n for study, n in size.items() if not pd.isna(n)}
    problems = []
    for table, count in (("outcomes_continuous", "n"), ("outcomes_dichotomous", "total")):
        frame = tables.get(table)
        if frame is None or count not in frame or not size:
            continue
        # only the rows of the studies this rule judges are grouped (grouping a million rows costs a second)
        judged = frame[count].notna() & frame["study_id"].isin(list(size))
        rows = frame.loc[judged, ["study_id", "arm_id", "outcome", "timepoint", count]]
        if rows.empty:
            continue
        per_arm = rows.groupby(["study_id", "outcome", "timepoint", "arm_id"], sort=False)[count].max()
        summed = per_arm.groupby(level=[0, 1, 2], sort=False).sum()
        # only the groups over their study's size reach the loop (a million-row table has ~10^5 groups)
        limit = pd.to_numeric(pd.Series(summed.index.get_level_values(0).astype(object)).map(size),
                              errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            over = summed.to_numpy(dtype=float) > limit  # NaN (no size) compares False
        for (study, outcome, timepoint), total in summed[over].items():
            n = size[study]
            group = rows[(rows["study_id"] == study) & (rows["outcome"] == outcome) & (rows["timepoint"] == timepoint)]
            row = group.index.max()  # the last row of the group: the one that tips the sum over
            parts = " + ".join(_fmt(v) for v in per_arm.loc[(study, outcome, timepoint)].tolist())
            problems.append(_p(table, row, count, "arms-above-randomized",
                               f"the arms' {count} adding up to at most {study}'s n_randomized ({_fmt(n)})",
                               f"{parts} = {_fmt(total)}",
                               f"The arms of {study} count more participants for {outcome} at {timepoint} than the "
                               "trial randomized."))
    return problems


# The cells each rule reads, besides the field it reports: when one of them already has a
# structural problem in the same row, the rule's report is a consequence and is dropped (consequences.py).
_OUTCOME_KEY = ("study_id", "arm_id", "outcome", "timepoint", "statistic")
RULE_INPUTS = {
    "number-not-in-snippet": ("snippet",),
    "missing-provenance": ("study_id",),
    "missing-arm": ("study_id",),
    "arms-do-not-add-up": ("study_id", "n_randomized"),
    "duplicate-outcome-row": _OUTCOME_KEY,
    "arm-of-other-study": ("study_id", "arm_id"),
    "more-than-randomized": ("arm_id", "n", "total"),
    "timepoint-after-follow-up": ("study_id", "timepoint"),
    "missing-coverage": ("study_id", "outcome", "analysis_timepoint"),
    "extracted-without-rows": ("study_id", "outcome", "timepoint", "status"),
    "coverage-gap": ("outcome", "subgroup", "timepoint"),
    "implausible-value": ("outcome", "unit"),
    "arms-above-randomized": ("study_id", "arm_id", "outcome", "timepoint", "n", "total"),
}

# snippets_hold_numbers comes first: the validator runs it in a thread of its own (run.py)
CROSS_RULES = [snippets_hold_numbers, studies_have_provenance, arms_complete, outcome_rows_consistent,
               timepoints_within_follow_up, coverage_consistent, values_plausible, arm_counts_within_trial]
from .spreadsheet_safety import formula_like_text; CROSS_RULES.append(formula_like_text)  # noqa: E402  (issue 7)
