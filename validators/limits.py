"""Bounds on untrusted input, in one place so the CLI and the docs agree."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_descriptor_bytes: int = 1 * 1024 * 1024
    max_table_bytes: int = 512 * 1024 * 1024
    max_table_rows: int = 5_000_000
    max_resources: int = 64


DEFAULT_LIMITS = Limits()
