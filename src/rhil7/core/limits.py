"""Bounds on untrusted input, in one place so the CLI and the docs agree."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_descriptor_bytes: int = 1 * 1024 * 1024
    max_table_bytes: int = 512 * 1024 * 1024
    max_table_rows: int = 5_000_000
    max_resources: int = 64
    max_fields: int = 200
    max_header_bytes: int = 64 * 1024
    max_descriptor_depth: int = 32
    # JSON deeper than this is not read at all (exit 2): every walk of it stays far below Python's recursion limit
    max_json_depth: int = 256
    # problems listed per file and code, and in all; the rest are counted (frictionless' limitErrors)
    max_problems_per_code: int = 1_000
    max_problems: int = 5_000


DEFAULT_LIMITS = Limits()


class UnreadableInput(Exception):
    """The package cannot be read at all (exit code 2). (Here, in the lightest module, so the command line can
    name it without importing the reader.)"""
