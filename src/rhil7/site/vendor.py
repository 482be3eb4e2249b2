"""DuckDB-WASM for the console, copied from the npm package ``@duckdb/duckdb-wasm`` (``npm ci`` installs it).

Only the single-threaded bundles run here (MVP, and EH where the browser has WebAssembly exceptions), each in a
Worker: no SharedArrayBuffer, so no cross-origin isolation headers, which GitHub Pages cannot send. The browser
module imports ``apache-arrow`` by name; the site maps that name (an import map) to a small module over Arrow's
own browser build (a global ``Arrow``), both from the same ``node_modules``.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_DIST = Path("node_modules") / "@duckdb" / "duckdb-wasm" / "dist"
DUCKDB_FILES = (
    "duckdb-browser.mjs",
    "duckdb-browser-eh.worker.js",
    "duckdb-eh.wasm",
    "duckdb-browser-mvp.worker.js",
    "duckdb-mvp.wasm",
)
ARROW_FILES = ("Arrow.es2015.min.js", "LICENSE.txt", "NOTICE.txt")
# The names duckdb-browser.mjs takes from apache-arrow (`import * as x from "apache-arrow"`; x.Table, ...),
# and the ones a console script may want.
ARROW_EXPORTS = (
    "Table",
    "RecordBatchReader",
    "RecordBatch",
    "Type",
    "DataType",
    "Field",
    "Schema",
    "Vector",
    "tableToIPC",
    "tableFromIPC",
    "makeTable",
    "util",
)


class MissingDuckDBWasm(Exception):
    """The npm files are not there: an environment problem (exit 2), with the command that fixes it."""


def vendored_files(dist: Path) -> dict[str, Path]:
    """Site path -> file to copy, for DuckDB-WASM in ``dist`` and the apache-arrow beside its package."""
    dist = Path(dist)
    arrow_candidates = [dist.parent.parent.parent / "apache-arrow", dist.parent / "node_modules" / "apache-arrow"]
    arrow = next((c for c in arrow_candidates if (c / ARROW_FILES[0]).is_file()), arrow_candidates[0])
    wanted = {f"vendor/duckdb/{name}": dist / name for name in DUCKDB_FILES}
    wanted |= {f"vendor/apache-arrow/{name}": arrow / name for name in ARROW_FILES}
    missing = [str(path) for path in wanted.values() if not path.is_file()]
    if missing:
        raise MissingDuckDBWasm(
            f"DuckDB-WASM is not installed ({missing[0]} is missing{' and more' if len(missing) > 1 else ''}); run "
            "`npm ci` in the repository (it installs the versions pinned in package-lock.json into node_modules/), "
            "or pass --duckdb-wasm DIR, the dist/ folder of @duckdb/duckdb-wasm"
        )
    return wanted


def arrow_module() -> str:
    """The ES module the import map gives for ``apache-arrow``: Arrow's browser build's names, re-exported."""
    names = ", ".join(ARROW_EXPORTS)
    return (
        "// apache-arrow as an ES module, over Arrow.es2015.min.js (loaded first, it defines globalThis.Arrow).\n"
        "const Arrow = globalThis.Arrow;\n"
        f"export const {{ {names} }} = Arrow;\nexport default Arrow;\n"
    )
