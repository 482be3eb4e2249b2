"""rhil7 release: validate, reproduce, and write dist/rhil7-lymphopenia-<version>.zip.

The archive holds, under one top folder ``rhil7-lymphopenia-<version>/``:

- ``datapackage.json``: the released descriptor; every resource carries ``bytes`` and
  ``hash`` (``sha256:<hex>``) of its CSV file, which ``frictionless validate`` and ``rhil7 validate`` check;
- ``tables/*.csv``: the tables, byte for byte as committed;
- ``spreadsheet/*.csv``: copies of the tables for spreadsheets, in which a text cell that a spreadsheet would
  read as a formula (a verbatim snippet may start with ``=``, ``+``, ``-`` or ``@``) is prefixed with ``'``
  (``spreadsheet_copy``); ``tables/`` stays the data as published;
- ``parquet/*.parquet``: the tables as Parquet, written by pyarrow with fixed settings. Plain files, not
  resources of the descriptor (``rhil7 validate`` accepts only CSV resources and the official
  ``frictionless validate`` needs an optional plugin for Parquet);
- ``create_database.sql``: the SQL that builds the DuckDB database (``raw.*`` tables typed from the Table
  Schemas, and the views) from ``tables/*.csv``, in one command. The archive ships no ``.duckdb`` file: DuckDB
  writes a random identifier into every new file, and text is byte-reproducible by construction;
- ``report/``: the reproduction report of ``rhil7 reproduce`` (Markdown, JSON, forest plots, coverage figure);
- ``LICENSE``, ``CHANGELOG.md``, ``CITATION.cff``, ``docs/data-dictionary.md`` when present;
- ``README.md`` (for someone who has only the zip) and ``SHA256SUMS`` (``sha256sum -c SHA256SUMS``).

Only regular files inside the package go in, each named by a forward-slash relative path checked like a
resource path: a symbolic link, a backslash, ``..`` or an absolute path is refused, never followed.

Deterministic: two runs from the same commit give byte-identical archives. Entries are sorted, carry the
timestamp 1980-01-01 00:00 and permissions 0644; the plots are drawn without a date and with a fixed SVG
hash salt (``rhil7.analysis.forest.save_figure``); the Parquet copies are the build's (``rhil7.parquet``). The
archive is written under a temporary name and moved into place with os.replace, so an interrupted release never
leaves a partial zip. Each released version is recorded in ``releases.json`` (``release_record``); other data
under a recorded version is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rhil7.core.sinks import spreadsheet

ARCHIVE_STEM = "rhil7-lymphopenia"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
EXTRA_FILES = ("LICENSE", "CHANGELOG.md", "CITATION.cff", "docs/data-dictionary.md")
SEMVER = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
DATABASE_SQL = "create_database.sql"
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")
REPOSITORY_URL = re.compile(r"https://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[A-Za-z0-9._~-]+)+/?")


class ReleaseRefused(Exception):
    pass


@dataclass
class Member:
    path: str  # inside the archive's top folder
    data: bytes
    what: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class ReleasePlan:
    version: str
    members: list[Member] = field(default_factory=list)

    def add(self, path: str, data: bytes, what: str = "") -> None:
        check_member_name(path)
        if any(m.path == path for m in self.members):
            raise ReleaseRefused(f"two files would be written to {path}")
        self.members.append(Member(path, data, what))


# --------------------------------------------------------------------------- files of the package


def check_member_name(relpath) -> list[str]:
    """The parts of a forward-slash relative path inside the package; ReleaseRefused for anything else."""
    if not isinstance(relpath, str) or not relpath:
        raise ReleaseRefused(f"{relpath!r} is not a file path")
    if "\\" in relpath:
        raise ReleaseRefused(f"{relpath!r}: a backslash in a path; use forward slashes (a/b.csv)")
    if relpath.startswith("/") or _WINDOWS_DRIVE.match(relpath):
        raise ReleaseRefused(f"{relpath!r}: an absolute path; only paths relative to the package are released")
    if any(ord(c) < 32 or ord(c) == 127 for c in relpath):
        raise ReleaseRefused(f"{relpath!r}: a control character in a path")
    parts = relpath.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise ReleaseRefused(f"{relpath!r}: empty, '.' or '..' parts; name files inside the package plainly")
    return parts


def package_file(package_dir: Path, relpath: str) -> bytes | None:
    """The bytes of a regular file inside the package, None when it does not exist.

    Refused: a name that is not a plain relative path, and a symbolic link anywhere on the way (it could point
    outside the package), a folder, a FIFO or a device in its place.
    """
    current = Path(package_dir)
    parts = check_member_name(relpath)
    for i, part in enumerate(parts):
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return None
        if stat.S_ISLNK(info.st_mode):
            raise ReleaseRefused(
                f"{'/'.join(parts[: i + 1])} is a symbolic link; only regular files inside the package are released"
            )
    if not stat.S_ISREG(info.st_mode):
        raise ReleaseRefused(f"{relpath} is not a regular file")
    fd = os.open(current, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise ReleaseRefused(f"{relpath} is not a regular file")
        return fh.read()


# --------------------------------------------------------------------------- descriptor


def released_descriptor(descriptor: dict, table_bytes: dict[str, bytes]) -> dict:
    """The descriptor with ``bytes`` and ``hash`` (sha256:<hex>) on every resource, placed before ``schema``."""
    out = {k: v for k, v in descriptor.items() if k != "resources"}
    resources = []
    for resource in descriptor["resources"]:
        data = table_bytes[resource["name"]]
        facts = {"bytes": len(data), "hash": f"sha256:{hashlib.sha256(data).hexdigest()}"}
        updated = {}
        for key, value in resource.items():
            if key in ("bytes", "hash"):
                continue
            if key == "schema":
                updated.update(facts)
            updated[key] = value
        if "bytes" not in updated:
            updated.update(facts)
        resources.append(updated)
    out["resources"] = resources
    return out


def descriptor_bytes(descriptor: dict) -> bytes:
    return (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- database as SQL, tables as Parquet


def spreadsheet_copy(data: bytes, resource: dict) -> bytes:
    """The table with every text cell that a spreadsheet would evaluate prefixed by an apostrophe.

    Only the Table Schema's string fields are touched: a negative number stays a number."""
    import csv
    import io

    text_fields = {f["name"] for f in resource["schema"]["fields"] if f.get("type", "string") == "string"}
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    header = next(reader, [])
    text_columns = [i for i, name in enumerate(header) if name in text_fields]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for record in reader:
        for i in text_columns:
            if i < len(record):
                record[i] = spreadsheet(record[i])
        writer.writerow(record)
    return out.getvalue().encode("utf-8")


