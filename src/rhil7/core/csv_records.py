"""A CSV table edited record by record: untouched records keep their exact bytes.

A contribution should show in `git diff` as the lines it adds or changes, not as a table re-quoted by
another writer; so a table is held as its header, the raw text of each record and the parsed values,
and only new or changed records are serialized.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from .limits import DEFAULT_LIMITS
from .paths import write_file
from .safe_reader import read_bytes


def _serialize(values: list[str], newline: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerow(values)
    return out.getvalue()


@dataclass
class CsvTable:
    header: list[str]
    records: list[list[str]]
    texts: list[str]  # the raw text of each record, its line ending included
    header_text: str
    newline: str = "\n"
    bom: bool = False
    changed: bool = field(default=False)

    @classmethod
    def read(cls, root: Path, relpath: str) -> "CsvTable":
        """The table ``root/relpath``, read by the safe reader (a regular file, no link on the way)."""
        data = read_bytes(root, relpath, DEFAULT_LIMITS.max_table_bytes)
        bom = data.startswith(b"\xef\xbb\xbf")
        text = data[3 if bom else 0 :].decode("utf-8")
        lines = text.splitlines(keepends=True)
        newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += newline  # the last record gets a line ending when another is appended after it
        reader = csv.reader(iter(lines))
        chunks: list[tuple[list[str], str]] = []
        start = 0
        for values in reader:
            chunks.append((values, "".join(lines[start : reader.line_num])))
            start = reader.line_num
        (header, header_text), body = chunks[0], chunks[1:]
        body = [(values, raw) for values, raw in body if values]  # a blank line is no record
        return cls(header, [v for v, _ in body], [t for _, t in body], header_text, newline, bom)

    def rows(self) -> list[dict[str, str]]:
        return [dict(zip(self.header, values, strict=False)) for values in self.records]  # (ragged: its own cells)

    def find(self, key: dict[str, str]) -> int | None:
        """The index of the only record whose values match ``key``."""
        columns = [self.header.index(k) for k in key]
        wanted = list(key.values())
        hits = [i for i, r in enumerate(self.records) if [r[c] if c < len(r) else "" for c in columns] == wanted]
        return hits[0] if len(hits) == 1 else None

    def upsert(self, row: dict[str, str], key: list[str]) -> str:
        """Add ``row`` or replace the record with the same ``key``; returns 'added', 'changed' or 'same'."""
        values = [row.get(name, "") for name in self.header]
        index = self.find({k: row.get(k, "") for k in key})
        if index is None:
            self.records.append(values)
            self.texts.append(_serialize(values, self.newline))
            self.changed = True
            return "added"
        if self.records[index] == values:
            return "same"
        self.records[index] = values
        self.texts[index] = _serialize(values, self.newline)
        self.changed = True
        return "changed"

    def text(self) -> str:
        return self.header_text + "".join(self.texts)

    def write(self, root: Path, relpath: str) -> None:
        """Write the table to ``root/relpath`` atomically, never through a link (``paths.write_file``)."""
        write_file(Path(root) / relpath, (b"\xef\xbb\xbf" if self.bom else b"") + self.text().encode("utf-8"), root)
