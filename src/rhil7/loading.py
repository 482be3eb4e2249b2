"""Read a package once, through the same safety checks as ``rhil7 validate``, for every command and the API.

Every command that reads a package (build, reproduce, diff, audit, release, the Python API) gets its
descriptor and tables here: the descriptor and each table file must be regular files inside the package,
reached without a symbolic link; no absolute, ``..`` or remote path; sizes and row counts bounded
(``rhil7.core.safe_reader``, the checks ``validate`` runs first).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .core.paths import find_package_dir

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Package:
    """A package as read from disk: its directory, descriptor, typed tables and the tables' file bytes as read
    (both by resource name; the release ships and hashes exactly the bytes that were parsed)."""
    package_dir: Path
    descriptor: dict
    tables: dict[str, pd.DataFrame]
    files: dict[str, bytes] = field(default_factory=dict, repr=False)


def _no_link(package_dir: Path, relpath: str) -> None:
    from rhil7.core.safe_reader import UnreadableInput

    current = Path(package_dir)
    for part in Path(relpath).parts:
        current = current / part
        if current.is_symlink():
            raise UnreadableInput(f"{current}: a symbolic link; a package is read only from its own regular files")


def read_descriptor(package_dir: Path) -> dict:
    """The descriptor, read like ``rhil7 validate`` reads it; raises UnreadableInput."""
    from rhil7.core.safe_reader import load_descriptor

    _no_link(package_dir, "datapackage.json")
    return load_descriptor(Path(package_dir))


def read_package(package_dir: Path, names: list[str] | None = None) -> Package:
    """Descriptor and tables (all, or those in ``names``); raises UnreadableInput naming the file and the reason."""
    package_dir = Path(package_dir)
    descriptor = read_descriptor(package_dir)
    package = Package(package_dir, descriptor, {})
    for resource in descriptor["resources"]:
        if isinstance(resource, dict) and (names is None or resource.get("name") in names):
            name = str(resource.get("name"))
            package.tables[name], package.files[name] = _read_resource(package_dir, resource)
    return package


def read_resource(package_dir: Path, resource: dict) -> pd.DataFrame:
    """One table, typed by its Table Schema, after the safety checks; raises UnreadableInput."""
    return _read_resource(Path(package_dir), resource)[0]


def _read_resource(package_dir: Path, resource: dict) -> tuple[pd.DataFrame, bytes]:
    import io

    from rhil7.frames import read_table
    from rhil7.core.safe_reader import UTF8_BOM, UnreadableInput, check_resource

    safe, problems = check_resource(package_dir, resource)
    if problems:
        first = problems[0]
        raise UnreadableInput(f"{package_dir / str(first.file)}: {first.message} (expected {first.expected}, "
                              f"found {first.found})")
    _no_link(package_dir, safe.relpath)
    data = (UTF8_BOM if safe.has_bom else b"") + safe.body
    return read_table(io.BytesIO(data), resource).reset_index(drop=True), data


def read_tables(package_dir: Path, names: list[str] | None = None) -> dict[str, pd.DataFrame]:
    return read_package(package_dir, names).tables


@dataclass
class LoadedPackage(Package):
    connection: object = None  # duckdb.DuckDBPyConnection with the tables and the public views


def load_package(package_dir=None) -> LoadedPackage:
    from .core.database import connect_in_memory

    package = read_package(find_package_dir(package_dir))
    return LoadedPackage(package.package_dir, package.descriptor, package.tables, package.files,
                         connect_in_memory(package.tables, package.descriptor))
