"""Rules across rows and tables, and the provenance rule (a snippet holds its numbers), as SQL over the
typed tables (typed_tables.py).

Each function takes the tables and returns problems (file = table name; the runner maps it to the CSV path);
a table that could not be read whole is absent, and the rules that need it are skipped (its own problems
already say why). Only the rows that break a rule leave DuckDB.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice

from rhil7.core.database import quote_identifier as q
from rhil7.core.database import quote_literal as lit
from rhil7.core.vocabulary import (
    OUTCOME_UNITS,
    OUTCOMES_BY_TABLE,
    PLAUSIBLE_IN_ANALYSIS_UNIT,
    TIMEPOINT_PATTERN,
    TIMEPOINT_UNIT_DAYS,
    UNITS,
)

from rhil7.core.problems import Problem, omitted_problem
from . import arm_snippets, snippet_statistics
from .snippets import DIGIT_RUNS, digits_in, snippet_supports
from .typed_tables import SNIPPET_DIGIT_RUNS, SNIPPET_UNCONFIRMED, TypedTables, fmt, problem

NUMERIC_FIELDS = {
    "outcomes_continuous": ("n", "mean", "sd", "se", "median", "q1", "q3", "min", "max"),
    "outcomes_dichotomous": ("events", "total"),
    "arms": ("n_randomized", "n_analysed"),
    "published_results": ("estimate", "ci_low", "ci_high"),
}


def _last_by(db: TypedTables, table: str, key: str) -> str:
    """``table``'s rows, one per value of ``key``: the last row wins where a key repeats (the repeat is the
    primary key's problem)."""
    return (
        f"(SELECT * FROM {db[table]} WHERE {q(key)} IS NOT NULL "
        f"QUALIFY row_number() OVER (PARTITION BY {q(key)} ORDER BY rowid DESC) = 1)"
    )


@dataclass(frozen=True)
class SnippetFilter:
    """The snippet rule's pre-filter, SQL over a table's text cells, computed by its typing pass
    (table_checks.Typing): ``unsure`` over SNIPPET_DIGIT_RUNS (``DIGIT_RUNS`` of the snippet) is true where a
    value is not among the snippet's runs of digits and points written the same way ("0.80" holds 0.80). The
    rows left unsure (few) go to the exact check, which knows signs, thousands separators, trailing zeros and
    number words. (A first layer, skipping the runs where a value's first occurrence was plainly whole, paid
    nothing: the 1M-row package validated in one process 1.06 times as fast without it, the same problems
    found.)"""

    unsure: str


def snippet_unsure(table: str, columns: list[str]) -> SnippetFilter | None:
    """The pre-filter of ``table``'s snippet rule; None when the table has no snippet or no value it must hold."""
    fields = [f for f in NUMERIC_FIELDS.get(table, ()) if f in columns] if "snippet" in columns else []
    if not fields:
        return None
    return SnippetFilter(
        "("
        + " OR ".join(f"({q(f)} <> '' AND NOT contains({SNIPPET_DIGIT_RUNS}, ' ' || {q(f)} || ' '))" for f in fields)
        + ")"
    )


def _first(db: TypedTables, table: str, code: str, found) -> list[Problem]:
    """The first ``listed`` problems of ``found`` (a generator: a problem beyond them is counted, never kept)."""
    kept = list(islice(found, db.listed))
    more = sum(1 for _ in found)
    return kept + ([omitted_problem(table, code, more, db.listed)] if more else [])


def _unsupported(value, snippet: str) -> bool:
    return value is not None and float(value) not in digits_in(snippet) and not snippet_supports(float(value), snippet)


