"""Every place a version or a release date lives must agree before a release: one problem per file.

``datapackage.json`` holds the version; ``CITATION.cff`` (``version``, ``date-released``), ``pyproject.toml``
(``[project] version``), ``src/rhil7/__init__.py`` (``__version__``) and a ``## [X.Y.Z] - YYYY-MM-DD`` heading of
``CHANGELOG.md`` must say the same, and the release README is checked after it is written. A file the package
does not have (a data-only copy has no ``pyproject.toml``) is not checked. A recorded version keeps its recorded date; a
new version is dated by its CHANGELOG heading (else by CITATION.cff) and cannot be dated before the latest
release.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path

_INIT = "src/rhil7/__init__.py"
RECORD = "releases.json"
_INIT_VERSION = re.compile(r'^__version__\s*=\s*["\']([^"\']*)["\']', re.M)
_README_VERSION = re.compile(r"\bVersion (\S+?)[,.]?(?:\s|$)")


def _text(package_dir: Path, name: str) -> str | None:
    path = Path(package_dir) / name
    if path.is_symlink() or not path.is_file():
        return None
    return path.read_text(encoding="utf-8")


def citation_fields(package_dir: Path) -> tuple[str | None, str | None] | None:
    """(version, date-released) of CITATION.cff as text; None without the file."""
    import yaml  # a dependency of the release only

    text = _text(package_dir, "CITATION.cff")
    if text is None:
        return None
    try:
        meta = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        meta = {}
    version, released = meta.get("version"), meta.get("date-released")
    return (None if version is None else str(version), None if released is None else str(released))


def _changelog_date(package_dir: Path, version: str) -> str | None | bool:
    """The date of ``version``'s CHANGELOG heading; None without one; False without a CHANGELOG."""
    text = _text(package_dir, "CHANGELOG.md")
    if text is None:
        return False
    heading = re.search(rf"^## \[{re.escape(version)}\] - (\S+)\s*$", text, re.M)
    return heading.group(1) if heading else None


def _dated(package_dir: Path, version: str, releases: list[dict]) -> tuple[str | None, str]:
    """(the release date of ``version``, where it comes from): releases.json for a recorded version, else its
    CHANGELOG heading, else CITATION.cff's date-released."""
    recorded = next((r for r in releases if r["version"] == version), None)
    if recorded:
        return recorded.get("date"), RECORD
    heading = _changelog_date(package_dir, version)
    if heading:
        return heading, "CHANGELOG.md"
    fields = citation_fields(package_dir)
    return (fields[1] if fields else None), "CITATION.cff"


def _citation_problems(package_dir: Path, version: str, released_on: str | None, source: str) -> list[str]:
    fields = citation_fields(package_dir)
    if fields is None:
        return []
    cited, released = fields
    wrong = [] if cited == version else [f"version is {cited!r}, set it to {version}"]
    if released is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", released):
        wrong.append(f"date-released is {released!r}, set the release date (YYYY-MM-DD)")
    elif released_on and released != released_on:
        wrong.append(f"date-released is {released}, set it to {released_on} (the date of {version} in {source})")
    return wrong


def _pyproject_problems(package_dir: Path, version: str) -> list[str]:
    text = _text(package_dir, "pyproject.toml")
    if text is None:
        return []
    try:
        found = tomllib.loads(text).get("project", {}).get("version")
    except tomllib.TOMLDecodeError as exc:
        return [f"not TOML ({exc}); its [project] version must be {version}"]
    return [] if found == version else [f'[project] version is {found!r}, set it to "{version}"']


def _init_problems(package_dir: Path, version: str) -> list[str]:
    text = _text(package_dir, _INIT)
    if text is None:
        return []
    match = _INIT_VERSION.search(text)
    found = match.group(1) if match else None
    return [] if found == version else [f'__version__ is {found!r}, set it to "{version}"']


def _changelog_problems(package_dir: Path, version: str, released_on: str | None, source: str) -> list[str]:
    heading = _changelog_date(package_dir, version)
    if heading is False:
        return []
    if heading is None:
        return [
            f"no `## [{version}] - {released_on or 'YYYY-MM-DD'}` heading; rename `## [Unreleased]` to it "
            "(keeping its entries) and start a new, empty `## [Unreleased]` above"
        ]
    if released_on and heading != released_on:
        return [f"the heading of {version} is dated {heading}; {source} says {released_on}"]
    return []


def version_problems(package_dir: Path, version: str, releases: list[dict]) -> list[str]:
    """One sentence per file whose version or date disagrees with ``version`` (datapackage.json's)."""
    released_on, source = _dated(package_dir, version, releases)
    found = {
        "CITATION.cff": _citation_problems(package_dir, version, released_on, source),
        "pyproject.toml": _pyproject_problems(package_dir, version),
        _INIT: _init_problems(package_dir, version),
        "CHANGELOG.md": _changelog_problems(package_dir, version, released_on, source),
    }
    dates = [r["date"] for r in releases if r.get("date")]
    if source != RECORD and released_on and dates and released_on < max(dates):
        found.setdefault(source, []).append(
            f"{version} is dated {released_on}, before the latest release "
            f"({max(dates)}); a new version needs its own date"
        )
    return [f"{name}: " + "; ".join(wrong) + "." for name, wrong in found.items() if wrong]


def release_date(package_dir: Path, version: str, releases: list[dict]) -> date:
    """The date a new version is recorded with (its CHANGELOG heading, else CITATION.cff), else today."""
    released_on, _ = _dated(package_dir, version, releases)
    if released_on and re.fullmatch(r"\d{4}-\d{2}-\d{2}", released_on):
        return date.fromisoformat(released_on)
    return date.today()


def readme_problems(readme: bytes, version: str) -> list[str]:
    """The release README's versions ("Version X" in its title line and its citation) must all be ``version``."""
    found = sorted(set(_README_VERSION.findall(readme.decode("utf-8"))) - {version})
    return (
        [
            f"README.md of the release: it names version(s) {', '.join(found)} besides {version}; "
            "the citation comes from CITATION.cff, so set its version."
        ]
        if found
        else []
    )
