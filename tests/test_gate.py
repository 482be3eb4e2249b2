"""One gate (issue 23): a package is read once, validated once, and what was validated is what is built."""

from __future__ import annotations

import dataclasses
import inspect
import io
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import copy_package

from rhil7 import build, release, reproduce
from rhil7.build import BuildRefused, build_database
from rhil7.frames import read_table
from rhil7.gate import ValidatedPackage, read_package
from rhil7.release import ReleaseRefused, make_release
from rhil7.reproduce import ReproduceRefused
from rhil7.validators.run import validate_package

_OPENED: list[str] | None = None  # the paths opened while a test counts them


def _count_opens(event: str, args: tuple) -> None:
    if _OPENED is not None and event == "open" and isinstance(args[0], (str, bytes, Path)):
        _OPENED.append(str(Path(args[0] if not isinstance(args[0], bytes) else args[0].decode()).resolve()))


sys.addaudithook(_count_opens)  # (an audit hook cannot be removed: it records only while _OPENED is a list)


def _opens_of_tables(package: Path, action) -> dict[str, int]:
    """How many times ``action()`` opens each table file of ``package`` (Python's audit event ``open``)."""
    global _OPENED
    tables = sorted(str(p.resolve()) for p in (package / "tables").glob("*.csv"))
    _OPENED = []
    try:
        action()
        return {Path(t).name: _OPENED.count(t) for t in tables}
    finally:
        _OPENED = None


@pytest.mark.slow
def test_release_opens_each_table_only_as_often_as_validating_it(tmp_path):
    """`rhil7 release` reads each table when the gate validates it and never again (reproduce, build, the
    fingerprint, the zip's copy and its hash all use those bytes)."""
    package = copy_package(tmp_path / "package")
    validating = _opens_of_tables(package, lambda: validate_package(package))
    releasing = _opens_of_tables(package, lambda: make_release(package, tmp_path / "dist"))
    assert releasing == validating
    assert set(validating) == {p.name for p in (package / "tables").glob("*.csv")}
    assert all(1 <= count <= 2 for count in validating.values()), validating  # its first line, then its bytes


def test_no_command_has_a_road_around_the_validation():
    for function in (build.build_database, reproduce.reproduce, release.make_release):
        assert "validate" not in inspect.signature(function).parameters, function.__name__
    for module in (build, reproduce, release):
        assert "validate=False" not in inspect.getsource(module)


def test_an_invalid_package_handed_down_is_refused(tmp_path):
    package = copy_package(tmp_path / "package")
    studies = package / "tables" / "studies.csv"
    studies.write_bytes(studies.read_bytes().replace(b"daix2023", b"daix 2023", 1))
    validated = read_package(package)
    assert not validated.valid and validated.problems
    with pytest.raises(BuildRefused, match="rhil7 validate"):
        build_database(validated, tmp_path / "build")
    with pytest.raises(ReproduceRefused, match="rhil7 validate"):
        reproduce.reproduce(validated, out=tmp_path / "build")
    with pytest.raises(ReleaseRefused, match="rhil7 validate"):
        make_release(package, tmp_path / "dist")
    assert not (tmp_path / "build").exists() and not (tmp_path / "dist").exists()


def test_the_tables_handed_down_are_the_validated_bytes_typed_as_pandas_types_them(tmp_path):
    """The frames come from the validator's DuckDB typing; they equal pandas' typing of the bytes that were read
    (the loader the analysis was written against), and the fingerprint is of those bytes."""
    import hashlib

    package = copy_package(tmp_path / "package")
    validated = read_package(package)
    assert isinstance(validated, ValidatedPackage) and validated.valid
    for resource in validated.descriptor["resources"]:
        data = validated.files[resource["name"]]
        assert data == (package / resource["path"]).read_bytes()
        assert validated.fingerprint[resource["path"]] == hashlib.sha256(data).hexdigest()
        expected = read_table(io.BytesIO(data), resource).reset_index(drop=True)
        pd.testing.assert_frame_equal(validated.tables[resource["name"]], expected)


def test_a_build_uses_the_tables_handed_down(tmp_path):
    """What is built is what the gate handed down: a ValidatedPackage whose table differs from the file builds
    the table it holds (no command reads the file again)."""
    from rhil7.core.database import safe_connect

    package = copy_package(tmp_path / "package")
    validated = read_package(package)
    studies = validated.tables["studies"].copy()
    studies.loc[0, "funding"] = "as handed down"
    result = build_database(
        dataclasses.replace(validated, tables={**validated.tables, "studies": studies}), tmp_path / "build"
    )
    con = safe_connect(result.database, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM raw.studies WHERE funding = 'as handed down'").fetchone() == (1,)
    finally:
        con.close()


def test_a_table_changed_while_it_is_validated_is_refused(tmp_path, monkeypatch):
    """DuckDB reads the file by its path after the gate read its bytes: a change in between is refused, so the
    bytes kept and hashed are the bytes that were typed."""
    from rhil7.core.safe_reader import UnreadableInput
    from rhil7.validators import run

    package = copy_package(tmp_path / "package")
    original = run.read_table

    def changing(con, res, index, typing):
        if res.name == "studies":
            with (package / "tables" / "studies.csv").open("a", encoding="utf-8") as fh:
                fh.write("\n")
        return original(con, res, index, typing)

    monkeypatch.setattr(run, "read_table", changing)
    with pytest.raises(UnreadableInput, match="changed while it was being validated"):
        read_package(package)