def snippets_hold_numbers(db: TypedTables) -> list[Problem]:
    problems = []
    for table, numeric in NUMERIC_FIELDS.items():
        fields = [f for f in numeric if db.has(table, f, "snippet")]
        if fields:
            rows = db.stream(
                f"SELECT rowid, snippet, {', '.join(map(q, fields))} FROM {db[table]} "
                f"WHERE {SNIPPET_UNCONFIRMED} ORDER BY rowid"
            )
            problems += _first(
                db,
                table,
                "number-not-in-snippet",
                (
                    problem(
                        table,
                        db.record(table, rid),
                        field,
                        "number-not-in-snippet",
                        f"the snippet to contain {fmt(value)}",
                        snippet[:120],
                        f"The value {fmt(value)} does not appear in its verbatim snippet (transcription error?).",
                    )
                    for rid, snippet, *values in rows
                    for field, value in zip(fields, values, strict=True)
                    if _unsupported(value, snippet)
                ),
            )
    numeric = [f for f in ("n_randomized", "follow_up_days") if db.has("studies", f)]
    if numeric and db.has("study_provenance", "study_id", "field", "snippet"):
        value = "CASE p.field " + " ".join(f"WHEN {lit(f)} THEN s.{q(f)}" for f in numeric) + " END"
        rows = db.stream(
            f"SELECT p.rowid, p.study_id, p.field, coalesce(p.snippet, ''), {value} AS v "
            f"FROM {db['study_provenance']} p "
            f"JOIN {_last_by(db, 'studies', 'study_id')} s USING (study_id) "
            f"WHERE p.field IN ({', '.join(lit(f) for f in numeric)}) AND NOT contains("
            f"{DIGIT_RUNS.format('p.snippet')}, ' ' || CAST({value} AS VARCHAR) || ' ') ORDER BY p.rowid"
        )
        problems += _first(
            db,
            "study_provenance",
            "number-not-in-snippet",
            (
                problem(
                    "study_provenance",
                    db.record("study_provenance", rid),
                    "snippet",
                    "number-not-in-snippet",
                    f"the snippet to contain studies.{field} = {fmt(number)}",
                    snippet[:120],
                    f"The snippet documenting {study}.{field} does not contain its value.",
                )
                for rid, study, field, snippet, number in rows
                if _unsupported(number, snippet)
            ),
        )
    return problems


PROVENANCE_FIELDS = (
    "registry_ids",
    "design",
    "countries",
    "intervention",
    "dose",
    "route",
    "schedule",
    "control",
    "lymphopenia_threshold",
    "follow_up",
    "follow_up_days",
    "n_randomized",
    "funding",
)


def studies_have_provenance(db: TypedTables) -> list[Problem]:
    fields = [f for f in PROVENANCE_FIELDS if db.has("studies", "study_id", f)]
    if not fields or not db.has("study_provenance", "study_id", "field"):
        return []
    values = " UNION ALL ".join(
        f"SELECT rowid, study_id, {lit(f)} AS field, CAST({q(f)} AS VARCHAR) AS value "
        f"FROM {db['studies']} WHERE {q(f)} IS NOT NULL"
        for f in fields
    )
    return [
        problem(
            "studies",
            row,
            field,
            "missing-provenance",
            "a study_provenance row with the source and a verbatim snippet",
            value,
            f"{study}.{field} has a value but no provenance.",
        )
        for row, study, field, value in db.rows(
            "studies",
            "missing-provenance",
            f"""
                SELECT rowid, study_id, field, value FROM ({values}) v WHERE NOT EXISTS (
                    SELECT 1 FROM {db["study_provenance"]} p WHERE p.study_id = v.study_id AND p.field = v.field)""",
        )
    ]


def arms_complete(db: TypedTables) -> list[Problem]:
    if not db.has("studies", "study_id") or not db.has("arms", "study_id", "arm_role"):
        return []
    problems = [
        problem(
            "studies",
            row,
            "study_id",
            "missing-arm",
            f"an {role} arm in arms",
            study,
            f"Study {study} has no {role} arm.",
        )
        for row, role, study in db.rows(
            "studies",
            "missing-arm",
            f"""
                    SELECT s.rowid, r.role, s.study_id FROM {db["studies"]} s,
                           (VALUES ('intervention'), ('control')) r(role)
                    WHERE NOT EXISTS (SELECT 1 FROM {db["arms"]} a
                                      WHERE a.study_id = s.study_id AND a.arm_role = r.role)""",
        )
    ]
    if not db.has("studies", "n_randomized") or not db.has("arms", "n_randomized"):
        return problems
    # the arms' total is unknown when an arm's n_randomized is missing
    problems += [
        problem(
            "studies",
            row,
            "n_randomized",
            "arms-do-not-add-up",
            f"the sum of the arms' n_randomized ({total})",
            n,
            f"The arms of {study} do not add up to the study's n_randomized.",
        )
        for row, study, n, total in db.rows(
            "studies",
            "arms-do-not-add-up",
            f"""
                    SELECT s.rowid, s.study_id, s.n_randomized, a.total FROM {db["studies"]} s JOIN (
                        SELECT study_id, sum(n_randomized) AS total FROM {db["arms"]} GROUP BY study_id
                        HAVING count(n_randomized) = count(*)) a USING (study_id)
                    WHERE s.n_randomized <> a.total""",
        )
    ]
    return problems


