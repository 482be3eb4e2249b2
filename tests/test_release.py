"""rhil7 release: a deterministic, checksummed archive that validates once unzipped and that someone with only
the zip can use (issues 7, 12, 15, 16)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import duckdb
import pytest
import yaml
from conftest import ROOT, copy_package, run_cli

from rhil7.release import ReleaseRefused, check_member_name, make_release, package_file, verify_archive
from rhil7.release_record import VersionReused, bumped, check_version, content_entry, content_hash, differences

FRICTIONLESS = str(Path(sys.executable).with_name("frictionless"))
VERSION = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["version"]
TOP = f"rhil7-lymphopenia-{VERSION}"
DOCUMENTS = ("LICENSE", "CHANGELOG.md", "CITATION.cff", "docs/data-dictionary.md")


def release_copy(target: Path) -> Path:
    """The repository's package and documents, without releases.json: a data pull request that did not bump
    the version must still pass this suite (releasing it from the repository would rightly be refused)."""
    copy_package(target, ROOT / "tables")  # the live tables: the release is compared with them below
    for name in DOCUMENTS:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    return target


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """Two consecutive releases of a copy of this repository through the CLI, into two fresh folders."""
    package = release_copy(tmp_path_factory.mktemp("package") / "package")
    archives = []
    for name in ("first", "second"):
        out = tmp_path_factory.mktemp(name)
        result = run_cli("release", str(package), "--out", str(out))
        assert result.returncode == 0, result.stderr
        archives.append(Path(result.stdout.strip()))
    record = json.loads((package / "releases.json").read_text(encoding="utf-8"))
    assert [r["version"] for r in record["releases"]] == [VERSION], "the first release records the version, once"
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
    expected = {
        "datapackage.json",
        "README.md",
        "SHA256SUMS",
        "create_database.sql",
        "report/report.md",
        "report/reproduction.json",
        "report/coverage.png",
        "report/coverage.svg",
        *DOCUMENTS,
    }
    expected |= {r["path"] for r in descriptor["resources"]}
    expected |= {f"parquet/{r['name']}.parquet" for r in descriptor["resources"]}
    assert expected <= inside, expected - inside
    assert not any(n.endswith(".duckdb") for n in inside), "no DuckDB file: it is not byte-reproducible"
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
    for path in files - {"SHA256SUMS"}:
        assert f"| `{path}` |" in readme, f"{path} is not listed in the archive README"


def test_unzipped_package_is_valid_for_rhil7_and_frictionless(unzipped):
    ours = run_cli("validate", str(unzipped))
    assert ours.returncode == 0, ours.stdout + ours.stderr
    official = subprocess.run(
        [FRICTIONLESS, "validate", "datapackage.json"], cwd=unzipped, capture_output=True, text=True, timeout=120
    )
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
    official = subprocess.run(
        [FRICTIONLESS, "validate", "--json", "datapackage.json"], cwd=copy, capture_output=True, text=True, timeout=120
    )
    assert official.returncode != 0
    types = {e["type"] for task in json.loads(official.stdout)["tasks"] for e in task["errors"]}
    assert {"hash-count", "byte-count"} <= types
    ours = run_cli("validate", str(copy), "--format", "json")
    assert ours.returncode == 1
    assert {"hash-count", "byte-count"} <= {p["code"] for p in json.loads(ours.stdout)["problems"]}


def _rows(con, table):
    return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()


def _close(rows):
    """Rows with floats compared to 1e-12 relative: DuckDB's parallel sums may differ in the last bit."""
    return [
        tuple(pytest.approx(v, rel=1e-12, abs=1e-15, nan_ok=True) if isinstance(v, float) else v for v in row)
        for row in rows
    ]


