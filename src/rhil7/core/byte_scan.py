"""What a table's bytes say before any CSV reader parses them, found in one pass in C over the file.

Three things DuckDB's reader does not report: a quote inside an unquoted field (``1.20 ("SD" 0.50)``, which
it keeps as text), a blank line (which it skips) and a control character; the number of line ends, which
bounds the rows before anything is parsed; and the line ends inside a quoted cell, so that the line where each
record starts is known without looking into the parsed cells. The file is scanned a mebibyte at a time: one
temporary of a 200 MB file's size costs more in fresh memory pages than the comparisons themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

QUOTE, COMMA, LF, CR, TAB = 0x22, 0x2C, 0x0A, 0x0D, 0x09
_DELIMITERS = np.zeros(256, dtype=bool)
_DELIMITERS[[QUOTE, COMMA, LF, CR]] = True
_CHUNK = 1 << 20
_Scalar = TypeVar("_Scalar", bound=np.generic)
Bytes = bytes | bytearray | memoryview  # a file's contents (a view of a mapped file, in the validator)


@dataclass(frozen=True)
class ByteScan:
    lines: int  # line ends of every kind (LF, CR LF, a lone CR)
    stray: int | None  # offset of the first quote inside an unquoted field
    controlled: bool  # a control (C0 but tab, LF, CR; DEL; C1) or invisible format character occurs
    blank: list[int] = field(default_factory=list)  # line numbers of the empty lines (outside quoted cells)
    quotes: int = 0  # quote characters (an odd count: a quote never closed)
    # the line ends inside a quoted cell (their index among the line ends, from 0): a record spans those lines
    spanning: NDArray[np.intp] = field(default_factory=lambda: np.empty(0, dtype=np.int64), compare=False)
    # line ends outside quoted cells (those that end records): the first line ended by a lone CR, the first line
    # whose end differs in kind (LF, CR LF) from the first line's, and whether the first line ends in CR LF
    lone_cr: int | None = field(default=None, compare=False)
    mixed_line: int | None = field(default=None, compare=False)
    first_crlf: bool = field(default=False, compare=False)

    def record_of_line(self, line: int) -> int:
        """The record number (header = 1) of the record on (or spanning) physical ``line``."""
        return line - int(np.searchsorted(self.spanning, line - 1))

    @property
    def quoting_broken(self) -> bool:
        """A quote inside an unquoted field, or one never closed: readers that do not say so glue cells together."""
        return self.stray is not None or self.quotes % 2 == 1


def scan_bytes(body: Bytes, max_lines: int) -> ByteScan | None:
    """The scan of ``body``; None when it has more than ``max_lines`` line ends (counted no further, so a file
    of nothing but line breaks costs no more memory than the limit allows)."""
    codes = np.frombuffer(body, dtype=np.uint8)
    hits = np.empty(min(_CHUNK, len(codes)), dtype=bool)
    offset_parts: list[NDArray[np.int64]] = []
    value_parts: list[NDArray[np.uint8]] = []
    quoted_parts: list[NDArray[np.bool_]] = []
    stored, stray, controlled, quotes = 0, None, False, 0
    for start in range(0, len(codes), _CHUNK):
        chunk = codes[start : start + _CHUNK]
        mask = hits[: len(chunk)]
        low = np.flatnonzero(np.less(chunk, 0x20, out=mask))
        found = chunk[low]
        breaks = (found == LF) | (found == CR)
        controlled = controlled or not (breaks | (found == TAB)).all() or _invisible_in(codes, chunk, start, mask)
        offset_parts.append(low[breaks] + start)
        value_parts.append(found[breaks])
        stored += len(offset_parts[-1])
        if stored > 2 * max_lines + 2:  # (a CR LF is two of them: more than the limit's lines for sure)
            return None
        quote_at = np.flatnonzero(np.equal(chunk, QUOTE, out=mask)) + start
        # (an odd count of quotes before)
        quoted_parts.append((quotes + np.searchsorted(quote_at, offset_parts[-1])) % 2 == 1)
        quotes += len(quote_at)
        stray = _stray_in(codes, quote_at) if stray is None else stray
    offsets, values = _joined(offset_parts, np.int64), _joined(value_parts, np.uint8)
    quoted = _joined(quoted_parts, np.bool_)
    ends = _line_ends(offsets, values)
    lines = int(ends.sum())
    if lines > max_lines:
        return None
    lone_cr, mixed_line, first_crlf = _line_end_kinds(offsets, values, ends, quoted)
    return ByteScan(
        lines,
        stray,
        controlled,
        _blank_lines(offsets, ends, ends & ~quoted).tolist(),
        quotes,
        np.flatnonzero(quoted[ends]),
        lone_cr,
        mixed_line,
        first_crlf,
    )


def _joined(parts: list[NDArray[_Scalar]], kind: type[_Scalar]) -> NDArray[_Scalar]:
    """The parts end to end (an empty array of ``kind`` when there are none)."""
    return np.concatenate(parts) if parts else np.empty(0, dtype=kind)


# Invisible characters in UTF-8 (the validator's CONTROL in validators/table_checks.py says which code points),
# by their lead byte: DEL; C1 (C2 80-9F); the Arabic letter mark (D8 9C); zero-width space to RLM (E2 80 8B-8F),
# line and paragraph separators and bidi embeddings and overrides (E2 80 A8-AE), word joiner (E2 81 A0), bidi
# isolates (E2 81 A6-A9); a BOM (EF BB BF) after the first byte. A false alarm only costs the cell check's time.
def _invisible_in(codes: NDArray[np.uint8], chunk: NDArray[np.uint8], start: int, mask: NDArray[np.bool_]) -> bool:
    if start == 0 and bytes(chunk[:3]) == b"\xef\xbb\xbf":  # (the file's BOM is allowed)
        chunk, start = chunk[3:], 3
    mask = mask[: len(chunk)]
    if not np.greater_equal(chunk, 0x7F, out=mask).any():  # (ASCII text: one comparison a byte)
        return False
    # only the five lead bytes are looked at further (text with accents has many others: é is C3 A9)
    np.equal(chunk, 0xE2, out=mask)
    for lead_byte in (0xC2, 0x7F, 0xD8, 0xEF):
        mask |= chunk == lead_byte
    at = np.flatnonzero(mask) + start
    following = np.concatenate([codes[at[0] : at[-1] + 3], np.zeros(2, dtype=np.uint8)]) if len(at) else None
    if following is None:
        return False
    lead, second, third = (following[at - at[0] + k] for k in range(3))
    return bool(
        (
            (lead == 0x7F)
            | ((lead == 0xC2) & (second <= 0x9F))
            | ((lead == 0xD8) & (second == 0x9C))
            | (
                (lead == 0xE2)
                & (second == 0x80)
                & (((third >= 0x8B) & (third <= 0x8F)) | ((third >= 0xA8) & (third <= 0xAE)))
            )
            | ((lead == 0xE2) & (second == 0x81) & ((third == 0xA0) | ((third >= 0xA6) & (third <= 0xA9))))
            | ((lead == 0xEF) & (second == 0xBB) & (third == 0xBF))
        ).any()
    )


def _line_end_kinds(
    offsets: NDArray[np.int64], values: NDArray[np.uint8], ends: NDArray[np.bool_], quoted: NDArray[np.bool_]
) -> tuple[int | None, int | None, bool]:
    """Of the line ends outside quoted cells: the line number of the first lone CR, that of the first whose kind
    (LF or CR LF) differs from the first line's, and whether the first is CR LF. (Inside a quoted cell a line
    end is the cell's text, kept as it is by every reader.)"""
    crlf = np.zeros(len(values), dtype=bool)  # an LF right after a CR
    crlf[1:] = (values[1:] == LF) & (values[:-1] == CR) & (offsets[1:] == offsets[:-1] + 1)
    at_ends = np.flatnonzero(ends)  # line k + 1 ends at break byte at_ends[k]
    outside = ~quoted[at_ends]
    lone = np.flatnonzero(outside & (values[at_ends] == CR))
    kinds = crlf[at_ends][outside]
    lines = np.flatnonzero(outside) + 1
    first_crlf = bool(kinds[0]) if len(kinds) else False
    differ = np.flatnonzero(kinds != first_crlf) if len(kinds) else np.empty(0, dtype=np.int64)
    return (int(lone[0]) + 1 if len(lone) else None, int(lines[differ[0]]) if len(differ) else None, first_crlf)