OUTCOME_KEYS = {
    "outcomes_continuous": ("study_id", "arm_id", "outcome", "timepoint", "statistic"),
    "outcomes_dichotomous": ("study_id", "arm_id", "outcome", "timepoint"),
}


def outcome_rows_unique(db: TypedTables) -> list[Problem]:
    problems = []
    for table, key in OUTCOME_KEYS.items():
        if not db.has(table, *key):
            continue
        columns = ", ".join(map(q, key))
        problems += [
            problem(
                table,
                row,
                "row_id",
                "duplicate-outcome-row",
                "one row per " + ", ".join(key),
                "/".join(map(fmt, values)),
                "This row repeats an earlier row's " + ", ".join(key) + ".",
            )
            for row, *values in db.rows(
                table,
                "duplicate-outcome-row",
                f"""
                        SELECT rowid, {columns} FROM {db[table]}
                        QUALIFY row_number() OVER (PARTITION BY {columns} ORDER BY rowid) > 1""",
            )
        ]
    return problems


def outcome_rows_match_arms(db: TypedTables) -> list[Problem]:
    if not db.has("arms", "arm_id", "study_id", "n_randomized"):
        return []
    problems, arms = [], _last_by(db, "arms", "arm_id")
    for table, key in OUTCOME_KEYS.items():
        if not db.has(table, *key):
            continue
        problems += [
            problem(
                table,
                row,
                "arm_id",
                "arm-of-other-study",
                f"an arm of {study}",
                f"{arm} (of {arm_study})",
                "The row's arm belongs to another study.",
            )
            for row, study, arm, arm_study in db.rows(
                table,
                "arm-of-other-study",
                f"""
                        SELECT o.rowid, o.study_id, o.arm_id, a.study_id FROM {db[table]} o JOIN {arms} a USING (arm_id)
                        WHERE a.study_id IS NOT NULL AND o.study_id IS DISTINCT FROM a.study_id""",
            )
        ]
        count = "n" if table == "outcomes_continuous" else "total"
        if db.has(table, count):
            problems += [
                problem(
                    table,
                    row,
                    count,
                    "more-than-randomized",
                    f"at most the arm's n_randomized ({fmt(limit)})",
                    fmt(value),
                    "More participants than were randomized to the arm.",
                )
                for row, value, limit in db.rows(
                    table,
                    "more-than-randomized",
                    f"""
                            SELECT o.rowid, o.{q(count)}, a.n_randomized FROM {db[table]} o JOIN {arms} a USING (arm_id)
                            WHERE o.{q(count)} > a.n_randomized""",
                )
            ]
    return problems


def timepoints_within_follow_up(db: TypedTables) -> list[Problem]:
    if not db.has("studies", "study_id", "follow_up_days"):
        return []
    # the time-point grammar of the vocabulary registry: a unit and a count, each unit's length in days
    unit = " ".join(f"WHEN {lit(u)} THEN {d}" for u, d in TIMEPOINT_UNIT_DAYS.items())
    timed = lit(TIMEPOINT_PATTERN)
    problems = []
    for table in OUTCOME_KEYS:
        if not db.has(table, "study_id", "timepoint"):
            continue
        # a time point in days is worked out once per distinct code, not once per row
        problems += [
            problem(
                table,
                row,
                "timepoint",
                "timepoint-after-follow-up",
                f"a time point within the study's follow-up ({fmt(days)} days)",
                code,
                "The time point lies after the end of the study's follow-up.",
            )
            for row, code, days in db.rows(
                table,
                "timepoint-after-follow-up",
                f"""
                        WITH d AS (SELECT timepoint, (CASE regexp_extract(timepoint, {timed}, 1) {unit} END)
                                       * TRY_CAST(regexp_extract(timepoint, {timed}, 2) AS DOUBLE) AS days
                                   FROM (SELECT DISTINCT timepoint FROM {db[table]}))
                        SELECT o.rowid, o.timepoint, s.follow_up_days FROM {db[table]} o JOIN d USING (timepoint)
                            JOIN {_last_by(db, "studies", "study_id")} s USING (study_id)
                        WHERE d.days > s.follow_up_days""",
            )
        ]
    return problems


