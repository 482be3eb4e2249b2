"""rhil7 site: a static website built from a release's contents, with a SQL console that runs in the browser.

The site is a folder of plain HTML, CSS and JavaScript (no server, no build step of its own, no request to any
other host): the pages are written here from the release (``release_contents``) and the DuckDB-WASM files are
copied from the npm package ``@duckdb/duckdb-wasm`` (``vendor``). ``build_site`` writes it atomically.
"""

from __future__ import annotations

from .build import SiteRefused, build_site

__all__ = ["SiteRefused", "build_site"]
