"""The layers hold: rhil7.core (the base) imports nothing above it, and the editable layout is the documented one."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "src" / "rhil7" / "core"
ABOVE_CORE = ("rhil7.validators", "rhil7.analysis", "rhil7.queries")


def imported_modules(path: Path) -> set[str]:
    """Absolute names of the modules ``path`` imports (relative imports resolved against rhil7.core)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names.add(node.module or "")
            else:
                base = "rhil7.core".split(".")[: 2 - (node.level - 1)]
                names.add(".".join(base + ([node.module] if node.module else [])))
    return names


def test_core_imports_nothing_above_it():
    offenders = {}
    for path in sorted(CORE.glob("*.py")):
        above = [
            name
            for name in imported_modules(path)
            if name.startswith(ABOVE_CORE)
            or (name.startswith("rhil7.") and not name.startswith("rhil7.core"))
            or name == "rhil7"
        ]
        if above:
            offenders[path.name] = above
    assert offenders == {}


def test_the_layer_check_sees_an_upward_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from ..validators import run\nfrom rhil7.analysis import pooling\n")
    assert {"rhil7.validators", "rhil7.analysis"} <= imported_modules(bad)


def test_top_level_folders_are_linked_into_the_package():
    """validators/, analysis/ and queries/ stay at the top level and are importable as rhil7.* through links,
    so an editable install runs the working tree."""
    for name in ("validators", "analysis", "queries"):
        link = ROOT / "src" / "rhil7" / name
        assert link.is_symlink() and link.resolve() == (ROOT / name).resolve()
        assert not (ROOT / name / "__init__.py").exists(), f"{name}/ must not become an importable top-level package"


def test_every_folder_of_the_package_is_listed_for_the_wheel():
    """`pip install .` ships only the packages pyproject.toml lists: a folder of modules left out is missing from
    every non-editable install (and an editable one would not show it)."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    package_root = ROOT / "src"
    folders = set()
    for name in ("rhil7",):
        for folder in [package_root / name, *(package_root / name).rglob("*")]:
            real = folder.resolve()
            holds_files = any(real.glob("*.py")) or any(real.glob("*.sql")) or any(real.glob("*.js"))
            if real.is_dir() and folder.name != "__pycache__" and holds_files:
                folders.add(".".join(folder.relative_to(package_root).parts))
    assert folders <= listed, f"add to [tool.setuptools] packages: {sorted(folders - listed)}"
