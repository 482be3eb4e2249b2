"""Names in a contributed descriptor are data: they never become SQL, a file written or a host contacted (issue 12.1).

The payloads are the attack review's: a field name that closes the column list and runs COPY, and one
that reads a URL. The SQL layer must be safe whatever the validator decides about the names, so the
builders are also called directly, past the validator.
"""

from __future__ import annotations

import ast
import csv
import dataclasses
import json
import os
import re
import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import copy_package, run_cli

from rhil7.build import build_database
from rhil7.core.database import SAFE_CONFIG, create_tables, quote_identifier, safe_connect
from rhil7.gate import read_package
from rhil7.loading import read_descriptor

FIELD = "funding"  # a studies column no view names: the views still build around the renamed column


def copy_payload(sentinel) -> str:
    return f"x\" VARCHAR); COPY (SELECT 'pwned') TO '{sentinel / 'pwned.csv'}'; --"


def url_payload() -> str:
    # 192.0.2.0/24 is TEST-NET-1: never routed, so a leak shows as an attempt, not as traffic
    return "x\" VARCHAR); CREATE TABLE leak AS SELECT * FROM read_csv('http://192.0.2.1/x.csv'); --"


def rename_field(package, table: str, old: str, new: str) -> None:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    resource = next(r for r in descriptor["resources"] if r["name"] == table)
    for f in resource["schema"]["fields"]:
        if f["name"] == old:
            f["name"] = new
    (package / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    path = package / resource["path"]
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[0] = [new if c == old else c for c in rows[0]]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


@pytest.fixture
def sentinel(tmp_path):
    folder = tmp_path / "sentinel"
    folder.mkdir()
    return folder


@pytest.fixture
def poisoned(tmp_path, sentinel):
    package = copy_package(tmp_path / "package")
    rename_field(package, "studies", FIELD, copy_payload(sentinel))
    return package


def past_the_gate(clean, poisoned):
    """What the gate would hand down if it passed ``poisoned`` (the field renamed in its descriptor and header):
    the clean copy's validated tables, the field renamed alike. The builders are run on it directly."""
    package = read_package(clean)
    assert package.valid
    descriptor = read_descriptor(poisoned)
    fields = {r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in descriptor["resources"]}
    tables = {name: frame.set_axis(fields[name], axis=1) for name, frame in package.tables.items()}
    return dataclasses.replace(package, root=poisoned, descriptor=descriptor, tables=tables)


def files_under(folder, besides=None) -> set[str]:
    """Every path under ``folder`` except ``besides`` and what it holds (the build's own output)."""
    return {str(p) for p in folder.rglob("*") if besides is None or not p.is_relative_to(besides)}


def test_quote_identifier_doubles_quotes_and_refuses_nul():
    assert quote_identifier("study_id") == '"study_id"'
    assert quote_identifier('a"b') == '"a""b"'
    assert quote_identifier('"; DROP TABLE x; --') == '"""; DROP TABLE x; --"'
    with pytest.raises(ValueError):
        quote_identifier("a\x00b")
    with pytest.raises(TypeError):
        quote_identifier(3)


def test_quoted_names_round_trip_through_duckdb():
    con = safe_connect()
    for name in ('a"b', 'x" VARCHAR); --', "mixed Case", "école", "select"):
        con.execute(f"CREATE TABLE t ({quote_identifier(name)} INTEGER)")
        assert [d[0] for d in con.execute("SELECT * FROM t").description] == [name]
        con.execute("DROP TABLE t")


def test_safe_connection_reaches_no_file_no_url_no_extension_and_stays_locked(tmp_path):
    con = safe_connect()
    for sql in (
        f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'",
        "SELECT * FROM read_csv('http://192.0.2.1/x.csv')",
        f"ATTACH '{tmp_path / 'other.duckdb'}'",
        "INSTALL httpfs",
    ):
        with pytest.raises(duckdb.Error):
            con.execute(sql)
    for setting in (
        "enable_external_access = true",
        "autoinstall_known_extensions = true",
        "autoload_known_extensions = true",
        "lock_configuration = false",
    ):
        with pytest.raises(duckdb.Error, match="locked"):
            con.execute(f"SET {setting}")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError):
        safe_connect(enable_external_access=True)


