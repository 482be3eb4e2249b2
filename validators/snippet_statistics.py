"""Does the row's ``statistic`` say what its snippet says? (issue 25, item 9)

A snippet reading "mean ± SEM ... 1.85 ± 0.19" stored as ``mean_sd`` passes the number check (0.19 is in the
snippet) but inflates the study's weight; so does an IQR stored as a range, a CI stored as an SD, a median
stored as a mean. The words a snippet uses for its statistic are declared below, each an RE2 pattern (DuckDB's
regular expressions) with its kind: the centre (mean, median) or the spread (SD, SE, IQR, range, CI). The rule
is one SQL condition over the typed rows, built from these declarations:

- spread: a snippet naming one or more spread words, none of which is one of the row's statistic's, is refused
  (a snippet naming several statistics, "mean (SD) ... SE of the difference", passes when the row's is among
  them);
- centre: a snippet naming the other centre word and not the row's own is refused.

A snippet naming no statistic word ("1.20 ± 0.50", a table cell) is not judged: the words are the evidence.
Rows whose value columns do not match their statistic are the statistic-fields rule's (row_rules.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rhil7.core.database import quote_identifier as q
from rhil7.core.database import quote_literal as lit
from rhil7.core.problems import Problem
from rhil7.core.vocabulary import STATISTIC_COLUMNS

from .typed_tables import TypedTables, problem

TABLE = "outcomes_continuous"
CODE = "statistic-not-as-snippet"


@dataclass(frozen=True)
class StatisticWord:
    label: str  # how a problem names it
    kind: str  # "centre" or "spread"
    pattern: str  # RE2, matched anywhere in the snippet; abbreviations are case-sensitive ("se" is no SE)
    meaning: str  # what it is, for the message
    hints: tuple[str, ...]  # literal pieces, one of which every match holds (a word's first letter left off, so
    # "median" and "Median" both hold "edian"; a word in mixed case such as "MeDian" is missed)


# \b keeps a word out of longer words ("SEMA", "mediana", "changes"); a range word counts only before a number
# ("range 3 to 40"), so "within the normal range" is no statistic
STATISTIC_WORDS = (
    StatisticWord("mean", "centre", r"(?i:\bmeans?\b)", "a mean", ("ean", "EAN")),
    StatisticWord("median", "centre", r"(?i:\bmedians?\b)", "a median", ("edian", "EDIAN")),
    StatisticWord(
        "SD",
        "spread",
        r"\bSDs?\b|\bS\.D\b|(?i:\bstandard deviations?\b)",
        "a standard deviation",
        ("SD", "S.D", "tandard", "TANDARD"),
    ),
    StatisticWord(
        "SE",
        "spread",
        r"\bSEM?s?\b|\bS\.E\b|(?i:\bstandard errors?\b)",
        "a standard error",
        ("SE", "S.E", "tandard", "TANDARD"),
    ),
    StatisticWord(
        "IQR",
        "spread",
        r"\bIQRs?\b|(?i:\binter-?quartile(?: ranges?)?\b|\bquartiles?\b)",
        "an interquartile range",
        ("IQR", "uartile", "UARTILE"),
    ),
    StatisticWord(
        "range",
        "spread",
        r"(?i:\branges?\b[^0-9]{0,12}[0-9]|\bmin(imum)?\s*(-|–|—|to|/)\s*max(imum)?\b)",
        "a minimum-to-maximum range",
        ("ange", "ANGE", "min", "Min", "MIN"),
    ),
    StatisticWord(
        "CI",
        "spread",
        r"\bCIs?\b|(?i:\bconfidence intervals?\b)",
        "a confidence interval",
        ("CI", "onfidence", "ONFIDENCE"),
    ),
)
_BY_LABEL = {w.label: w for w in STATISTIC_WORDS}
_AFTER_WORD = " 0123456789(:,;[="  # what a range word's pattern reads after the word, left out of the message

# The words each statistic is written with: its centre, and the spread words any one of which may name it
# (one entry per statistic of the vocabulary: tests/test_contribution_guards.py).
STATISTIC_SAYS: dict[str, tuple[str, tuple[str, ...]]] = {
    "mean_sd": ("mean", ("SD",)),
    "mean_se": ("mean", ("SE",)),
    "median_iqr": ("median", ("IQR",)),
    "median_range": ("median", ("range",)),
    "median_iqr_range": ("median", ("IQR", "range")),
}


# Only the rows whose snippet holds a hint of a word contradicting their statistic are read further (one scan for
# any of the hints, literal strings: a large table's snippets name their own statistic); in those, one scan finds
# the statistic words (the alternatives leftmost first, so "interquartile range" is one IQR word, not a range), and
# each word is told apart in that short list of words. Measured on 600,000 benchmark rows on a loaded machine:
# the hints' scan 0.44 s (a substring search per hint 0.7 to 0.9 s), the words' scan of every snippet 2 to 4 s.
ANY_WORD = "|".join(f"(?:{w.pattern})" for w in STATISTIC_WORDS)
_WORDS = q("statistic_words")


def _may_contradict(statistic: str) -> str:
    """SQL: true where the snippet holds a hint of a word that would contradict ``statistic``."""
    centre, spreads = STATISTIC_SAYS[statistic]
    others = [w for w in STATISTIC_WORDS if w.label not in (centre, *spreads)]
    hints = dict.fromkeys(h for w in others for h in w.hints)
    return f"regexp_matches(snippet, {lit('|'.join(map(re.escape, hints)))})"


def _says(word: StatisticWord) -> str:
    return f"regexp_matches({_WORDS}, {lit(word.pattern)})"


def _column(word: StatisticWord) -> str:
    return q(f"says_{word.label.lower()}")


def _contradicts(statistic: str) -> str:
    """SQL over the says_* columns: true where the snippet's words contradict ``statistic``."""
    centre, spreads = STATISTIC_SAYS[statistic]
    other_spreads = [w for w in STATISTIC_WORDS if w.kind == "spread" and w.label not in spreads]
    other_centre = [w for w in STATISTIC_WORDS if w.kind == "centre" and w.label != centre]
    own = " OR ".join(_column(_BY_LABEL[s]) for s in spreads)
    spread = f"(({' OR '.join(map(_column, other_spreads))}) AND NOT ({own}))"
    centre_wrong = " OR ".join(f"({_column(w)} AND NOT {_column(_BY_LABEL[centre])})" for w in other_centre)
    return f"({spread} OR {centre_wrong})"


