"""What a database was built from, and whether this machine built it.

The fingerprint: sha256 of the descriptor (its JSON, keys sorted: what was parsed, not its spacing) and of
every table file's bytes. ``rhil7 build`` stores it in the database (``meta.fingerprint``) with its seal: an
HMAC-SHA256 of the fingerprint under a key that only this user on this machine holds (``build_key``: 32 random
bytes in the user's state directory, outside every repository, made by the first build). ``rhil7 query``
answers from the package's own database only when the seal verifies and the fingerprint is the package's now:
a database committed, downloaded or edited by hand (a fingerprint set to the package's) is never trusted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
from pathlib import Path

DESCRIPTOR = "datapackage.json"
KEY_BYTES = 32


class StaleDatabase(Exception):
    """The database was built from other tables or another descriptor than the package now holds."""


def fingerprint_of(descriptor: dict, digests: dict[str, str]) -> dict[str, str]:
    """{file: sha256}: the descriptor's (keys sorted, no spacing) and ``digests``, the tables' by file path."""
    text = json.dumps(descriptor, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return {DESCRIPTOR: hashlib.sha256(text.encode("utf-8")).hexdigest(), **digests}


def package_fingerprint(package_dir: Path) -> dict[str, str]:
    """{file: sha256} for the descriptor and every table, read through the safe loader's checks (what a build
    of the package now would store; the build itself takes the fingerprint of what its validation read)."""
    from rhil7.core.safe_reader import UnreadableInput, check_resource

    from .loading import read_descriptor

    package_dir = Path(package_dir)
    descriptor = read_descriptor(package_dir)
    digests = {}
    for resource in descriptor["resources"]:
        safe, problems = check_resource(package_dir, resource) if isinstance(resource, dict) else (None, [])
        if problems or safe is None:
            raise UnreadableInput(
                f"{package_dir}: resource {resource!r:.80} cannot be read"
                + (f" ({problems[0].message})" if problems else "")
            )
        digest = hashlib.sha256(b"\xef\xbb\xbf" if safe.has_bom else b"")
        digest.update(safe.body)
        digests[safe.relpath] = digest.hexdigest()
    return fingerprint_of(descriptor, digests)


def state_dir() -> Path:
    """rhil7's directory in the user's state directory ($XDG_STATE_HOME, else ~/.local/state)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "rhil7"


class NoBuildKey(Exception):
    """The key that seals this machine's builds cannot be read or made."""


def build_key(create: bool = False) -> bytes:
    """This machine's build key (``state_dir()/build-key``, mode 0600), made on first use when ``create``. A
    symbolic link, a file that is not regular or a key of the wrong length is refused (NoBuildKey)."""
    path = state_dir() / "build-key"
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        if create and not os.path.lexists(path):
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(os.urandom(KEY_BYTES))
            except FileExistsError:  # another build made it meanwhile
                pass
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise NoBuildKey(f"{path} is not a regular file")
            key = fh.read(KEY_BYTES + 1)
    except OSError as exc:
        raise NoBuildKey(f"cannot {'make' if create else 'read'} the build key {path}: {exc.strerror}") from None
    if len(key) != KEY_BYTES:
        raise NoBuildKey(f"{path} is not a build key ({len(key)} bytes); delete it, and the next build makes one")
    return key


def fingerprint_text(fingerprint: dict[str, str]) -> str:
    return json.dumps(fingerprint, sort_keys=True)


def seal(fingerprint_json: str, key: bytes) -> str:
    """HMAC-SHA256 of the stored fingerprint under this machine's build key (RFC 2104)."""
    return hmac.new(key, fingerprint_json.encode("utf-8"), hashlib.sha256).hexdigest()


def stored_fingerprint(database: Path) -> dict[str, str] | None:
    """The fingerprint a database was built with, or None (built by an older rhil7, or not by `rhil7 build`).
    Whether this machine built it is ``trusted_fingerprint``'s question."""
    found = _stored(database)
    return None if found is None else json.loads(found[0])


def trusted_fingerprint(database: Path) -> dict[str, str] | None:
    """The fingerprint ``database`` was built with when its seal verifies under this machine's build key, else
    None (another machine's or an older build, or one edited after it)."""
    found = _stored(database)
    if found is None or not isinstance(found[1], str):
        return None
    try:
        key = build_key()
    except NoBuildKey:
        return None
    return json.loads(found[0]) if hmac.compare_digest(seal(found[0], key), found[1]) else None


def _stored(database: Path) -> tuple[str, str | None] | None:
    """(fingerprint JSON, seal) as stored in the database, or None."""
    import duckdb

    from .core.database import safe_connect

    try:
        con = safe_connect(database, read_only=True)
    except duckdb.Error as exc:
        raise StaleDatabase(f"cannot open {database}: {str(exc).strip()}") from None
    try:
        # a base table's columns only: a view named meta.fingerprint (its SQL would run here) is no record
        columns = [
            c[0]
            for c in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'meta' "
                "AND table_name = 'fingerprint' AND table_oid IN "
                "(SELECT table_oid FROM duckdb_tables())"
            ).fetchall()
        ]
        if "fingerprint" not in columns:
            return None
        row = con.execute(
            "SELECT fingerprint" + (", seal" if "seal" in columns else ", NULL") + " FROM meta.fingerprint"
        ).fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    if not row or not isinstance(row[0], str):
        return None
    try:
        json.loads(row[0])
    except ValueError:
        return None
    return row[0], row[1]


def changed_files(stored: dict[str, str] | None, current: dict[str, str]) -> list[str]:
    """Files added, removed or changed since the build (every file when nothing was stored)."""
    if stored is None:
        return sorted(current)
    return sorted(f for f in stored.keys() | current.keys() if stored.get(f) != current.get(f))


def require_fresh(database: Path, package_dir: Path) -> None:
    """Raise StaleDatabase, naming the changed files and the command to run, unless ``database`` is current."""
    from rhil7.core.safe_reader import UnreadableInput

    stored = trusted_fingerprint(database)
    if stored is None:
        raise StaleDatabase(
            f"{database} was not built on this machine by this version of `rhil7 build` (or was "
            f"changed after): it is not trusted; run `rhil7 build {package_dir}` to rebuild it"
        )
    try:
        current = package_fingerprint(package_dir)
    except UnreadableInput as exc:
        raise StaleDatabase(f"the package cannot be read, so {database} cannot be checked against it: {exc}") from None
    changed = changed_files(stored, current)
    if changed:
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        raise StaleDatabase(
            f"the package changed since {database} was built ({shown}); run "
            f"`rhil7 build {package_dir}` first, so the answer is not an old one"
        )