def database_sql(descriptor: dict, package_dir: Path | None = None) -> str:
    """SQL that builds the database of ``rhil7 build`` from the release's CSV files, run from the release folder.
    The views are the ones the build of ``package_dir`` uses (its own ``queries/`` when it has them).

    Each table is read by DuckDB's CSV reader with the Table Schema's column names and types (no type
    guessing; an empty cell is NULL) into ``raw.<name>`` with its primary key, then the views are created.
    """
    from .core.database import column_types, create_table_sql, quote_literal, raw_table, views_sql

    version = descriptor.get("version", "")
    lines = [
        f"-- {ARCHIVE_STEM} {version}: builds the DuckDB database from tables/*.csv (run from this folder).",
        "--   duckdb rhil7.duckdb < create_database.sql",
        "-- Schema raw: one table per resource of datapackage.json, typed from its Table Schema.",
        "-- Schema main: the documented views (studies, arms, coverage, effect_sizes, pooled, ...).",
        "CREATE SCHEMA IF NOT EXISTS raw;",
        "",
    ]
    for resource in descriptor["resources"]:
        check_member_name(resource["path"])
        fields = resource["schema"]["fields"]
        types = column_types(resource)
        table = raw_table(resource["name"])
        spec = ", ".join(f"{quote_literal(f['name'])}: {quote_literal(t)}" for f, t in zip(fields, types))
        lines += [
            f"{create_table_sql(resource)};",
            f"INSERT INTO {table} SELECT * FROM read_csv({quote_literal(resource['path'])}, header = true, "
            f"auto_detect = false, delim = ',', quote = '\"', escape = '\"', columns = {{{spec}}});",
            "",
        ]
    lines += [views_sql(descriptor, package_dir)]  # macros, views, and the comments on every table and column
    return "\n".join(lines)


# --------------------------------------------------------------------------- report


def build_and_report(package, build: Path, progress: Callable[[str], None]):
    """rhil7 reproduce of the ValidatedPackage (it builds the database and the Parquet copies) into ``build``."""
    from .reproduce import ReproduceRefused, reproduce

    try:
        return reproduce(package, plots=True, progress=progress, out=build)
    except ReproduceRefused as exc:
        raise ReleaseRefused(str(exc)) from None


# --------------------------------------------------------------------------- archive


def _sorted_files(root: Path) -> list[Path]:
    return sorted((p for p in root.rglob("*") if p.is_file()), key=lambda p: p.relative_to(root).as_posix())


