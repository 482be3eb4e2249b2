"""The one way a name or a text enters SQL: ``quote_identifier`` and ``quote_literal``.

Re-exported by rhil7.core.database (the documented place to import them from); a module of its own so that
rhil7.core.vocabulary, which rhil7.core.database imports, can quote its words without an import cycle.
"""

from __future__ import annotations


def quote_identifier(name: str) -> str:
    """``name`` as one SQL identifier, whatever characters it holds (the only way a name enters SQL)."""
    if not isinstance(name, str):
        raise TypeError(f"an SQL identifier must be a string, not {type(name).__name__}")
    if "\x00" in name:
        raise ValueError(f"an SQL identifier cannot contain NUL: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """``text`` as one SQL string literal (single quotes doubled)."""
    if "\x00" in text:
        raise ValueError(f"an SQL string cannot contain NUL: {text!r}")
    return "'" + text.replace("'", "''") + "'"
