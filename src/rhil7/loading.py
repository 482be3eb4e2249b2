"""Read a package once, through the same safety checks as ``rhil7 validate``, for every command and the API.

Every command that reads a package (build, reproduce, diff, audit, release, the Python API) gets its
descriptor and tables here: the descriptor and each table file must be regular files inside the package,
reached without a symbolic link; no absolute, ``..`` or remote path; sizes and row counts bounded
(``rhil7.validators.untrusted``, the checks ``validate`` runs first).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .paths import find_package_dir

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Package:
    """A package as read from disk: its directory, descriptor and typed tables (by resource name)."""
    package_dir: Path
    descriptor: dict
    tables: dict[str, pd.DataFrame]


def _no_link(package_dir: Path, relpath: str) -> None:
    from rhil7.validators.untrusted import UnreadableInput

    current = Path(package_dir)
    for part in Path(relpath).parts:
        current = current / part
        if current.is_symlink():
            raise UnreadableInput(f"{current}: a symbolic link; a package is read only from its own regular files")


def read_descriptor(package_dir: Path) -> dict:
    """The descriptor, read like ``rhil7 validate`` reads it; raises UnreadableInput."""
    from rhil7.validators.untrusted import load_descriptor

    _no_link(package_dir, "datapackage.json")
    return load_descriptor(Path(package_dir))


def read_package(package_dir: Path, names: list[str] | None = None) -> Package:
    """Descriptor and tables (all, or those in ``names``); raises UnreadableInput naming the file and the reason."""
    package_dir = Path(package_dir)
    descriptor = read_descriptor(package_dir)
    tables = {}
    for resource in descriptor["resources"]:
        if isinstance(resource, dict) and (names is None or resource.get("name") in names):
            tables[str(resource.get("name"))] = read_resource(package_dir, resource)
    return Package(package_dir, descriptor, tables)


def read_resource(package_dir: Path, resource: dict) -> pd.DataFrame:
    """One table, typed by its Table Schema, after the safety checks; raises UnreadableInput."""
    from rhil7.validators.tables import read_table
    from rhil7.validators.untrusted import UnreadableInput, check_resource

    safe, problems = check_resource(Path(package_dir), resource)
    if problems:
        first = problems[0]
        raise UnreadableInput(f"{Path(package_dir) / str(first.file)}: {first.message} (expected {first.expected}, "
                              f"found {first.found})")
    _no_link(package_dir, safe.relpath)
    return read_table(safe.path, resource).reset_index(drop=True)


def read_tables(package_dir: Path, names: list[str] | None = None) -> dict[str, pd.DataFrame]:
    return read_package(package_dir, names).tables


@dataclass
class LoadedPackage(Package):
    connection: object  # duckdb.DuckDBPyConnection with the tables and the public views


def load_package(package_dir=None) -> LoadedPackage:
    from .database import connect_in_memory

    package = read_package(find_package_dir(package_dir))
    return LoadedPackage(package.package_dir, package.descriptor, package.tables,
                         connect_in_memory(package.tables, package.descriptor))
