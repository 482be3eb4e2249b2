"""The suite does not pin today's data: on a copy of the repository whose tables hold more trials, the tests that
read the package's data (marked ``data``) pass unchanged.

The copy's live tables get the valid synthetic trials of benchmarks/generate.py appended (the shape of a correct
contribution of new trials: rows added, nothing changed), then the ``data`` tests run there. Behaviour is tested on
fixture packages elsewhere; a test below keeps every module that reaches the live tables marked, so that nothing
reading them escapes this proof.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from synthetic import append_synthetic_studies

from rhil7.validators.run import validate_package

TESTS = Path(__file__).resolve().parent
# How a test reaches the live package: the repository's tables or the repository as a package directory.
LIVE = re.compile(
    r"""ROOT\s*/\s*["']tables|(read_tables|validate_package|read_package|load|load_package|"""
    r"""copy_package|audit_published)\(ROOT\b|str\(ROOT\)|cwd=ROOT"""
)
# Everything at the top of the repository but the environment, the build output and version control.
SKIPPED = {".venv", ".git", "build", "dist", ".pytest_cache", "__pycache__"}


def copy_repository(target: Path) -> Path:
    """The repository's files (not .venv, build/ or .git), committed into a fresh git repository of their own
    (rhil7 diff reads revisions of the repository it runs in)."""
    for source in sorted(ROOT.iterdir()):
        name = source.name
        if name in SKIPPED or name.endswith(".egg-info") or (name.startswith(".") and not name.startswith(".git")):
            continue
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
        elif source.exists():
            shutil.copy2(source, target / name)
    git = ["git", "-C", str(target), "-c", "user.name=test", "-c", "user.email=test@example.org"]
    subprocess.run([*git, "init", "-q"], check=True, capture_output=True)
    subprocess.run([*git, "add", "-A"], check=True, capture_output=True)
    subprocess.run([*git, "commit", "-q", "-m", "copy"], check=True, capture_output=True)
    return target


def _marked_data(node: ast.AST) -> bool:
    return any("data" in ast.unparse(d) and "mark" in ast.unparse(d) for d in getattr(node, "decorator_list", []))


def unmarked_live_readers(path: Path) -> list[str]:
    """The test functions of a module whose own code reaches the live package without the ``data``
    marker on them or on the module (``pytestmark``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module_marked = any(
        isinstance(n, ast.Assign)
        and any(getattr(t, "id", "") == "pytestmark" for t in n.targets)
        and "data" in ast.unparse(n.value)
        for n in tree.body
    )
    if module_marked:
        return []
    return [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and node.name.startswith("test")
        and LIVE.search(ast.unparse(node))
        and not _marked_data(node)
    ]


def test_every_test_that_reads_the_live_tables_is_marked_data():
    offenders = {
        path.name: names
        for path in sorted(TESTS.glob("test_*.py"))
        if path.name != Path(__file__).name and (names := unmarked_live_readers(path))
    }
    assert offenders == {}, "mark these @pytest.mark.data so that the larger-package proof runs them"


def test_the_marker_check_sees_an_unmarked_reader(tmp_path):
    module = tmp_path / "test_example.py"
    module.write_text(
        "import pytest\n\n@pytest.mark.data\ndef test_a():\n    read_tables(ROOT)\n\n"
        "def test_b():\n    read_tables(ROOT)\n"
    )
    assert unmarked_live_readers(module) == ["test_b"]


@pytest.mark.slow
def test_data_tests_pass_on_a_copy_with_more_trials(tmp_path):
    repository = copy_repository(tmp_path / "repository")
    append_synthetic_studies(repository, studies=8)
    assert validate_package(repository) == []
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-m", "data", "tests"],
        cwd=repository,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " deselected" in result.stdout, result.stdout[-2000:]
