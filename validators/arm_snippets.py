"""Two arms that quote one snippet take their own numbers from it (issue 25, item 10).

"Three of 15 patients receiving CYT107 died versus 3 of 10 receiving placebo", quoted by both arms' rows, holds
every number of a CYT107 row that says 3 of 10: the snippet check passes and the placebo's numbers become the
CYT107 arm's. The rule reads which number belongs to which arm from the snippet's layout, and refuses only when
the layout is clear:

- the arms are named by cue words (the arm's label as arms.csv gives it, "CYT107", "rhIL-7", "interleukin",
  "placebo", "control", "standard of care", ...), each arm once (repeated cue words of one arm in a row count
  once);
- the rows' numbers stand in two groups, one per cue, all before their cue or all after it ("CYT107 3 of 15;
  placebo 3 of 10" or "3 of 15 on CYT107 versus 3 of 10 on placebo"): a number belongs to its group's arm.

A row that takes a number the snippet gives only in the other arm's group is refused, naming the arm, the number
and the arm it belongs to; where the two groups do not hold as many numbers (the layout is not parallel), only a
row none of whose numbers is its own group's alone. Where the layout is not clear, two arms with the same
numbers, one of which the snippet gives only once, are refused naming both (one of them has the other's number).
A snippet or note saying the arms share the numbers ("both arms", "per arm", "same numbers") lets the rows pass.

The pairs are found by SQL (rows of two arms of different roles with the same study, outcome, time point and
snippet: few); the layout of each pair's snippet is read in Python, like the exact snippet check.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from rhil7.core.database import quote_identifier as q
from rhil7.core.problems import Problem, omitted_problem
from rhil7.core.vocabulary import STATISTIC_COLUMNS

from .snippets import WORD, WORDS
from .typed_tables import TypedTables, fmt, problem

CODE = "arm-took-other-arms-number"
ROLES = ("intervention", "control")
# Cue words of each role, besides the arm's own label (Python regular expressions, case-insensitive).
ROLE_CUES = {
    "intervention": (r"CYT\s?107", r"rh\s?IL-?7", r"IL-?7", r"interleukin(?:[- ]?7)?", r"intervention"),
    "control": (r"placebo", r"controls?", r"standard of care", r"SOC", r"usual care"),
}
# A note that says the two arms' numbers are the same on purpose.
SHARED_NOTE = re.compile(
    r"\b(?:(?:both|each|per) (?:arms?|groups?)|same (?:numbers?|values?|counts?)|"
    r"shared|identical)\b",
    re.IGNORECASE,
)
# The value columns of each table, beside the statistic's own (continuous).
TABLES = {"outcomes_dichotomous": ("events", "total"), "outcomes_continuous": ("n",)}
_NUMBER = re.compile(r"(?<![\d.])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)")
_LABEL_NOISE = re.compile(r"\([^)]*\)|\b(?:group|arm|patients)\b", re.IGNORECASE)


@dataclass(frozen=True)
class ArmRow:
    row: int  # record number
    arm_id: str
    role: str
    label: str
    values: dict  # field -> float, the row's values that are given


def numbers_at(snippet: str) -> list[tuple[int, float]]:
    """(position, value) of every number the snippet writes, in digits or in words ("three of fifteen")."""
    found = [(m.start(), float(m.group().replace(",", ""))) for m in _NUMBER.finditer(snippet)]
    for m in WORD.finditer(snippet):
        parts = m.group().lower().split("-")
        total = WORDS[parts[0]] + (WORDS[parts[1]] if len(parts) == 2 else 0)
        found.append((m.start(), float(total)))
    return sorted(found)


def _cue_pattern(label: str, role: str) -> re.Pattern:
    words = [re.escape(" ".join(_LABEL_NOISE.sub(" ", label or "").split()))] + list(ROLE_CUES[role])
    # "placebo-controlled" describes the trial, not an arm
    return re.compile(r"\b(?:" + "|".join(w for w in words if w) + r")\b(?!-controlled)", re.IGNORECASE)


def cues_at(snippet: str, arms: tuple[ArmRow, ArmRow]) -> list[tuple[int, int, str]]:
    """(start, end, arm_id) of each cue naming one of ``arms``; where cues of both overlap, the longer wins."""
    spans = sorted(
        ((m.start(), m.end(), arm.arm_id) for arm in arms for m in _cue_pattern(arm.label, arm.role).finditer(snippet)),
        key=lambda s: s[0] - s[1],
    )
    kept: list[tuple[int, int, str]] = []
    for start, end, arm in spans:
        if all(end <= s or start >= e for s, e, _ in kept):
            kept.append((start, end, arm))
    return sorted(kept)


def _runs(snippet: str, arms: tuple[ArmRow, ArmRow]) -> list[tuple[str, list]]:
    """The snippet as runs of ("cue", [arm_id]) and ("number", [values]). Numbers that are none of the rows'
    values ("day 90", "10^9/L") are context: between two cues of one arm they are dropped and the cues count as
    one ("trial of CYT107 ... at day 90: CYT107 2 of 15"); at one end (not both) they are dropped when that
    leaves one group per cue ("Deaths by day 90: CYT107 2 of 15; placebo 1 of 6")."""
    relevant = {v for arm in arms for v in arm.values.values()}
    cues = cues_at(snippet, arms)
    # a number inside a cue ("CYT107", "IL-7") is part of a name
    numbers = [(p, v) for p, v in numbers_at(snippet) if not any(start <= p < end for start, end, _ in cues)]
    items = sorted([(p, "number", v) for p, v in numbers] + [(start, "cue", a) for start, _, a in cues])
    runs: list[tuple[str, list]] = []
    for _, kind, what in items:
        if runs and runs[-1][0] == kind and (kind == "number" or runs[-1][1][-1] == what):
            runs[-1][1].append(what)
        elif (
            kind == "cue"
            and len(runs) >= 2
            and runs[-2] == ("cue", [what])
            and runs[-1][0] == "number"
            and not relevant.intersection(runs[-1][1])
        ):
            runs.pop()
        else:
            runs.append((kind, [what]))
    if [kind for kind, _ in runs] == ["number", "cue", "number", "cue", "number"]:
        context = [not relevant.intersection(runs[k][1]) for k in (0, -1)]
        if context == [True, False]:
            runs = runs[1:]
        elif context == [False, True]:
            runs = runs[:-1]
    return runs


@dataclass(frozen=True)
class Layout:
    held: dict[float, set[str]]  # each number of the snippet -> the arms whose group holds it
    parallel: bool  # both groups hold as many numbers ("2 of 15; ... 1 of 6")
    groups: dict[str, list[float]]  # each arm's group of numbers, in the snippet's order


def owners(snippet: str, arms: tuple[ArmRow, ArmRow]) -> Layout | None:
    """Which arm's group of the snippet holds each number, when the layout is clear (module docstring: one cue
    per arm, each group of numbers on the same side of its cue), else None."""
    runs = _runs(snippet, arms)
    kinds = [kind for kind, _ in runs]
    if kinds == ["cue", "number", "cue", "number"]:
        groups = [(runs[0][1][0], runs[1][1]), (runs[2][1][0], runs[3][1])]
    elif kinds == ["number", "cue", "number", "cue"]:
        groups = [(runs[1][1][0], runs[0][1]), (runs[3][1][0], runs[2][1])]
    else:
        return None
    if groups[0][0] == groups[1][0]:
        return None
    held: dict[float, set[str]] = {}
    for arm, numbers in groups:
        for v in numbers:
            held.setdefault(v, set()).add(arm)
    return Layout(held, len(groups[0][1]) == len(groups[1][1]), dict(groups))


def _taken(arm: ArmRow, other: ArmRow, layout: Layout) -> list[str]:
    """The fields of ``arm`` whose number the snippet gives only in ``other``'s group. Where the groups are not
    parallel ("CYT107 (15 patients) versus placebo (6 patients): deaths 2 versus 1" puts 2 in the placebo's
    group), only a row none of whose numbers is its own group's alone counts as taken."""
    taken = [f for f, v in arm.values.items() if layout.held.get(v) == {other.arm_id}]
    own = any(layout.held.get(v) == {arm.arm_id} for v in arm.values.values())
    return taken if layout.parallel or not own else []


