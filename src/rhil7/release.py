"""rhil7 release: validate, build, reproduce, and write dist/rhil7-lymphopenia-<version>.zip.

The archive holds, under one top folder ``rhil7-lymphopenia-<version>/``:

- ``datapackage.json``: the released descriptor; every resource carries ``bytes`` and
  ``hash`` (``sha256:<hex>``) of its CSV file, which ``frictionless validate`` and ``rhil7 validate`` check;
- ``tables/*.csv``: the tables, byte for byte as committed;
- ``parquet/*.parquet``: Parquet copies written by ``rhil7 build``. They are plain files, not
  resources of the descriptor: ``rhil7 validate`` accepts only CSV resources and the official
  ``frictionless validate`` needs an optional plugin for Parquet, so declaring them would make the
  released package invalid. README.md of the archive lists them with their hashes;
- ``database/rhil7.duckdb``: the DuckDB database (``raw.*`` tables and the views), made byte-reproducible
  (see ``normalize_duckdb_file``);
- ``report/``: the reproduction report of ``rhil7 reproduce`` (Markdown, JSON, PNG and SVG plots);
- ``LICENSE``, ``CHANGELOG.md``, ``CITATION.cff``, ``docs/data-dictionary.md`` when present;
- ``README.md`` (what is where, how to check it) and ``SHA256SUMS`` (``sha256sum -c SHA256SUMS``).

Deterministic: two runs from the same commit give byte-identical archives. Entries are sorted, carry the
timestamp 1980-01-01 00:00 and permissions 0644; the plots are drawn with a fixed SVG hash salt and
SOURCE_DATE_EPOCH; the database is written single-threaded under a fixed name and its random header
identifier is replaced by one derived from its content. The archive is written under a temporary name
and moved into place with os.replace, so an interrupted release never leaves a partial zip.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import struct
import tempfile
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

from .database import FILE_CONFIG, quote_identifier, raw_table, safe_connect

ARCHIVE_STEM = "rhil7-lymphopenia"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
SOURCE_DATE_EPOCH = "315532800"  # 1980-01-01T00:00:00Z, the same instant as the zip entries
SVG_HASH_SALT = "rhil7-release"
EXTRA_FILES = ("LICENSE", "CHANGELOG.md", "CITATION.cff", "docs/data-dictionary.md")
SEMVER = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")

# DuckDB storage: the first 4096 bytes are the main header, an 8-byte checksum followed by the
# header body (magic "DUCK" at offset 8); two database headers follow. The checksum is DuckDB's
# Checksum(): 5381 XOR, over each little-endian 64-bit word w of the body, w * 0xbf58476d1ce4e5b9.
DUCKDB_HEADER_SIZE = 4096
_MASK64 = (1 << 64) - 1


class ReleaseRefused(Exception):
    pass


@dataclass
class Member:
    path: str      # inside the archive's top folder
    data: bytes
    what: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class ReleasePlan:
    version: str
    members: list[Member] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, path: str, data: bytes, what: str = "") -> None:
        if any(m.path == path for m in self.members):
            raise ReleaseRefused(f"two files would be written to {path}")
        self.members.append(Member(path, data, what))


# --------------------------------------------------------------------------- descriptor


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def released_descriptor(descriptor: dict, package_dir: Path) -> dict:
    """The descriptor with ``bytes`` and ``hash`` (sha256:<hex>) on every resource, placed before ``schema``."""
    out = {k: v for k, v in descriptor.items() if k != "resources"}
    resources = []
    for resource in descriptor["resources"]:
        path = Path(package_dir) / resource["path"]
        facts = {"bytes": path.stat().st_size, "hash": f"sha256:{sha256_file(path)}"}
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


# --------------------------------------------------------------------------- DuckDB file


def duckdb_checksum(body: bytes) -> int:
    if len(body) % 8:
        raise ValueError("DuckDB header body is not a whole number of 64-bit words")
    result = 5381
    for (word,) in struct.iter_unpack("<Q", body):
        result ^= (word * 0xBF58476D1CE4E5B9) & _MASK64
    return result


def _header_ok(header: bytes) -> bool:
    return (len(header) == DUCKDB_HEADER_SIZE and header[8:12] == b"DUCK"
            and struct.unpack("<Q", header[:8])[0] == duckdb_checksum(header[8:]))


@lru_cache(maxsize=1)
def duckdb_identifier_span() -> tuple[int, int] | None:
    """Where this DuckDB version writes its random database identifier in the main header.

    Found by creating two empty databases and comparing their headers: the bytes that differ, apart
    from the checksum, are the identifier. None when the headers are identical (nothing to fix).
    Raises ValueError when the header layout is not understood (then the file cannot be normalized).
    """
    with tempfile.TemporaryDirectory(prefix="rhil7-duckdb-probe-") as tmp:
        headers = []
        # Five probes, not two: two random identifiers share a given byte with probability 1/256, which
        # would shrink the span found and leave that byte random in releases (a 1-in-100 flaky release).
        for name in "abcde":
            path = Path(tmp) / f"{name}.duckdb"
            con = safe_connect(path, threads=1, **FILE_CONFIG)
            con.execute("CREATE TABLE t (x INTEGER)")
            con.execute("CHECKPOINT")
            con.close()
            headers.append(path.read_bytes()[:DUCKDB_HEADER_SIZE])
    if not all(_header_ok(h) for h in headers):
        raise ValueError("unexpected DuckDB header layout or checksum")
    differing = [i for i in range(8, DUCKDB_HEADER_SIZE) if len({h[i] for h in headers}) > 1]
    if not differing:
        return None
    start, end = differing[0], differing[-1] + 1
    if end - start > 64:
        raise ValueError(f"DuckDB headers differ over {end - start} bytes; not a single identifier")
    return start, end


def normalize_duckdb_file(path: Path) -> None:
    """Make a checkpointed DuckDB file byte-reproducible.

    DuckDB writes a random 16-byte database identifier into the main header of every new file, so two
    builds of the same tables differ in that field and in the header checksum only (everything else is
    deterministic when the file is written single-threaded under the same name). The identifier is
    replaced by the first bytes of the sha256 of the rest of the file and the checksum recomputed.
    """
    span = duckdb_identifier_span()
    data = bytearray(Path(path).read_bytes())
    if not _header_ok(bytes(data[:DUCKDB_HEADER_SIZE])):
        raise ValueError(f"{path}: unexpected DuckDB header")
    if span is None:
        return
    start, end = span
    data[start:end] = hashlib.sha256(bytes(data[DUCKDB_HEADER_SIZE:])).digest()[: end - start]
    data[:8] = struct.pack("<Q", duckdb_checksum(bytes(data[8:DUCKDB_HEADER_SIZE])))
    Path(path).write_bytes(bytes(data))


def write_database(package_dir: Path, target: Path) -> dict[str, int]:
    """raw.* tables and the public views in ``target`` (fixed name, one thread), normalized and re-checked.

    Returns the row count of every raw table as read back from the finished file.
    """
    from .database import create_tables, create_views
    from .loading import read_descriptor, read_tables

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()
    tables = read_tables(package_dir)
    con = safe_connect(target, threads=1, **FILE_CONFIG)
    try:
        create_tables(con, read_descriptor(package_dir), tables)
        create_views(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    wal = Path(str(target) + ".wal")
    if wal.exists():
        raise ValueError(f"{wal} left after the checkpoint")
    normalize_duckdb_file(target)
    before = target.read_bytes()
    con = safe_connect(target, read_only=True)
    try:
        counts = {name: con.execute(f"SELECT count(*) FROM {raw_table(name)}").fetchone()[0] for name in tables}
        from .database import VIEW_ORDER

        for view in VIEW_ORDER:
            con.execute(f"SELECT count(*) FROM main.{quote_identifier(view)}").fetchone()
    finally:
        con.close()
    if target.read_bytes() != before:
        raise ValueError("opening the database read-only changed the file")
    for name, frame in tables.items():
        if counts[name] != len(frame):
            raise ValueError(f"raw.{name} holds {counts[name]} rows, the table {len(frame)}")
    return counts


# --------------------------------------------------------------------------- report


@contextlib.contextmanager
def _environment(**values: str):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def build_and_report(package_dir: Path, build: Path, progress: Callable[[str], None]):
    """rhil7 reproduce (which builds through rhil7.build.build_database) into ``build``, plots deterministic."""
    import matplotlib

    from .reproduce import ReproduceRefused, reproduce

    with _environment(RHIL7_BUILD=str(build), SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH), \
            matplotlib.rc_context({"svg.hashsalt": SVG_HASH_SALT}):
        try:
            return reproduce(package_dir, plots=True, progress=progress, validate=False)  # make_release validated
        except ReproduceRefused as exc:
            raise ReleaseRefused(str(exc)) from None


# --------------------------------------------------------------------------- archive


def _sorted_files(root: Path) -> list[Path]:
    return sorted((p for p in root.rglob("*") if p.is_file()), key=lambda p: p.relative_to(root).as_posix())


def archive_readme(plan: ReleasePlan, descriptor: dict) -> bytes:
    top = f"{ARCHIVE_STEM}-{plan.version}"
    lines = [
        f"# {ARCHIVE_STEM} {plan.version}",
        "",
        descriptor.get("title", ""),
        "",
        "Data (`datapackage.json`, `tables/`, `parquet/`, `database/`): CC-BY-4.0. Code: MIT (`LICENSE`).",
        "How to cite: `CITATION.cff`. Field by field: `docs/data-dictionary.md`. Changes: `CHANGELOG.md`.",
        "",
        "## What is where",
        "",
        "| path | what |",
        "|---|---|",
        "| `datapackage.json` | Frictionless descriptor; every resource carries `bytes` and `hash` (`sha256:...`) of its CSV file |",
        "| `tables/*.csv` | the tables (UTF-8 CSV, empty cell = missing value) |",
        "| `parquet/*.parquet` | Parquet copies of the tables written by DuckDB (`rhil7 build`); plain files, not resources of "
        "`datapackage.json`: `rhil7 validate` accepts only CSV resources and the official `frictionless validate` "
        "reads Parquet only with an optional plugin, so declaring them would make the package invalid. "
        "Their hashes are listed below and in `SHA256SUMS` |",
        "| `database/rhil7.duckdb` | DuckDB database: the tables in schema `raw`, the views (`studies`, `arms`, `coverage`, "
        "`effect_sizes`, `pooled`, ...) in `main`; `duckdb -readonly database/rhil7.duckdb` |",
        "| `report/` | reproduction of the published pooled figures (`report.md`, `reproduction.json`, plots) |",
        "| `SHA256SUMS` | sha256 of every other file of this archive |",
        "",
        "## Check this release",
        "",
        "```sh",
        "sha256sum -c SHA256SUMS                 # or: shasum -a 256 -c SHA256SUMS",
        "frictionless validate datapackage.json  # checks each table, its schema, bytes and hash",
        "rhil7 validate .                        # the project's own checks (pip install the project)",
        "```",
        "",
        "The archive is deterministic: the same commit always gives a byte-identical zip (entries sorted, dated "
        "1980-01-01, mode 0644). DuckDB writes a random identifier into each new database file; the release "
        "replaces it with the first bytes of the sha256 of the rest of the file and recomputes the header checksum, "
        "so the database is byte-reproducible too.",
    ]
    for note in plan.notes:
        lines += ["", note]
    lines += ["", "## Files", "", "| path | bytes | sha256 |", "|---|---:|---|"]
    for m in sorted(plan.members, key=lambda m: m.path):
        lines.append(f"| `{m.path}` | {len(m.data)} | `{m.sha256}` |")
    lines += ["", f"All paths are relative to the folder `{top}/`.", ""]
    return "\n".join(lines).encode("utf-8")


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


def make_release(package_dir: Path, out_dir: Path | None = None,
                 progress: Callable[[str], None] = lambda m: None) -> Path:
    from .gate import require_valid
    from .loading import read_descriptor

    package_dir = Path(package_dir)
    require_valid(package_dir, ReleaseRefused, progress)
    descriptor = read_descriptor(package_dir)
    version = str(descriptor.get("version", ""))
    if not SEMVER.match(version):
        raise ReleaseRefused(f"datapackage.json has no semantic version (found {version!r}); set \"version\": \"X.Y.Z\"")
    out_dir = Path(out_dir) if out_dir is not None else package_dir / "dist"
    plan = ReleasePlan(version)
    top = f"{ARCHIVE_STEM}-{version}"

    with tempfile.TemporaryDirectory(prefix="rhil7-release-") as tmp:
        tmp = Path(tmp)
        build = tmp / "build"
        outcome = build_and_report(package_dir, build, progress)
        progress(f"reproduction: {len(outcome.rows)} target(s)")

        progress("hashing the tables")
        released = released_descriptor(descriptor, package_dir)
        plan.add("datapackage.json", descriptor_bytes(released), "descriptor")
        for resource in released["resources"]:
            plan.add(resource["path"], (package_dir / resource["path"]).read_bytes(), "table")

        for path in _sorted_files(build / "parquet"):
            if path.suffix == ".parquet" and not path.name.startswith("."):
                plan.add(f"parquet/{path.name}", path.read_bytes(), "parquet")

        progress("writing the database")
        database = tmp / "database" / "rhil7.duckdb"
        try:
            write_database(package_dir, database)
            plan.add("database/rhil7.duckdb", database.read_bytes(), "database")
        except (ValueError, OSError) as exc:
            plan.notes.append("The DuckDB database is not in this archive: it could not be made byte-reproducible "
                              f"with this DuckDB version ({exc}). Run `rhil7 build` to create it.")
            progress(f"database left out: {exc}")

        report = build / "report"
        for path in _sorted_files(report):
            plan.add(f"report/{path.relative_to(report).as_posix()}", path.read_bytes(), "report")

        for name in EXTRA_FILES:
            path = package_dir / name
            if path.is_file():
                plan.add(name, path.read_bytes(), "documentation")

    plan.add("README.md", archive_readme(plan, descriptor))
    plan.add("SHA256SUMS", sha256sums(plan.members))
    target = out_dir / f"{top}.zip"
    progress(f"writing {target} ({len(plan.members)} files)")
    write_zip(plan.members, top, target, check=verify_archive)
    return target


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


__all__ = ["ReleaseRefused", "make_release", "verify_archive", "normalize_duckdb_file", "released_descriptor"]
