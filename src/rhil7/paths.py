"""Where the package lives: an explicit path, $RHIL7_PACKAGE, or the nearest datapackage.json upward."""
from __future__ import annotations

import os
from pathlib import Path


class PackageNotFound(Exception):
    pass


def find_package_dir(explicit: str | os.PathLike | None = None, start: Path | None = None) -> Path:
    if explicit is not None:
        return Path(explicit)
    if os.environ.get("RHIL7_PACKAGE"):
        return Path(os.environ["RHIL7_PACKAGE"])
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "datapackage.json").is_file():
            return candidate
    raise PackageNotFound(f"no datapackage.json in {here} or its parents; pass a package directory or set RHIL7_PACKAGE")


def build_dir(package_dir: Path) -> Path:
    return Path(os.environ.get("RHIL7_BUILD", package_dir / "build"))
