"""Strict RFC 4180 reading of a CSV's records: quoting errors and where each record starts.

Why a scanner of our own: Python's csv module (used by frictionless and, in spirit, by
pandas) is lenient. A stray quote such as ``"Abstract, Results,"Twenty-one ...`` is
silently glued into one field, shifting the text of the following cells while the row
still has the right number of cells, so a damaged row can validate clean. Here a quote
is either a whole quoted field or an error.

The scanner also records the physical line on which each record starts: a quoted
snippet may span lines, so a record's row number (header = row 1, as frictionless
counts) and the line an editor or a GitHub annotation shows are not the same.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

_QUOTED = re.compile(r'"(?:[^"]|"")*"', re.S)
_UNQUOTED = re.compile(r'[^",\r\n]*')
_END = re.compile(r",|\r\n|\n|\r|\Z")


@dataclass(frozen=True)
class QuotingError:
    row: int        # record number, header = 1
    line: int       # physical line of the faulty character
    column: int     # 0-based index of the field within its record
    expected: str
    found: str


@dataclass
class Scan:
    """Where each record starts (record_lines[i] = physical line of record i+1) and the first quoting error.

    The record lines of a large file are only needed when one of its rows has a problem to annotate,
    so they may be given as a function, computed on first use.
    """
    _record_lines: list[int] | Callable[[], list[int]]
    error: QuotingError | None
    # whether a quoted field holds a line break (None: not known); a CSV reader told there is none
    # splits the file into records at every line break, about twice as fast
    breaks_inside_fields: bool | None = None
    _computed: list[int] | None = field(default=None, repr=False)

    @property
    def record_lines(self) -> list[int]:
        if self._computed is None:
            lines = self._record_lines
            self._computed = list(lines() if callable(lines) else lines)
        return self._computed

    def line_of_row(self, row: int | None) -> int | None:
        if row is None or not 1 <= row <= len(self.record_lines):
            return row
        return self.record_lines[row - 1]


def _excerpt(text: str, pos: int) -> str:
    start = max(0, pos - 30)
    return repr(text[start:pos + 30])[1:-1]


_FIELD = r'(?:"(?:[^"]|"")*"|[^",\r\n]*)'
_RECORD = re.compile(_FIELD + r"(?:," + _FIELD + r")*(?:\r\n|\n|\r|\Z)")


def scan(text: str) -> Scan:
    """Walk the records of ``text`` (a decoded CSV) and stop at the first quoting error.

    Whole well-formed records are matched by one regular expression each (fast: the cost is one
    match per record, not per field); the first record that does not match is re-walked field by
    field to say exactly what is wrong and where.
    """
    lines: list[int] = []
    pos, line, size = 0, 1, len(text)
    match_record = _RECORD.match
    while pos < size:
        record = match_record(text, pos)
        if record is None:
            return _scan_fields(text, pos, line, lines)
        end = record.end()
        lines.append(line)
        if text.find('"', pos, end) != -1:  # only quoted fields can hold line breaks of their own
            line += text.count("\n", pos, end) + text.count("\r", pos, end) - text.count("\r\n", pos, end)
        elif text[end - 1] in "\r\n":
            line += 1
        pos = end
    return Scan(lines, None)


def _scan_fields(text: str, pos: int, line: int, lines: list[int]) -> Scan:
    """Field-by-field walk from ``pos`` (the start of a record), stopping at the first quoting error."""
    column, at_record_start = 0, True
    size = len(text)
    while pos < size:
        if at_record_start:
            lines.append(line)
            at_record_start = False
        if text[pos] == '"':
            match = _QUOTED.match(text, pos)
            if match is None:
                return Scan(lines, QuotingError(len(lines), line, column, "a closing quote for the quoted field",
                                                f"a quote opened here and never closed: {_excerpt(text, pos)}"))
        else:
            match = _UNQUOTED.match(text, pos)
        field_end = match.end()
        line += text.count("\n", pos, field_end) + text.count("\r", pos, field_end) - text.count("\r\n", pos, field_end)
        end = _END.match(text, field_end)
        if end is None:
            what = ("text after the closing quote" if text[pos] == '"' else
                    "a quote inside an unquoted field")
            return Scan(lines, QuotingError(len(lines), line, column,
                                            "a comma or line end after a field; quote the whole field and double "
                                            "any quote inside it (\"\")", f"{what}: {_excerpt(text, field_end)}"))
        pos = end.end()
        if end.group() == ",":
            column += 1
            if pos == size:  # a trailing comma at the very end still opens an (empty) last field
                break
        elif end.group():
            line += 1
            column, at_record_start = 0, True
        else:
            break
    return Scan(lines, None)


QUOTE, COMMA, LF, CR = 0x22, 0x2C, 0x0A, 0x0D
_CHUNK = 1 << 22


def _positions(codes: np.ndarray, value: int) -> np.ndarray:
    """Where ``value`` occurs in ``codes``, a few MB at a time: a comparison over the whole file would
    allocate (and fault in) a temporary as large as the file, which costs more than the search."""
    found = [np.flatnonzero(codes[start:start + _CHUNK] == value) + start for start in range(0, len(codes), _CHUNK)]
    return np.concatenate(found) if found else np.empty(0, dtype=np.intp)


def _quotes_well_placed(codes: np.ndarray, quotes: np.ndarray) -> bool:
    """RFC 4180 quoting, judged from the quote positions alone.

    Quotes alternate open/close (a doubled quote inside a field closes and reopens). An opening quote
    must start a field (file start, comma or line end before it) or directly follow a closing quote
    (a doubled quote); a closing quote must end a field (comma, line end or file end after it) or directly
    precede an opening one; and the last quote must close.
    """
    if len(quotes) % 2:
        return False
    if not len(quotes):
        return True
    opening, closing = quotes[0::2], quotes[1::2]
    before = codes[np.maximum(opening - 1, 0)]
    opens_field = (opening == 0) | (before == COMMA) | (before == LF) | (before == CR)
    doubled_open = np.zeros(len(opening), dtype=bool)
    doubled_open[1:] = opening[1:] == closing[:-1] + 1
    if not (opens_field | doubled_open).all():
        return False
    last = len(codes) - 1
    after = codes[np.minimum(closing + 1, last)]
    closes_field = (closing == last) | (after == COMMA) | (after == LF) | (after == CR)
    doubled_close = np.zeros(len(closing), dtype=bool)
    doubled_close[:-1] = closing[:-1] + 1 == opening[1:]
    return bool((closes_field | doubled_close).all())


def _line_starts(codes: np.ndarray, has_cr: bool) -> np.ndarray:
    """Where each line after the first starts: after every LF, CR LF and lone CR."""
    lf = _positions(codes, LF)
    if has_cr:
        cr = _positions(codes, CR)
        lone_cr = cr[(cr + 1 >= len(codes)) | (codes[np.minimum(cr + 1, len(codes) - 1)] != LF)]
        lf = np.sort(np.concatenate([lf, lone_cr]))
    return lf + 1


def _record_lines_of(starts: np.ndarray, outside: np.ndarray, size: int) -> list[int]:
    """The physical line on which each record starts, given where lines start and which of those line
    breaks lie outside quoted fields (those end a record)."""
    if outside.all():  # no field spans lines: record i starts on line i
        return list(range(1, 1 + int(np.count_nonzero(starts < size)) + (size > 0)))
    records = np.concatenate([[0], starts[outside]])
    records = records[records < size]
    return (np.searchsorted(starts, records, side="right") + 1).tolist()


def scan_bytes(body: bytes) -> Scan:
    """``scan`` for UTF-8 bytes without a BOM, in whole arrays: the same result, at C speed.

    A record's start and a quote's place are decided by the bytes ``"`` ``,`` CR and LF only, which
    never occur inside a multi-byte UTF-8 character. A file with a quoting error is handed to ``scan``,
    which says exactly what is wrong and where.
    """
    codes = np.frombuffer(body, dtype=np.uint8)
    quotes = _positions(codes, QUOTE) if b'"' in body else np.empty(0, dtype=np.intp)
    if not _quotes_well_placed(codes, quotes):
        return scan(body.decode("utf-8", errors="replace"))
    starts = _line_starts(codes, b"\r" in body)
    outside = np.searchsorted(quotes, starts) % 2 == 0  # an even number of quotes before: not inside a field
    return Scan(lambda: _record_lines_of(starts, outside, len(codes)), None, breaks_inside_fields=not outside.all())