_CELL = ("study_id", "outcome", "timepoint")


def _mapped(db: TypedTables) -> list[str]:
    """The outcome tables whose rows name a meta-analysis time point, when coverage can be read."""
    if not db.has("coverage", *_CELL, "status"):
        return []
    return [t for t in OUTCOME_KEYS if db.has(t, "study_id", "outcome", "analysis_timepoint", "arm_id")]


def rows_have_coverage(db: TypedTables) -> list[Problem]:
    problems = []
    for table in _mapped(db):
        for row, study, outcome, tp, status in db.rows(
            table,
            "missing-coverage",
            f"""
                SELECT o.rowid, o.study_id, o.outcome, o.analysis_timepoint, c.status FROM {db[table]} o
                LEFT JOIN (SELECT study_id, outcome, timepoint, last(status ORDER BY rowid) AS status,
                                  bool_or(status = 'extracted') AS extracted FROM {db["coverage"]} GROUP BY ALL) c
                    ON c.study_id = o.study_id AND c.outcome = o.outcome AND c.timepoint = o.analysis_timepoint
                WHERE o.analysis_timepoint IS NOT NULL AND NOT coalesce(c.extracted, false)""",
        ):
            found = (
                f"the coverage row ({study}, {outcome}, {tp}) with status {status}"
                if status
                else f"no coverage row ({study}, {outcome}, {tp})"
            )
            problems.append(
                problem(
                    table,
                    row,
                    "analysis_timepoint",
                    "missing-coverage",
                    f"a coverage row ({study}, {outcome}, {tp}) with status extracted",
                    found,
                    "A row mapped to a meta-analysis time point must be listed as extracted in coverage.",
                )
            )
    return problems


def extracted_has_rows(db: TypedTables) -> list[Problem]:
    mapped, problems = _mapped(db), []
    # Whether "extracted" has its rows can only be told when the outcome's table and the arms (for the roles)
    # were readable, and when no row of that cell names an unknown arm (role NULL): otherwise the unreadable
    # table's or the foreign key's own problem says why.
    checkable = [o for t in mapped for o in OUTCOMES_BY_TABLE[t]] if db.has("arms", "arm_id", "arm_role") else []
    if checkable:
        # (one aggregation over the rows and their arms' roles: no DISTINCT before it)
        present = " UNION ALL ".join(
            f"""SELECT o.study_id, o.outcome, o.analysis_timepoint AS timepoint, r.arm_role
                                         FROM {db[t]} o LEFT JOIN {_last_by(db, "arms", "arm_id")} r USING (arm_id)
                                         WHERE o.analysis_timepoint IS NOT NULL"""
            for t in mapped
        )
        for row, has_i, has_c in db.rows(
            "coverage",
            "extracted-without-rows",
            f"""
                WITH g AS (SELECT study_id, outcome, timepoint, bool_or(arm_role IS NULL) AS unknown,
                                  bool_or(arm_role = 'intervention') AS i, bool_or(arm_role = 'control') AS c
                           FROM ({present}) GROUP BY ALL)
                SELECT c.rowid, coalesce(g.i, false), coalesce(g.c, false) FROM {db["coverage"]} c
                    LEFT JOIN g ON g.study_id = c.study_id AND g.outcome = c.outcome AND g.timepoint = c.timepoint
                WHERE c.status = 'extracted' AND c.outcome IN ({", ".join(map(lit, checkable))})
                    AND NOT coalesce(g.unknown, false) AND NOT (coalesce(g.i, false) AND coalesce(g.c, false))""",
        ):
            missing = [role for role, has in (("intervention", has_i), ("control", has_c)) if not has]
            problems.append(
                problem(
                    "coverage",
                    row,
                    "status",
                    "extracted-without-rows",
                    "outcome rows for both arms with this analysis_timepoint",
                    "no row for the " + " and ".join(missing) + " arm",
                    "Coverage says extracted but the outcome tables lack the rows.",
                )
            )
    return problems