def pair_problems(table: str, snippet: str, pair: tuple[ArmRow, ArmRow]) -> list[Problem]:
    layout = owners(snippet, pair)
    if layout is not None:
        found = []
        for arm, other in (pair, pair[::-1]):
            fields = _taken(arm, other, layout)
            if fields:
                numbers = ", ".join(f"{f} = {fmt(arm.values[f])}" for f in fields)
                own = ", ".join(map(fmt, layout.groups[arm.arm_id]))
                found.append(
                    problem(
                        table,
                        arm.row,
                        fields[0],
                        CODE,
                        f"numbers of the snippet's part about {arm.arm_id} ({arm.label}): {own}",
                        f"{numbers}, which the snippet gives for {other.arm_id} ({other.label})",
                        f"The row of arm {arm.arm_id} takes {numbers} from the part of the shared snippet about "
                        f"{other.arm_id} ({other.label}): each arm takes its own numbers, in the order the snippet "
                        "gives them. If the arms really share these numbers, say so in note (e.g. 'same numbers in "
                        "both arms').",
                    )
                )
        return found
    first, second = pair
    if first.values != second.values or SHARED_NOTE.search(snippet):
        return []
    counts = Counter(v for _, v in numbers_at(snippet))
    once = [f for f, v in first.values.items() if counts[v] == 1]
    if not once:
        return []
    later = max(pair, key=lambda a: a.row)
    numbers = ", ".join(f"{f} = {fmt(first.values[f])}" for f in once)
    return [
        problem(
            table,
            later.row,
            once[0],
            CODE,
            "each arm's own numbers from the shared snippet",
            f"{first.arm_id} and {second.arm_id} both with {numbers}, which the snippet gives once",
            f"Arms {first.arm_id} ({first.label}) and {second.arm_id} ({second.label}) take the same "
            f"numbers ({numbers}) from one snippet that gives them once: one of the two rows has the other "
            "arm's numbers. If the arms really share them, say so in note (e.g. 'same numbers in both "
            "arms').",
        )
    ]


