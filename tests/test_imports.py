"""Imports hold the layout's promises (issue 24): no import cycle among rhil7's modules, and no import inside a
function unless a comment says why it is deferred (a heavy or optional dependency kept out of the commands that do
not need it).

Read from the source by the AST, nothing imported: validators/, analysis/ and queries/ are rhil7.validators,
rhil7.analysis and rhil7.queries (through the links in src/rhil7), so their files are named that way here.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {
    "src/rhil7": "rhil7",
    "validators": "rhil7.validators",
    "analysis": "rhil7.analysis",
    "queries": "rhil7.queries",
}
# cli.py imports its command modules lazily, under one comment at its top (with the measured start-up cost), so
# `rhil7 --help`, `rhil7 explain` and `rhil7 validate` load no pandas, matplotlib or scipy: a function-level import
# of a rhil7 module needs no comment of its own there (any other one does)
LAZY_COMMANDS = "src/rhil7/cli.py"
OWNED = "owned by another change this session"
# A cycle closed only by an import inside a function (as ingest.py <-> study_sheet.py was): it works only as long as
# no one moves that import up; listed here until its owner breaks it (loading imports gate, gate imports fingerprint,
# and fingerprint's package_fingerprint imports loading.read_descriptor: rhil7.core.safe_reader's would do)
KNOWN_DEFERRED_CYCLES = {("rhil7.fingerprint", "rhil7.gate", "rhil7.loading"): OWNED}
# (file, module as written) -> why it may stay a function-level import without a comment, for now
ALLOWED_UNCOMMENTED: dict[tuple[str, str], str] = {
    ("src/rhil7/build.py", ".core.database"): OWNED,
    ("src/rhil7/build.py", ".parquet"): OWNED,
    ("src/rhil7/core/database.py", "duckdb"): OWNED,
    ("src/rhil7/fingerprint.py", "rhil7.core.safe_reader"): OWNED,
    ("src/rhil7/fingerprint.py", ".loading"): OWNED,
    ("src/rhil7/fingerprint.py", "duckdb"): OWNED,
    ("src/rhil7/fingerprint.py", ".core.database"): OWNED,
    ("src/rhil7/loading.py", "rhil7.core.safe_reader"): OWNED,
    ("src/rhil7/loading.py", "io"): OWNED,
    ("src/rhil7/loading.py", "rhil7.frames"): OWNED,
    ("src/rhil7/loading.py", ".core.database"): OWNED,
    ("src/rhil7/parquet.py", "pyarrow.parquet"): OWNED,
    ("src/rhil7/release.py", "csv"): OWNED,
    ("src/rhil7/release.py", "io"): OWNED,
    ("src/rhil7/release.py", ".core.database"): OWNED,
    ("src/rhil7/release.py", ".reproduce"): OWNED,
    ("src/rhil7/release.py", ".release_record"): OWNED,
    ("src/rhil7/release.py", ".gate"): OWNED,
    ("src/rhil7/release.py", ".release_readme"): OWNED,
    ("src/rhil7/release.py", ".release_versions"): OWNED,
    ("src/rhil7/reproduce.py", "rhil7.analysis.audit"): OWNED,
    ("src/rhil7/reproduce.py", "rhil7.analysis.plan"): OWNED,
    ("src/rhil7/reproduce.py", "rhil7.analysis.reproduction"): OWNED,
    ("src/rhil7/reproduce.py", ".build"): OWNED,
    ("src/rhil7/reproduce.py", "rhil7.analysis.presentation"): OWNED,
    ("src/rhil7/reproduce.py", "rhil7.analysis.forest"): OWNED,
    ("src/rhil7/reproduce.py", "rhil7.analysis.coverage_figure"): OWNED,
}


def module_files() -> dict[str, Path]:
    """Dotted module name -> file, for every module of rhil7 (the linked folders named as rhil7 imports them)."""
    modules = {}
    for folder, package in FOLDERS.items():
        base = ROOT / folder
        for path in sorted(base.rglob("*.py")):
            relative = path.relative_to(base).with_suffix("")
            if folder == "src/rhil7" and relative.parts[0] in ("validators", "analysis", "queries"):
                continue  # the links: their files are listed under their own folder
            parts = [p for p in relative.parts if p != "__init__"]
            modules[".".join([package, *parts])] = path
    return modules


def _absolute(module: str, node: ast.ImportFrom, path: Path) -> str:
    """The absolute name an ImportFrom names (its relative dots resolved against ``module``, a file at ``path``)."""
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _module_level(tree: ast.Module):
    """The import statements run when the module is imported: not those in a function, nor under TYPE_CHECKING."""
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
        else:
            pending.extend(ast.iter_child_nodes(node))


def _every_import(tree: ast.Module):
    """Every import statement that runs, those inside functions (deferred) too; not those under TYPE_CHECKING."""
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
        else:
            pending.extend(ast.iter_child_nodes(node))


def import_graph(modules: dict[str, Path], deferred: bool = False) -> dict[str, set[str]]:
    """Module -> the rhil7 modules its module-level imports load (``from x import y`` counts y when y is a module);
    with ``deferred``, its imports inside functions too."""
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _every_import(tree) if deferred else _module_level(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                source = _absolute(module, node, path)
                names = [
                    f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source for alias in node.names
                ]
            targets.update(name for name in names if name in modules and name != module)
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of two or more modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _comment_lines(source: str) -> set[int]:
    """Line numbers that hold a comment (alone or after code)."""
    return {
        token.start[0]
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }


def _function_import_groups(tree: ast.Module):
    """Runs of adjacent import statements inside a function body (one comment may explain a run)."""
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            for body in (getattr(node, name, None) for name in ("body", "orelse", "finalbody", "handlers")):
                if not isinstance(body, list) or (
                    node is not function and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                ):
                    continue  # a nested function's body is visited as its own function
                run: list[ast.stmt] = []
                for statement in [*body, None]:
                    if isinstance(statement, (ast.Import, ast.ImportFrom)):
                        run.append(statement)
                        continue
                    if run:
                        yield run
                    run = []


def _written(node: ast.Import | ast.ImportFrom) -> str:
    if isinstance(node, ast.Import):
        return ",".join(alias.name for alias in node.names)
    return "." * node.level + (node.module or "")


def uncommented_function_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module as written) of each function-level import with no comment on its line, on the line above it,
    or on a line of its run of adjacent imports."""
    source = path.read_text(encoding="utf-8")
    comments = _comment_lines(source)
    relative = path.relative_to(ROOT).as_posix()
    found = []
    for run in _function_import_groups(ast.parse(source)):
        lines = set(range(run[0].lineno - 1, run[-1].end_lineno + 1))
        if lines & comments:
            continue
        for node in run:
            rhil7_module = (
                isinstance(node, ast.ImportFrom)
                and (node.level > 0 or (node.module or "").startswith("rhil7"))
                or isinstance(node, ast.Import)
                and node.names[0].name.startswith("rhil7")
            )
            if relative == LAZY_COMMANDS and rhil7_module:
                continue
            found.append((node.lineno, _written(node)))
    return found