def test_a_connection_allowed_some_files_reads_those_and_nothing_else(tmp_path):
    """The validator's connection (safe_connect(allowed_paths=...)) reads the package's table files only."""
    allowed, other = tmp_path / "allowed.csv", tmp_path / "other.csv"
    allowed.write_text("a\n1\n", encoding="utf-8")
    other.write_text("a\n2\n", encoding="utf-8")
    con = safe_connect(allowed_paths=[allowed])
    assert con.execute(f"SELECT a FROM read_csv('{allowed}')").fetchall() == [(1,)]
    for sql in (
        f"SELECT * FROM read_csv('{other}')",
        f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'",
        f"COPY (SELECT 1) TO '{allowed}'",
        "SELECT * FROM read_csv('http://192.0.2.1/x.csv')",
        f"ATTACH '{tmp_path / 'other.duckdb'}'",
        "INSTALL httpfs",
    ):
        with pytest.raises(duckdb.Error):
            con.execute(sql)
    for setting in (
        "enable_external_access = true",
        f"allowed_paths = ['{other}']",
        f"allowed_directories = ['{tmp_path}']",
        "lock_configuration = false",
    ):
        with pytest.raises(duckdb.Error, match="locked"):
            con.execute(f"SET {setting}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["allowed.csv", "other.csv"]
    assert allowed.read_text(encoding="utf-8") == "a\n1\n"


def test_the_url_is_refused_before_any_attempt():
    """A permission error, raised before the HTTP extension is even looked for: no install, no lookup."""
    con = safe_connect()
    with pytest.raises(duckdb.PermissionException):
        con.execute("SELECT * FROM read_csv('http://192.0.2.1/x.csv')")
    assert all(
        setting in SAFE_CONFIG
        for setting in ("enable_external_access", "autoinstall_known_extensions", "autoload_known_extensions")
    )


@pytest.mark.parametrize("payload", ["copy", "url"])
def test_payload_field_names_become_columns_not_sql(tmp_path, sentinel, payload):
    clean, package = copy_package(tmp_path / "clean"), copy_package(tmp_path / "package")
    name = copy_payload(sentinel) if payload == "copy" else url_payload()
    rename_field(package, "studies", FIELD, name)
    handed = past_the_gate(clean, package)
    con = safe_connect()
    create_tables(con, handed.descriptor, handed.tables)
    columns = [d[0] for d in con.execute("SELECT * FROM raw.studies").description]
    assert name in columns and FIELD not in columns
    assert {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()} >= {"studies"}
    assert "leak" not in {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert list(sentinel.iterdir()) == []


def test_build_past_the_validator_writes_nothing_outside(poisoned, sentinel, tmp_path, monkeypatch):
    monkeypatch.chdir(sentinel)
    result = build_database(past_the_gate(copy_package(tmp_path / "clean"), poisoned))
    assert result.database.is_file()
    assert list(sentinel.iterdir()) == []


def _home(tmp_path) -> dict:
    """A fresh HOME: an extension installed or a DuckDB secret touched would show up under it."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return dict(os.environ, HOME=str(home))


def test_cli_build_and_diff_of_a_poisoned_directory_write_nothing(poisoned, sentinel, tmp_path):
    env = _home(tmp_path)
    clean = copy_package(tmp_path / "clean")
    before = files_under(tmp_path, poisoned / "build")
    for args in (["build", str(poisoned)], ["diff", str(clean), str(poisoned)], ["diff", str(poisoned), str(clean)]):
        done = run_cli(*args, cwd=sentinel, env=env)
        assert done.returncode in (0, 1), (args, done.stderr)
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr
        assert list(sentinel.iterdir()) == [], args
    after = files_under(tmp_path, poisoned / "build")
    assert after == before
    assert list((tmp_path / "home").iterdir()) == []


def test_cli_diff_of_poisoned_git_revisions_writes_nothing(tmp_path, sentinel):
    env = dict(
        _home(tmp_path),
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.org",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.org",
    )
    repo = copy_package(tmp_path / "repo")
    git = lambda *a: subprocess.run(["git", "-C", str(repo), *a], check=True, capture_output=True, env=env)
    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "clean")
    rename_field(repo, "studies", FIELD, copy_payload(sentinel))
    git("commit", "-q", "-a", "-m", "poisoned")
    for args in (["diff", "HEAD~1", "HEAD"], ["diff", "HEAD", "HEAD~1"]):
        done = run_cli(*args, cwd=repo, env=env)
        assert done.returncode in (0, 1), (args, done.stderr)
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr
        assert list(sentinel.iterdir()) == [], args
    assert not (repo / "pwned.csv").exists()


def test_every_connection_in_the_project_comes_from_safe_connect():
    """No call to duckdb.connect outside rhil7.core.database (examples shown to users inside strings do not count)."""
    root = Path(__file__).resolve().parents[1]
    offenders = []
    for folder in ("src", "validators", "analysis", "queries", "benchmarks"):
        for path in sorted((root / folder).rglob("*.py")):
            if path.name == "database.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "connect"
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "duckdb"
                ):
                    offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == [], "open DuckDB connections with rhil7.core.database.safe_connect"


def test_sql_quoting_is_written_once():
    """Identifiers and string literals enter SQL only through rhil7.core.database's quote_identifier and
    quote_literal (defined in rhil7.core.sql_quoting): no module doubles quotes for SQL by itself."""
    root = Path(__file__).resolve().parents[1]
    doubling = re.compile(r"""\.replace\(\s*(['"])(\\?['"])\1\s*,\s*(['"])\2\2\3\s*\)""")
    paths = [
        p
        for folder in ("src", "validators", "analysis", "benchmarks")
        for p in sorted((root / folder).rglob("*.py"))
        if p.name != "sql_quoting.py"
    ]
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in paths
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if doubling.search(line)
    ]
    assert offenders == []
    assert doubling.search("""text.replace("'", "''")""") and doubling.search("""name.replace('"', '""')""")
