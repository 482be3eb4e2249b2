"""rhil7.load's typing (rhil7.frames): numbers parse as pandas parses them, in C for plain decimals."""

import numpy as np
import pandas as pd

from rhil7 import frames
from rhil7.frames import ARROW_TEXT, to_numbers, typed

AWKWARD_NUMBERS = [
    "1",
    "-2",
    "+.5",
    "0.250",
    "1.",
    ".",
    " 1",
    "1 ",
    "1e3",
    "1E-2",
    "inf",
    "-Infinity",
    "nan",
    "NaN",
    "1,234",
    "0x10",
    "1_000",
    "12abc",
    "\u0663",
    "--1",
    "",
    None,
    "007",
    "3.14159265358979323846",
]


def test_numbers_parse_as_pandas_parses_them():
    cells = pd.Series(AWKWARD_NUMBERS, dtype=ARROW_TEXT)
    expected = pd.to_numeric(pd.Series(AWKWARD_NUMBERS, dtype=object).replace("", None), errors="coerce").astype(float)
    np.testing.assert_array_equal(to_numbers(cells.mask(cells == "")).to_numpy(), expected.to_numpy())


def test_typed_text_is_missing_where_empty_and_numbers_parse():
    raw = pd.DataFrame({"n": ["12", "", "x"], "note": ["a", "", "c"]}, dtype="str", index=pd.RangeIndex(2, 5))
    resource = {"schema": {"fields": [{"name": "n", "type": "integer"}, {"name": "note", "type": "string"}]}}
    frame = typed(raw, resource)
    assert frame["note"].tolist() == ["a", None, "c"]
    assert frame["n"].tolist()[0] == 12 and frame["n"].isna().tolist() == [False, True, True]
    assert (raw == pd.DataFrame({"n": ["12", "", "x"], "note": ["a", "", "c"]}, index=raw.index)).all().all()


def test_typed_on_two_threads_equals_one(monkeypatch):
    raw = pd.DataFrame({"n": [str(i) if i % 7 else "" for i in range(300)], "x": ["a", "", "1.5"] * 100}, dtype="str")
    resource = {"schema": {"fields": [{"name": "n", "type": "integer"}, {"name": "x", "type": "number"}]}}
    one = typed(raw, resource)
    monkeypatch.setattr(frames, "PARALLEL_FROM_ROWS", 1)
    pd.testing.assert_frame_equal(typed(raw, resource), one)
