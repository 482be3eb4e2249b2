"""`rhil7 query` trusts the package's database only when this machine built it from these bytes (issue 23)."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from conftest import copy_package, run_cli

from rhil7.build import build_database
from rhil7.core.database import safe_connect
from rhil7.fingerprint import (
    StaleDatabase,
    build_key,
    package_fingerprint,
    require_fresh,
    state_dir,
    trusted_fingerprint,
)

SQL = "SELECT funding FROM studies WHERE study_id = 'daix2023'"


@pytest.fixture
def state(tmp_path, monkeypatch):
    """A state directory of this test's own (a fresh build key)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state"


def _forge(database, funding: str) -> None:
    """What a contributor can commit: the views answer what they like, meta.fingerprint set to the package's."""
    con = safe_connect(database)
    try:
        con.execute(f"CREATE OR REPLACE VIEW studies AS SELECT 'daix2023' AS study_id, '{funding}' AS funding")
    finally:
        con.close()


def test_a_database_built_here_is_trusted_and_one_edited_after_is_not(tmp_path, state):
    package = copy_package(tmp_path / "package")
    database = build_database(package).database
    assert (state / "rhil7" / "build-key").stat().st_mode & 0o777 == 0o600
    assert trusted_fingerprint(database) == package_fingerprint(package)
    require_fresh(database, package)
    con = safe_connect(database)
    try:  # the fingerprint set by hand (its seal cannot be made without the key)
        con.execute("UPDATE meta.fingerprint SET fingerprint = fingerprint || ' '")
    finally:
        con.close()
    assert trusted_fingerprint(database) is None
    with pytest.raises(StaleDatabase, match="not built on this machine"):
        require_fresh(database, package)


def test_a_database_built_with_another_key_is_not_trusted(tmp_path, state, monkeypatch):
    """A committed or downloaded build/: built elsewhere (another key), its fingerprint the package's."""
    package = copy_package(tmp_path / "package")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "elsewhere"))
    database = build_database(package).database
    _forge(database, "forged")
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    build_key(create=True)
    assert trusted_fingerprint(database) is None
    with pytest.raises(StaleDatabase, match="rhil7 build"):
        require_fresh(database, package)


def test_a_hand_made_fingerprint_without_a_seal_is_not_trusted(tmp_path, state):
    """The attack of the review: meta.fingerprint (the old one-column table) set to the package's fingerprint."""
    database = tmp_path / "forged.duckdb"
    package = copy_package(tmp_path / "package")
    con = safe_connect(database)
    try:
        con.execute("CREATE SCHEMA meta")
        con.execute("CREATE TABLE meta.fingerprint (fingerprint VARCHAR)")
        con.execute("INSERT INTO meta.fingerprint VALUES (?)", [json.dumps(package_fingerprint(package))])
    finally:
        con.close()
    build_key(create=True)
    assert trusted_fingerprint(database) is None


def test_a_view_posing_as_the_record_is_not_read(tmp_path, state):
    database = tmp_path / "forged.duckdb"
    con = safe_connect(database)
    try:
        con.execute("CREATE SCHEMA meta")
        con.execute("CREATE VIEW meta.fingerprint AS SELECT '{}' AS fingerprint, 'x' AS seal")
    finally:
        con.close()
    assert trusted_fingerprint(database) is None


def test_a_key_that_is_a_link_is_refused(tmp_path, state):
    from rhil7.fingerprint import NoBuildKey

    (state / "rhil7").mkdir(parents=True)
    (tmp_path / "elsewhere").write_bytes(b"k" * 32)
    os.symlink(tmp_path / "elsewhere", state / "rhil7" / "build-key")
    with pytest.raises(NoBuildKey):
        build_key(create=True)
    assert state_dir() == state / "rhil7"


@pytest.mark.cli
def test_query_refuses_a_committed_database(tmp_path, state):
    """`rhil7 query` in a checkout whose build/ came from elsewhere: exit 1, a sentence saying to rebuild; after
    `rhil7 build` here, the answer is the package's."""
    package = copy_package(tmp_path / "package")
    env = {k: v for k, v in os.environ.items() if k != "RHIL7_BUILD"} | {"XDG_STATE_HOME": str(tmp_path / "other")}
    assert run_cli("build", str(package), env=env).returncode == 0
    _forge(package / "build" / "rhil7.duckdb", "forged")
    env["XDG_STATE_HOME"] = str(state)
    refused = run_cli("query", SQL, "--format", "json", cwd=package, env=env)
    assert refused.returncode == 1 and "forged" not in refused.stdout
    assert "not built on this machine" in refused.stderr and "rhil7 build" in refused.stderr
    shutil.rmtree(package / "build")
    assert run_cli("build", str(package), env=env).returncode == 0
    answered = run_cli("query", SQL, "--format", "json", cwd=package, env=env)
    assert answered.returncode == 0 and json.loads(answered.stdout) == [{"funding": "Revimmune (sponsor)"}]