def targets_have_coverage(db: TypedTables) -> list[Problem]:
    problems = []
    if (
        db.has("coverage", *_CELL, "status")
        and db.has("studies", "study_id", "condition")
        and db.has("published_results", "target_id", "outcome", "subgroup", "timepoint")
    ):
        # reported on the target that needs the coverage row: the missing row has no row number
        problems += [
            problem(
                "published_results",
                row,
                "target_id",
                "coverage-gap",
                f"a row ({study}, {outcome}, {tp}) in coverage.csv",
                "none",
                f"Target {target} could pool {study}, but coverage.csv does not say whether its data are here.",
            )
            for row, target, study, outcome, tp in db.rows(
                "published_results",
                "coverage-gap",
                f"""
                        SELECT p.rowid, p.target_id, s.study_id, p.outcome, p.timepoint FROM {db["published_results"]} p
                            JOIN {db["studies"]} s ON p.subgroup = 'all' OR s.condition = p.subgroup
                        WHERE NOT EXISTS (SELECT 1 FROM {db["coverage"]} c WHERE c.study_id = s.study_id
                                          AND c.outcome = p.outcome AND c.timepoint = p.timepoint)""",
            )
        ]
    return problems


# ------------------------------------------------------------------ plausibility (issue 13)

# The plausible values of each outcome in each reported unit: rhil7.core.vocabulary's bounds in the analysis unit,
# scaled by the unit's factor. This rule, the data dictionary (rhil7.dictionary) and the docs read this table.
PLAUSIBLE_RANGES: dict[str, dict[str, tuple[float, float]]] = {
    outcome: {
        unit: (low / factor, high / factor)
        for unit, (target, factor) in UNITS.items()
        if target == OUTCOME_UNITS[outcome]
    }
    for outcome, (low, high) in PLAUSIBLE_IN_ANALYSIS_UNIT.items()
}
PLAUSIBLE_FIELDS = ("mean", "median", "q1", "q3", "min", "max", "sd", "se")


def values_plausible(db: TypedTables) -> list[Problem]:
    """Every value of a continuous outcome row within its outcome's plausible range in the row's unit. A row
    outside is one problem, on its first value outside, naming the units in which its values would be plausible
    (the likely mix-up)."""
    table = "outcomes_continuous"
    fields = [f for f in PLAUSIBLE_FIELDS if db.has(table, f, "outcome", "unit")]
    if not fields:
        return []
    bounds = ", ".join(
        f"({lit(o)}, {lit(u)}, {low!r}, {high!r})"
        for o, units in PLAUSIBLE_RANGES.items()
        for u, (low, high) in units.items()
    )
    outside = " OR ".join(f"{q(f)} < b.low OR {q(f)} > b.high" for f in fields)
    # each outcome and unit's smallest and largest value first: one aggregation clears a package of plausible values
    values = ", ".join(q(f) for f in fields)
    if not db.every(f"""SELECT 1 FROM (SELECT outcome, unit, min(least({values})) AS lo, max(greatest({values})) AS hi
                                      FROM {db[table]} GROUP BY ALL) JOIN (VALUES {bounds}) b(outcome, unit, low, high)
                                  USING (outcome, unit) WHERE lo < b.low OR hi > b.high LIMIT 1"""):
        return []
    problems = []
    for row, outcome, unit, *values in db.rows(
        table,
        "implausible-value",
        f"""
            SELECT o.rowid, o.outcome, o.unit, {", ".join(q(f) for f in fields)} FROM {db[table]} o
                JOIN (VALUES {bounds}) b(outcome, unit, low, high) USING (outcome, unit) WHERE {outside}""",
    ):
        present = [(f, float(v)) for f, v in zip(fields, values, strict=True) if v is not None]
        low, high = PLAUSIBLE_RANGES[outcome][unit]
        wrong = [(f, v) for f, v in present if not low <= v <= high]
        likely = [
            u
            for u, (lo, hi) in PLAUSIBLE_RANGES[outcome].items()
            if u != unit and all(lo <= v <= hi for _, v in present)
        ]
        hint = (
            f" The values would be plausible in {' or '.join(likely)}: is the unit {likely[0]}, as the source "
            "prints it?"
            if likely
            else " Check the values and their unit against the source."
        )
        problems.append(
            problem(
                table,
                row,
                wrong[0][0],
                "implausible-value",
                f"{outcome} in {unit} between {fmt(low)} and {fmt(high)}",
                ", ".join(f"{f}={fmt(v)}" for f, v in wrong) + f" ({unit})",
                f"Not a plausible {outcome} in {unit}.{hint}",
            )
        )
    return problems


