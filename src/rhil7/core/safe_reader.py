"""Treat a contributed package as data, never as code: the one way a package's (or the checkout's) files are read.

Every file is opened by ``open_regular``: each component of its path below the package root is looked at with
lstat (no symbolic link anywhere: not ``tables/``, not a table, not ``datapackage.json``), the file must be a
regular file (never a FIFO, which would block, nor a device such as /dev/zero, which never ends) with one
name only (a hard link would let a file outside the package be read and shipped), within its size limit; it is
then opened with O_NOFOLLOW | O_NONBLOCK and its fstat compared with the lstat (the same inode, so a swap in
between is refused). JSON is parsed with duplicate keys refused (Python keeps the last value, R's jsonlite the
first) and its depth bounded. Resources: no remote URLs (no network fetch, ever), no absolute paths, no path that
leaves the package, the project's own path for each resource, bounded sizes and row counts, UTF-8 only, one kind
of line end. It only reads; it never writes.

Public API: ``read_bytes``, ``read_text``, ``read_json`` (a file below a root), ``parse_json`` (bytes already
read, e.g. a git blob), ``load_descriptor``, ``project_descriptor`` (the canonical descriptor shipped with
rhil7: code-side data, read through importlib.resources), and ``check_resource`` / ``locate_resource`` /
``read_resource`` for tables.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import mmap
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any, cast

import numpy as np

from .byte_scan import ByteScan, line_breaks, scan_bytes
from .limits import DEFAULT_LIMITS, Limits, UnreadableInput
from .problems import Problem
from .references import REMOTE, resource_reference_problems

UTF8_BOM = codecs.BOM_UTF8
_NOT_BLANK = re.compile(rb"\S")
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class UnsafeFile(UnreadableInput):
    """A file that is not read: a symbolic link on its path, not a regular file, a hard link, too large.

    ``code`` names the reason as a problem code (``symbolic-link``, ``path-outside-package``, ``not-a-file``,
    ``hard-link``, ``missing-file``, ``file-too-large``), ``relpath`` the file as the package names it."""

    def __init__(self, relpath: str, code: str, message: str, found: str = "", expected: str = ""):
        super().__init__(f"{relpath}: {message}")
        self.relpath, self.code, self.message, self.found, self.expected = relpath, code, message, found, expected


@dataclass
class SafeResource:
    name: str
    relpath: str
    path: Path
    descriptor: dict[str, Any]
    has_bom: bool
    scan: ByteScan | None = None  # what the bytes say before a CSV reader parses them
    # the file's bytes without the BOM (a view of the file mapped once here); the validator takes them (and
    # drops them) when it parses the table, so a large file is not read twice
    body: memoryview | None = field(default=None, repr=False)
    root: Path | None = None  # the package directory (``relpath`` is opened below it, never ``path`` as such)


# ------------------------------------------------------------------ opening one file, safely


def _parts(relpath: str | os.PathLike[str]) -> tuple[str, ...]:
    text = os.fspath(relpath)
    parts = PurePosixPath(text).parts
    if not parts or text.startswith(("/", "\\")) or ".." in parts or "\x00" in text:
        raise UnsafeFile(text, "path-outside-package", "the path is not a plain relative path inside the package")
    return parts


def _kind(mode: int) -> str:
    return (
        "a directory"
        if stat.S_ISDIR(mode)
        else "a named pipe (FIFO)"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a regular file"
    )


def _link_problem(root: Path, current: Path, relpath: str) -> UnsafeFile:
    try:
        inside = current.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a loop of links
        inside = False
    if not inside:
        return UnsafeFile(
            relpath,
            "path-outside-package",
            f"{current.relative_to(root).as_posix()} is a symbolic "
            "link that leaves the package directory; it is not followed",
        )
    return UnsafeFile(
        relpath,
        "symbolic-link",
        f"{current.relative_to(root).as_posix()} is a symbolic link; a "
        "package is read only from its own regular files (commit the file itself)",
    )


def checked_stat(
    root: str | os.PathLike[str], relpath: str | os.PathLike[str], limit: int | None = None, links_allowed: bool = False
) -> os.stat_result:
    """The lstat of ``root/relpath`` when it may be read: no symbolic link on any component below ``root``, a
    regular file, one name only (unless ``links_allowed``: a file of the checkout, not of a contribution), at
    most ``limit`` bytes. Raises UnsafeFile."""
    root, relpath = Path(root), os.fspath(relpath)
    parts = _parts(relpath)
    current = root
    for i, part in enumerate(parts):
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            raise UnsafeFile(relpath, "missing-file", "no such file") from None
        except OSError as exc:  # a name too long, a component that is a file, no permission
            raise UnsafeFile(relpath, "bad-path", f"the path cannot be opened ({exc.strerror or exc})") from None
        if stat.S_ISLNK(info.st_mode):
            raise _link_problem(root, current, relpath)
        if i < len(parts) - 1 and not stat.S_ISDIR(info.st_mode):
            raise UnsafeFile(relpath, "missing-file", f"{'/'.join(parts[: i + 1])} is not a directory")
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFile(
            relpath, "not-a-file", f"{_kind(info.st_mode)}, not a regular file; it is never opened", _kind(info.st_mode)
        )
    if info.st_nlink > 1 and not links_allowed:
        raise UnsafeFile(
            relpath,
            "hard-link",
            f"a hard link ({info.st_nlink} names for one file): the file may "
            "lie outside the package; commit a copy of it",
            f"{info.st_nlink} links",
        )
    if limit is not None and info.st_size > limit:
        raise UnsafeFile(
            relpath,
            "file-too-large",
            f"{info.st_size} bytes, more than the {limit} allowed",
            f"{info.st_size} bytes",
            f"at most {limit} bytes",
        )
    return info


def open_regular(
    root: str | os.PathLike[str], relpath: str | os.PathLike[str], limit: int | None = None, links_allowed: bool = False
) -> int:
    """A file descriptor of ``root/relpath`` (read only) after ``checked_stat``; opened without following a
    link and without blocking, and refused when what was opened is not what was looked at. Close it."""
    info = checked_stat(root, relpath, limit, links_allowed)
    try:
        fd = os.open(Path(root) / relpath, _OPEN_FLAGS)
    except OSError as exc:  # ELOOP: it became a link since; ENXIO: a FIFO swapped in
        raise UnsafeFile(os.fspath(relpath), "bad-path", f"cannot be opened ({exc.strerror or exc})") from None
    opened = os.fstat(fd)
    if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino) or not stat.S_ISREG(opened.st_mode):
        os.close(fd)
        raise UnsafeFile(os.fspath(relpath), "bad-path", "the file changed while it was being opened")
    return fd


def read_bytes(
    root: str | os.PathLike[str], relpath: str | os.PathLike[str], limit: int, links_allowed: bool = False
) -> bytes:
    """The bytes of ``root/relpath`` (at most ``limit``), through ``open_regular``; raises UnsafeFile."""
    fd = open_regular(root, relpath, limit, links_allowed)
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:  # (grew since the stat)
        raise UnsafeFile(os.fspath(relpath), "file-too-large", f"more than the {limit} bytes allowed")
    return data


def read_text(
    root: str | os.PathLike[str], relpath: str | os.PathLike[str], limit: int, links_allowed: bool = False
) -> str:
    """The UTF-8 text (a BOM dropped) of ``root/relpath``; raises UnreadableInput."""
    data = read_bytes(root, relpath, limit, links_allowed)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableInput(f"{os.fspath(relpath)}: not UTF-8 ({exc.reason} at byte {exc.start})") from None


def read_json(
    root: str | os.PathLike[str],
    relpath: str | os.PathLike[str],
    limits: Limits = DEFAULT_LIMITS,
    links_allowed: bool = False,
) -> Any:
    """The JSON value of ``root/relpath`` (``parse_json``), at most ``limits.max_descriptor_bytes``."""
    return parse_json(
        read_bytes(root, relpath, limits.max_descriptor_bytes, links_allowed), os.fspath(relpath), limits.max_json_depth
    )


# ------------------------------------------------------------------ JSON


class _DuplicateKey(Exception):
    def __init__(self, key: str):
        self.key = key
        self.at: int | None = None  # where the innermost object holding it starts (set by _line_of_duplicate)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def _line_of_duplicate(text: str, key: str) -> int | None:
    """The line of the repeated ``key``: the text parsed again (error path only) by json's pure-Python parser,
    whose objects know where they start, then the key's second occurrence from there."""

    # json's pure-Python internals used here and in _second_member (JSONObject, parse_object, scan_once, scanner,
    # WHITESPACE, scanstring) are not in typeshed's stubs, which list only the public API: hence the ignores
    def parse_object(s_and_end: tuple[str, int], *rest: Any) -> tuple[dict[str, Any], int]:
        try:
            return cast("tuple[dict[str, Any], int]", json.decoder.JSONObject(s_and_end, *rest))  # type: ignore[attr-defined]
        except _DuplicateKey as exc:
            exc.at = s_and_end[1] if exc.at is None else exc.at  # (the innermost object: the first to see it)
            raise

    decoder = json.JSONDecoder(object_pairs_hook=_no_duplicates)
    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    try:
        decoder.decode(text)
    except _DuplicateKey as exc:
        if exc.at is None:  # (never: parse_object sets it on the way out)
            return None
        at = _second_member(text, exc.at, key)
        return text.count("\n", 0, exc.at if at is None else at) + 1
    except (ValueError, RecursionError):
        return None
    return None


