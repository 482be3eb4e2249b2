"""Write the site: the pages, the release's files, the console's SQL, and DuckDB-WASM, atomically.

Layout of the built folder (open index.html, or serve the folder with any static server):

- ``*.html``: the pages (``pages``); ``static/``: the style sheet and the console's script;
- ``release/``: every file of the release under its path in the release folder (downloads, figures, Parquet);
  ``archive/``: the release zip itself;
- ``console/manifest.json``: what the console loads: the release's ``create_database.sql`` (run as it is: the
  ``raw`` tables typed from the Table Schemas, then every documented view) and the CSV files it reads;
- ``queries/examples/*.sql``: the example queries, one click away in the console;
- ``vendor/``: DuckDB-WASM and apache-arrow from node_modules (``vendor``).

Written into a staging folder next to the target, then moved into place with one rename (``core.paths.publish``):
a reader sees the old site or the new one, never half of one.
"""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Callable

from rhil7.core.database import VIEW_ORDER
from rhil7.release import DATABASE_SQL
from rhil7.core.paths import output_dir, output_lock, publish, staging_dir
from rhil7.release import ReleaseRefused, check_member_name, package_file

from . import pages
from .release_contents import ReleaseContents, read_release, snapshot_contents
from .vendor import DEFAULT_DIST, MissingDuckDBWasm, arrow_module, vendored_files

STATIC_FILES = ("style.css", "console.js")


class SiteRefused(Exception):
    """The package is invalid or unsafe to publish (exit 1)."""


def example_queries(package_dir: Path) -> dict[str, bytes]:
    """queries/examples/*.sql of the package (regular files only), else the installed ones; name -> bytes."""
    folder = Path(package_dir) / "queries" / "examples"
    if folder.is_dir() and not folder.is_symlink():
        found = {}
        for path in sorted(folder.glob("*.sql")):
            data = package_file(package_dir, f"queries/examples/{path.name}")
            if data is not None:
                found[path.name] = data
        return found
    installed = resources.files("rhil7.queries.examples")
    files = sorted(installed.iterdir(), key=lambda p: p.name)
    return {p.name: p.read_bytes() for p in files if p.name.endswith(".sql")}


def first_comment(sql: bytes) -> str:
    """The example's first comment line, which says what it answers."""
    for line in sql.decode("utf-8", "replace").splitlines():
        if line.strip().startswith("--"):
            return line.strip()[2:].strip()
    return ""


def site_files(contents: ReleaseContents, examples: dict[str, bytes], contributing: bytes | None) -> dict[str, bytes]:
    """Every file of the site but the vendored ones: path inside the site -> bytes."""
    out: dict[str, bytes] = {}
    html = {
        "index.html": pages.home_page(contents),
        "trials.html": pages.trials_page(contents),
        "coverage.html": pages.coverage_page(contents),
        "contribute.html": pages.contribute_page(contents, contributing),
        "results.html": pages.results_page(contents),
        "dictionary.html": pages.dictionary_page(contents),
        "downloads.html": pages.downloads_page(contents),
        "console.html": pages.console_page(contents, {n: first_comment(s) for n, s in examples.items()}, VIEW_ORDER),
    }
    out |= {name: text.encode("utf-8") for name, text in html.items()}
    static = resources.files("rhil7.site").joinpath("static")
    out |= {f"static/{name}": static.joinpath(name).read_bytes() for name in STATIC_FILES}
    out |= {f"{pages.RELEASE_DIR}/{path}": data for path, data in contents.files().items()}
    out[f"{pages.ARCHIVE_DIR}/{contents.archive_name}"] = contents.archive
    # DuckDB-WASM has no Parquet reader built in (it would fetch its extension from another host), so the console
    # runs the release's create_database.sql as it is, over the release's CSV files: the same SQL, the same tables
    # and views as `rhil7 build` and `rhil7 query`.
    tables = {r["path"]: f"{pages.RELEASE_DIR}/{r['path']}" for r in contents.descriptor["resources"]}
    out["console/manifest.json"] = (
        json.dumps({"database": f"{pages.RELEASE_DIR}/{DATABASE_SQL}", "files": tables}, indent=1) + "\n"
    ).encode("utf-8")
    out |= {f"queries/examples/{name}": data for name, data in examples.items()}
    out["vendor/apache-arrow/arrow-module.mjs"] = arrow_module().encode("utf-8")
    out[".nojekyll"] = b""  # GitHub Pages: serve the folder as it is
    return out


def build_site(
    package_dir: Path,
    out: Path | None = None,
    duckdb_wasm: Path | None = None,
    progress: Callable[[str], None] = lambda m: None,
    release: Path | None = None,
) -> Path:
    """Build the site of ``package_dir`` into ``out`` (default: build/site of the package); its path.

    ``release``: the release zip to show (what the release workflow publishes); without it, a snapshot of the
    package as it is (``snapshot_contents``).

    MissingDuckDBWasm (exit 2) before any work when the npm files are missing; SiteRefused (exit 1) when the
    package is invalid."""
    package_dir = Path(package_dir)
    if duckdb_wasm is None:  # the package's own node_modules (a checkout), else the one where rhil7 runs
        duckdb_wasm = next(
            (d for d in (package_dir / DEFAULT_DIST, DEFAULT_DIST.absolute()) if d.is_dir()), package_dir / DEFAULT_DIST
        )
    vendored = vendored_files(Path(duckdb_wasm))
    try:
        contents = (
            read_release(Path(release), package_dir)
            if release is not None
            else snapshot_contents(package_dir, progress)
        )
        contributing = package_file(package_dir, "CONTRIBUTING.md")
        examples = example_queries(package_dir)
        for name in examples:
            check_member_name(f"queries/examples/{name}")
    except ReleaseRefused as exc:
        raise SiteRefused(str(exc)) from None
    files = site_files(contents, examples, contributing)
    if out is None:
        parent, name = output_dir(package_dir, None, "build", entries=("site",)), "site"
    else:
        out = Path(out).absolute()
        parent, name = output_dir(package_dir, out.parent, entries=(out.name,)), out.name
    with output_lock(parent):
        staging = staging_dir(parent)
        try:
            root = staging / name
            progress(f"writing {len(files) + len(vendored)} files")
            for path, data in files.items():
                target = root / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            for path, source in vendored.items():
                target = root / path
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
            publish(staging, parent, (name,))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return parent / name


__all__ = ["SiteRefused", "MissingDuckDBWasm", "build_site", "site_files"]