def test_create_database_sql_rebuilds_what_rhil7_build_builds(unzipped, tmp_path, monkeypatch):
    """create_database.sql, run from the unzipped folder, gives the tables of `rhil7 build`, and every view."""
    from rhil7.build import build_database
    from rhil7.core.database import VIEW_ORDER

    built = duckdb.connect(str(build_database(ROOT, tmp_path / "build").database), read_only=True)
    monkeypatch.chdir(unzipped)
    created = duckdb.connect()
    created.execute((unzipped / "create_database.sql").read_text(encoding="utf-8"))
    descriptor = json.loads((unzipped / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        table = f'raw."{resource["name"]}"'
        assert created.execute(f"DESCRIBE {table}").fetchall() == built.execute(f"DESCRIBE {table}").fetchall()
        assert _rows(created, table) == _rows(built, table), resource["name"]
        parquet = (unzipped / "parquet" / f"{resource['name']}.parquet").as_posix()
        assert _rows(created, f"read_parquet('{parquet}')") == _rows(created, table)
    for view in VIEW_ORDER:
        assert _rows(created, view) == _close(_rows(built, view)), view
    built.close()
    report = json.loads((unzipped / "report" / "reproduction.json").read_text(encoding="utf-8"))
    assert len(report) == len(_rows(created, "published"))
    for svg in (unzipped / "report").rglob("*.svg"):
        text = svg.read_text(encoding="utf-8")
        assert "<dc:date>1980-01-01" in text or "<dc:date>" not in text


def test_coverage_figure_in_the_release_shows_coverage_csv(unzipped):
    from test_coverage_figure import cells_in_svg

    with (unzipped / "tables" / "coverage.csv").open(encoding="utf-8", newline="") as fh:
        expected = {(r["study_id"], r["outcome"], r["timepoint"]): r["status"] for r in csv.DictReader(fh)}
    assert cells_in_svg(unzipped / "report" / "coverage.svg") == expected
    assert (unzipped / "report" / "coverage.png").read_bytes().startswith(b"\x89PNG")
    assert "](coverage.png)" in (unzipped / "report" / "report.md").read_text(encoding="utf-8")
    assert "report/coverage.png" in (unzipped / "README.md").read_text(encoding="utf-8")


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
    from rhil7 import __version__
    from rhil7.release_record import read_record
    from rhil7.release_versions import version_problems

    assert __version__ == descriptor["version"]
    assert version_problems(ROOT, descriptor["version"], read_record(ROOT)) == []


# --------------------------------------------------------------------------- the README of the release, as written

RECIPE = re.compile(r"<!-- recipe: ([a-z0-9-]+) -->\n```([a-z]+)\n(.*?)\n```", re.S)


@pytest.fixture(scope="module")
def from_the_zip(releases, tmp_path_factory):
    """An empty folder holding only the zip, unzipped there as a downloader would."""
    folder = tmp_path_factory.mktemp("downloads")
    zipped = folder / releases[0].name
    shutil.copy2(releases[0], zipped)
    subprocess.run([sys.executable, "-m", "zipfile", "-e", zipped.name, "."], cwd=folder, check=True, timeout=60)
    assert sorted(p.name for p in folder.iterdir()) == sorted([zipped.name, TOP])
    top = folder / TOP
    recipes = {
        name: (language, code)
        for name, language, code in RECIPE.findall((top / "README.md").read_text(encoding="utf-8"))
    }
    return top, recipes


def _run(command: list[str], cwd: Path, env: dict | None = None) -> str:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=180, env=env)
    assert result.returncode == 0, f"{command[0]} failed:\n{result.stdout}\n{result.stderr}"
    assert result.stdout.strip(), f"{command[0]} printed nothing"
    return result.stdout


def test_readme_has_a_recipe_per_tool(from_the_zip):
    top, recipes = from_the_zip
    assert set(recipes) == {"pandas", "base-r", "r-frictionless", "duckdb-cli", "duckdb-python"}
    readme = (top / "README.md").read_text(encoding="utf-8")
    for words in (
        "spreadsheet",
        "sha256sum -c SHA256SUMS",
        "CITATION.cff",
        "CC-BY-4.0",
        "https://creativecommons.org/licenses/by/4.0/",
        f"Version {VERSION}",
        "open_questions.csv",
    ):
        assert words in readme, words
    assert "pip install the project" not in readme and "rhil7 validate" not in readme, "the zip holds no project code"
    citation = yaml.safe_load((top / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(citation["version"]) in readme and " ".join(citation["title"].split()) in readme


@pytest.mark.parametrize("name", ["pandas", "duckdb-python"])
def test_python_recipes_run_from_the_zip(name, from_the_zip):
    top, recipes = from_the_zip
    language, code = recipes[name]
    assert language == "python"
    _run([sys.executable, "-c", code], top)


def test_duckdb_cli_recipe_runs_from_the_zip(from_the_zip):
    top, recipes = from_the_zip
    language, code = recipes["duckdb-cli"]
    assert language == "sh"
    shell = Path(sys.executable).with_name("duckdb")
    assert shell.exists(), "duckdb-cli is a dependency of the project"
    env = {**os.environ, "PATH": f"{shell.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    out = _run(["sh", "-e", "-c", code], top, env)
    assert "fourth_trial" in out or "question_id" in out
    (top / "rhil7.duckdb").unlink()


@pytest.mark.parametrize("name", ["base-r", "r-frictionless"])
def test_r_recipes_run_from_the_zip(name, from_the_zip):
    """base R runs whole; the frictionless recipe needs the CRAN package frictionless, which neither Debian nor this
    project's registries carry, so R parses it (a syntax or quoting slip fails) instead of running it."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("Rscript is not installed (apt-get install r-base-core; .ci/run installs it)")
    top, recipes = from_the_zip
    language, code = recipes[name]
    assert language == "r"
    if name == "r-frictionless":
        _run([rscript, "-e", "cat(length(parse(text = commandArgs(trailingOnly = TRUE)[1])))", "--args", code], top)
        return
    _run([rscript, "-e", code], top)


# --------------------------------------------------------------------------- only regular files inside the package


def test_member_names_are_plain_forward_slash_relative_paths():
    assert check_member_name("tables/studies.csv") == ["tables", "studies.csv"]
    for bad in (
        "..\\..\\evil.csv",
        "tables\\studies.csv",
        "/etc/passwd",
        "C:/x.csv",
        "tables/../x.csv",
        "./x.csv",
        "tables//x.csv",
        "",
        "x\x00.csv",
        "x\n.csv",
        None,
    ):
        with pytest.raises(ReleaseRefused):
            check_member_name(bad)


def test_symlinks_are_never_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("secret", encoding="utf-8")
    package = tmp_path / "package"
    (package / "docs").mkdir(parents=True)
    (package / "LICENSE").symlink_to(outside / "secret.md")
    (package / "docs" / "real.md").write_text("real", encoding="utf-8")
    (package / "linked").symlink_to(outside, target_is_directory=True)
    assert package_file(package, "docs/real.md") == b"real"
    assert package_file(package, "missing.md") is None
    for name in ("LICENSE", "linked/secret.md"):
        with pytest.raises(ReleaseRefused, match="symbolic link"):
            package_file(package, name)
    with pytest.raises(ReleaseRefused, match="not a regular file"):
        package_file(package, "docs")


@pytest.mark.parametrize("name", ["LICENSE", "CHANGELOG.md"])
def test_release_refuses_a_symlinked_document(name, tmp_path):
    package = release_copy(tmp_path / "package")
    sentinel = tmp_path / "sentinel"
    sentinel.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (package / name).unlink()
    (package / name).symlink_to(sentinel)
    out = tmp_path / "dist"
    result = run_cli("release", str(package), "--out", str(out))
    assert result.returncode == 1 and f"{name} is a symbolic link" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() or not list(out.iterdir())
    assert not (package / "releases.json").exists()


def test_release_refuses_a_backslash_resource_path(tmp_path):
    package = release_copy(tmp_path / "package")
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    resource = next(r for r in descriptor["resources"] if r["name"] == "open_questions")
    resource["path"] = "tables\\open_questions.csv"
    shutil.copy2(package / "tables" / "open_questions.csv", package / "tables\\open_questions.csv")
    (package / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    out = tmp_path / "dist"
    result = run_cli("release", str(package), "--out", str(out))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "backslash" in result.stderr or "invalid" in result.stderr, result.stderr
    assert not out.exists() or not list(out.iterdir())


# --------------------------------------------------------------------------- versions mean something


def _entry(package: Path) -> dict:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    return content_entry(descriptor, {r["name"]: (package / r["path"]).read_bytes() for r in descriptor["resources"]})


def test_a_version_is_recorded_once_and_its_data_cannot_change(tmp_path):
    copy = release_copy(tmp_path / "package")
    recorded = {**_entry(copy), "date": "2026-01-01"}
    (copy / "releases.json").write_text(json.dumps({"releases": [recorded]}), encoding="utf-8")
    sources = copy / "tables" / "sources.csv"
    sources.write_text(
        sources.read_text(encoding="utf-8").replace("Abstract only", "Abstract only, corrected", 1), encoding="utf-8"
    )
    before = (copy / "releases.json").read_bytes()
    out = tmp_path / "dist"
    result = run_cli("release", str(copy), "--out", str(out))
    assert result.returncode == 1, result.stderr
    assert f"version {VERSION} was released on 2026-01-01 with other data" in result.stderr
    assert "tables/sources.csv: values corrected in place" in result.stderr and "a PATCH change" in result.stderr
    assert f"set version {bumped(VERSION, 'patch')} in" in result.stderr
    assert not out.exists() or not list(out.iterdir())
    assert (copy / "releases.json").read_bytes() == before


def _changed(entry: dict, change) -> dict:
    copy = json.loads(json.dumps(entry))
    change(copy)
    return copy


def _field(shape: dict, name: str) -> dict:
    return next(f for f in shape["fields"] if f["name"] == name)


def _reschema(entry: dict, table: str, change) -> None:
    """Change a table's schema shape as a new descriptor would (its hash changes with it)."""
    change(entry["resources"][table]["shape"])
    entry["resources"][table]["schema"] = (
        "sha256:" + hashlib.sha256(json.dumps(entry["resources"][table]["shape"], sort_keys=True).encode()).hexdigest()
    )


def test_the_part_to_bump_follows_the_frictionless_pattern(tmp_path):
    old = _entry(release_copy(tmp_path / "package"))
    assert check_version([old], _changed(old, lambda e: None)) is True
    assert check_version([], old) is False

    def data(rows):
        return lambda e: e["resources"]["arms"].update(data="sha256:other", rows=e["resources"]["arms"]["rows"] + rows)

    outcome = ("outcomes_dichotomous", "outcome")
    cases = {
        "patch": [data(0), data(-1), lambda e: e["resources"]["arms"].update(schema="sha256:descriptions only")],
        "minor": [
            data(+2),
            lambda e: e["resources"].update(new_table=dict(e["resources"]["arms"], path="tables/new.csv")),
            lambda e: _reschema(e, outcome[0], lambda s: s["fields"].append({"name": "extra", "type": "string"})),
            lambda e: _reschema(e, outcome[0], lambda s: _field(s, outcome[1])["constraints"]["enum"].append("new")),
        ],
        "major": [
            lambda e: e["resources"].pop("coverage"),
            lambda e: _reschema(e, "arms", lambda s: s["fields"].pop()),
            lambda e: _reschema(e, outcome[0], lambda s: _field(s, outcome[1])["constraints"]["enum"].pop()),
            lambda e: _reschema(e, "arms", lambda s: _field(s, "n_randomized").update(type="number")),
            lambda e: _reschema(
                e, "arms", lambda s: _field(s, "label").setdefault("constraints", {}).update(maxLength=3)
            ),
        ],
    }
    for part, changes in cases.items():
        for i, change in enumerate(changes):
            found = differences(old, _changed(old, change))
            assert found and max((p for p, _ in found), key=["patch", "minor", "major"].index) == part, (part, i, found)


def test_the_bump_is_said_once_with_the_next_version():
    """Added data and an enum value since the recorded 0.1.0: MINOR, said once, and 0.2.0 to set everywhere."""
    record = json.loads((ROOT / "releases.json").read_text(encoding="utf-8"))["releases"]
    first = next(r for r in record if r["version"] == "0.1.0")

    def grown(e):
        e["resources"]["sources"].update(data="sha256:more", rows=e["resources"]["sources"]["rows"] + 1)
        _reschema(e, "outcomes_dichotomous", lambda s: _field(s, "outcome")["constraints"]["enum"].append("x"))

    current = _changed({k: v for k, v in first.items() if k != "date"}, grown)
    with pytest.raises(VersionReused) as refused:
        check_version([first], current)
    message = str(refused.value)
    assert "MINOR change" in message and "set version 0.2.0" in message
    assert "MAJOR change" not in message and "PATCH change" not in message
    assert "enum value(s) x added" in message and "tables/sources.csv: 1 row(s) added" in message
    for name in ("datapackage.json", "CITATION.cff", "pyproject.toml", "CHANGELOG.md"):
        assert message.count(name) == 1, name
    too_small = dict(current, version="0.1.1")
    with pytest.raises(VersionReused, match="0.1.1 is not a large enough step.*set version 0.2.0"):
        check_version([first], too_small)
    assert check_version([first], dict(current, version="0.2.0")) is False


def test_the_repository_record_is_well_formed():
    """releases.json lists each version once with a hash per table (the data may have moved on since)."""
    record = json.loads((ROOT / "releases.json").read_text(encoding="utf-8"))
    versions = [r["version"] for r in record["releases"]]
    assert len(versions) == len(set(versions)) and versions
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    for release in record["releases"]:
        assert f"## [{release['version']}] - {release['date']}" in changelog
        for resource in release["resources"].values():
            assert re.fullmatch(r"sha256:[0-9a-f]{64}", resource["data"])


def test_create_database_sql_holds_the_views_of_the_package_it_releases(tmp_path):
    """The build of a checkout uses its own queries/ (an edit needs no reinstall); the release's SQL must too."""
    from rhil7.core.database import view_sql
    from rhil7.release import database_sql

    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    (tmp_path / "queries").mkdir()
    edited = view_sql("studies").replace(
        "CREATE OR REPLACE VIEW", "-- edited in this package\nCREATE OR REPLACE VIEW", 1
    )
    (tmp_path / "queries" / "studies.sql").write_text(edited, encoding="utf-8")
    assert "-- edited in this package" in database_sql(descriptor, tmp_path)
    assert "-- edited in this package" not in database_sql(descriptor)


# --------------------------------------------------------------------------- every file names the same version


def _versioned(folder: Path, version="0.2.0", released="2026-12-07") -> Path:
    """A package's version-bearing files, all agreeing on ``version`` released on ``released``."""
    (folder / "src" / "rhil7").mkdir(parents=True)
    (folder / "CITATION.cff").write_text(
        f"cff-version: 1.2.0\ntitle: T\nversion: {version}\ndate-released: {released}\n", encoding="utf-8"
    )
    (folder / "pyproject.toml").write_text(f'[project]\nname = "rhil7"\nversion = "{version}"\n', encoding="utf-8")
    (folder / "src" / "rhil7" / "__init__.py").write_text(
        f'"""rhil7."""\n__version__ = "{version}"\n', encoding="utf-8"
    )
    (folder / "CHANGELOG.md").write_text(
        f"# Changelog\n\n## [Unreleased]\n\n## [{version}] - {released}\n\n## [0.1.0] - 2026-11-27\n", encoding="utf-8"
    )
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


RECORDED = [{"version": "0.1.0", "date": "2026-11-27"}]
INCONSISTENT = {  # the five (and __version__): one file left behind each time
    "CITATION.cff version": ("CITATION.cff", "version: 0.2.0", "version: 0.1.0"),
    "CITATION.cff date-released": ("CITATION.cff", "date-released: 2026-12-07", "date-released: 2026-11-27"),
    "pyproject.toml": ("pyproject.toml", 'version = "0.2.0"', 'version = "0.1.0"'),
    "CHANGELOG heading": ("CHANGELOG.md", "## [0.2.0] - 2026-12-07\n", ""),
    "__version__": ("src/rhil7/__init__.py", '"0.2.0"', '"0.1.0"'),
}


def test_agreeing_files_pass(tmp_path):
    from rhil7.release_versions import release_date, version_problems

    folder = _versioned(tmp_path)
    assert version_problems(folder, "0.2.0", RECORDED) == []
    assert release_date(folder, "0.2.0", RECORDED).isoformat() == "2026-12-07"
    assert version_problems(tmp_path / "elsewhere", "0.2.0", RECORDED) == [], "absent files are not checked"


@pytest.mark.parametrize("case", sorted(INCONSISTENT))
def test_each_inconsistent_file_is_named_once(case, tmp_path):
    from rhil7.release_versions import version_problems

    name, old, new = INCONSISTENT[case]
    folder = _versioned(tmp_path)
    _edit(folder / name, old, new)
    problems = version_problems(folder, "0.2.0", RECORDED)
    assert len(problems) == 1 and problems[0].startswith(f"{name}:"), problems


def test_a_stale_date_on_every_file_is_before_the_latest_release(tmp_path):
    from rhil7.release_versions import version_problems

    folder = _versioned(tmp_path, released="2026-11-20")
    assert version_problems(folder, "0.2.0", RECORDED) == [
        "CHANGELOG.md: 0.2.0 is dated 2026-11-20, before the latest release (2026-11-27); a new version needs "
        "its own date."
    ]
    assert version_problems(folder, "0.2.0", [*RECORDED, {"version": "0.2.0", "date": "2026-12-07"}]) == [
        "CITATION.cff: date-released is 2026-11-20, set it to 2026-12-07 (the date of 0.2.0 in releases.json).",
        "CHANGELOG.md: the heading of 0.2.0 is dated 2026-11-20; releases.json says 2026-12-07.",
    ]


def test_the_release_readme_citing_another_version_is_refused(tmp_path):
    """The issue's zip: "Version 0.1.1" on top and "Cite it: Version 0.1.0" below."""
    import pandas as pd

    from rhil7.release_readme import archive_readme
    from rhil7.release_versions import readme_problems

    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    tables = {
        r["name"]: pd.read_csv(ROOT / r["path"], keep_default_na=False, na_values=[""], dtype=str)
        for r in descriptor["resources"]
    }
    cff = b"cff-version: 1.2.0\ntitle: T\nversion: 0.1.0\ndate-released: 2026-11-27\nauthors:\n  - name: A\n"

    def readme(version, citation):
        return archive_readme(version, [], dict(descriptor, version=version), tables, {"CITATION.cff": citation})

    assert readme_problems(readme("0.1.0", cff), "0.1.0") == []
    problems = readme_problems(readme("0.1.1", cff), "0.1.1")
    assert len(problems) == 1 and "0.1.0 besides 0.1.1" in problems[0]


def test_bumping_datapackage_json_alone_is_refused_with_one_message_per_file(tmp_path):
    package = release_copy(tmp_path / "package")
    _edit(package / "datapackage.json", f'"version": "{VERSION}"', '"version": "99.0.0"')
    out = tmp_path / "dist"
    result = run_cli("release", str(package), "--out", str(out))
    assert result.returncode == 1, result.stderr
    lines = [line.strip() for line in result.stderr.splitlines() if line.startswith("  ")]
    assert [line.split(":", 1)[0] for line in lines] == ["CITATION.cff", "CHANGELOG.md"], result.stderr
    assert "set it to 99.0.0" in lines[0] and "## [99.0.0] -" in lines[1]
    assert not out.exists() or not list(out.iterdir())
    assert not (package / "releases.json").exists()


# --------------------------------------------------------------------------- snapshots between releases


def test_a_released_version_with_other_data_becomes_a_marked_snapshot(tmp_path):
    package = release_copy(tmp_path / "package")
    released = str(yaml.safe_load((package / "CITATION.cff").read_text(encoding="utf-8"))["date-released"])
    recorded = {**_entry(package), "date": released}
    recorded["resources"]["sources"].update(data="sha256:older", rows=recorded["resources"]["sources"]["rows"] - 1)
    (package / "releases.json").write_text(json.dumps({"releases": [recorded]}), encoding="utf-8")
    before = (package / "releases.json").read_bytes()
    out = tmp_path / "dist"
    assert run_cli("release", str(package), "--out", str(out)).returncode == 1
    result = run_cli(
        "release",
        str(package),
        "--out",
        str(out),
        "--or-snapshot",
        "--repository-url",
        "https://example.org/owner/rhil7",
    )
    assert result.returncode == 0, result.stderr
    archive = Path(result.stdout.strip())

    version = f"{bumped(VERSION, 'minor')}.dev0+{content_hash(_entry(package))}"
    assert archive.name == f"rhil7-lymphopenia-snapshot-{version}.zip"
    assert (package / "releases.json").read_bytes() == before, "a snapshot is never recorded"
    top = f"rhil7-lymphopenia-snapshot-{version}"
    with zipfile.ZipFile(archive) as zf:
        readme = zf.read(f"{top}/README.md").decode("utf-8")
        descriptor = json.loads(zf.read(f"{top}/datapackage.json"))
        citation = yaml.safe_load(zf.read(f"{top}/CITATION.cff"))
    assert "**Snapshot, not a release.**" in readme and "Do not cite this snapshot" in readme
    assert descriptor["version"] == version and descriptor["homepage"] == "https://example.org/owner/rhil7"
    for place in ("issues", "releases"):
        assert f"<https://example.org/owner/rhil7/{place}>" in readme
    assert citation["repository-code"] == "https://example.org/owner/rhil7"
    assert verify_archive(archive) == []
    again = run_cli(
        "release",
        str(package),
        "--out",
        str(tmp_path / "again"),
        "--snapshot",
        "--repository-url",
        "https://example.org/owner/rhil7",
    )
    assert again.returncode == 0 and _sha256(Path(again.stdout.strip()).read_bytes()) == _sha256(archive.read_bytes())


@pytest.mark.parametrize(
    "url", ["http://example.org/a/b", "https://example.org/a b", "https://example.org/a/b)", "https://example.org"]
)
def test_a_repository_address_is_plain_https(url):
    from rhil7.release import check_repository_url

    with pytest.raises(ReleaseRefused, match="not a plain https address"):
        check_repository_url(url)
