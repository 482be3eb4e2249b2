"""Treat a contributed package as data, never as code.

Before any library reads a file, this module decides which resources may be
read at all: no remote URLs (no network fetch, ever), no absolute paths, no
path that leaves the package directory (``..`` or a symlink pointing out),
bounded sizes and row counts, UTF-8 only. It only reads; it never writes.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import mmap
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .byte_scan import ByteScan, line_breaks, scan_bytes
from .limits import DEFAULT_LIMITS, Limits
from .problems import Problem
from .references import REMOTE, resource_reference_problems

UTF8_BOM = codecs.BOM_UTF8
_NOT_BLANK = re.compile(rb"\S")


class UnreadableInput(Exception):
    """The package cannot be read at all (exit code 2)."""


@dataclass
class SafeResource:
    name: str
    relpath: str
    path: Path
    descriptor: dict
    has_bom: bool
    scan: ByteScan | None = None  # what the bytes say before a CSV reader parses them
    # the file's bytes without the BOM (a view of the file mapped once here); the validator takes them (and
    # drops them) when it parses the table, so a large file is not read twice
    body: memoryview | None = field(default=None, repr=False)


def load_descriptor(package_dir: Path, limits: Limits = DEFAULT_LIMITS) -> dict:
    descriptor_path = package_dir / "datapackage.json"
    if not package_dir.is_dir():
        raise UnreadableInput(f"{package_dir}: not a directory")
    if not descriptor_path.is_file():
        raise UnreadableInput(f"{descriptor_path}: no datapackage.json in this directory")
    size = descriptor_path.stat().st_size
    if size > limits.max_descriptor_bytes:
        raise UnreadableInput(
            f"{descriptor_path}: {size} bytes, more than the {limits.max_descriptor_bytes} allowed for a descriptor")
    descriptor = parse_descriptor(descriptor_path.read_bytes(), str(descriptor_path))
    if len(descriptor["resources"]) > limits.max_resources:
        raise UnreadableInput(f"{descriptor_path}: {len(descriptor['resources'])} resources, more than {limits.max_resources}")
    return descriptor


def parse_descriptor(raw: bytes, label: str) -> dict:
    """A descriptor's JSON object; UnreadableInput (naming ``label``) when it is not one."""
    try:
        descriptor = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise UnreadableInput(f"{label}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise UnreadableInput(f"{label}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise UnreadableInput(f"{label}: JSON nested too deeply to read") from None
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise UnreadableInput(f"{label}: expected a JSON object with a 'resources' list")
    return descriptor


def _problem(file: str, code: str, expected: str, found: str, message: str, row: int | None = None) -> Problem:
    return Problem(file=file, row=row, field=None, code=code, expected=expected, found=found,
                   message=message, stage="safety")


def _first_bad_utf8(data: memoryview) -> tuple[int, int] | None:
    """Byte offset and line number of the first byte that is not UTF-8, if any."""
    if not len(data) or np.frombuffer(data, dtype=np.uint8).max() < 0x80:  # ASCII is UTF-8 (a C scan)
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    for start in range(0, len(data), _DECODED):  # a mebibyte at a time: the text of a whole table is not needed
        pending = len(decoder.getstate()[0])  # (the bytes of a character cut by the previous piece)
        try:
            decoder.decode(data[start:start + _DECODED], final=start + _DECODED >= len(data))
        except UnicodeDecodeError as exc:
            offset = start - pending + exc.start
            return offset, bytes(data[:offset]).count(b"\n") + 1
    return None


_DECODED = 1 << 20


def _contents(path: Path) -> mmap.mmap | bytes:
    """The file's bytes, mapped rather than copied where the system allows (a copy of a 200 MB table costs a
    tenth of a second in fresh memory pages). Read only; the mapping ends with the last view of it. (A file
    truncated while mapped would end the process: the package is not changed while it is validated.)"""
    try:
        with path.open("rb") as fh:
            if hasattr(mmap, "MAP_POPULATE"):  # Linux: the pages mapped at once, not one fault at a time
                return mmap.mmap(fh.fileno(), 0, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE, prot=mmap.PROT_READ)
            return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # an empty file (nothing to map), a file system without mappings
        return path.read_bytes()


MAX_PATH = 255


def _header_problems(target: Path, resource: dict, path_value: str, limits: Limits) -> list[Problem]:
    """The header may not be wider than the Table Schema: read only the first line (bounded), split it with
    the csv module, and report each label beyond the schema's fields (capped later like every problem)."""
    schema = resource.get("schema")
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        return []
    width = len(schema["fields"])
    limit = limits.max_header_bytes
    with target.open("rb") as fh:
        head = fh.read(limit + 1)
    end = min((i for i in (head.find(b"\n"), head.find(b"\r")) if i != -1), default=-1)
    if end == -1 and len(head) > limit:
        return [_problem(path_value, "header-too-long", f"a header line of at most {limit} bytes",
                         f"no line end in the first {limit} bytes", "The first line is longer than any header of "
                         "this schema can be.", row=1)]
    line = head[:end if end != -1 else len(head)].decode("utf-8", errors="replace").removeprefix("\ufeff")
    labels = next(csv.reader([line]), [])
    if len(labels) <= width:
        return []
    return [Problem(path_value, 1, label, "extra-label", f"at most {width} columns, as in the Table Schema",
                    label[:80], "Extra Label: the header has more columns than the Table Schema", "safety")
            for label in labels[width:]]


def check_resource(package_dir: Path, resource: dict, limits: Limits = DEFAULT_LIMITS) -> tuple[SafeResource | None, list[Problem]]:
    """The resource, its file located (``locate_resource``) and read (``read_resource``), or its problems."""
    located, problems = locate_resource(package_dir, resource, limits)
    return (None, problems) if located is None else read_resource(located, limits)


def locate_resource(package_dir: Path, resource: dict, limits: Limits = DEFAULT_LIMITS) -> tuple[SafeResource | None, list[Problem]]:
    """The resource's file, if it may be read at all: a relative path inside the package to an existing file,
    within the size limit, with a header no wider than the schema (only its first line is read)."""
    name = str(resource.get("name", "?"))
    path_value = resource.get("path")
    label = path_value if isinstance(path_value, str) else f"resource {name}"
    if "data" in resource and path_value is None:
        return None, [_problem(label, "inline-data", "a CSV file path", "inline data",
                               "Inline data is not accepted; put the table in a CSV file inside the package.")]
    if not isinstance(path_value, str) or not path_value or len(path_value) > MAX_PATH or not path_value.isprintable():
        label = f"resource {name}" if isinstance(path_value, str) else label
        return None, [_problem(label, "bad-path", "one relative path to a CSV file", repr(path_value),
                               "A resource must name exactly one CSV file by a relative path.")]
    if REMOTE.match(path_value):
        return None, [_problem(path_value, "remote-path", "a relative path inside the package", path_value,
                               "Remote resources are refused: validation never opens a network connection.")]
    references = resource_reference_problems(resource, path_value)
    if references:
        return None, references
    if path_value.startswith(("/", "\\")) or re.match(r"^[a-zA-Z]:", path_value):
        return None, [_problem(path_value, "absolute-path", "a relative path inside the package", path_value,
                               "Absolute paths are refused.")]
    try:
        root = package_dir.resolve()
        target = (package_dir / path_value).resolve()
        outside = ".." in Path(path_value).parts or not target.is_relative_to(root)
        is_file = not outside and target.is_file()
    except (OSError, ValueError) as exc:  # a name too long for the file system, a loop of links, ...
        return None, [_problem(path_value, "bad-path", "one relative path to a CSV file", str(exc)[:120],
                               "The path cannot be opened.")]
    if outside:
        return None, [_problem(path_value, "path-outside-package", "a path inside the package directory", path_value,
                               "The path leaves the package directory.")]
    if not is_file:
        return None, [_problem(path_value, "missing-file", "an existing CSV file", "no such file",
                               "The resource's file does not exist.")]
    size = target.stat().st_size
    if size > limits.max_table_bytes:
        return None, [_problem(path_value, "file-too-large", f"at most {limits.max_table_bytes} bytes", f"{size} bytes",
                               "The file is larger than the validator accepts.")]
    header = _header_problems(target, resource, path_value, limits)
    if header:  # a table wider than its schema is refused before anything reads more than its first line
        return None, header
    return SafeResource(name=name, relpath=path_value, path=target, descriptor=resource, has_bom=False), []


def read_resource(res: SafeResource, limits: Limits = DEFAULT_LIMITS) -> tuple[SafeResource | None, list[Problem]]:
    """The located resource with its bytes (``body``) and their scan, if the file is a non-empty UTF-8 table within
    the row limit; else its problem."""
    path_value, resource = res.relpath, res.descriptor
    data = _contents(res.path)
    has_bom = data[:len(UTF8_BOM)] == UTF8_BOM
    body = memoryview(data)[len(UTF8_BOM) if has_bom else 0:]
    if _NOT_BLANK.search(body) is None:  # (not body.strip(), which copies the whole file)
        return None, [_problem(path_value, "empty-file", "a header row and data rows", "an empty file",
                               "The file is empty; even a table with no rows needs its header.")]
    bad = _first_bad_utf8(body)
    if bad is not None:
        offset, line = bad
        # rows are counted as records (header = 1) like every other problem; the line is kept for editors
        before = bytes(body[:offset]).decode("utf-8", errors="replace")
        row = sum(1 for _ in csv.reader(io.StringIO(before, newline=""))) or None
        problem = _problem(path_value, "encoding-error", "UTF-8 text",
                           f"byte 0x{body[offset]:02x} at byte offset {offset + (3 if has_bom else 0)}, line {line}",
                           "The file is not UTF-8; save it as UTF-8 (a BOM is accepted).", row=row)
        return None, [replace(problem, line=line)]
    scanned = scan_bytes(body, limits.max_table_rows)
    if scanned is None:
        return None, [_problem(path_value, "too-many-rows", f"at most {limits.max_table_rows} rows",
                               f"{line_breaks(body)} records (line ends: LF, CR LF or CR)",
                               "The table has more rows than the validator accepts.")]
    res.has_bom, res.scan, res.body = has_bom, scanned, body
    return res, _integrity_problems(resource, data, path_value)


def _integrity_problems(resource: dict, data, path_value: str) -> list[Problem]:
    """The descriptor's own record of the file (``bytes``, ``hash``, as a release writes them), checked as
    frictionless checks them: a table changed after its release no longer matches."""
    problems = []
    size = resource.get("bytes")
    if isinstance(size, int) and not isinstance(size, bool) and size != len(data):
        problems.append(_problem(path_value, "byte-count", f"{size} bytes, as the descriptor records",
                                 f"{len(data)} bytes", "The file is not the one the descriptor describes (its size differs)."))
    recorded = resource.get("hash")
    if isinstance(recorded, str) and recorded:
        algorithm, _, digest = recorded.rpartition(":")
        algorithm = algorithm or "md5"
        if algorithm in ("md5", "sha1", "sha256", "sha512"):
            found = hashlib.new(algorithm, data).hexdigest()
            if found != digest.lower():
                problems.append(_problem(path_value, "hash-count", f"{algorithm} {digest}, as the descriptor records",
                                         f"{algorithm} {found}", "The file is not the one the descriptor describes "
                                         "(its hash differs)."))
    return problems
