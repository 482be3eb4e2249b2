"""The one road from a package on disk to anything built from it: read once, validated once, handed down.

``read_package`` validates a package and keeps what the validation read: the descriptor, each table's bytes,
each table as the validator's DuckDB typed it, the fingerprint of those bytes and the problems. build,
reproduce and release take that ``ValidatedPackage``; none of them opens a table again, types it again or
skips the validation, so what was validated is, by construction, what is built and released.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from rhil7.core.limits import DEFAULT_LIMITS, Limits
from rhil7.core.problems import Problem
from rhil7.core.sinks import terminal
from rhil7.core.safe_reader import UnreadableInput
from rhil7.validators.run import validate

from .fingerprint import fingerprint_of
from .frames import from_typed

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class ValidatedPackage:
    """A package as one validation read it. ``files``: each table's bytes as read (BOM included), by resource
    name; ``tables``: each table read whole, typed by its Table Schema, by resource name; ``fingerprint``: sha256
    of the descriptor and of each table's bytes (rhil7.fingerprint); ``problems``: [] when valid."""

    root: Path
    descriptor: dict
    files: dict[str, bytes] = field(repr=False)
    tables: dict[str, pd.DataFrame] = field(repr=False)
    fingerprint: dict[str, str]
    problems: list[Problem]
    # the record number (header = 1) of each row of each table in ``tables`` (a blank row is no row of it)
    records: dict[str, list[int]] = field(default_factory=dict, repr=False)

    @property
    def valid(self) -> bool:
        return not self.problems

    # the name the commands used for the package's directory before the gate handed the package down
    @property
    def package_dir(self) -> Path:
        return self.root


def read_package(root: Path, limits: Limits = DEFAULT_LIMITS, canonical: dict | None = None) -> ValidatedPackage:
    """The package validated, with what was read; raises UnreadableInput when nothing can be read. The tables
    that could not be read whole (a header or quoting problem) are missing from ``tables``."""
    root = Path(root)
    found = validate(root, limits, canonical, keep=True)
    resources = {r["name"]: r for r in found.descriptor["resources"] if isinstance(r, dict) and "name" in r}
    tables = {name: from_typed(table, resources[name]) for name, table in found.typed.items()}
    fingerprint = fingerprint_of(found.descriptor, found.digests)
    return ValidatedPackage(root, found.descriptor, found.files, tables, fingerprint, found.problems, found.records)


def refusal_message(problems: list[Problem]) -> str:
    """One sentence for a command that refuses an invalid package: how many problems, the first, what to run."""
    first = min(problems, key=lambda p: p.sort_key())
    where = (
        terminal(first.file)
        + (f", row {first.row}" if first.row is not None else "")
        + (f", field {terminal(first.field)}" if first.field else "")
    )
    return (
        f"the package is invalid ({len(problems)} problem(s); the first: {where}: [{first.code}]); "
        "run `rhil7 validate` to see them all"
    )


def require_valid(
    package: Path | ValidatedPackage, refusal: type[Exception], progress: Callable[[str], None] = lambda m: None
) -> ValidatedPackage:
    """The package read and validated (or as given), or ``refusal`` raised with a message that says what to run."""
    if not isinstance(package, ValidatedPackage):
        progress("validating the package")
        try:
            package = read_package(Path(package))
        except UnreadableInput as exc:
            raise refusal(str(exc)) from None
    if package.problems:
        raise refusal(refusal_message(package.problems))
    return package