def test_no_import_cycle_among_rhil7_modules():
    assert cycles(import_graph(module_files())) == []


def test_no_cycle_hidden_by_an_import_inside_a_function():
    found = {tuple(cycle) for cycle in cycles(import_graph(module_files(), deferred=True))}
    assert found == set(KNOWN_DEFERRED_CYCLES)  # a known one broken by its owner leaves the list too


def test_every_function_level_import_says_why_it_is_deferred():
    offenders = {}
    for path in module_files().values():
        relative = path.relative_to(ROOT).as_posix()
        bare = [
            f"line {line}: {name}"
            for line, name in uncommented_function_imports(path)
            if (relative, name) not in ALLOWED_UNCOMMENTED
        ]
        if bare:
            offenders[relative] = bare
    assert offenders == {}, "import at the top, or say in a comment why the import is deferred"


def test_the_allowlist_names_only_imports_still_there():
    """An entry fixed by its owner goes: the allowlist never grows stale."""
    still = {
        (path.relative_to(ROOT).as_posix(), name)
        for path in module_files().values()
        for _, name in uncommented_function_imports(path)
    }
    assert set(ALLOWED_UNCOMMENTED) <= still


def test_cli_says_why_its_command_modules_are_imported_lazily():
    head = (ROOT / LAZY_COMMANDS).read_text(encoding="utf-8")[:3000]
    assert "imported lazily" in head and "importtime" in head


