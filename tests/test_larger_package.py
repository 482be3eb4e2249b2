"""The suite does not pin today's data: on a copy of the repository whose tables hold more trials, it passes.

The copy's live tables get the valid synthetic trials of benchmarks/generate.py appended (the shape of a
correct contribution of new trials: rows added, nothing changed), then the suite runs there. To bound the
cost it skips this module (no recursion) and the modules listed in ENGINE_ONLY, which never read the live
tables (they work on tests/fixtures, tests/reference or generated packages); a test below keeps that true.
"""
from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT
from synthetic import append_synthetic_studies

from rhil7.validators.run import validate_package

TESTS = Path(__file__).resolve().parent
ENGINE_ONLY = ("test_pooling_reference.py", "test_effect_sizes_and_conversions.py", "test_benchmark_generator.py",
               "test_arrow_text.py", "test_engine_reference.py", "test_planted_faults.py", "test_snippet_scan.py")
# How a test module reaches the live package: the repository's tables or the repository as a package directory.
LIVE = re.compile(r"""ROOT\s*/\s*["']tables|read_tables\(ROOT|validate_package\(ROOT|str\(ROOT\)|cwd=ROOT|\(ROOT\)""")
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


def test_engine_only_modules_never_read_the_live_tables():
    for name in ENGINE_ONLY:
        text = (TESTS / name).read_text(encoding="utf-8")
        assert not LIVE.search(text), f"{name} reads the live package: it must run in the larger-package proof"


def test_suite_passes_on_a_copy_with_more_trials(tmp_path):
    repository = copy_repository(tmp_path / "repository")
    append_synthetic_studies(repository, studies=8)
    assert validate_package(repository) == []
    ignored = [f"--ignore=tests/{name}" for name in (*ENGINE_ONLY, Path(__file__).name)]
    parallel = ["-n", "auto", "--dist", "loadfile"] if importlib.util.find_spec("xdist") else []
    result = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *parallel, *ignored,
                             "tests"],
                            cwd=repository, capture_output=True, text=True, timeout=3600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
