"""rhil7 release (issue 7): a deterministic, checksummed archive that validates once unzipped."""
from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, copy_package, run_cli

from rhil7.release import ReleaseRefused, make_release, verify_archive

FRICTIONLESS = str(Path(sys.executable).with_name("frictionless"))
VERSION = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["version"]
TOP = f"rhil7-lymphopenia-{VERSION}"


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """Two consecutive releases of this repository through the CLI, into two fresh folders."""
    archives = []
    for name in ("first", "second"):
        out = tmp_path_factory.mktemp(name)
        result = run_cli("release", str(ROOT), "--out", str(out))
        assert result.returncode == 0, result.stderr
        archives.append(Path(result.stdout.strip()))
    return archives


@pytest.fixture(scope="module")
def unzipped(releases, tmp_path_factory):
    target = tmp_path_factory.mktemp("unzipped")
    with zipfile.ZipFile(releases[0]) as zf:
        zf.extractall(target)
    return target / TOP


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_two_releases_are_byte_identical(releases):
    first, second = releases
    assert first.name == f"{TOP}.zip" and second.name == first.name
    assert _sha256(first.read_bytes()) == _sha256(second.read_bytes())
    assert not list(first.parent.glob(".*.tmp")), "no temporary file may be left next to the archive"


def test_archive_entries_are_normalized(releases):
    with zipfile.ZipFile(releases[0]) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert all(n.startswith(f"{TOP}/") for n in names)
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert (info.external_attr >> 16) & 0o777 == 0o644
        assert info.compress_type == zipfile.ZIP_DEFLATED
    inside = {n.split("/", 1)[1] for n in names}
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    expected = {"datapackage.json", "README.md", "SHA256SUMS", "database/rhil7.duckdb", "report/report.md",
                "report/reproduction.json", "LICENSE", "CHANGELOG.md", "CITATION.cff", "docs/data-dictionary.md"}
    expected |= {r["path"] for r in descriptor["resources"]}
    expected |= {f"parquet/{r['name']}.parquet" for r in descriptor["resources"]}
    assert expected <= inside, expected - inside
    assert verify_archive(releases[0]) == []


