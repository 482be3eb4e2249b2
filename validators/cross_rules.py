"""Rules across rows and tables, and the provenance rule (snippet holds its numbers).

Each function takes the typed frames by table name and returns problems (file =
table name; the runner maps it to the CSV path); a
table that could not be read is absent and its rules are skipped (its own
problems already say why).
"""
from __future__ import annotations

import re

import pandas as pd

from .problems import Problem
from .snippets import digits_in, rows_to_check, snippet_supports

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


def snippets_hold_numbers(tables) -> list[Problem]:
    problems = []
    for table, fields in NUMERIC_FIELDS.items():
        frame = tables.get(table)
        if frame is None or "snippet" not in frame:
            continue
        # each snippet is parsed once, however many of its row's fields it must hold
        parsed: dict[str, set[float]] = {}  # digits only; number words are looked for only on a miss
        fields = [f for f in fields if f in frame]
        frame = frame.loc[rows_to_check(frame, fields)]
        for field in fields:
            present = frame[field].notna() & frame["snippet"].notna()
            for row, value, snippet in zip(frame.index[present], frame[field][present], frame["snippet"][present]):
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
        numeric = {"n_randomized", "follow_up_days"}
        values = studies.set_index("study_id")
        for row, study, field, snippet in zip(frame.index, frame["study_id"], frame["field"], frame["snippet"]):
            if field in numeric and study in values.index and field in values.columns:
                value = values.at[study, field]
                snippet = snippet if isinstance(snippet, str) else ""
                if not pd.isna(value) and not snippet_supports(float(value), snippet):
                    problems.append(_p("study_provenance", row, "snippet", "number-not-in-snippet",
                                       f"the snippet to contain studies.{field} = {_fmt(value)}", snippet[:120],
                                       f"The snippet documenting {study}.{field} does not contain its value."))
    return problems


def studies_have_provenance(tables) -> list[Problem]:
    studies, prov = tables.get("studies"), tables.get("study_provenance")
    if studies is None or prov is None:
        return []
    documented = set(zip(prov["study_id"], prov["field"]))
    fields = [f for f in ("registry_ids", "design", "countries", "intervention", "dose", "route", "schedule", "control",
                          "lymphopenia_threshold", "follow_up", "follow_up_days", "n_randomized", "funding") if f in studies]
    problems = []
    for row, record in studies.iterrows():
        for field in fields:
            if not pd.isna(record[field]) and (record["study_id"], field) not in documented:
                problems.append(_p("studies", row, field, "missing-provenance",
                                   "a study_provenance row with the source and a verbatim snippet",
                                   _fmt(record[field]), f"{record['study_id']}.{field} has a value but no provenance."))
    return problems


def arms_complete(tables) -> list[Problem]:
    studies, arms = tables.get("studies"), tables.get("arms")
    if studies is None or arms is None:
        return []
    problems = []
    roles_of = arms.groupby("study_id")["arm_role"].agg(set).to_dict()
    for row, study in zip(studies.index, studies["study_id"]):
        roles = roles_of.get(study, set())
        for role in ("intervention", "control"):
            if role not in roles:
                problems.append(_p("studies", row, "study_id", "missing-arm", f"an {role} arm in arms", study,
                                   f"Study {study} has no {role} arm."))
    grouped = arms.groupby("study_id")["n_randomized"]
    totals = grouped.sum().where(grouped.count() == grouped.size()).to_dict()  # unknown when an arm's n is missing
    for row, study, n in zip(studies.index, studies["study_id"], studies["n_randomized"]):
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


def timepoints_within_follow_up(tables) -> list[Problem]:
    studies = tables.get("studies")
    if studies is None or "follow_up_days" not in studies:
        return []
    follow_up = dict(zip(studies["study_id"], studies["follow_up_days"]))
    problems = []
    for table in ("outcomes_continuous", "outcomes_dichotomous"):
        frame = tables.get(table)
        if frame is None:
            continue
        parts = frame["timepoint"].astype("object").str.extract(r"^(day|week|month)([0-9]+)$")
        days = pd.to_numeric(parts[1], errors="coerce") * parts[0].map({"day": 1, "week": 7, "month": 30})
        limits = pd.to_numeric(frame["study_id"].map(follow_up), errors="coerce")
        late = (days > limits).fillna(False).astype(bool)  # vectorized: a time point past its study's follow-up
        for row, study, code in zip(frame.index[late], frame["study_id"][late], frame["timepoint"][late]):
            problems.append(_p(table, row, "timepoint", "timepoint-after-follow-up",
                               f"a time point within the study's follow-up ({int(follow_up[study])} days)", code,
                               "The time point lies after the end of the study's follow-up."))
    return problems


