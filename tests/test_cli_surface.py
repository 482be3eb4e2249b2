"""What a new user meets first: --version, help on every argument, `rhil7 docs`, `rhil7.load(path)` from anywhere."""

from __future__ import annotations

import argparse
import json

from conftest import ROOT, copy_package, run_cli

import rhil7
from rhil7.cli import _parser


def test_version_is_the_package_version():
    done = run_cli("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"rhil7 {rhil7.__version__}"


def test_every_argument_of_every_command_has_help_and_the_epilog_gives_exit_codes():
    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) >= {
        "validate",
        "build",
        "query",
        "reproduce",
        "audit",
        "release",
        "diff",
        "quality",
        "docs",
    }
    for name, command in sub.choices.items():
        for action in command._actions:
            if not isinstance(action, argparse._HelpAction):
                assert action.help, f"rhil7 {name}: {'/'.join(action.option_strings) or action.dest} has no help"
    text = parser.format_help()
    for code in ("0 success", "1 the package is invalid", "2 usage error", "3 internal error"):
        assert code in text


def test_docs_writes_the_dictionary_and_check_reports_staleness(tmp_path):
    package = copy_package(tmp_path / "package")
    assert run_cli("docs", str(package), "--check").returncode == 1
    done = run_cli("docs", str(package))
    assert done.returncode == 0, done.stderr
    assert (package / "docs" / "data-dictionary.md").read_text(encoding="utf-8") == (
        ROOT / "docs" / "data-dictionary.md"
    ).read_text(encoding="utf-8")
    assert run_cli("docs", str(package), "--check").returncode == 0


def test_load_reads_the_named_package_from_any_directory(tmp_path, monkeypatch):
    """From inside another package, load(path) reads path's descriptor and tables, not the working directory's.
    (Its Table Schemas must be the project's: the gate judges rows by them, so only its metadata may differ.)"""
    import csv

    package = copy_package(tmp_path / "package")
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["title"] = "A package elsewhere (test fixture)"
    (package / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    with (package / "tables" / "sources.csv").open(encoding="utf-8", newline="") as fh:
        sources = sum(1 for _ in csv.DictReader(fh))
    monkeypatch.delenv("RHIL7_PACKAGE", raising=False)
    for where in (ROOT, tmp_path):  # inside another package; outside any package
        monkeypatch.chdir(where)
        loaded = rhil7.load(package)
        assert loaded.package_dir == package and loaded.descriptor == descriptor
        assert len(loaded.tables["sources"]) == sources > 0
        assert loaded.connection.execute("SELECT count(*) FROM raw.sources").fetchone()[0] == sources


def test_each_command_states_only_its_own_exit_codes():
    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        text = " ".join(command.format_help().split())
        assert "exit codes: 0 " in text and "3 internal error" in text, name
        assert ("the package is valid" in text) == (name == "validate"), name
    query = " ".join(sub.choices["query"].format_help().split())
    assert "the database is older than the tables" in query and "package is invalid" not in query
    assert "; 1 " not in " ".join(sub.choices["diff"].format_help().split()), "diff never exits 1"


def test_query_outside_a_package_says_what_it_takes(tmp_path, monkeypatch):
    monkeypatch.delenv("RHIL7_PACKAGE", raising=False)
    done = run_cli("query", "SELECT 1", cwd=tmp_path)
    assert done.returncode == 2
    assert "give --database FILE" in done.stderr and "pass a package directory" not in done.stderr


def test_a_missing_optional_dependency_names_its_extra(monkeypatch, capsys):
    """rhil7 quality on a plain install (no Great Expectations, no RE2): exit 2 naming the extra, never exit 3."""
    from rhil7 import cli

    def quality_without_its_extra(args):
        raise ModuleNotFoundError("No module named 're2'", name="re2")

    monkeypatch.setitem(cli.COMMANDS, "quality", quality_without_its_extra)
    assert cli.main(["quality"]) == 2
    assert "rhil7-lymphopenia[quality]" in capsys.readouterr().err

    def a_bug(args):
        raise ModuleNotFoundError("No module named 'nothing_we_use'", name="nothing_we_use")

    monkeypatch.setitem(cli.COMMANDS, "quality", a_bug)
    assert cli.main(["quality"]) == 3
    assert "internal error" in capsys.readouterr().err
