"""`rhil7 quality`: a Great Expectations report that stays offline and out of `rhil7 validate`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import pytest

from corpus import ARMS, ROOT, fixture_package, network_calls, run_cli, set_cell  # noqa: F401  (fixture)
from rhil7.validators.quality_report import write_quality_report

# Runs the CLI in a fresh interpreter whose sockets refuse and record any use (on stderr).
OFFLINE_CLI = """
import socket, sys
def refuse(*args, **kwargs):
    sys.stderr.write("NETWORK ATTEMPT %r\\n" % (args,))
    raise OSError("network access attempted")
socket.socket.connect = socket.socket.connect_ex = refuse
socket.create_connection = socket.getaddrinfo = refuse
from rhil7.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.data
def test_validate_does_not_import_great_expectations():
    code = (
        "import contextlib, io, sys\n"
        "import importlib.util\n"
        "assert importlib.util.find_spec('great_expectations') is not None, 'GX not installed'\n"
        "from rhil7.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main(['validate', {str(ROOT)!r}])\n"
        "print(code, sorted(m for m in sys.modules if m.split('.')[0] == 'great_expectations')[:3])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0 []"


def test_the_package_meets_every_expectation_offline(tmp_path, network_calls):
    report, path = write_quality_report(ROOT, tmp_path / "quality")
    assert network_calls == []
    assert os.environ["GX_ANALYTICS_ENABLED"] == "False"
    assert report.success and not report.skipped, report.text()
    kinds = {o.expectation for o in report.outcomes}
    assert {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "expect_compound_columns_to_be_unique",
    } <= kinds
    summary = json.loads(path.read_text(encoding="utf-8"))
    assert summary["success"] is True and len(summary["expectations"]) == len(report.outcomes)
    assert (tmp_path / "quality" / "gx_results.json").is_file()


def test_planted_faults_fail_their_expectations_at_their_rows(tmp_path, network_calls):
    package = fixture_package(tmp_path / "pkg")
    deaths = set_cell(package, "outcomes_dichotomous", dict(row_id=f"{ARMS['control']}_mortality"), "events", "7")
    alc = set_cell(package, "outcomes_continuous", dict(row_id=f"{ARMS['control']}_alc_week3"), "sd", "0")
    unit = set_cell(package, "outcomes_continuous", dict(row_id=f"{ARMS['intervention']}_alc_week3"), "unit", "G/L")
    report, _ = write_quality_report(package, tmp_path / "quality")
    assert network_calls == []
    failed = {
        (o.table, o.expectation, tuple(o.columns), tuple(o.unexpected_rows)) for o in report.outcomes if not o.success
    }
    assert failed == {
        ("outcomes_dichotomous", "expect_column_pair_values_a_to_be_greater_than_b", ("total", "events"), (deaths,)),
        ("outcomes_continuous", "expect_column_values_to_be_between", ("sd",), (alc,)),
        ("outcomes_continuous", "expect_column_values_to_be_in_set", ("unit",), (unit,)),
    }
    assert not report.success


@pytest.mark.data
def test_cli_quality_writes_the_report_and_opens_no_connection(tmp_path):
    out = tmp_path / "quality"
    cli = [sys.executable, "-c", OFFLINE_CLI, "quality", str(ROOT), "--out", str(out)]
    result = subprocess.run(cli, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert "NETWORK ATTEMPT" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("PASSED:")
    assert json.loads((out / "quality.json").read_text(encoding="utf-8"))["success"] is True


def test_cli_quality_exits_1_on_failed_expectations(tmp_path):
    package = fixture_package(tmp_path / "pkg")
    set_cell(package, "outcomes_dichotomous", dict(row_id=f"{ARMS['control']}_mortality"), "events", "7")
    result = run_cli("quality", str(package), "--out", str(tmp_path / "quality"))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stdout.startswith("FAILED:") and "outcomes_dichotomous" in result.stdout


def test_a_contributed_pattern_with_a_lookahead_never_runs_and_the_report_ends(tmp_path, network_calls):
    """The review's attack: a pattern that sends Python's re into endless backtracking. The gate judges rows by
    the project's schema (the changed pattern is its problem), and quality runs patterns only under RE2."""
    from corpus import edit_descriptor, resource

    package = fixture_package(tmp_path / "pkg")
    edit_descriptor(
        package,
        lambda d: next(f for f in resource(d, "studies")["schema"]["fields"] if f["name"] == "study_id")[
            "constraints"
        ].update(pattern="(?=(a+)+$)x"),
    )
    report, _ = write_quality_report(package, tmp_path / "quality")
    assert report.success, report.text()  # (the rows meet the project's schema)


def test_patterns_run_under_re2_and_one_it_cannot_compile_is_refused_by_name():
    import pandas as pd

    from rhil7.validators.quality_report import pattern_outcomes

    frame = pd.DataFrame({"id": ["ab", "a" * 40 + "!", None], "code": ["x", "y", "z"]}, index=[2, 3, 4])
    resource = {
        "schema": {
            "fields": [
                {"name": "id", "constraints": {"pattern": "(a+)+b?"}},
                {"name": "code", "constraints": {"pattern": "(?=x)x"}},
            ]
        }
    }
    outcomes, refused = pattern_outcomes("t", resource, frame)
    assert [(o.columns, o.success, o.unexpected_rows) for o in outcomes] == [(["id"], False, [3])]
    assert list(refused) == ["t.code"] and refused["t.code"].startswith("bad-pattern")


def test_a_contributed_bound_that_is_no_number_is_a_problem_not_a_crash(tmp_path):
    from corpus import edit_descriptor, resource

    package = fixture_package(tmp_path / "pkg")
    edit_descriptor(
        package,
        lambda d: next(f for f in resource(d, "studies")["schema"]["fields"] if f["name"] == "year")[
            "constraints"
        ].update(minimum="abc"),
    )
    result = run_cli("quality", str(package), "--out", str(tmp_path / "quality"))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "studies: not checked (bad-constraint)" in result.stdout