def _has_its_values() -> str:
    return (
        "(CASE statistic "
        + " ".join(
            f"WHEN {lit(s)} THEN " + " AND ".join(f"{q(c)} IS NOT NULL" for c in columns)
            for s, columns in STATISTIC_COLUMNS.items()
        )
        + " ELSE false END)"
    )


def contradiction_query(table: str) -> str:
    """The rows of ``table`` (its typed DuckDB table) whose snippet names another statistic than theirs:
    rowid, statistic, statistic_words (the snippet's statistic words), then one boolean per STATISTIC_WORDS entry."""
    says = ", ".join(f"{_says(w)} AS {_column(w)}" for w in STATISTIC_WORDS)
    wrong = "CASE statistic " + " ".join(f"WHEN {lit(s)} THEN {_contradicts(s)}" for s in STATISTIC_SAYS) + " END"
    maybe = "CASE statistic " + " ".join(f"WHEN {lit(s)} THEN {_may_contradict(s)}" for s in STATISTIC_SAYS) + " END"
    words = (
        f"SELECT rowid, statistic, array_to_string(regexp_extract_all(snippet, {lit(ANY_WORD)}), ' | ') AS "
        f"{_WORDS} FROM {table} WHERE snippet <> '' AND {_has_its_values()} AND {maybe}"
    )
    return f"SELECT * FROM (SELECT *, {says} FROM ({words}) WHERE {_WORDS} <> '') WHERE {wrong}"