def arm_counts_within_trial(db: TypedTables) -> list[Problem]:
    """For each study whose arm sizes are not all given (a source often gives only the trial's size), the arms'
    n (continuous) or total (dichotomous) at one outcome and time point add up to no more than the study's
    n_randomized. (With every arm's size given, more-than-randomized checks each arm against its own.)"""
    if not db.has("studies", "study_id", "n_randomized"):
        return []
    sized = (
        f"SELECT study_id FROM {db['arms']} GROUP BY study_id HAVING count(n_randomized) = count(*)"
        if db.has("arms", "study_id", "n_randomized")
        else "SELECT NULL AS study_id WHERE false"
    )
    problems = []
    for table, count in (("outcomes_continuous", "n"), ("outcomes_dichotomous", "total")):
        if not db.has(table, "study_id", "arm_id", "outcome", "timepoint", count):
            continue
        for row, study, outcome, timepoint, total, n, parts in db.rows(
            table,
            "arms-above-randomized",
            f"""
                WITH size AS (SELECT study_id, n_randomized AS size_n FROM {_last_by(db, "studies", "study_id")}
                              WHERE n_randomized IS NOT NULL AND study_id NOT IN ({sized})),
                per_arm AS (SELECT study_id, outcome, timepoint, arm_id, max(o.{q(count)}) AS m, min(rowid) AS first,
                                   max(rowid) AS last
                            FROM {db[table]} o JOIN size USING (study_id)
                            WHERE o.{q(count)} IS NOT NULL AND arm_id IS NOT NULL AND outcome IS NOT NULL
                                  AND timepoint IS NOT NULL GROUP BY ALL)
                SELECT max(last), study_id, outcome, timepoint, sum(m), any_value(size_n), list(m ORDER BY first)
                FROM per_arm JOIN size USING (study_id) GROUP BY study_id, outcome, timepoint
                HAVING sum(m) > any_value(size_n)""",
        ):
            # reported on the last row of the group: the one that tips the sum over
            problems.append(
                problem(
                    table,
                    row,
                    count,
                    "arms-above-randomized",
                    f"the arms' {count} adding up to at most {study}'s n_randomized ({fmt(n)})",
                    f"{' + '.join(map(fmt, parts))} = {fmt(total)}",
                    f"The arms of {study} count more participants for {outcome} at {timepoint} "
                    "than the trial randomized.",
                )
            )
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
    snippet_statistics.CODE: ("statistic", "snippet"),
    arm_snippets.CODE: ("study_id", "arm_id", "outcome", "timepoint", "snippet", "note"),
}

# (the slowest first: they run two or more at once, run.py)
CROSS_RULES = [
    rows_have_coverage,
    outcome_rows_unique,
    outcome_rows_match_arms,
    extracted_has_rows,
    values_plausible,
    snippets_hold_numbers,
    timepoints_within_follow_up,
    studies_have_provenance,
    targets_have_coverage,
    arms_complete,
    arm_counts_within_trial,
    snippet_statistics.statistic_matches_snippet,
    arm_snippets.arms_take_their_own_numbers,
]
