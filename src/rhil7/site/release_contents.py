"""The files of a release, read from its archive: the site shows exactly what a release ships.

``rhil7 site --release ZIP`` reads the archive ``rhil7 release`` wrote (the release workflow publishes the site of
the zip it attaches); without it, ``rhil7 release``'s own ``make_release`` writes a snapshot of the package into a
temporary folder (validated and reproduced, never recorded in releases.json), which is then read the same way.
The archive is checked against its SHA256SUMS and its descriptor's hashes before anything is read from it; the
tables come from its Parquet files, the reproduction from ``report/reproduction.json``.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rhil7.release import ReleaseRefused, check_member_name, make_release, verify_archive

PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*\.zip")
KINDS = (
    ("tables/", "table"),
    ("spreadsheet/", "spreadsheet"),
    ("parquet/", "parquet"),
    ("report/", "report"),
    ("docs/", "documentation"),
    ("datapackage.json", "descriptor"),
    ("create_database.sql", "database"),
    ("README.md", "readme"),
    ("SHA256SUMS", "checksums"),
)


@dataclass
class ReleaseFile:
    path: str  # inside the release folder
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def what(self) -> str:
        return next((kind for prefix, kind in KINDS if self.path.startswith(prefix)), "documentation")


@dataclass
class ReleaseContents:
    package_dir: Path | None  # the package the site is built for (its queries/ and CONTRIBUTING.md)
    archive_name: str  # a plain file name (letters, digits, . _ + -), whatever the zip was called
    archive: bytes  # the zip itself, offered whole on the downloads page
    members: list[ReleaseFile]
    descriptor: dict  # the released datapackage.json
    tables: dict  # resource name -> DataFrame, from the release's Parquet files
    reproduction: list[dict]  # report/reproduction.json

    def files(self) -> dict[str, bytes]:
        return {m.path: m.data for m in self.members}


def read_release(archive: Path, package_dir: Path | None = None) -> ReleaseContents:
    """The checked contents of a release zip; ReleaseRefused when it does not check out."""
    import pandas as pd  # deferred: only a site built from a release zip reads its tables here

    archive = Path(archive)
    try:
        whole = archive.read_bytes()
        problems = verify_archive(archive)
        with zipfile.ZipFile(archive) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/")]
            files = {n.split("/", 1)[1]: zf.read(n) for n in names}
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReleaseRefused(f"{archive} is not a readable release archive: {exc}") from None
    if problems:
        raise ReleaseRefused(f"{archive} does not check out: " + "; ".join(problems[:5]))
    for path in files:
        check_member_name(path)
    descriptor = json.loads(files["datapackage.json"])
    tables = {}
    for resource in descriptor["resources"]:
        data = files.get(f"parquet/{resource['name']}.parquet")
        if data is None:
            raise ReleaseRefused(f"{archive}: parquet/{resource['name']}.parquet is missing")
        tables[resource["name"]] = pd.read_parquet(io.BytesIO(data))
    reproduction = json.loads(files.get("report/reproduction.json", b"[]"))
    members = [ReleaseFile(path, data) for path, data in sorted(files.items())]
    name = archive.name if PLAIN_NAME.fullmatch(archive.name) else "release.zip"
    return ReleaseContents(package_dir, name, whole, members, descriptor, tables, reproduction)


def snapshot_contents(package_dir: Path, progress: Callable[[str], None] = lambda m: None) -> ReleaseContents:
    """A snapshot release of the package as it is (``make_release(mode="snapshot")``), read back."""
    with tempfile.TemporaryDirectory(prefix="rhil7-site-") as tmp:
        archive = make_release(Path(package_dir), Path(tmp), progress=progress, mode="snapshot")
        return read_release(archive, Path(package_dir))
