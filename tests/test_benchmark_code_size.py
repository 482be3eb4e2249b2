"""benchmarks/code_size.py (issue 15's size target): what counts as a line of code."""
from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _code_size():
    spec = importlib.util.spec_from_file_location("bench_code_size", ROOT / "benchmarks" / "code_size.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MODULE = '''"""A module docstring
over two lines."""
import re  # a comment after code: the line counts

# a comment alone: it does not


def f(x):
    """A function's docstring."""
    query = """
        SELECT 1
    """
    return query, "a string in an expression"
'''


def test_docstrings_comments_and_blank_lines_are_not_code(tmp_path):
    (tmp_path / "m.py").write_text(MODULE, encoding="utf-8")
    (tmp_path / "not_python.txt").write_text("x = 1\n", encoding="utf-8")
    # code: import, def, query = (3 lines of the SQL string), return
    assert _code_size().count(tmp_path) == {"lines": 13, "code": 6}


def test_the_target_is_judged_against_the_recorded_bound(tmp_path):
    module = _code_size()
    bound = module.BEFORE["code"] - module.LARGE_TABLE_ENGINE["code"]
    (tmp_path / "m.py").write_text("x = 1\n" * bound, encoding="utf-8")
    assert module.size_target(tmp_path)["status"] == "met"
    (tmp_path / "m.py").write_text("x = 1\n" * (bound + 1), encoding="utf-8")
    assert module.size_target(tmp_path)["status"] == "not met"