def _pairs_query(db: TypedTables, table: str, fields: tuple[str, ...], key: tuple[str, ...]) -> str:
    arms = f"(SELECT arm_id, any_value(arm_role) AS arm_role, any_value(label) AS label FROM {db['arms']} GROUP BY 1)"
    values = lambda side: ", ".join(f"{side}.{q(f)}" for f in fields)  # noqa: E731
    same = " AND ".join(f"i.{q(k)} = c.{q(k)}" for k in key)
    shared = ", ".join(map(q, (*key, "snippet")))
    # rows whose key and snippet another row has (one grouping of hashes) are the only ones joined: in a large
    # table each row has its own snippet, and the join of every row cost several times the grouping
    return f"""
        WITH shared AS (SELECT hash({shared}) AS h FROM {db[table]} WHERE snippet <> '' GROUP BY 1
                        HAVING count(*) > 1),
        r AS (SELECT o.rowid AS rid, o.*, a.arm_role, a.label FROM {db[table]} o JOIN {arms} a USING (arm_id)
              WHERE o.snippet <> '' AND hash({", ".join(f"o.{q(c)}" for c in (*key, "snippet"))})
                                        IN (SELECT h FROM shared))
        SELECT i.rid, i.snippet, i.arm_id, i.label, coalesce(i.note, ''), {values("i")},
               c.rid, c.arm_id, c.label, coalesce(c.note, ''), {values("c")}
        FROM r i JOIN r c ON {same} AND i.snippet = c.snippet
        WHERE i.arm_role = 'intervention' AND c.arm_role = 'control' AND i.arm_id <> c.arm_id"""


def _arm(db: TypedTables, table: str, fields: tuple[str, ...], role: str, rid, arm_id, label, values) -> ArmRow:
    return ArmRow(
        db.record(table, rid),
        arm_id,
        role,
        label or "",
        {f: float(v) for f, v in zip(fields, values, strict=True) if v is not None},
    )


def arms_take_their_own_numbers(db: TypedTables) -> list[Problem]:
    """Each pair of arms' rows (one study, outcome, time point and statistic) that quote one snippet: each row
    takes its own arm's numbers from it (module docstring)."""
    if not db.has("arms", "arm_id", "arm_role", "label"):
        return []
    problems = []
    for table, base in TABLES.items():
        statistic = ("statistic",) if table == "outcomes_continuous" else ()
        fields = base + (tuple(dict.fromkeys(c for cs in STATISTIC_COLUMNS.values() for c in cs)) if statistic else ())
        key = ("study_id", "outcome", "timepoint", *statistic)
        if not db.has(table, *key, *fields, "arm_id", "snippet", "note"):
            continue
        width = len(fields)
        found = []
        for row in db.stream(_pairs_query(db, table, fields, key) + " ORDER BY 1"):
            rid_i, snippet, arm_i, label_i, note_i = row[:5]
            rid_c, arm_c, label_c, note_c = row[5 + width : 9 + width]
            if SHARED_NOTE.search(note_i) or SHARED_NOTE.search(note_c):
                continue
            pair = (
                _arm(db, table, fields, "intervention", rid_i, arm_i, label_i, row[5 : 5 + width]),
                _arm(db, table, fields, "control", rid_c, arm_c, label_c, row[9 + width :]),
            )
            found += pair_problems(table, snippet, pair)
        problems += found[: db.listed]
        if len(found) > db.listed:
            problems.append(omitted_problem(table, CODE, len(found) - db.listed, db.listed))
    return problems
