"""The README's reuse recipes run as written (issue 7).

Each fenced Python block that follows a `<!-- recipe: NAME -->` marker in README.md is extracted and run
with this interpreter in a temporary copy of the package, after `rhil7 build`, as a reader would run it
from the repository root.
"""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT, copy_package, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")
RECIPE = re.compile(r"<!-- recipe: ([a-z0-9-]+) -->\s*\n```python\n(.*?)\n```", re.S)
RECIPES = dict(RECIPE.findall(README))


def test_recipes_are_marked():
    assert {"pandas", "python-api", "duckdb"} <= set(RECIPES)


def test_sections_are_in_order():
    headings = re.findall(r"^## (.+)$", README, re.M)
    sql = next(i for i, h in enumerate(headings) if h.startswith("SQL"))
    assert headings[sql + 1] == "Reuse" and headings[sql + 2] == "Validation"
    assert headings[-3:] == ["Citation", "Contributing", "License"]
    reuse = README.split("\n## Reuse\n", 1)[1].split("\n## ", 1)[0]
    for words in ("read.csv", "read_package",
                  "read_csv_auto", "keep_default_na=False", "rhil7.load()", "sha256sum -c SHA256SUMS",
                  "CITATION.cff", "spreadsheet"):
        assert words in reuse, words


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    package = copy_package(tmp_path_factory.mktemp("reader") / "package")
    built = run_cli("build", str(package))
    assert built.returncode == 0, built.stderr
    return package


@pytest.mark.parametrize("name", ["pandas", "python-api", "duckdb"])
def test_recipe_runs(name, workdir):
    result = subprocess.run([sys.executable, "-c", RECIPES[name]], cwd=workdir, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, f"recipe {name} failed:\n{result.stderr}"
    assert result.stdout.strip(), f"recipe {name} printed nothing"


def test_pandas_recipe_runs_from_the_repository_root():
    result = subprocess.run([sys.executable, "-c", RECIPES["pandas"]], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
