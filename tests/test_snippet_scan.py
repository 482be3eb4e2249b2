"""The snippet rule: DuckDB clears the rows whose numbers its snippet writes the same way; the exact check
(signs, thousands separators, trailing zeros, number words) judges the rest. Together they flag exactly the
rows the exact check alone flags."""

from sql_tables import typed_tables

from rhil7.validators.cross_rules import snippets_hold_numbers
from rhil7.validators.snippets import snippet_supports

FIELDS = [{"name": "snippet"}, {"name": "events", "type": "integer"}, {"name": "total", "type": "integer"}]
SPECIAL = {
    100: ("arm: n = 60, events 3", "3", "999"),  # 999 is not in its snippet: a fault
    200: ("deaths \u22122 (sic), n = 18", "-2", "18"),  # Unicode minus
    300: ("1,234 randomized, 3 events", "3", "1234"),  # thousands separator
    400: ("three of fifteen", "3", "15"),  # number words
    500: ("n = 12 only", "2", "12"),  # 2 is not 12: a fault
    600: ("3 of 12.0 patients", "3", "12"),  # a trailing zero
    700: ("3 of 120 patients", "3", "12"),  # 12 inside 120 is not 12: a fault
    800: ("", "3", "12"),  # no snippet: nothing to check
    900: ("CYT107: 7 of 107", "7", "107"),  # 7 first inside CYT107, then whole
    1000: ("12.5% of 12 had 2", "2", "12"),  # 12 first inside 12.5, then whole
    1100: ("change -2 of +18", "-2", "+18"),  # signs: the exact check's
    1200: ("3 of 18-20", "3", "20"),  # 20 after a hyphen: a range, still written
}


def _rows(n=2_000):
    rows = [dict(snippet=f"arm {i}: n = {10 + i % 50}, events 3", events="3", total=str(10 + i % 50)) for i in range(n)]
    for row, (snippet, events, total) in SPECIAL.items():
        rows[row - 2] = dict(snippet=snippet, events=events, total=total)
    return rows


def test_the_sql_prefilter_and_the_exact_check_flag_what_the_exact_check_flags():
    rows = _rows()
    db, _ = typed_tables({"outcomes_dichotomous": (FIELDS, rows)})
    found = {(p.code, p.row, p.field) for p in snippets_hold_numbers(db)}
    exact = {
        ("number-not-in-snippet", i + 2, f)
        for i, row in enumerate(rows)
        if row["snippet"]
        for f in ("events", "total")
        if not snippet_supports(float(row[f]), row["snippet"])
    }
    assert (
        found
        == exact
        == {
            ("number-not-in-snippet", 100, "total"),
            ("number-not-in-snippet", 500, "events"),
            ("number-not-in-snippet", 700, "total"),
        }
    )


def test_a_number_with_an_exponent_is_judged_by_the_exact_check():
    # "5e2" is written in the snippet character for character, but 500 is not one of its numbers
    fields = [{"name": "snippet"}, {"name": "mean", "type": "number"}]
    rows = [dict(snippet="mean 5e2 cells", mean="5e2"), dict(snippet="mean 500 cells", mean="5e2")]
    db, _ = typed_tables({"outcomes_continuous": (fields, rows)})
    assert [(p.row, p.field) for p in snippets_hold_numbers(db)] == [(2, "mean")]


def test_past_the_listing_limit_the_faults_are_counted():
    rows = [dict(snippet="no numbers here", events="3", total="12")] * 30
    db, _ = typed_tables({"outcomes_dichotomous": (FIELDS, rows)}, listed=10)
    problems = snippets_hold_numbers(db)
    assert len([p for p in problems if p.code == "number-not-in-snippet"]) == 10
    assert [p.found for p in problems if p.code == "problems-omitted"] == ["50 more number-not-in-snippet problem(s)"]