def _second_member(text: str, start: int, key: str) -> int | None:
    """Offset of the second member named ``key`` of the object whose text starts at ``start`` (after its brace):
    its members walked one by one, each value skipped by json's scanner (a nested object's same key is not it)."""
    scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
    seen, at = 0, start
    # (WHITESPACE is ``[ \t\n\r]*``: it always matches, so its match is never None)
    whitespace: Callable[[str, int], re.Match[str]] = json.decoder.WHITESPACE.match  # type: ignore[attr-defined]
    try:
        while True:
            at = whitespace(text, at).end()
            if text[at] != '"':
                return None
            name, end = json.decoder.scanstring(text, at + 1)  # type: ignore[attr-defined]
            seen += name == key
            if seen == 2:
                return at
            end = whitespace(text, end).end() + 1  # (past the colon)
            _, end = scan(text, whitespace(text, end).end())
            at = whitespace(text, end).end() + 1  # (past the comma)
    except (ValueError, IndexError, StopIteration):
        return None


def too_deep(value: Any, max_depth: int) -> str | None:
    """The JSON pointer of the first place nested deeper than ``max_depth``, if any (a walk without recursion)."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, pointer, depth = stack.pop()
        if depth > max_depth:
            return pointer or "/"
        if isinstance(item, dict):
            stack += [(v, f"{pointer}/{_escape(str(k))}", depth + 1) for k, v in item.items()]
        elif isinstance(item, list):
            stack += [(v, f"{pointer}/{i}", depth + 1) for i, v in enumerate(item)]
    return None


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def parse_json(raw: bytes, label: str, max_depth: int = DEFAULT_LIMITS.max_json_depth) -> Any:
    """The JSON value of ``raw`` (UTF-8, a BOM allowed); UnreadableInput naming ``label`` when it is not JSON,
    holds a key twice in one object (readers disagree on which value wins) or is nested deeper than
    ``max_depth`` (every later walk of it stays far from Python's recursion limit)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableInput(f"{label}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as exc:
        line = _line_of_duplicate(text, exc.key)
        where = f" (line {line})" if line else ""
        raise UnreadableInput(
            f"{label}{where}: the key {exc.key!r} appears twice in one object; JSON readers "
            "disagree on which value wins (Python keeps the last, R's jsonlite the first), so "
            "write it once"
        ) from None
    except json.JSONDecodeError as exc:
        raise UnreadableInput(f"{label}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise UnreadableInput(f"{label}: JSON nested too deeply to read (at most {max_depth} levels)") from None
    deep = too_deep(value, max_depth)
    if deep is not None:
        raise UnreadableInput(
            f"{label}: JSON nested more than {max_depth} levels deep (at {deep[:80]}); nothing else is read"
        )
    return value


def load_descriptor(package_dir: Path, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """The package's datapackage.json (a regular file of its own, no link), parsed by ``parse_json``."""
    package_dir = Path(package_dir)
    if not package_dir.is_dir():
        raise UnreadableInput(f"{package_dir}: not a directory")
    descriptor_path = package_dir / "datapackage.json"
    try:
        raw = read_bytes(package_dir, "datapackage.json", limits.max_descriptor_bytes)
    except UnsafeFile as exc:
        reason = "no datapackage.json in this directory" if exc.code == "missing-file" else exc.message
        raise UnreadableInput(f"{descriptor_path}: {reason}") from None
    descriptor = parse_descriptor(raw, str(descriptor_path), limits)
    if len(descriptor["resources"]) > limits.max_resources:
        raise UnreadableInput(
            f"{descriptor_path}: {len(descriptor['resources'])} resources, more than {limits.max_resources}"
        )
    return descriptor


def parse_descriptor(raw: bytes, label: str, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """A descriptor's JSON object; UnreadableInput (naming ``label``) when it is not one."""
    descriptor = parse_json(raw, label, limits.max_json_depth)
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise UnreadableInput(f"{label}: expected a JSON object with a 'resources' list")
    return descriptor


@lru_cache(maxsize=1)
def _project_descriptor_text() -> str:
    # the descriptor shipped with rhil7 is code-side data (in a checkout, src/rhil7/datapackage.json is a link to
    # the repository's own): read as a resource of the installed package, not under a contribution's rules
    return resources.files("rhil7").joinpath("datapackage.json").read_text(encoding="utf-8")


def project_descriptor() -> dict[str, Any]:
    """The canonical descriptor shipped with rhil7 (a fresh copy each call: callers may change it)."""
    return parse_descriptor(_project_descriptor_text().encode("utf-8"), "rhil7's own datapackage.json")


def project_paths(canonical: dict[str, Any] | None = None) -> dict[str, str]:
    """Each resource's own path in the project (``canonical``, default the shipped descriptor), by name."""
    canonical = project_descriptor() if canonical is None else canonical
    return {
        r["name"]: r["path"]
        for r in canonical["resources"]
        if isinstance(r, dict) and isinstance(r.get("name"), str) and isinstance(r.get("path"), str)
    }


def _problem(file: str, code: str, expected: str, found: str, message: str, row: int | None = None) -> Problem:
    return Problem(
        file=file, row=row, field=None, code=code, expected=expected, found=found, message=message, stage="safety"
    )


def _first_bad_utf8(data: memoryview) -> tuple[int, int] | None:
    """Byte offset and line number of the first byte that is not UTF-8, if any."""
    if not len(data) or np.frombuffer(data, dtype=np.uint8).max() < 0x80:  # ASCII is UTF-8 (a C scan)
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    for start in range(0, len(data), _DECODED):  # a mebibyte at a time: the text of a whole table is not needed
        pending = len(decoder.getstate()[0])  # (the bytes of a character cut by the previous piece)
        try:
            decoder.decode(data[start : start + _DECODED], final=start + _DECODED >= len(data))
        except UnicodeDecodeError as exc:
            offset = start - pending + exc.start
            return offset, bytes(data[:offset]).count(b"\n") + 1
    return None


_DECODED = 1 << 20


def _contents(root: Path, relpath: str, limit: int) -> mmap.mmap | bytes:
    """The file's bytes (``open_regular``), mapped rather than copied where the system allows (a copy of a 200 MB
    table costs a tenth of a second in fresh memory pages). Read only; the mapping ends with the last view of it.
    (A file truncated while mapped would end the process: the package is not changed while it is validated.)"""
    fd = open_regular(root, relpath, limit)
    with os.fdopen(fd, "rb") as fh:
        try:
            if hasattr(mmap, "MAP_POPULATE"):  # Linux: the pages mapped at once, not one fault at a time
                return mmap.mmap(fh.fileno(), 0, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE, prot=mmap.PROT_READ)
            return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # an empty file (nothing to map), a file system without mappings
            return fh.read(limit + 1)


MAX_PATH = 255


def _header_problems(root: Path, resource: dict[str, Any], path_value: str, limits: Limits) -> list[Problem]:
    """The header may not be wider than the Table Schema: read only the first line (bounded), split it with
    the csv module, and report each label beyond the schema's fields (capped later like every problem)."""
    schema = resource.get("schema")
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        return []
    width = len(schema["fields"])
    limit = limits.max_header_bytes
    with os.fdopen(open_regular(root, path_value, limits.max_table_bytes), "rb") as fh:
        head = fh.read(limit + 1)
    end = min((i for i in (head.find(b"\n"), head.find(b"\r")) if i != -1), default=-1)
    if end == -1 and len(head) > limit:
        return [
            _problem(
                path_value,
                "header-too-long",
                f"a header line of at most {limit} bytes",
                f"no line end in the first {limit} bytes",
                "The first line is longer than any header of this schema can be.",
                row=1,
            )
        ]
    line = head[: end if end != -1 else len(head)].decode("utf-8", errors="replace").removeprefix("\ufeff")
    labels = csv_cells(line)
    if len(labels) <= width:
        return []
    return [
        Problem(
            path_value,
            1,
            label,
            "extra-label",
            f"at most {width} columns, as in the Table Schema",
            label[:80],
            "Extra Label: the header has more columns than the Table Schema",
            "safety",
        )
        for label in labels[width:]
    ]


def csv_cells(line: str) -> list[str]:
    """The cells of one line of CSV text (never an exception: a stray line break is read as a cell's text)."""
    try:
        return next(csv.reader(io.StringIO(line, newline="")), [])
    except csv.Error:
        return line.split(",")


_UNSAFE_FILE = {  # what each reason to refuse a file expects, and what a contributor should do
    "missing-file": ("an existing CSV file", "The resource's file does not exist."),
    "path-outside-package": ("a path inside the package directory", "The path leaves the package directory."),
    "symbolic-link": (
        "a regular file inside the package",
        "The table is a symbolic link (or lies behind one); "
        "links are never followed: commit the file itself under its own path.",
    ),
    "not-a-file": (
        "a regular CSV file",
        "The path names something that is not a regular file (a named pipe, a "
        "device or a directory); it is never opened.",
    ),
    "hard-link": (
        "a file with one name",
        "The table is a hard link: the same file has another name, possibly outside the package; commit a copy of it.",
    ),
    "file-too-large": ("a smaller file", "The file is larger than the validator accepts."),
    "bad-path": ("one relative path to a CSV file", "The path cannot be opened."),
}


def unsafe_file_problem(exc: UnsafeFile) -> Problem:
    """The problem record of a refused file (exit 1: the contribution must change)."""
    expected, message = _UNSAFE_FILE.get(exc.code, _UNSAFE_FILE["bad-path"])
    found = {"missing-file": "no such file"}.get(exc.code, exc.found or exc.message)
    return _problem(exc.relpath, exc.code, exc.expected or expected, found[:160], message)


def check_resource(
    package_dir: Path,
    resource: dict[str, Any],
    limits: Limits = DEFAULT_LIMITS,
    canonical: dict[str, Any] | None = None,
) -> tuple[SafeResource | None, list[Problem]]:
    """The resource, its file located (``locate_resource``, at the project's own path for it: ``canonical``,
    default the descriptor shipped with rhil7) and read (``read_resource``), or its problems."""
    name = resource.get("name") if isinstance(resource, dict) else None
    project_path = project_paths(canonical).get(name) if isinstance(name, str) else None  # (only str names are keys)
    located, problems = locate_resource(package_dir, resource, limits, project_path)
    return (None, problems) if located is None else read_resource(located, limits)


def locate_resource(
    package_dir: Path, resource: dict[str, Any], limits: Limits = DEFAULT_LIMITS, project_path: str | None = None
) -> tuple[SafeResource | None, list[Problem]]:
    """The resource's file, if it may be read at all: a relative path inside the package (``project_path``, when
    given, the only one accepted) to a regular file (``checked_stat``), within the size limit, with a header no
    wider than the schema (only its first line is read)."""
    name = str(resource.get("name", "?"))
    path_value = resource.get("path")
    label = path_value if isinstance(path_value, str) else f"resource {name}"
    if "data" in resource and path_value is None:
        return None, [
            _problem(
                label,
                "inline-data",
                "a CSV file path",
                "inline data",
                "Inline data is not accepted; put the table in a CSV file inside the package.",
            )
        ]
    if not isinstance(path_value, str) or not path_value or len(path_value) > MAX_PATH or not path_value.isprintable():
        label = f"resource {name}" if isinstance(path_value, str) else label
        return None, [
            _problem(
                label,
                "bad-path",
                "one relative path to a CSV file",
                repr(path_value),
                "A resource must name exactly one CSV file by a relative path.",
            )
        ]
    if REMOTE.match(path_value):
        return None, [
            _problem(
                path_value,
                "remote-path",
                "a relative path inside the package",
                path_value,
                "Remote resources are refused: validation never opens a network connection.",
            )
        ]
    references = resource_reference_problems(resource, path_value)
    if references:
        return None, references
    if path_value.startswith(("/", "\\")) or re.match(r"^[a-zA-Z]:", path_value):
        return None, [
            _problem(
                path_value,
                "absolute-path",
                "a relative path inside the package",
                path_value,
                "Absolute paths are refused.",
            )
        ]
    if project_path is not None and path_value != project_path:
        return None, [path_changed_problem(path_value, project_path)]
    root = Path(package_dir).resolve()
    try:
        checked_stat(root, path_value, limits.max_table_bytes)
        header = _header_problems(root, resource, path_value, limits)
    except UnsafeFile as exc:
        return None, [unsafe_file_problem(exc)]
    if header:  # a table wider than its schema is refused before anything reads more than its first line
        return None, header
    return SafeResource(
        name=name, relpath=path_value, path=root / path_value, descriptor=resource, has_bom=False, root=root
    ), []


def plain_relative_path(path_value: object) -> bool:
    """A path ``locate_resource`` would look for in the package (the others are refused for what they are)."""
    return (
        isinstance(path_value, str)
        and 0 < len(path_value) <= MAX_PATH
        and path_value.isprintable()
        and not REMOTE.match(path_value)
        and not path_value.startswith(("/", "\\"))
        and not re.match(r"^[a-zA-Z]:", path_value)
        and ".." not in PurePosixPath(path_value).parts
    )


def path_changed_problem(path_value: str, project_path: str) -> Problem:
    return _problem(
        path_value,
        "path-changed",
        f"{project_path} (the project's path for this table)",
        path_value,
        f"The resource's path is not the project's: every reader (rhil7 template, ingest, the README's "
        f"recipes) reads {project_path}; keep the table there.",
    )


def read_resource(res: SafeResource, limits: Limits = DEFAULT_LIMITS) -> tuple[SafeResource | None, list[Problem]]:
    """The located resource with its bytes (``body``) and their scan, if the file is a non-empty UTF-8 table within
    the row limit, with one kind of line end (LF or CR LF) and no lone CR; else its problem."""
    path_value, resource = res.relpath, res.descriptor
    root, below = (res.root, path_value) if res.root is not None else (res.path.parent, res.path.name)
    try:
        data = _contents(root, below, limits.max_table_bytes)
    except UnsafeFile as exc:
        return None, [unsafe_file_problem(exc)]
    has_bom = data[: len(UTF8_BOM)] == UTF8_BOM
    body = memoryview(data)[len(UTF8_BOM) if has_bom else 0 :]
    if _NOT_BLANK.search(body) is None:  # (not body.strip(), which copies the whole file)
        return None, [
            _problem(
                path_value,
                "empty-file",
                "a header row and data rows",
                "an empty file",
                "The file is empty; even a table with no rows needs its header.",
            )
        ]
    bad = _first_bad_utf8(body)
    if bad is not None:
        offset, line = bad
        # rows are counted as records (header = 1) like every other problem; the line is kept for editors
        before = bytes(body[:offset]).decode("utf-8", errors="replace")
        try:
            row = sum(1 for _ in csv.reader(io.StringIO(before, newline=""))) or None
        except csv.Error:
            row = None
        problem = _problem(
            path_value,
            "encoding-error",
            "UTF-8 text",
            f"byte 0x{body[offset]:02x} at byte offset {offset + (3 if has_bom else 0)}, line {line}",
            "The file is not UTF-8; save it as UTF-8 (a BOM is accepted).",
            row=row,
        )
        return None, [replace(problem, line=line)]
    scanned = scan_bytes(body, limits.max_table_rows)
    if scanned is None:
        return None, [
            _problem(
                path_value,
                "too-many-rows",
                f"at most {limits.max_table_rows} rows",
                f"{line_breaks(body)} records (line ends: LF, CR LF or CR)",
                "The table has more rows than the validator accepts.",
            )
        ]
    line_ends = line_end_problems(path_value, scanned)
    if line_ends:  # refused, not repaired: DuckDB would read other cells than pandas or R
        return None, line_ends + _integrity_problems(resource, data, path_value)
    res.has_bom, res.scan, res.body = has_bom, scanned, body
    return res, _integrity_problems(resource, data, path_value)


def line_end_problems(path_value: str, scan: ByteScan) -> list[Problem]:
    """A record ended by a lone CR, or records ended by LF and by CR LF in one file: DuckDB then drops or keeps
    bytes that pandas and R read otherwise (a lone CR made it drop the next byte: the gate checked ``q3`` where
    pandas loads ``=q3``), so the file is refused with the line to fix, never repaired."""
    if scan.lone_cr is not None:
        line = scan.lone_cr
        return [
            replace(
                _problem(
                    path_value,
                    "lone-cr",
                    "lines ending in LF or CR LF",
                    f"line {line} ends in a lone CR (carriage return without line feed)",
                    "A lone CR ends this line: CSV readers disagree on where its records end (DuckDB "
                    "drops the next byte). Save the file with LF (or CR LF) line ends.",
                    row=scan.record_of_line(line),
                ),
                line=line,
            )
        ]
    if scan.mixed_line is not None:
        line = scan.mixed_line
        first, other = ("CR LF", "LF") if scan.first_crlf else ("LF", "CR LF")
        return [
            replace(
                _problem(
                    path_value,
                    "mixed-line-endings",
                    f"every line ending in {first}, like line 1",
                    f"line {line} ends in {other}",
                    "The file mixes LF and CR LF line ends: CSV readers "
                    "disagree on such a file. Save it with one kind of line end.",
                    row=scan.record_of_line(line),
                ),
                line=line,
            )
        ]
    return []


def _integrity_problems(resource: dict[str, Any], data: mmap.mmap | bytes, path_value: str) -> list[Problem]:
    """The descriptor's own record of the file (``bytes``, ``hash``, as a release writes them), checked as
    frictionless checks them: a table changed after its release no longer matches."""
    problems: list[Problem] = []
    size = resource.get("bytes")
    if isinstance(size, int) and not isinstance(size, bool) and size != len(data):
        problems.append(
            _problem(
                path_value,
                "byte-count",
                f"{size} bytes, as the descriptor records",
                f"{len(data)} bytes",
                "The file is not the one the descriptor describes (its size differs).",
            )
        )
    recorded = resource.get("hash")
    if isinstance(recorded, str) and recorded:
        algorithm, _, digest = recorded.rpartition(":")
        algorithm = algorithm or "md5"
        if algorithm in ("md5", "sha1", "sha256", "sha512"):
            found = hashlib.new(algorithm, data).hexdigest()
            if found != digest.lower():
                problems.append(
                    _problem(
                        path_value,
                        "hash-count",
                        f"{algorithm} {digest}, as the descriptor records",
                        f"{algorithm} {found}",
                        "The file is not the one the descriptor describes (its hash differs).",
                    )
                )
    return problems
