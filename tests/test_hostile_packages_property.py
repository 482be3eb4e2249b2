"""A property of every package, however hostile: hypothesis mutates a valid fixture package (its bytes, its line
ends, its descriptor's keys and values, its file types: symbolic link, hard link, FIFO, directory) and runs
`rhil7 validate` in process, then `rhil7 reproduce` (which validates, builds and pools) when the package is valid.

Whatever the mutation: the exit code is 0, 1 or 2 (never 3, never a traceback, never a hang); nothing is written
outside the output directory (the package itself is unchanged); and no file is opened outside the package, the
output directory and the code's own files (a Python audit hook records every ``open`` by path, the real path
behind it and, for the files of the test's world, the inode, so a hard link to the secret is seen too).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import signal
import sys
import tempfile
from pathlib import Path

import pytest
from corpus import ROOT, SNAPSHOT, copy_package
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from rhil7.cli import main

SNAPSHOT_TABLES = sorted(p.stem for p in SNAPSHOT.glob("*.csv"))
SECRET = b"SECRET-FIRST-LINE\nsecond line\n"
# what the code may open outside the test's world: the interpreter and its libraries, rhil7's own code and data
# (the shipped descriptor, queries/, analysis/plan.csv), the system's time zones and limits, the build key
CODE_SIDE = tuple(
    str(p)
    for p in {
        Path(sys.prefix).resolve(),
        Path(sys.base_prefix).resolve(),
        ROOT / "src",
        ROOT / "analysis",
        ROOT / "queries",
        ROOT / "validators",
    }
)
SYSTEM = (
    "/usr/",
    "/etc/",
    "/sys/",
    "/proc/",
    "/dev/null",
    "/dev/urandom",
    "/lib",
    "/opt/",
    str(Path.home() / ".local" / "state" / "rhil7"),
    os.environ.get("XDG_STATE_HOME", "/nonexistent/"),
)
WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

_recording: list | None = None


def _record_opens(event: str, args: tuple) -> None:
    if event != "open" or _recording is None or isinstance(args[0], int):
        return
    try:
        path = os.path.abspath(os.fsdecode(args[0]))
    except TypeError:
        return
    mode, flags = args[1], args[2] or 0
    writes = bool(mode and any(c in mode for c in "wax+")) or bool(flags & WRITING)
    _recording.append((path, os.path.realpath(path), writes))


sys.addaudithook(_record_opens)  # (a hook cannot be removed: it records only while _recording is a list)

# ---------------------------------------------------------------- mutations

SPECIAL_BYTES = [
    b"\r",
    b"\n",
    b"\r\n",
    b'"',
    b",",
    b"\x00",
    b"\xff\xfe",
    b"=",
    b"\xef\xbb\xbf",
    b"\x1b[31m",
    "\u202e".encode(),
    "\u009b".encode(),
    b'""',
    b"\r\r",
    b"\n\n",
]
HOSTILE_VALUES = [
    "/dev/zero",
    "../outside/secret.txt",
    "tables/../datapackage.json",
    "profile.json",
    "https://example.org/x.json",
    "",
    None,
    0,
    -1,
    True,
    [],
    {},
    "x" * 300,
    "\u202e",
    "data/studies.csv",
    "tables/studies.csv",
    "abc",
    "(?=a)a",
    ["required"],
    "DELETE",
]
KEYS = {
    "package": ["profile", "$schema", "resources", "name"],
    "resource": [
        "path",
        "profile",
        "$schema",
        "name",
        "schema",
        "dialect",
        "encoding",
        "format",
        "bytes",
        "hash",
        "data",
        "extrapaths",
    ],
    "schema": ["fields", "primaryKey", "foreignKeys", "missingValues"],
    "field": ["name", "type", "constraints", "format"],
    "constraints": ["pattern", "minimum", "enum", "required", "unique", "maxLength"],
}
FILE_KINDS = ["symlink-outside", "symlink-inside", "symlink-devzero", "hardlink-outside", "fifo", "directory"]

byte_edits = st.tuples(
    st.just("bytes"),
    st.sampled_from(SNAPSHOT_TABLES),
    st.integers(0, 10**6),
    st.one_of(st.sampled_from(SPECIAL_BYTES), st.binary(max_size=6)),
    st.integers(0, 3),
)
line_end_edits = st.tuples(
    st.just("ends"),
    st.sampled_from(SNAPSHOT_TABLES),
    st.sampled_from(["crlf", "cr", "one-cr", "one-crlf", "one-lf"]),
    st.integers(0, 50),
)
descriptor_edits = st.tuples(
    st.just("descriptor"),
    st.sampled_from(sorted(KEYS)),
    st.integers(0, 50),
    st.integers(0, 50),
    st.sampled_from(HOSTILE_VALUES),
)
duplicate_keys = st.tuples(st.just("duplicate"), st.sampled_from(['"path"', '"name"', '"type"', '"resources"']))
deep_nesting = st.tuples(st.just("deep"), st.sampled_from([40, 300, 100_000]))
file_edits = st.tuples(
    st.just("file"),
    st.sampled_from([f"tables/{t}.csv" for t in SNAPSHOT_TABLES] + ["tables", "datapackage.json"]),
    st.sampled_from(FILE_KINDS),
)
mutations = st.lists(
    st.one_of(byte_edits, line_end_edits, descriptor_edits, duplicate_keys, deep_nesting, file_edits),
    min_size=1,
    max_size=3,
)
ORDER = ["descriptor", "duplicate", "deep", "bytes", "ends", "file"]  # the file types last: no edit reads a FIFO


def _regular(path: Path) -> bool:
    return not path.is_symlink() and path.is_file()


def _edit_descriptor(package: Path, where: str, i: int, j: int, value) -> None:
    path = package / "datapackage.json"
    if not _regular(path):
        return
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
        resource = descriptor["resources"][i % len(descriptor["resources"])]
        field = resource["schema"]["fields"][j % len(resource["schema"]["fields"])]
    except (ValueError, KeyError, TypeError, ZeroDivisionError, IndexError):
        return
    target = {
        "package": descriptor,
        "resource": resource,
        "schema": resource["schema"],
        "field": field,
        "constraints": field.setdefault("constraints", {}),
    }[where]
    key = KEYS[where][(i + j) % len(KEYS[where])]
    if value == "DELETE":
        target.pop(key, None)
    else:
        target[key] = value
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")


def _edit_bytes(path: Path, at: int, inserted: bytes, deleted: int) -> None:
    if _regular(path):
        data = path.read_bytes()
        at = at % (len(data) + 1)
        path.write_bytes(data[:at] + inserted + data[at + deleted :])


def _edit_line_ends(path: Path, how: str, which: int) -> None:
    if not _regular(path):
        return
    data = path.read_bytes()
    if how in ("crlf", "cr"):
        path.write_bytes(data.replace(b"\n", b"\r\n" if how == "crlf" else b"\r"))
        return
    ends = [i for i, b in enumerate(data) if b == 0x0A]
    if ends:
        at = ends[which % len(ends)]
        new = {"one-cr": b"\r", "one-crlf": b"\r\n", "one-lf": b"\n"}[how]
        path.write_bytes(data[:at] + new + data[at + 1 :])


def _change_file(package: Path, outside: Path, relpath: str, kind: str) -> None:
    path = package / relpath
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        path.rename(package / f"moved-{path.name}")
    else:
        return
    if kind == "symlink-outside":
        path.symlink_to(outside / "secret.txt")
    elif kind == "symlink-inside":
        path.symlink_to(package / f"moved-{path.name}" if relpath == "tables" else outside.parent / "package-copy")
    elif kind == "symlink-devzero":
        path.symlink_to("/dev/zero")
    elif kind == "hardlink-outside":
        os.link(outside / "secret.txt", path)
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()


def mutate(package: Path, outside: Path, edits: list[tuple]) -> None:
    for edit in sorted(edits, key=lambda e: ORDER.index(e[0])):
        kind = edit[0]
        descriptor = package / "datapackage.json"
        if kind == "descriptor":
            _edit_descriptor(package, *edit[1:])
        elif kind == "duplicate" and _regular(descriptor):
            text = descriptor.read_text(encoding="utf-8")
            at = text.find(edit[1] + ":")
            if at != -1:
                descriptor.write_text(text[:at] + edit[1] + ': "tables/evil.csv", ' + text[at:], encoding="utf-8")
        elif kind == "deep" and _regular(descriptor):
            text = descriptor.read_text(encoding="utf-8")
            descriptor.write_text(
                text.replace("{", '{"x": ' + "[" * edit[1] + "]" * edit[1] + ", ", 1), encoding="utf-8"
            )
        elif kind == "bytes":
            _edit_bytes(package / "tables" / f"{edit[1]}.csv", *edit[2:])
        elif kind == "ends":
            _edit_line_ends(package / "tables" / f"{edit[1]}.csv", *edit[2:])
        else:
            _change_file(package, outside, *edit[1:])


# ---------------------------------------------------------------- running and judging


def fingerprint(root: Path) -> dict[str, str]:
    """What is under ``root``, without following a link or opening anything but a regular file."""
    seen = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            seen[str(path)] = "link:" + os.readlink(path)
        elif path.is_file():
            seen[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            seen[str(path)] = "dir" if path.is_dir() else "special"
    return seen


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang("a command did not return within 120 s")


def run_in_process(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(120)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return code, out.getvalue() + err.getvalue()


def stray_opens(opens: list[tuple], world: Path, package: Path, out: Path, secret: Path) -> list[tuple]:
    """The opens that broke the promise: a file of the world outside the package and the output directory (or
    the secret by any name: its inode), a write anywhere but the output directory, a file elsewhere that is not
    the code's or the system's."""
    secret_id = (secret.stat().st_dev, secret.stat().st_ino)
    stray = []
    for path, real, writes in opens:
        in_world = [p for p in (path, real) if p.startswith(str(world) + os.sep)]
        if in_world:
            mine = all(p.startswith((str(package) + os.sep, str(out) + os.sep)) for p in (path, real))
            try:
                info = os.stat(path)
                same_as_secret = (info.st_dev, info.st_ino) == secret_id
            except OSError:
                same_as_secret = False
            if not mine or same_as_secret or (writes and not real.startswith(str(out) + os.sep)):
                stray.append((path, real, writes))
        elif writes or not real.startswith(CODE_SIDE + SYSTEM) and real != str(ROOT / "datapackage.json"):
            if not (writes and real.startswith(SYSTEM[-2:])):  # the build key (GATE: the machine's, by design)
                stray.append((path, real, writes))
    return stray


@pytest.mark.slow
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,  # bounded: no shrinking (an example
    phases=[Phase.explicit, Phase.generate],  # takes seconds; a failure shows its edits as generated)
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(edits=mutations)
def test_a_mutated_package_never_crashes_escapes_or_hangs(edits):
    global _recording
    with tempfile.TemporaryDirectory(prefix="rhil7-hostile-") as place:
        world = Path(place).resolve()
        package, out, outside = copy_package(world / "package"), world / "out", world / "outside"
        outside.mkdir()
        (outside / "secret.txt").write_bytes(SECRET)
        mutate(package, outside, edits)
        before = fingerprint(world)
        _recording = []
        try:
            code, text = run_in_process(["validate", str(package), "--format", "json"])
            codes = [code]
            if code == 0:  # a valid package goes on: validated again, built and pooled, into out/
                code, more = run_in_process(["reproduce", str(package), "--no-plots", "--out", str(out)])
                codes.append(code)
                text += more
        finally:
            opens, _recording = _recording, None
        event(f"exit codes {codes}")
        assert set(codes) <= {0, 1, 2}, (edits, codes, text[-2000:])
        assert "Traceback" not in text and "internal error" not in text, (edits, text[-2000:])
        assert b"SECRET" not in text.encode() and "SECRET" not in text, edits
        after = {k: v for k, v in fingerprint(world).items() if k != str(out) and not k.startswith(str(out) + os.sep)}
        assert after == before, (edits, set(after.items()) ^ set(before.items()))
        assert stray_opens(opens, world, package, out, outside / "secret.txt") == [], edits


def test_the_open_recorder_sees_a_hard_link_to_the_secret(tmp_path):
    """The property's audit hook is a real witness: an open through a hard link to the secret is caught."""
    global _recording
    world = tmp_path.resolve()
    package, out, outside = world / "package", world / "out", world / "outside"
    for d in (package, out, outside):
        d.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    os.link(outside / "secret.txt", package / "table.csv")
    _recording = []
    try:
        (package / "table.csv").read_bytes()
        (package / "written.txt").write_text("x")
    finally:
        opens, _recording = _recording, None
    stray = stray_opens(opens, world, package, out, outside / "secret.txt")
    assert [(Path(p).name, writes) for p, _, writes in stray] == [("table.csv", False), ("written.txt", True)]
