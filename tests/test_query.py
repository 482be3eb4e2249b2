"""rhil7 query: the allow-list judges the statement that runs (issue 12, item 10); long cells, several statements
and refusals read well (issue 16); every table has a view that works through rhil7 query and the DuckDB CLI."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, copy_package, run_cli

from rhil7.query import CUT_MARKER, QueryResult, render_results


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    package = copy_package(tmp_path_factory.mktemp("query") / "package", ROOT / "tables")  # compared with the live tables
    built = run_cli("build", str(package))
    assert built.returncode == 0, built.stderr
    return package / "build" / "rhil7.duckdb"


def query(database: Path, *args: str) -> subprocess.CompletedProcess:
    return run_cli("query", "--database", str(database), *args)


@pytest.mark.parametrize("sql, refusal", [
    ("EXPLAIN ANALYZE SET threads=1; SELECT 1", "refused an EXPLAIN of a SET statement"),
    ("EXPLAIN ANALYZE CREATE TEMP TABLE t AS SELECT 1", "refused an EXPLAIN of a CREATE statement"),
    ("EXPLAIN (FORMAT json) VACUUM", "refused an EXPLAIN of a VACUUM statement"),
    ("CALL pragma_version()", "refused a CALL statement"),
    ("VACUUM", "refused a VACUUM statement"),
    ("CREATE TEMP TABLE t AS SELECT 1", "refused a CREATE statement"),
    ("INSERT INTO raw.studies SELECT * FROM raw.studies", "refused an INSERT statement"),
    ("SELECT 1; UPDATE raw.studies SET year = 0", "refused an UPDATE statement"),
    ("SET threads = 1", "refused a SET statement"),
    ("PRAGMA version", "refused a PRAGMA statement"),
])
def test_only_read_queries_run(database, sql, refusal):
    before = database.read_bytes()
    result = query(database, sql)
    assert result.returncode == 1 and refusal in result.stderr, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert database.read_bytes() == before


@pytest.mark.parametrize("sql", ["EXPLAIN SELECT * FROM studies", "EXPLAIN ANALYZE SELECT count(*) FROM coverage",
                                 "EXPLAIN (FORMAT json) SELECT 1", "FROM studies", "DESCRIBE studies"])
def test_read_queries_and_their_explanations_run(database, sql):
    result = query(database, sql)
    assert result.returncode == 0, result.stderr


def test_several_statements_all_print_or_are_refused(database):
    both = query(database, "SELECT 1 AS first_answer; SELECT 2 AS second_answer")
    assert both.returncode == 0
    assert "first_answer" in both.stdout and "second_answer" in both.stdout
    assert both.stdout.count("(1 row)") == 2
    for fmt in ("csv", "json"):
        refused = query(database, "--format", fmt, "SELECT 1; SELECT 2")
        assert refused.returncode == 1 and "2 statements" in refused.stderr and refused.stdout == ""


def test_long_cells_are_cut_visibly_with_a_hint(database):
    sql = "SELECT repeat('x', 100) || 'END' AS long_text, 'short' AS short_text"
    table = query(database, sql)
    assert table.returncode == 0
    assert CUT_MARKER in table.stdout and "END" not in table.stdout.split("(1 row)")[0]
    assert "--format csv" in table.stdout and "short" in table.stdout
    whole = query(database, "--format", "csv", sql)
    assert list(csv.reader(io.StringIO(whole.stdout)))[1] == ["x" * 100 + "END", "short"]
    assert json.loads(query(database, "--format", "json", sql).stdout)[0]["long_text"].endswith("END")


def test_short_cells_are_shown_whole_without_a_hint():
    text = render_results([QueryResult("", ["a"], [("x" * 60,)])], "table")
    assert "x" * 60 in text and CUT_MARKER not in text and "--format" not in text


@pytest.mark.parametrize("view, table", [("open_questions", "open_questions"),
                                         ("study_provenance", "study_provenance")])
def test_every_table_has_a_view_through_rhil7_query_and_the_duckdb_cli(database, view, table):
    with (ROOT / "tables" / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    result = query(database, "--format", "json", f"select * from {view}")
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert len(got) == len(rows)
    assert set(rows[0]) <= set(got[0]) if rows else True
    shell = Path(sys.executable).with_name("duckdb")
    cli = subprocess.run([str(shell), "-readonly", "-csv", str(database), "-c", f"select * from {view}"],
                         capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0, cli.stderr
    assert len(list(csv.DictReader(io.StringIO(cli.stdout)))) == len(rows)
