"""The problem catalogue (rhil7.core.problem_catalogue) lists every code the code base can emit, and only those."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from rhil7.core.problem_catalogue import CATALOGUE, explain

CODE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
# Calls that build a problem, by the name of the function called: the code is one of their string arguments.
BUILDERS = re.compile(r"problem|^Problem$|^RowRule$|^UnsafeFile$|^_repeats$|^add$|rows$|^_first$", re.I)
SOURCES = [ROOT / "src" / "rhil7", ROOT / "validators"]


def python_files() -> list[Path]:
    # src/rhil7/validators is a link to validators/: rglob does not follow it, so each file is read once
    return [path for folder in SOURCES for path in sorted(folder.rglob("*.py"))]


def emitted_codes(path: Path) -> set[str]:
    """The problem codes a module passes, as string literals, to a problem builder or names in a CODE constant."""
    codes = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
            if BUILDERS.search(name):
                arguments = [*node.args, *(k.value for k in node.keywords if k.arg in (None, "code"))]
                codes |= {
                    a.value
                    for a in arguments
                    if isinstance(a, ast.Constant) and isinstance(a.value, str) and CODE.match(a.value)
                }
        elif (
            isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        ):
            if any(getattr(t, "id", "").endswith(("CODE", "OMITTED")) for t in node.targets):
                codes.add(node.value.value)
    return codes


def test_every_emitted_code_is_catalogued():
    missing = {code: path.name for path in python_files() for code in emitted_codes(path) if code not in CATALOGUE}
    assert missing == {}, "add these codes to rhil7.core.problem_catalogue"


def test_every_catalogued_code_is_emitted_somewhere():
    text = "\n".join(path.read_text(encoding="utf-8") for path in python_files() if path.name != "problem_catalogue.py")
    unused = [code for code in CATALOGUE if f'"{code}"' not in text]
    assert unused == [], "these catalogue entries are emitted nowhere: remove them"


def test_the_scan_finds_codes_in_builders_and_constants(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        'CODE = "made-up-code"\nproblems.append(_problem(f, "other-code", "x", "y"))\nprint("not-a-problem-code")\n'
    )
    assert emitted_codes(module) == {"made-up-code", "other-code"}


def test_every_entry_says_what_it_means_and_how_to_fix_it():
    for code, kind in CATALOGUE.items():
        assert kind.code == code and CODE.match(code)
        assert kind.title and kind.meaning.endswith(".") and kind.fix.endswith((".", ")")), code
    assert explain("lone-cr").startswith("lone-cr: ")
    with pytest.raises(KeyError):
        explain("no-such-code")


@pytest.mark.cli
def test_rhil7_explain_prints_an_entry_and_refuses_an_unknown_code():
    known = run_cli("explain", "number-not-in-snippet")
    assert known.returncode == 0 and "how to fix it:" in known.stdout
    unknown = run_cli("explain", "no-such-code")
    assert unknown.returncode == 2 and "rhil7 explain" in unknown.stderr and "Traceback" not in unknown.stderr
    listing = run_cli("explain")
    assert listing.returncode == 0 and len(listing.stdout.splitlines()) == len(CATALOGUE)
