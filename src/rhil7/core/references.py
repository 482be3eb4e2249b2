"""Descriptor properties that would make a reader fetch or open something other than the package's CSVs.

frictionless follows a ``schema``, ``dialect`` or ``profile`` given as a URL or a file path
(it downloads it), and reads ``extrapaths`` as more files of the same table. A contributed
descriptor is data, not instructions: every such reference is refused here, with a problem
that says what to write instead, before frictionless sees the descriptor. (structure.py
also hands frictionless an HTTP session that cannot connect, in case a reference slips by.)
"""
from __future__ import annotations

import re

from .problems import Problem

REMOTE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")  # any URL scheme: http, https, ftp, file, s3, ...

# Profiles that frictionless knows without fetching them.
STANDARD_PROFILE_PREFIXES = ("https://datapackage.org/profiles/", "https://specs.frictionlessdata.io/schemas/")
# What DuckDB's reader, frictionless and rhil7.load assume; anything else would be read differently by each.
DEFAULT_DIALECT = {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "header": True, "skipInitialSpace": False}
HARMLESS_DIALECT_KEYS = {"lineTerminator": ("\n", "\r\n")}
# How a resource may ask to be read: the values every reader (DuckDB, frictionless, pandas) agrees on.
PLAIN_READING = {"scheme": ("file",), "format": ("csv",), "compression": ("", "no"),
                 "encoding": ("utf-8", "utf8", "utf-8-sig")}


def _problem(file: str, code: str, expected: str, found, message: str) -> Problem:
    return Problem(file=file, row=None, field=None, code=code, expected=expected, found=repr(found)[:120],
                   message=message, stage="safety")


def custom_profile(value) -> bool:
    return isinstance(value, str) and bool(REMOTE.match(value)) and not value.startswith(STANDARD_PROFILE_PREFIXES)


def package_reference_problems(descriptor: dict) -> list[Problem]:
    return [_problem("datapackage.json", "remote-reference", "a standard Data Package profile (or none)",
                     descriptor[key], f"The package's '{key}' points at a custom remote profile, which would "
                                      "have to be downloaded; validation never opens a network connection.")
            for key in ("profile", "$schema") if custom_profile(descriptor.get(key))]


def resource_reference_problems(resource: dict, label: str) -> list[Problem]:
    problems = []
    schema = resource.get("schema")
    if schema is not None and not isinstance(schema, dict):
        code = "remote-reference" if isinstance(schema, str) and REMOTE.match(schema) else "schema-not-inline"
        problems.append(_problem(label, code, "the Table Schema written inline, as a JSON object", schema,
                                 "The resource's schema must be inline in datapackage.json; a schema given "
                                 "by URL or file name is not followed."))
    dialect = resource.get("dialect")
    if dialect is not None and not isinstance(dialect, dict):
        code = "remote-reference" if isinstance(dialect, str) and REMOTE.match(dialect) else "dialect-not-inline"
        problems.append(_problem(label, code, "no dialect (plain CSV), or an inline one", dialect,
                                 "The resource's dialect must be inline; a dialect given by URL or file name is "
                                 "not followed."))
    elif isinstance(dialect, dict):
        odd = {k: v for k, v in dialect.items()
               if DEFAULT_DIALECT.get(k, v) != v or (k not in DEFAULT_DIALECT and v not in HARMLESS_DIALECT_KEYS.get(k, ()))}
        if odd:
            problems.append(_problem(label, "unsupported-dialect", "plain CSV: comma-separated, double quotes, "
                                     "a header row", odd, "Only plain CSV (RFC 4180) is accepted; save the "
                                                          "table as comma-separated UTF-8."))
    odd_reading = {k: resource[k] for k, allowed in PLAIN_READING.items()
                   if resource.get(k) is not None and str(resource[k]).lower() not in allowed}
    if odd_reading:
        problems.append(_problem(label, "unsupported-format", "a local, uncompressed UTF-8 CSV file", odd_reading,
                                 "Only local CSV files are read: another scheme, format, compression or "
                                 "encoding would make frictionless read the file differently from the other checks."))
    for key in ("profile", "$schema"):
        if custom_profile(resource.get(key)):
            problems.append(_problem(label, "remote-reference", "a standard profile (or none)", resource[key],
                                     f"The resource's '{key}' points at a custom remote profile; it is not fetched."))
    if resource.get("extrapaths"):
        problems.append(_problem(label, "bad-path", "one relative path to a CSV file", resource["extrapaths"],
                                 "A table must be one CSV file: 'extrapaths' is not accepted."))
    return problems
