"""Where the package lives, and where commands may write.

The package directory: an explicit path, $RHIL7_PACKAGE, or the nearest datapackage.json upward.

Outputs: a contributed package may commit ``build`` or ``dist`` (or any file in them) as a symbolic link
to a place outside the package, so every command writes only through ``output_dir``: real directories
inside the package (or one the user named), no symbolic link on the way, each output first written into a
fresh staging directory and then moved into place with ``publish`` while ``output_lock`` is held.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path


class PackageNotFound(Exception):
    pass


class UnsafeOutput(Exception):
    """An output path is a symbolic link or not a directory: nothing is written (exit code 1)."""


def find_package_dir(explicit: str | os.PathLike[str] | None = None, start: Path | None = None) -> Path:
    if explicit is not None:
        return Path(explicit)
    if os.environ.get("RHIL7_PACKAGE"):
        return Path(os.environ["RHIL7_PACKAGE"])
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "datapackage.json").is_file():
            return candidate
    raise PackageNotFound(
        f"no datapackage.json in {here} or its parents; pass a package directory or set RHIL7_PACKAGE"
    )


def _refuse_links(base: Path, relative: Path) -> None:
    """No component of base/relative (below base) is a symbolic link, and the existing ones are directories."""
    current = base
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            raise UnsafeOutput(
                f"{current} is a symbolic link (to {os.readlink(current)}); outputs are written only "
                "to real directories inside the package or to an output directory you name"
            )
        if current.exists() and not current.is_dir():
            raise UnsafeOutput(f"{current} is not a directory")


def output_dir(
    package_dir: Path,
    explicit: str | os.PathLike[str] | None = None,
    default: str = "build",
    entries: tuple[str, ...] = (),
) -> Path:
    """The directory a command may write ``entries`` into, created if missing; raises UnsafeOutput.

    Without ``explicit``: ``package_dir/default``, refused when it or anything between it and the package is
    a symbolic link. With ``explicit`` (the user named it): refused when it is itself a symbolic link, or when
    it lies inside the package behind one. An existing entry that is a symbolic link is refused too.
    """
    package_dir = Path(package_dir).absolute()
    target = Path(os.path.abspath(explicit)) if explicit is not None else package_dir / default
    if target.is_relative_to(package_dir):
        _refuse_links(package_dir, target.relative_to(package_dir))
    elif target.is_symlink():
        _refuse_links(target.parent, Path(target.name))
    elif target.exists() and not target.is_dir():
        raise UnsafeOutput(f"{target} is not a directory")
    for entry in entries:
        if (target / entry).is_symlink():
            raise UnsafeOutput(
                f"{target / entry} is a symbolic link (to {os.readlink(target / entry)}); "
                "an output is never written through a link"
            )
    target.mkdir(parents=True, exist_ok=True)
    return target


_held: dict[str, int] = {}
_held_guard = threading.Lock()


@contextlib.contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Exclusive use of ``out`` for this process (other builds wait); reentrant within the process."""
    key = str(Path(out).resolve())
    with _held_guard:
        if key in _held:
            _held[key] += 1
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield
        finally:
            with _held_guard:
                _held[key] -= 1
        return
    fd = os.open(Path(out) / ".rhil7.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with _held_guard:
            _held[key] = 1
        try:
            yield
        finally:
            with _held_guard:
                del _held[key]
    finally:
        os.close(fd)  # closing releases the lock


def staging_dir(out: Path) -> Path:
    """A fresh, uniquely named directory inside ``out`` (so a rename from it never crosses a file system)."""
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    staging.chmod(0o755)  # mkdtemp's private mode would carry over to the published directories
    return staging


def clear_stale_staging(out: Path) -> None:
    """Staging directories left by killed runs; call only while holding ``output_lock(out)``."""
    for leftover in Path(out).glob(".staging-*"):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)


def publish(staging: Path, out: Path, entries: tuple[str, ...]) -> None:
    """Move each entry from ``staging`` into ``out`` in the given order, one rename each, then drop ``staging``.

    A file replaces its predecessor atomically; a directory's predecessor is first moved aside into
    ``staging`` (a rename), so readers see the old or the new directory, never a half-written one.
    Call while holding ``output_lock(out)``.
    """
    for entry in entries:
        source, target = staging / entry, out / entry
        if target.is_symlink():
            raise UnsafeOutput(f"{target} is a symbolic link; an output is never written through a link")
        if source.is_dir() and target.exists():
            os.replace(target, staging / f".old-{entry}")
        os.replace(source, target)
    shutil.rmtree(staging, ignore_errors=True)


def write_file(path: str | os.PathLike[str], data: bytes, root: str | os.PathLike[str] | None = None) -> None:
    """Write ``data`` to ``path`` atomically (a temporary file beside it, then one rename), never through a
    symbolic link: ``path`` itself may not be one (a committed link would have its target overwritten), nor any
    directory between ``root`` and it; raises UnsafeOutput. (The rename replaces a name; it never writes into
    what the name pointed at.)"""
    path = Path(os.path.abspath(path))
    if root is not None:
        root = Path(os.path.abspath(root))
        _refuse_links(root, path.parent.relative_to(root))
    if path.is_symlink():
        raise UnsafeOutput(
            f"{path} is a symbolic link (to {os.readlink(path)}); an output is never written through a link"
        )
    if path.exists() and not path.is_file():
        raise UnsafeOutput(f"{path} is not a regular file; nothing is written there")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