def _suggested(centre: str, spreads: list[str]) -> str | None:
    """The statistic written with ``centre`` and exactly ``spreads``, if the package has one."""
    return next((s for s, (c, words) in STATISTIC_SAYS.items() if c == centre and set(words) == set(spreads)), None)


def _advice(statistic: str, said: list[str]) -> tuple[str, str]:
    """(expected, advice) for a row of ``statistic`` whose snippet says the words ``said``."""
    centre = next((w for w in said if _BY_LABEL[w].kind == "centre"), STATISTIC_SAYS[statistic][0])
    if [w for w in said if _BY_LABEL[w].kind == "centre"] == ["mean", "median"]:
        centre = STATISTIC_SAYS[statistic][0]
    spreads = [w for w in said if _BY_LABEL[w].kind == "spread" and w != "CI"]
    if "CI" in said and not spreads:
        return (
            "a statistic the snippet gives (it gives a confidence interval, which no statistic column holds)",
            "A confidence interval is not an SD, SE, IQR or range: do not store its bounds or half-width as one. "
            "Leave the row out (status not_reported in the sheet, or coverage not_reachable) and say in the "
            "detail that the source gives a CI.",
        )
    better = _suggested(centre, spreads)
    if better is None and not spreads and centre != STATISTIC_SAYS[statistic][0]:
        choices = [s for s, (c, _) in STATISTIC_SAYS.items() if c == centre]
        return (
            " or ".join(choices),
            f"The source reports a {centre}: store the row as the {centre} statistic it "
            f"gives ({', '.join(choices)}), with its own columns.",
        )
    if better is None:
        return (
            "a statistic matching the snippet's words",
            "Check which statistic the source reports and store that statistic with its own columns.",
        )
    columns = ", ".join(STATISTIC_COLUMNS[better])
    return (
        better,
        f"Store the row as {better} (columns {columns}), as the source reports it; analysis/ converts at run time.",
    )


def statistic_matches_snippet(db: TypedTables) -> list[Problem]:
    """Each continuous row whose snippet names a statistic other than the row's ``statistic`` (e.g. "SEM" for
    mean_sd): one problem on ``statistic``, naming the snippet's words and the statistic they make."""
    columns = ("statistic", "snippet", *{c for cs in STATISTIC_COLUMNS.values() for c in cs})
    if not db.has(TABLE, *columns):
        return []
    problems = []
    found_words = ", ".join(f"regexp_extract({_WORDS}, {lit(w.pattern)})" for w in STATISTIC_WORDS)
    query = contradiction_query(db[TABLE])
    for row, statistic, *flags in db.rows(
        TABLE,
        CODE,
        f"SELECT rowid, statistic, {', '.join(map(_column, STATISTIC_WORDS))}, {found_words} FROM ({query})",
    ):
        said_flags, texts = flags[: len(STATISTIC_WORDS)], flags[len(STATISTIC_WORDS) :]
        said = [w.label for w, s in zip(STATISTIC_WORDS, said_flags, strict=True) if s]
        centre, spreads = STATISTIC_SAYS[statistic]
        own = {centre, *spreads}
        wrong = [w for w in said if w not in own and not (_BY_LABEL[w].kind == "centre" and centre in said)]
        named = ", ".join(
            f'"{text.rstrip(_AFTER_WORD)}" ({_BY_LABEL[w].meaning})'
            for w, text in zip([w.label for w in STATISTIC_WORDS], texts, strict=True)
            if w in wrong
        )
        expected, advice = _advice(statistic, said)
        problems.append(
            problem(
                TABLE,
                row,
                "statistic",
                CODE,
                expected,
                f"{statistic}; the snippet says {named}",
                f"The snippet says {named}, but the row's statistic is {statistic}. {advice}",
            )
        )
    return problems
