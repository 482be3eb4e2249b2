"""Tables and rules run two or more at once: the report may not depend on which finished first."""

from __future__ import annotations

import threading
import time

import duckdb
import pytest
from corpus import fixture_package
from test_planted_faults import plant_faults

from rhil7.core.database import safe_connect
from rhil7.validators import run
from rhil7.validators.run import validate_package
from rhil7.validators.typed_tables import in_parallel


@pytest.fixture
def con():
    connection = safe_connect()
    yield connection
    connection.close()


def test_the_results_come_in_the_order_of_the_jobs(con):
    def job(delay: float, value: int):
        def query(cursor):
            time.sleep(delay)  # the first job finishes last
            return cursor.execute(f"SELECT {value}").fetchone()[0]

        return query

    assert in_parallel(con, [job(0.3, 1), job(0.0, 2), job(0.1, 3)]) == [1, 2, 3]


def test_jobs_run_at_once_each_with_a_cursor_of_its_own(con):
    both = threading.Barrier(2, timeout=10)  # only passes when two jobs run at the same time

    def job(cursor):
        both.wait()
        return cursor

    first, second = in_parallel(con, [job, job])
    assert first is not second and con not in (first, second)
    with pytest.raises(duckdb.Error):  # the cursors are closed when their job ends
        first.execute("SELECT 1")


def test_a_failing_job_fails_the_whole_call(con):
    with pytest.raises(ZeroDivisionError):
        in_parallel(con, [lambda cursor: 1, lambda cursor: 1 / 0])


def test_the_report_is_the_same_when_everything_runs_one_after_another(tmp_path, monkeypatch):
    package = fixture_package(tmp_path)
    planted = plant_faults(package)
    at_once = validate_package(package)
    monkeypatch.setattr(run, "in_parallel", lambda con, jobs: [job(con) for job in jobs])
    one_by_one = validate_package(package)
    assert at_once == one_by_one
    assert planted <= {(p.code, p.file, p.row, p.field) for p in at_once}
