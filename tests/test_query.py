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

from rhil7.query import CUT_MARKER, QueryError, QueryLimits, QueryResult, render_results, run_queries


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    package = copy_package(
        tmp_path_factory.mktemp("query") / "package", ROOT / "tables"
    )  # compared with the live tables
    built = run_cli("build", str(package))
    assert built.returncode == 0, built.stderr
    return package / "build" / "rhil7.duckdb"


def query(database: Path, *args: str) -> subprocess.CompletedProcess:
    return run_cli("query", "--database", str(database), *args)


@pytest.mark.parametrize(
    "sql, refusal",
    [
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
    ],
)
def test_only_read_queries_run(database, sql, refusal):
    before = database.read_bytes()
    result = query(database, sql)
    assert result.returncode == 1 and refusal in result.stderr, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert database.read_bytes() == before


@pytest.mark.parametrize(
    "sql",
    [
        "EXPLAIN SELECT * FROM studies",
        "EXPLAIN ANALYZE SELECT count(*) FROM coverage",
        "EXPLAIN (FORMAT json) SELECT 1",
        "FROM studies",
        "DESCRIBE studies",
    ],
)
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


@pytest.mark.parametrize(
    "view, table", [("open_questions", "open_questions"), ("study_provenance", "study_provenance")]
)
@pytest.mark.data
def test_every_table_has_a_view_through_rhil7_query_and_the_duckdb_cli(database, view, table):
    with (ROOT / "tables" / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    result = query(database, "--format", "json", f"select * from {view}")
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert len(got) == len(rows)
    assert set(rows[0]) <= set(got[0]) if rows else True
    shell = Path(sys.executable).with_name("duckdb")
    cli = subprocess.run(
        [str(shell), "-readonly", "-csv", str(database), "-c", f"select * from {view}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 0, cli.stderr
    assert len(list(csv.DictReader(io.StringIO(cli.stdout)))) == len(rows)


# --------------------------------------------------------------------------- bounds (issue 23) and formats (issue 25)

ENDLESS = "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r"


def test_a_result_past_the_row_cap_is_refused_and_the_cap_can_be_raised(database):
    with pytest.raises(QueryError, match=r"more than 10,000 rows, the cap; .*--max-rows N"):
        run_queries(database, "SELECT * FROM range(200000000)")
    assert len(run_queries(database, "SELECT * FROM range(15000)", QueryLimits(max_rows=15000))[0].rows) == 15000
    with pytest.raises(QueryError, match="more than 14,999 rows"):
        run_queries(database, "SELECT * FROM range(15000)", QueryLimits(max_rows=14999))


def test_an_endless_query_is_stopped_by_the_timeout(database):
    with pytest.raises(QueryError, match=r"ran longer than 0.5 s and was stopped; .*--timeout SECONDS"):
        run_queries(database, ENDLESS, QueryLimits(timeout=0.5))
    assert run_queries(database, "SELECT 42 AS answer", QueryLimits(timeout=0.5))[0].rows == [(42,)]


def test_a_query_past_the_memory_limit_is_stopped_without_spilling(database):
    before = sorted(p.name for p in database.parent.iterdir())
    with pytest.raises(QueryError, match=r"more memory than 64MB .*--memory-limit"):
        run_queries(database, "SELECT list(repeat('x', 1000)) FROM range(2000000)", QueryLimits(memory_limit="64MB"))
    assert sorted(p.name for p in database.parent.iterdir()) == before  # nothing spilled beside the database


@pytest.mark.cli
def test_the_bounds_end_the_command_with_exit_1_and_a_sentence(database):
    capped = query(database, "--format", "csv", "SELECT * FROM range(200000000)")
    assert capped.returncode == 1 and capped.stdout == "" and "Traceback" not in capped.stderr
    assert "more than 10,000 rows" in capped.stderr and "MemoryError" not in capped.stderr
    endless = query(database, "--timeout", "1", ENDLESS)
    assert endless.returncode == 1 and "ran longer than 1 s" in endless.stderr and "Traceback" not in endless.stderr
    raised = query(database, "--max-rows", "20000", "--format", "csv", "SELECT * FROM range(20000)")
    assert raised.returncode == 0 and len(raised.stdout.splitlines()) == 20001
    for option, value in (("--max-rows", "0"), ("--timeout", "-1"), ("--memory-limit", "lots")):
        refused = query(database, option, value, "SELECT 1")
        assert refused.returncode == 2 and option in refused.stderr, option


def test_line_format_prints_one_column_a_line_and_records_apart():
    rows = [("daix2023", 21, "x" * 100), ("francois2018", None, "short")]
    text = render_results([QueryResult("", ["study_id", "n", "snippet"], rows)], "line")
    assert text == (
        "study_id = daix2023\n       n = 21\n snippet = " + "x" * 100 + "\n\n"
        "study_id = francois2018\n       n =\n snippet = short\n\n(2 rows)\n"
    )


def test_line_format_escapes_for_the_terminal_and_takes_several_statements():
    text = render_results(
        [QueryResult("SELECT 1", ["a"], [("\x1b]0;title\x07\u202e",)]), QueryResult("SELECT 2", ["b"], [])], "line"
    )
    assert "\x1b" not in text and "\u202e" not in text and "a = \\x1b]0;title\\x07\\u202e" in text
    assert text.splitlines()[0] == "-- SELECT 1" and "-- SELECT 2" in text and text.endswith("(0 rows)\n")


def test_the_table_width_is_an_option_and_a_cut_is_said():
    result = [QueryResult("", ["long"], [("y" * 30 + "END",)])]
    cut = render_results(result, "table", 10)
    assert "yyyyyyy..." in cut and "END" not in cut and "cells longer than 10 characters are cut" in cut
    whole = render_results(result, "table", 0)
    assert "y" * 30 + "END" in whole and "cut" not in whole


def test_csv_cells_are_escaped_for_spreadsheets():
    text = render_results([QueryResult("", ["=label"], [('=HYPERLINK("http://x")', -1.5, "+1")])], "csv")
    assert list(csv.reader(io.StringIO(text))) == [["'=label"], ['\'=HYPERLINK("http://x")', "-1.5", "'+1"]]