def sha256sums(members: list[Member]) -> bytes:
    return "".join(f"{m.sha256}  {m.path}\n" for m in sorted(members, key=lambda m: m.path)).encode("utf-8")


def write_zip(members: list[Member], top: str, target: Path, check: Callable[[Path], list[str]] | None = None) -> None:
    """Deterministic zip, written under a temporary name, checked, and moved into place."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w") as archive:
                for member in sorted(members, key=lambda m: m.path):
                    info = zipfile.ZipInfo(f"{top}/{member.path}", date_time=ZIP_DATE)
                    info.create_system = 3  # Unix, so the permissions below are honoured
                    info.external_attr = (stat.S_IFREG | 0o644) << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, member.data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        problems = check(Path(tmp)) if check else []
        if problems:
            raise ReleaseRefused("the written archive does not check out: " + "; ".join(problems[:5]))
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def snapshot_version(releases: list[dict], current: dict) -> str:
    """``<next version>.dev0+<content hash>``: the version the changes since the latest release call for (or
    datapackage.json's, when it is new and higher), marked as a development pre-release of this exact content."""
    from .release_record import content_hash, next_version, version_core

    target, _, _ = next_version(releases, current)
    recorded = {r["version"] for r in releases}
    have, need = version_core(current["version"]), version_core(target)
    if current["version"] not in recorded and have and need and have > need:
        target = ".".join(map(str, have))
    return f"{target}.dev0+{content_hash(current)}"


def check_repository_url(url: str | None) -> str | None:
    """The repository's web address as the release workflow gives it (github.server_url/github.repository):
    plain https, letters, digits and ``.-_~/`` only, so it is safe as is in JSON, YAML and Markdown."""
    if url is None:
        return None
    if not REPOSITORY_URL.fullmatch(url):
        raise ReleaseRefused(f"{url!r} is not a plain https address of a repository (https://host/owner/name)")
    return url.rstrip("/")


def with_addresses(descriptor: dict, cff: bytes | None, repository: str | None) -> tuple[dict, bytes | None]:
    """The released descriptor and CITATION.cff with the repository's address filled in (never committed:
    the workflow knows it, the files in git do not invent it). ``homepage`` is the Data Package property for it;
    CITATION.cff gets ``repository-code`` and ``repository-artifact`` (the releases) unless it already has them."""
    if repository is None:
        return descriptor, cff
    out = {}
    for key, value in descriptor.items():
        if key == "resources" and "homepage" not in descriptor:
            out["homepage"] = repository
        out[key] = value
    if cff is not None:
        text = cff.decode("utf-8")
        additions = [
            f'{key}: "{value}"'
            for key, value in (("repository-code", repository), ("repository-artifact", f"{repository}/releases"))
            if not re.search(rf"^{key}:", text, re.M)
        ]
        cff = (text.rstrip("\n") + "\n" + "".join(a + "\n" for a in additions)).encode("utf-8")
    return out, cff


def make_release(
    package_dir: Path,
    out_dir: Path | None = None,
    progress: Callable[[str], None] = lambda m: None,
    mode: str = "release",
    repository_url: str | None = None,
) -> Path:
    """Release datapackage.json's version; ``mode`` "snapshot" builds a marked pre-release of the data as it is
    (never recorded), "auto" does so only when that version was already released with other data."""
    from .gate import require_valid

    from .release_readme import archive_readme
    from .release_record import VersionReused, check_version, content_entry, read_record, record_release
    from .release_versions import readme_problems, release_date, version_problems

    package_dir = Path(package_dir)
    # read once, by the validation: the zip ships, hashes and reproduces exactly the bytes that were validated
    package = require_valid(package_dir, ReleaseRefused, progress)
    descriptor, tables, table_bytes = package.descriptor, package.tables, package.files
    version = str(descriptor.get("version", ""))
    if not SEMVER.match(version):
        raise ReleaseRefused(f'datapackage.json has no semantic version (found {version!r}); set "version": "X.Y.Z"')
    repository_url = check_repository_url(repository_url)
    current = content_entry(descriptor, table_bytes)
    try:
        releases = read_record(package_dir)
        recorded = True if mode == "snapshot" else check_version(releases, current)
    except VersionReused as exc:
        if mode != "auto" or not any(r["version"] == version for r in releases):
            raise ReleaseRefused(str(exc)) from None
        progress(f"{exc}\nBuilding a snapshot instead (a pre-release, not recorded).")
        mode, recorded = "snapshot", True
    mismatched = version_problems(package_dir, version, releases)
    if mismatched:
        raise ReleaseRefused(
            "the version or its date differs between files (datapackage.json says "
            f"{version}):\n  " + "\n  ".join(mismatched)
        )
    snapshot = mode == "snapshot"
    extras = {name: package_file(package_dir, name) for name in EXTRA_FILES}
    if snapshot:
        version = snapshot_version(releases, current)
        descriptor = {**descriptor, "version": version}
        progress(f"snapshot {version}: a pre-release of the data as it is, not a release")
    descriptor, extras["CITATION.cff"] = with_addresses(descriptor, extras["CITATION.cff"], repository_url)
    out_dir = Path(out_dir) if out_dir is not None else package_dir / "dist"
    plan = ReleasePlan(version)
    top = f"{ARCHIVE_STEM}-snapshot-{version}" if snapshot else f"{ARCHIVE_STEM}-{version}"

    released = released_descriptor(descriptor, table_bytes)
    plan.add("datapackage.json", descriptor_bytes(released), "descriptor")
    for resource in released["resources"]:
        plan.add(resource["path"], table_bytes[resource["name"]], "table")
        plan.add(
            f"spreadsheet/{resource['name']}.csv",
            spreadsheet_copy(table_bytes[resource["name"]], resource),
            "spreadsheet",
        )
    plan.add(DATABASE_SQL, database_sql(descriptor, package_dir).encode("utf-8"), "database")

    with tempfile.TemporaryDirectory(prefix="rhil7-release-") as tmp:
        build = Path(tmp) / "build"
        outcome = build_and_report(package, build, progress)
        progress(f"reproduction: {len(outcome.rows)} target(s)")
        for resource in descriptor["resources"]:  # the build's Parquet copies (rhil7.parquet, fixed settings)
            name = resource["name"]
            plan.add(f"parquet/{name}.parquet", (build / "parquet" / f"{name}.parquet").read_bytes(), "parquet")
        report = build / "report"
        for path in _sorted_files(report):
            plan.add(f"report/{path.relative_to(report).as_posix()}", path.read_bytes(), "report")

    for name, data in extras.items():
        if data is not None:
            plan.add(name, data, "documentation")

    readme = archive_readme(
        plan.version,
        plan.members,
        descriptor,
        tables,
        extras,
        top=top,
        snapshot_of=latest_version(releases) if snapshot else None,
        repository=repository_url,
        snapshot=snapshot,
    )
    if not snapshot and (wrong := readme_problems(readme, version)):
        raise ReleaseRefused("\n".join(wrong))
    plan.add("README.md", readme, "readme")
    plan.add("SHA256SUMS", sha256sums(plan.members))
    target = out_dir / f"{top}.zip"
    progress(f"writing {target} ({len(plan.members)} files)")
    write_zip(plan.members, top, target, check=verify_archive)
    if not recorded:
        path = record_release(package_dir, releases, current, release_date(package_dir, version, releases))
        progress(f"recorded version {version} in {path}; commit it")
    return target


def latest_version(releases: list[dict]) -> str | None:
    from .release_record import latest

    last = latest(releases)
    return None if last is None else str(last["version"])


def verify_archive(archive: Path) -> list[str]:
    """Problems found when every file of a release is checked against SHA256SUMS and the descriptor's hashes."""
    problems = []
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        tops = {n.split("/", 1)[0] for n in names}
        if len(tops) != 1:
            return [f"expected one top folder, found {sorted(tops)}"]
        top = tops.pop()
        files = {n.split("/", 1)[1]: zf.read(n) for n in names}
    sums = {}
    for line in files.get("SHA256SUMS", b"").decode("utf-8").splitlines():
        digest, _, path = line.partition("  ")
        sums[path] = digest
    for path, data in files.items():
        if path == "SHA256SUMS":
            continue
        if sums.get(path) != hashlib.sha256(data).hexdigest():
            problems.append(f"{top}/{path}: sha256 does not match SHA256SUMS")
    descriptor = json.loads(files["datapackage.json"])
    for resource in descriptor["resources"]:
        data = files.get(resource["path"])
        if data is None:
            problems.append(f"{resource['path']}: missing")
            continue
        if resource.get("bytes") != len(data):
            problems.append(f"{resource['path']}: bytes {resource.get('bytes')} != {len(data)}")
        if resource.get("hash") != f"sha256:{hashlib.sha256(data).hexdigest()}":
            problems.append(f"{resource['path']}: hash does not match")
    return problems


__all__ = [
    "ReleaseRefused",
    "make_release",
    "verify_archive",
    "released_descriptor",
    "database_sql",
    "package_file",
    "check_member_name",
]