OUTCOMES_BY_TABLE = {"outcomes_continuous": ("alc", "cd4", "cd8", "icu_los", "hospital_los"),
                     "outcomes_dichotomous": ("mortality", "secondary_infection", "sae")}


def coverage_consistent(tables) -> list[Problem]:
    coverage = tables.get("coverage")
    if coverage is None:
        return []
    problems = []
    present = set()
    arms = tables.get("arms")
    roles = dict(zip(arms["arm_id"], arms["arm_role"])) if arms is not None else {}
    for table in ("outcomes_continuous", "outcomes_dichotomous"):
        frame = tables.get(table)
        if frame is None or "analysis_timepoint" not in frame:
            continue
        for study, outcome, tp, arm in zip(frame["study_id"], frame["outcome"], frame["analysis_timepoint"], frame["arm_id"]):
            if isinstance(tp, str) and tp:
                present.add((study, outcome, tp, roles.get(arm)))
        extracted = set(zip(*(coverage.loc[coverage["status"] == "extracted", c] for c in ("study_id", "outcome", "timepoint"))))
        for row, study, outcome, tp in zip(frame.index, frame["study_id"], frame["outcome"], frame["analysis_timepoint"]):
            if isinstance(tp, str) and tp and (study, outcome, tp) not in extracted:
                problems.append(_p(table, row, "analysis_timepoint", "missing-coverage",
                                   f"a coverage row ({study}, {outcome}, {tp}) with status extracted", "none",
                                   "A row mapped to a meta-analysis time point must be listed as extracted in coverage."))
    # Whether "extracted" has its rows can only be told when the outcome's table and the arms
    # (for the roles) were readable, and when no row of that cell names an unknown arm (role None):
    # otherwise the unreadable table's or the foreign key's own problem says why.
    checkable = {outcome for table, outcomes in OUTCOMES_BY_TABLE.items() if table in tables for outcome in outcomes}
    if arms is None:
        checkable = set()
    for row, study, outcome, tp, status in zip(coverage.index, coverage["study_id"], coverage["outcome"],
                                               coverage["timepoint"], coverage["status"]):
        if status == "extracted" and outcome in checkable and (study, outcome, tp, None) not in present:
            missing = [r for r in ("intervention", "control") if (study, outcome, tp, r) not in present]
            if missing:
                problems.append(_p("coverage", row, "status", "extracted-without-rows",
                                   "outcome rows for both arms with this analysis_timepoint",
                                   "no row for the " + " and ".join(missing) + " arm",
                                   "Coverage says extracted but the outcome tables lack the rows."))
    published, studies = tables.get("published_results"), tables.get("studies")
    if published is not None and studies is not None:
        listed = set(zip(coverage["study_id"], coverage["outcome"], coverage["timepoint"]))
        for row, outcome, subgroup, tp in zip(published.index, published["outcome"], published["subgroup"], published["timepoint"]):
            for study, condition in zip(studies["study_id"], studies["condition"]):
                if subgroup in (condition, "all") and (study, outcome, tp) not in listed:
                    # reported on the target that needs the coverage row: the missing row has no row number
                    problems.append(_p("published_results", row, "target_id", "coverage-gap",
                                       f"a row ({study}, {outcome}, {tp}) in coverage.csv", "none",
                                       f"Target {published.at[row, 'target_id']} could pool {study}, but coverage.csv "
                                       "does not say whether its data are here."))
    return problems


# The cells each rule reads, besides the field it reports: when one of them already has a
# structural problem in the same row, the rule's report is a consequence and is dropped (dedupe.py).
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
}

CROSS_RULES = [snippets_hold_numbers, studies_have_provenance, arms_complete, outcome_rows_consistent,
               timepoints_within_follow_up, coverage_consistent]
from .spreadsheet_safety import formula_like_text; CROSS_RULES.append(formula_like_text)  # noqa: E402  (issue 7)
