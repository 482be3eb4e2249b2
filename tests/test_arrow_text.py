"""The validator's Arrow-backed text gives the answers the Python-object path gives."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from rhil7.validators import cross_rules, snippets, tables
from rhil7.validators.spreadsheet_safety import formula_like_text
from rhil7.validators.tables import ARROW_TEXT, to_numbers, typed

AWKWARD_NUMBERS = ["1", "-2", "+.5", "0.250", "1.", ".", " 1", "1 ", "1e3", "1E-2", "inf", "-Infinity", "nan", "NaN",
                   "1,234", "0x10", "1_000", "12abc", "\u0663", "--1", "", None, "007", "3.14159265358979323846"]


def test_numbers_parse_as_pandas_parses_them():
    cells = pd.Series(AWKWARD_NUMBERS, dtype=ARROW_TEXT)
    expected = pd.to_numeric(pd.Series(AWKWARD_NUMBERS, dtype=object).replace("", None), errors="coerce").astype(float)
    np.testing.assert_array_equal(to_numbers(cells.mask(cells == "")).to_numpy(), expected.to_numpy())


def test_typed_text_is_missing_where_empty_and_numbers_agree():
    raw = pd.DataFrame({"n": ["12", "", "x"], "note": ["a", "", "c"]}, dtype="str", index=pd.RangeIndex(2, 5))
    resource = {"schema": {"fields": [{"name": "n", "type": "integer"}, {"name": "note", "type": "string"}]}}
    arrow, python = typed(raw, resource, text="str"), typed(raw, resource)
    assert arrow["note"].dtype == ARROW_TEXT and arrow["note"].isna().tolist() == [False, True, False]
    assert python["note"].tolist() == ["a", None, "c"]
    assert arrow["n"].tolist() == python["n"].tolist() and python["n"].isna().tolist() == [False, True, True]
    assert (raw == pd.DataFrame({"n": ["12", "", "x"], "note": ["a", "", "c"]}, index=raw.index)).all().all()


def test_typed_on_two_threads_equals_one(monkeypatch):
    raw = pd.DataFrame({"n": [str(i) if i % 7 else "" for i in range(300)], "x": ["a", "", "1.5"] * 100}, dtype="str")
    resource = {"schema": {"fields": [{"name": "n", "type": "integer"}, {"name": "x", "type": "number"}]}}
    one = typed(raw, resource, text="str")
    monkeypatch.setattr(tables, "PARALLEL_FROM_ROWS", 1)
    pd.testing.assert_frame_equal(typed(raw, resource, text="str"), one)


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx", "="])
def test_formula_starts_found_in_arrow_text(text):
    notes = ["fine", None, "\u00e9=x", "a = b", text]
    frame = pd.DataFrame({"note": pd.Series(notes, dtype=ARROW_TEXT, index=pd.RangeIndex(2, 7))})
    found = [(p.row, p.field, p.found) for p in formula_like_text({"arms": frame})]
    assert found == [(6, "note", text)]
    assert found == [(p.row, p.field, p.found) for p in formula_like_text({"arms": frame.astype(object)})]


def test_snippet_rule_on_arrow_text_and_started_early():
    from test_snippet_scan import _table

    frame = _table()
    frame["snippet"] = frame["snippet"].astype(ARROW_TEXT)
    expected = {("number-not-in-snippet", 100, "total"), ("number-not-in-snippet", 500, "events")}
    keys = lambda ps: {(p.code, p.row, p.field) for p in ps}
    assert keys(cross_rules.snippets_hold_numbers({"outcomes_dichotomous": frame})) == expected
    with ThreadPoolExecutor(max_workers=1) as pool:
        started = {"outcomes_dichotomous": pool.submit(snippets.rows_to_check, frame, ["events", "total"])}
        assert keys(cross_rules.snippets_hold_numbers({"outcomes_dichotomous": frame}, prescanned=started)) == expected