def test_every_hash_and_size_matches(unzipped):
    descriptor = json.loads((unzipped / "datapackage.json").read_text(encoding="utf-8"))
    original = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in descriptor["resources"]] == [r["name"] for r in original["resources"]]
    for resource in descriptor["resources"]:
        data = (unzipped / resource["path"]).read_bytes()
        assert resource["bytes"] == len(data)
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", resource["hash"])
        assert resource["hash"] == f"sha256:{_sha256(data)}"
        assert data == (ROOT / resource["path"]).read_bytes(), "tables are shipped byte for byte"
        assert resource["path"].endswith(".csv"), "only CSV tables are resources; Parquet ships as plain files"
    sums = (unzipped / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = {}
    for line in sums:
        digest, path = line.split("  ", 1)
        listed[path] = digest
    files = {p.relative_to(unzipped).as_posix() for p in unzipped.rglob("*") if p.is_file()}
    assert set(listed) == files - {"SHA256SUMS"}
    for path, digest in listed.items():
        assert _sha256((unzipped / path).read_bytes()) == digest, path
    readme = (unzipped / "README.md").read_text(encoding="utf-8")
    for path in files - {"SHA256SUMS", "README.md"}:
        assert f"| `{path}` |" in readme, f"{path} is not listed in the archive README"


def test_unzipped_package_is_valid_for_rhil7_and_frictionless(unzipped):
    ours = run_cli("validate", str(unzipped))
    assert ours.returncode == 0, ours.stdout + ours.stderr
    official = subprocess.run([FRICTIONLESS, "validate", "datapackage.json"], cwd=unzipped, capture_output=True,
                              text=True, timeout=120)
    assert official.returncode == 0, official.stdout + official.stderr


def test_a_tampered_table_fails_its_hash(unzipped, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "datapackage.json").write_bytes((unzipped / "datapackage.json").read_bytes())
    (copy / "tables").mkdir()
    for path in (unzipped / "tables").iterdir():
        (copy / "tables" / path.name).write_bytes(path.read_bytes())
    sources = copy / "tables" / "sources.csv"
    sources.write_bytes(sources.read_bytes().replace(b"\n", b"\r\n", 1))  # same records, other bytes
    official = subprocess.run([FRICTIONLESS, "validate", "--json", "datapackage.json"], cwd=copy, capture_output=True,
                              text=True, timeout=120)
    assert official.returncode != 0
    types = {e["type"] for task in json.loads(official.stdout)["tasks"] for e in task["errors"]}
    assert {"hash-count", "byte-count"} <= types
    ours = run_cli("validate", str(copy), "--format", "json")
    assert ours.returncode == 1
    assert {"hash-count", "byte-count"} <= {p["code"] for p in json.loads(ours.stdout)["problems"]}


def test_database_and_parquet_hold_the_tables(unzipped):
    import duckdb

    descriptor = json.loads((unzipped / "datapackage.json").read_text(encoding="utf-8"))
    con = duckdb.connect(str(unzipped / "database" / "rhil7.duckdb"), read_only=True)
    try:
        for resource in descriptor["resources"]:
            with (unzipped / resource["path"]).open(encoding="utf-8", newline="") as fh:
                rows = len(list(csv.DictReader(fh)))
            assert con.execute(f"SELECT count(*) FROM raw.{resource['name']}").fetchone()[0] == rows
            parquet = unzipped / "parquet" / f"{resource['name']}.parquet"
            assert con.execute("SELECT count(*) FROM read_parquet(?)", [str(parquet)]).fetchone()[0] == rows
        assert con.execute("SELECT count(*) FROM pooled").fetchone()[0] >= 0
        assert con.execute("SELECT count(*) FROM coverage").fetchone()[0] > 0
    finally:
        con.close()
    report = json.loads((unzipped / "report" / "reproduction.json").read_text(encoding="utf-8"))
    assert report
    for svg in (unzipped / "report").rglob("*.svg"):
        text = svg.read_text(encoding="utf-8")
        assert "<dc:date>1980-01-01" in text or "<dc:date>" not in text


def test_invalid_package_is_refused(tmp_path):
    package = copy_package(tmp_path / "package")
    studies = package / "tables" / "studies.csv"
    studies.write_text(studies.read_text(encoding="utf-8").replace(",sepsis,", ",septicaemia,", 1), encoding="utf-8")
    out = tmp_path / "dist"
    with pytest.raises(ReleaseRefused, match="invalid"):
        make_release(package, out)
    result = run_cli("release", str(package), "--out", str(out))
    assert result.returncode == 1 and "invalid" in result.stderr
    assert not out.exists() or not list(out.iterdir())


def test_release_metadata_agree():
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert citation["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "version", "date-released", "license"):
        assert citation.get(key), key
    assert str(citation["version"]) == descriptor["version"] == project["version"]
    assert citation["license"] == "CC-BY-4.0" == descriptor["licenses"][0]["name"]
    assert all(a.get("name") or a.get("family-names") for a in citation["authors"])
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{descriptor['version']}] - {citation['date-released']}" in changelog
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_database_file_is_byte_reproducible(tmp_path):
    """DuckDB puts a random identifier in every new file; write_database replaces it with a content hash."""
    from rhil7.release import DUCKDB_HEADER_SIZE, _header_ok, duckdb_identifier_span, write_database

    first, second = tmp_path / "a" / "rhil7.duckdb", tmp_path / "b" / "rhil7.duckdb"
    counts = write_database(ROOT, first)
    assert counts == write_database(ROOT, second)
    assert first.read_bytes() == second.read_bytes()
    assert _header_ok(first.read_bytes()[:DUCKDB_HEADER_SIZE]), "the header checksum is recomputed"
    span = duckdb_identifier_span()
    assert span is None or span[1] - span[0] <= 64
