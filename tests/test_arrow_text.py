"""The validator's Arrow-backed text (large tables, issue 8) gives the answers the Python-object path gives."""
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from rhil7.validators import cross_rules, fast_structure, snippets, tables
from rhil7.validators.arrow_reading import empty_records, read_records
from rhil7.validators.run import validate_package
from rhil7.validators.spreadsheet_safety import formula_like_text
from rhil7.validators.tables import ARROW_TEXT, to_numbers, typed
from test_invalid_corpus import CASES, _build

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


NAMES = ["a", "b"]


@pytest.mark.parametrize("body, expected", [
    (b'a,b\n1,"x\ny"\r\n"",3', [["1", "x\ny"], ["", "3"]]),
    (b"a,b\r1,2\r3,4\r", [["1", "2"], ["3", "4"]]),
    (b"a,b\n", []),
])
def test_records_are_read_as_text(body, expected):
    frame = read_records(body, NAMES)
    assert frame.values.tolist() == expected and list(frame.index) == list(range(2, 2 + len(expected)))


@pytest.mark.parametrize("body", [b"a,b\n1,2\n3\n", b"a,b\n1,2,3\n"])
def test_misshapen_records_are_left_to_the_exact_walk(body):
    assert read_records(body, NAMES) is None


@pytest.mark.parametrize("body, blank", [(b"a,b\n1,2\n\n3,4\n", [3]), (b"a,b\n1,2\n,\n\n", [3, 4]),
                                         (b'a,b\n"",\n1,\n', [2]), (b"a,b\n1,2\n", [])])
def test_records_without_text_are_blank_rows(body, blank):
    assert empty_records(read_records(body, NAMES)) == blank


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


THREADED = [c for c in CASES if not c.unreadable][::4]


@pytest.mark.parametrize("case", THREADED, ids=[c.id for c in THREADED])
def test_threaded_large_table_path_reports_the_corpus_faults(case, tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "PARALLEL_FROM_ROWS", 1)
    monkeypatch.setattr(fast_structure, "PARALLEL_FROM_ROWS", 1)
    package, expected = _build(case, tmp_path)
    found = validate_package(package, replace(case.limits, frictionless_max_rows=0))
    assert {(p.code, p.file, p.row, p.field) for p in found} == expected
