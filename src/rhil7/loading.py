"""Read a package for the Python API and the audit: through the gate (rhil7.gate), read and typed once.

``read_package`` is ``rhil7.gate.read_package``: the package validated, with the bytes and the typed tables the
validation read. A table that could not be read whole is refused (UnreadableInput) here, not half-loaded.
``read_descriptor`` and ``read_resource`` remain for ``rhil7 diff`` (rhil7/diff.py), which still types a
side's tables with pandas (rhil7.frames.read_table).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

from rhil7.core.safe_reader import UnreadableInput

from . import gate
from .core.paths import find_package_dir
from .gate import ValidatedPackage

if TYPE_CHECKING:
    import pandas as pd


def read_descriptor(package_dir: Path) -> dict:
    """The descriptor, read like ``rhil7 validate`` reads it; raises UnreadableInput."""
    from rhil7.core.safe_reader import load_descriptor

    return load_descriptor(Path(package_dir))


def read_package(package_dir: Path, names: list[str] | None = None) -> ValidatedPackage:
    """The package through the gate; raises UnreadableInput, naming the file and the first problem, when a table
    (of ``names``, default all) could not be read whole."""
    package = gate.read_package(Path(package_dir))
    for resource in package.descriptor["resources"]:
        name = resource.get("name") if isinstance(resource, dict) else None
        if (names is None or name in names) and name not in package.tables:
            where = resource.get("path", name) if isinstance(resource, dict) else name
            first = min((p for p in package.problems if p.file == where), key=lambda p: p.sort_key(), default=None)
            raise UnreadableInput(
                f"{Path(package_dir) / str(where)}: the table cannot be read"
                + (f" (row {first.row}: {first.message})" if first else "")
            )
    return package


def read_resource(package_dir: Path, resource: dict) -> pd.DataFrame:
    """One table, typed by its Table Schema, after the safety checks; raises UnreadableInput."""
    return _read_resource(Path(package_dir), resource)[0]


def _read_resource(package_dir: Path, resource: dict) -> tuple[pd.DataFrame, bytes]:
    import io

    from rhil7.core.safe_reader import UTF8_BOM, check_resource
    from rhil7.frames import read_table

    safe, problems = check_resource(package_dir, resource)
    if problems:
        first = problems[0]
        raise UnreadableInput(
            f"{package_dir / str(first.file)}: {first.message} (expected {first.expected}, found {first.found})"
        )
    data = (UTF8_BOM if safe.has_bom else b"") + safe.body
    return read_table(io.BytesIO(data), resource).reset_index(drop=True), data


def read_tables(package_dir: Path, names: list[str] | None = None) -> dict[str, pd.DataFrame]:
    return read_package(package_dir, names).tables


@dataclass(frozen=True)
class LoadedPackage(ValidatedPackage):
    connection: object = None  # duckdb.DuckDBPyConnection with the tables and the public views


def load_package(package_dir=None) -> LoadedPackage:
    from .core.database import connect_in_memory

    package = read_package(find_package_dir(package_dir))
    return LoadedPackage(
        **{f.name: getattr(package, f.name) for f in fields(ValidatedPackage)},
        connection=connect_in_memory(package.tables, package.descriptor),
    )
