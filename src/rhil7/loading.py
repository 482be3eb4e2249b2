"""Load the package tables (typed by their Table Schemas) for the analysis, the API and the build."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .paths import find_package_dir


def read_descriptor(package_dir: Path) -> dict:
    return json.loads((Path(package_dir) / "datapackage.json").read_text(encoding="utf-8-sig"))


def read_tables(package_dir: Path, names: list[str] | None = None) -> dict[str, pd.DataFrame]:
    from rhil7.validators.tables import read_table

    descriptor = read_descriptor(package_dir)
    tables = {}
    for resource in descriptor["resources"]:
        if names is None or resource["name"] in names:
            frame = read_table(Path(package_dir) / resource["path"], resource)
            tables[resource["name"]] = frame.reset_index(drop=True)
    return tables


@dataclass
class LoadedPackage:
    package_dir: Path
    descriptor: dict
    tables: dict[str, pd.DataFrame]
    connection: object  # duckdb.DuckDBPyConnection with the tables and the public views


def load_package(package_dir=None) -> LoadedPackage:
    from .database import connect_in_memory

    package_dir = find_package_dir(package_dir)
    descriptor = read_descriptor(package_dir)
    tables = read_tables(package_dir)
    return LoadedPackage(package_dir, descriptor, tables, connect_in_memory(tables, descriptor))
