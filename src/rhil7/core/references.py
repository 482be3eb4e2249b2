"""Descriptor properties that would make a reader fetch or open something other than the package's CSVs.

frictionless follows a ``schema``, ``dialect`` or ``profile`` given as a URL or a file path
(it downloads it, or opens the local file), and reads ``extrapaths`` as more files of the same table. A contributed
descriptor is data, not instructions: every such reference is refused here, with a problem
that says what to write instead, before frictionless sees the descriptor. (structure.py
also hands frictionless an HTTP session that cannot connect, in case a reference slips by.)
"""

from __future__ import annotations

import re
from typing import Any

from .problems import Problem

REMOTE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")  # any URL scheme: http, https, ftp, file, s3, ...

# Profiles that frictionless knows without fetching them (by URL or by their version-1 names).
STANDARD_PROFILE_PREFIXES = ("https://datapackage.org/profiles/", "https://specs.frictionlessdata.io/schemas/")
STANDARD_PROFILE_NAMES = (
    "data-package",
    "tabular-data-package",
    "fiscal-data-package",
    "data-resource",
    "tabular-data-resource",
)
# What DuckDB's reader, frictionless and rhil7.load assume; anything else would be read differently by each.
DEFAULT_DIALECT = {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "header": True, "skipInitialSpace": False}
HARMLESS_DIALECT_KEYS = {"lineTerminator": ("\n", "\r\n")}
# How a resource may ask to be read: the values every reader (DuckDB, frictionless, pandas) agrees on.
PLAIN_READING = {
    "scheme": ("file",),
    "format": ("csv",),
    "compression": ("", "no"),
    "encoding": ("utf-8", "utf8", "utf-8-sig"),
}


def _problem(file: str, code: str, expected: str, found: object, message: str) -> Problem:
    return Problem(
        file=file,
        row=None,
        field=None,
        code=code,
        expected=expected,
        found=repr(found)[:120],
        message=message,
        stage="safety",
    )


def custom_profile(value: object) -> bool:
    """A profile frictionless would fetch (a URL) or open (a local file name: through a link, a named pipe or
    /dev/zero just as well): anything but a standard profile. It is refused here and never shown to frictionless."""
    return (
        isinstance(value, str)
        and not value.startswith(STANDARD_PROFILE_PREFIXES)
        and value not in STANDARD_PROFILE_NAMES
    )


def _profile_problem(label: str, key: str, value: str, whose: str) -> Problem:
    if REMOTE.match(value):
        return _problem(
            label,
            "remote-reference",
            "a standard profile (or none)",
            value,
            f"The {whose}'s '{key}' points at a custom remote profile, which would have to be "
            "downloaded; validation never opens a network connection.",
        )
    return _problem(
        label,
        "local-reference",
        "a standard profile (or none)",
        value,
        f"The {whose}'s '{key}' names a local file as its profile; a contributed descriptor never makes "
        "the validator open another file. Remove it, or use a standard profile.",
    )


def package_reference_problems(descriptor: dict[str, Any]) -> list[Problem]:
    return [
        _profile_problem("datapackage.json", key, descriptor[key], "package")
        for key in ("profile", "$schema")
        if custom_profile(descriptor.get(key))
    ]


def resource_reference_problems(resource: dict[str, Any], label: str) -> list[Problem]:
    problems = []
    schema = resource.get("schema")
    if schema is not None and not isinstance(schema, dict):
        code = "remote-reference" if isinstance(schema, str) and REMOTE.match(schema) else "schema-not-inline"
        problems.append(
            _problem(
                label,
                code,
                "the Table Schema written inline, as a JSON object",
                schema,
                "The resource's schema must be inline in datapackage.json; a schema given "
                "by URL or file name is not followed.",
            )
        )
    dialect = resource.get("dialect")
    if dialect is not None and not isinstance(dialect, dict):
        code = "remote-reference" if isinstance(dialect, str) and REMOTE.match(dialect) else "dialect-not-inline"
        problems.append(
            _problem(
                label,
                code,
                "no dialect (plain CSV), or an inline one",
                dialect,
                "The resource's dialect must be inline; a dialect given by URL or file name is not followed.",
            )
        )
    elif isinstance(dialect, dict):
        odd = {
            k: v
            for k, v in dialect.items()
            if DEFAULT_DIALECT.get(k, v) != v
            or (k not in DEFAULT_DIALECT and v not in HARMLESS_DIALECT_KEYS.get(k, ()))
        }
        if odd:
            problems.append(
                _problem(
                    label,
                    "unsupported-dialect",
                    "plain CSV: comma-separated, double quotes, a header row",
                    odd,
                    "Only plain CSV (RFC 4180) is accepted; save the table as comma-separated UTF-8.",
                )
            )
    odd_reading = {
        k: resource[k]
        for k, allowed in PLAIN_READING.items()
        if resource.get(k) is not None and str(resource[k]).lower() not in allowed
    }
    if odd_reading:
        problems.append(
            _problem(
                label,
                "unsupported-format",
                "a local, uncompressed UTF-8 CSV file",
                odd_reading,
                "Only local CSV files are read: another scheme, format, compression or "
                "encoding would make frictionless read the file differently from the other checks.",
            )
        )
    problems += [
        _profile_problem(label, key, resource[key], "resource")
        for key in ("profile", "$schema")
        if custom_profile(resource.get(key))
    ]
    if resource.get("extrapaths"):
        problems.append(
            _problem(
                label,
                "bad-path",
                "one relative path to a CSV file",
                resource["extrapaths"],
                "A table must be one CSV file: 'extrapaths' is not accepted.",
            )
        )
    return problems