def test_a_cycle_is_found(tmp_path):
    graph = {"rhil7.a": {"rhil7.b"}, "rhil7.b": {"rhil7.c"}, "rhil7.c": {"rhil7.a"}, "rhil7.d": {"rhil7.a"}}
    assert cycles(graph) == [["rhil7.a", "rhil7.b", "rhil7.c"]]
    assert cycles({"rhil7.a": {"rhil7.b"}, "rhil7.b": set()}) == []


def test_relative_imports_resolve_as_the_interpreter_resolves_them(tmp_path):
    modules = {
        "rhil7.ingest": tmp_path / "ingest.py",
        "rhil7.study_sheet": tmp_path / "study_sheet.py",
        "rhil7.core": tmp_path / "core" / "__init__.py",
        "rhil7.core.problems": tmp_path / "core" / "problems.py",
        "rhil7.validators.run": tmp_path / "run.py",
    }
    (tmp_path / "core").mkdir()
    modules["rhil7.ingest"].write_text(
        "from .study_sheet import x\nfrom .core import problems\ndef f():\n    from .validators import run\n"
    )
    modules["rhil7.study_sheet"].write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from .ingest import y\nfrom rhil7.validators.run import z\n"
    )
    modules["rhil7.core"].write_text("from . import problems\n")
    modules["rhil7.core.problems"].write_text("from ..ingest import w\n")
    modules["rhil7.validators.run"].write_text("")
    graph = import_graph(modules)
    assert graph["rhil7.ingest"] == {"rhil7.study_sheet", "rhil7.core.problems"}  # not the one in a function
    assert graph["rhil7.study_sheet"] == {"rhil7.validators.run"}  # not the one under TYPE_CHECKING
    assert graph["rhil7.core"] == {"rhil7.core.problems"}
    assert cycles(graph) == [["rhil7.core.problems", "rhil7.ingest"]]
    assert import_graph(modules, deferred=True)["rhil7.ingest"] == {
        "rhil7.study_sheet",
        "rhil7.core.problems",
        "rhil7.validators.run",
    }
    modules["rhil7.validators.run"].write_text("def f():\n    from rhil7.study_sheet import x\n")
    assert cycles(import_graph(modules)) == [["rhil7.core.problems", "rhil7.ingest"]]
    assert sorted(cycles(import_graph(modules, deferred=True))) == [
        ["rhil7.core.problems", "rhil7.ingest"],
        ["rhil7.study_sheet", "rhil7.validators.run"],
    ]


def test_an_uncommented_function_level_import_is_found(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    path = tmp_path / "m.py"
    path.write_text(
        "import json\n\n\ndef f():\n    import csv\n    return csv\n\n\n"
        "def g():\n    # deferred: heavy\n    import pandas\n    import pyarrow\n    return pandas\n\n\n"
        "def h():\n    import scipy  # deferred: heavy\n    if True:\n        from .x import y\n"
    )
    assert uncommented_function_imports(path) == [(5, "csv"), (19, ".x")]
    monkeypatch.setattr(f"{__name__}.LAZY_COMMANDS", "m.py")  # as in cli.py: rhil7's own modules, lazily
    assert uncommented_function_imports(path) == [(5, "csv")]
