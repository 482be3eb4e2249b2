"""The README's recipes run as written (issues 7 and 26), and the README reads in two minutes.

Each fenced block that follows a `<!-- recipe: NAME -->` marker in README.md is extracted and run in a
temporary copy of the package, after `rhil7 build`, as a reader would run it from the repository root: Python
with this interpreter, R with Rscript, shell with the DuckDB CLI the project installs next to the interpreter.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, copy_package, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")
RECIPE = re.compile(r"<!-- recipe: ([a-z0-9-]+) -->\s*\n```([a-z]+)\n(.*?)\n```", re.S)
RECIPES = {name: (language, code) for name, language, code in RECIPE.findall(README)}
PYTHON = [name for name, (language, _) in RECIPES.items() if language == "python"]


def test_recipes_are_marked():
    assert {"quick-pandas", "quick-r", "quick-duckdb", "pandas", "python-api", "duckdb"} <= set(RECIPES)
    for name in ("quick-pandas", "quick-r", "quick-duckdb"):
        language, code = RECIPES[name]
        assert len([line for line in code.splitlines() if line.strip()]) <= 3, f"{name} is a three-line start"


def test_the_reuser_reads_what_it_is_the_honest_state_and_how_to_cite_first():
    headings = re.findall(r"^## (.+)$", README, re.M)
    assert headings[:5] == ["What this is", "What is in it today, honestly", "Get it", "Quick start", "Cite it"]
    assert headings[-2:] == ["Contributing", "License"]
    top = README.split("\n## ", 1)[0]
    assert "make reproduce" in top and "make test" in top, "CI and newcomers start from these two"
    honest = README.split("\n## What is in it today, honestly\n", 1)[1].split("\n## ", 1)[0]
    assert "0 of the 26 pooled cells are extracted" in honest and "fourth is an open question" in honest
    for doc in ("docs/validation.md", "docs/reproduction.md", "docs/sql.md", "docs/releasing.md", "docs/site.md"):
        assert f"]({doc})" in README and (ROOT / doc).is_file(), doc
    for image in re.findall(r"!\[[^]]*\]\(([^)]+)\)", README):
        assert (ROOT / image).is_file(), image
    assert {"docs/screenshots/home.png", "docs/screenshots/console.png"} <= set(
        re.findall(r"\]\(([^)]+\.png)\)", README)
    )


def test_commands_are_shown_runnable():
    """A bare `rhil7` is not on PATH after `make`: commands are .venv/bin/rhil7, or follow the activation step."""
    assert "source .venv/bin/activate" in README.split("\n## ", 1)[0]
    for block in re.findall(r"```(?:sh)?\n(.*?)```", README, re.S):
        for line in block.splitlines():
            assert not re.match(r"\s*(rhil7|duckdb) ", line), line
    table = README.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^\| `([^`]*)`", table, re.M)
    assert commands and all(c.startswith(".venv/bin/rhil7 ") for c in commands), commands


def test_the_types_are_kept():
    assert 'dtype_backend="numpy_nullable"' in RECIPES["quick-pandas"][1]
    assert "colClasses" in RECIPES["quick-r"][1]
    assert "dtype=fields" in RECIPES["pandas"][1]


def test_the_r_quick_start_names_every_integer_field_of_arms():
    import json

    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    arms = next(r for r in descriptor["resources"] if r["name"] == "arms")
    integers = [f["name"] for f in arms["schema"]["fields"] if f.get("type") == "integer"]
    assert f"arms[c({', '.join(map(repr, integers))})]".replace("'", '"') in RECIPES["quick-r"][1]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    package = copy_package(tmp_path_factory.mktemp("reader") / "package")
    built = run_cli("build", str(package))
    assert built.returncode == 0, built.stderr
    return package


def _run(command: list[str], cwd: Path, env: dict | None = None) -> str:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=180, env=env)
    assert result.returncode == 0, f"{command[:2]} failed:\n{result.stderr}"
    assert result.stdout.strip(), f"{command[:2]} printed nothing"
    return result.stdout


@pytest.mark.parametrize("name", PYTHON)
def test_python_recipe_runs(name, workdir):
    _run([sys.executable, "-c", RECIPES[name][1]], workdir)


def test_quick_pandas_keeps_integers_with_gaps_as_integers(workdir):
    out = _run(
        [
            sys.executable,
            "-c",
            RECIPES["quick-pandas"][1] + "\nprint('DTYPE', arms['n_analysed'].dtype, arms['n_randomized'].dtype)",
        ],
        workdir,
    )
    assert "DTYPE Int64 Int64" in out


def test_quick_r_runs_and_types_the_integers(workdir):
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("Rscript is not installed (apt-get install r-base-core); the R recipe runs where R is")
    out = _run(
        [
            rscript,
            "-e",
            RECIPES["quick-r"][1] + '\ncat("CLASSES", class(arms$n_randomized), '
            "class(arms$n_analysed), class(arms$label), '\\n')",
        ],
        workdir,
    )
    assert "CLASSES integer integer character" in out


def test_quick_duckdb_runs_with_the_installed_cli(workdir):
    shell = Path(sys.executable).with_name("duckdb")
    assert shell.exists(), "duckdb-cli is a dependency of the project"
    (workdir / ".venv" / "bin").mkdir(parents=True, exist_ok=True)
    link = workdir / ".venv" / "bin" / "duckdb"
    if not link.exists():
        link.symlink_to(shell)
    out = _run(["sh", "-e", "-c", RECIPES["quick-duckdb"][1]], workdir, dict(os.environ))
    assert "not_reachable" in out or "extracted" in out
    assert "sepsis_alc_week3" in out


@pytest.mark.data
def test_pandas_recipe_runs_from_the_repository_root():
    result = subprocess.run(
        [sys.executable, "-c", RECIPES["pandas"][1]], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