def _stray_in(codes: NDArray[np.uint8], quotes: NDArray[np.intp]) -> int | None:
    """Of the quotes at ``quotes`` (offsets into ``codes``), the first that neither opens a field (after a comma
    or a line start) nor closes one (before a comma or a line end) nor is half of a doubled quote: unquoted text
    with a quote in it."""
    before, after = np.ones((2, len(quotes)), dtype=bool)  # (a quote at either end of the file: delimited)
    inside = quotes > 0
    before[inside] = _DELIMITERS[codes[quotes[inside] - 1]]
    inside = quotes < len(codes) - 1
    after[inside] = _DELIMITERS[codes[quotes[inside] + 1]]
    stray = quotes[~before & ~after]
    return int(stray[0]) if len(stray) else None


def _line_ends(offsets: NDArray[np.int64], values: NDArray[np.uint8]) -> NDArray[np.bool_]:
    """Of the line-break bytes (offsets and values, in order), those that end a line: an LF, or a CR not
    followed at once by an LF."""
    ends: NDArray[np.bool_] = values == LF
    ends[:-1] |= (values[:-1] == CR) & ~((offsets[1:] == offsets[:-1] + 1) & (values[1:] == LF))
    ends[-1:] |= values[-1:] == CR
    return ends


def _blank_lines(offsets: NDArray[np.int64], ends: NDArray[np.bool_], records: NDArray[np.bool_]) -> NDArray[np.intp]:
    """The line numbers of the empty lines that are records (a line break right after the end of a record, not
    inside a quoted cell); vectorized, so a file of many blank lines costs no more than one without."""
    adjacent: NDArray[np.bool_] = offsets[1:] == offsets[:-1] + 1
    blank_starts = offsets[1:][adjacent & records[:-1]]
    return np.searchsorted(offsets[ends], blank_starts) + 1  # line = line breaks ended before it + 1


def line_breaks(body: Bytes) -> int:
    """The line ends of every kind, counted exactly (error paths only: a file over the limit, a quoting fault)."""
    data = bytes(body)
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
