"""The vectorized snippet scan for large tables clears exactly the rows the exact check clears."""
import pandas as pd

from rhil7.validators import cross_rules, snippets


def _table(n=25_000):
    frame = pd.DataFrame({"snippet": [f"arm {i}: n = {10 + i % 50}, events 3" for i in range(n)],
                          "events": [3.0] * n, "total": [float(10 + i % 50) for i in range(n)]},
                         index=pd.RangeIndex(2, n + 2))
    frame.loc[100, "total"] = 999.0                                    # not in its snippet: a fault
    frame.loc[200, ["snippet", "events", "total"]] = ["deaths \u22122 (sic), n = 18", -2.0, 18.0]  # Unicode minus
    frame.loc[300, ["snippet", "total"]] = ["1,234 randomized, 3 events", 1234.0]  # thousands separator
    frame.loc[400, ["snippet", "events", "total"]] = ["three of fifteen", 3.0, 15.0]  # number words
    frame.loc[500, ["snippet", "events", "total"]] = ["n = 12 only", 2.0, 12.0]  # 2 is not 12: a fault
    return frame


def test_large_and_small_paths_agree(monkeypatch):
    frame = _table()
    assert len(frame) >= snippets.VECTORIZED_FROM_ROWS
    fast = cross_rules.snippets_hold_numbers({"outcomes_dichotomous": frame})
    monkeypatch.setattr(snippets, "VECTORIZED_FROM_ROWS", 10**9)
    exact = cross_rules.snippets_hold_numbers({"outcomes_dichotomous": frame})
    keys = lambda ps: {(p.code, p.row, p.field) for p in ps}
    assert keys(fast) == keys(exact) == {("number-not-in-snippet", 100, "total"), ("number-not-in-snippet", 500, "events")}
