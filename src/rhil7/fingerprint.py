"""What a database was built from: sha256 of the descriptor and of every table file.

``rhil7 build`` stores the fingerprint in the database (``meta.fingerprint``); ``rhil7 query`` compares it
with the package on disk and refuses a stale database rather than answer from old tables.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

DESCRIPTOR = "datapackage.json"


class StaleDatabase(Exception):
    """The database was built from other tables or another descriptor than the package now holds."""


def package_fingerprint(package_dir: Path) -> dict[str, str]:
    """{file: sha256} for the descriptor and every table, read through the safe loader's checks."""
    from rhil7.core.safe_reader import UnreadableInput, check_resource

    from .loading import read_descriptor

    package_dir = Path(package_dir)
    descriptor = read_descriptor(package_dir)
    out = {DESCRIPTOR: hashlib.sha256((package_dir / DESCRIPTOR).read_bytes()).hexdigest()}
    for resource in descriptor["resources"]:
        safe, problems = check_resource(package_dir, resource) if isinstance(resource, dict) else (None, [])
        if problems or safe is None:
            raise UnreadableInput(f"{package_dir}: resource {resource!r:.80} cannot be read"
                                  + (f" ({problems[0].message})" if problems else ""))
        digest = hashlib.sha256(b"\xef\xbb\xbf" if safe.has_bom else b"")
        digest.update(safe.body)
        out[safe.relpath] = digest.hexdigest()
    return out


def stored_fingerprint(database: Path) -> dict[str, str] | None:
    """The fingerprint a database was built with, or None (built by an older rhil7, or not by `rhil7 build`)."""
    import duckdb

    from .core.database import safe_connect

    try:
        con = safe_connect(database, read_only=True)
    except duckdb.Error as exc:
        raise StaleDatabase(f"cannot open {database}: {str(exc).strip()}") from None
    try:
        row = con.execute("SELECT fingerprint FROM meta.fingerprint").fetchone()
    except duckdb.CatalogException:
        return None
    finally:
        con.close()
    return json.loads(row[0]) if row else None


def changed_files(stored: dict[str, str] | None, current: dict[str, str]) -> list[str]:
    """Files added, removed or changed since the build (every file when nothing was stored)."""
    if stored is None:
        return sorted(current)
    return sorted(f for f in stored.keys() | current.keys() if stored.get(f) != current.get(f))


def require_fresh(database: Path, package_dir: Path) -> None:
    """Raise StaleDatabase, naming the changed files and the command to run, unless ``database`` is current."""
    from rhil7.core.safe_reader import UnreadableInput

    stored = stored_fingerprint(database)
    try:
        current = package_fingerprint(package_dir)
    except UnreadableInput as exc:
        raise StaleDatabase(f"the package cannot be read, so {database} cannot be checked against it: {exc}") from None
    changed = changed_files(stored, current)
    if stored is None:
        raise StaleDatabase(f"{database} holds no record of what it was built from; run `rhil7 build` "
                            f"{package_dir} to rebuild it")
    if changed:
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        raise StaleDatabase(f"the package changed since {database} was built ({shown}); run `rhil7 build` "
                            f"{package_dir} first, so the answer is not an old one")
