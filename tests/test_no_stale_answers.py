"""`rhil7 query` never answers from a database built from other files than the package holds (issue 13)."""

from __future__ import annotations

import json
import os

from conftest import copy_package, run_cli

from rhil7.build import build_database
from rhil7.fingerprint import changed_files, package_fingerprint, stored_fingerprint

SQL = "SELECT funding FROM studies WHERE study_id = 'daix2023'"
ENV = {k: v for k, v in os.environ.items() if k != "RHIL7_BUILD"}


def _edit_funding(package, new: str) -> None:
    path = package / "tables" / "studies.csv"
    text = path.read_text(encoding="utf-8")
    assert "Revimmune (sponsor)" in text
    path.write_text(text.replace("Revimmune (sponsor)", new), encoding="utf-8")


def _answer(package):
    return run_cli("query", SQL, "--format", "json", cwd=package, env=ENV)


def test_the_build_stores_what_it_was_built_from(tmp_path):
    package = copy_package(tmp_path / "package")
    database = build_database(package).database
    stored = stored_fingerprint(database)
    assert stored == package_fingerprint(package)
    assert set(stored) == {"datapackage.json"} | {f"tables/{p.name}" for p in (package / "tables").glob("*.csv")}
    _edit_funding(package, "someone else")
    assert changed_files(stored, package_fingerprint(package)) == ["tables/studies.csv"]


def test_query_after_editing_a_csv_refuses_then_answers_after_the_build(tmp_path):
    package = copy_package(tmp_path / "package")
    assert run_cli("build", str(package), env=ENV).returncode == 0
    assert json.loads(_answer(package).stdout) == [{"funding": "Revimmune (sponsor)"}]
    _edit_funding(package, "A new funder")
    stale = _answer(package)
    assert stale.returncode == 1 and stale.stdout == ""
    assert "tables/studies.csv" in stale.stderr and "rhil7 build" in stale.stderr
    assert run_cli("build", str(package), env=ENV).returncode == 0
    assert json.loads(_answer(package).stdout) == [{"funding": "A new funder"}]


def test_query_notices_a_changed_descriptor(tmp_path):
    package = copy_package(tmp_path / "package")
    assert run_cli("build", str(package), env=ENV).returncode == 0
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["description"] = descriptor.get("description", "") + " (edited)"
    (package / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    stale = _answer(package)
    assert stale.returncode == 1 and "datapackage.json" in stale.stderr


def test_reproduce_rebuilds_a_stale_database(tmp_path):
    package = copy_package(tmp_path / "package")
    assert run_cli("build", str(package), env=ENV).returncode == 0
    _edit_funding(package, "A new funder")
    assert run_cli("reproduce", str(package), "--no-plots", env=ENV).returncode == 0
    assert json.loads(_answer(package).stdout) == [{"funding": "A new funder"}]


def test_query_on_a_package_that_cannot_be_read_or_a_broken_database_says_so(tmp_path):
    package = copy_package(tmp_path / "package")
    assert run_cli("build", str(package), env=ENV).returncode == 0
    (package / "tables" / "arms.csv").unlink()
    done = _answer(package)
    assert done.returncode == 1 and "cannot be read" in done.stderr and "Traceback" not in done.stderr
    copy_package(tmp_path / "other")
    (tmp_path / "other" / "build").mkdir()
    (tmp_path / "other" / "build" / "rhil7.duckdb").write_text("not a database", encoding="utf-8")
    done = _answer(tmp_path / "other")
    assert done.returncode == 1 and "cannot open" in done.stderr and "internal error" not in done.stderr
