"""Serve a built site on localhost and drive Debian's chromium over it (tests/browser/drive_site.mjs).

Used by tests/test_site.py, and as a script for the screenshots and the page weights of docs/site.md:

    .venv/bin/python tests/browser/site_browser.py build/site --screenshots docs/screenshots
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("drive_site.mjs")
CHROMIUM = Path("/usr/bin/chromium")
PAGES = (
    "index.html",
    "trials.html",
    "coverage.html",
    "contribute.html",
    "results.html",
    "dictionary.html",
    "downloads.html",
    "console.html",
)
INSTALL = (
    "install Debian's chromium and the npm packages: `apt-get install -y chromium`, then `npm ci` in the "
    "repository (needs Node.js 20 or newer and npm; playwright-core drives /usr/bin/chromium, so "
    "`npx playwright install` is not needed)"
)


def missing_browser_tools() -> str | None:
    """What is missing to drive the browser, with how to install it; None when all is there."""
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is missing: {INSTALL}"
    if shutil.which("node") is None:
        return f"node is missing: {INSTALL}"
    if not (ROOT / "node_modules" / "playwright-core" / "package.json").is_file():
        return f"node_modules/playwright-core is missing: {INSTALL}"
    return None


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (http.server's name)
        pass


@contextlib.contextmanager
def serve(site: Path):
    """The folder on http://127.0.0.1:<free port>/ for the duration of the block."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    handler.extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".wasm": "application/wasm",
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def drive(base: str, pages=PAGES, queries: dict[str, str] | None = None, screenshots: Path | None = None) -> dict:
    """Run the node driver; its JSON report (see drive_site.mjs)."""
    plan = {
        "base": base,
        "pages": list(pages),
        "queries": queries or {},
        "chromium": str(CHROMIUM),
        "screenshots": str(Path(screenshots).absolute()) if screenshots else None,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(plan, fh)
    try:
        done = subprocess.run(["node", str(DRIVER), fh.name], cwd=ROOT, capture_output=True, text=True, timeout=600)
    finally:
        Path(fh.name).unlink()
    if done.returncode != 0:
        raise RuntimeError(f"the browser driver failed ({done.returncode}): {done.stderr[-3000:]}")
    return json.loads(done.stdout)


def page_weights(site: Path, report: dict, pages=("index.html", "console.html")) -> dict[str, int]:
    """Bytes each page made the browser load (the files it requested, as served, uncompressed), by page.

    From the requests the driver saw in page order: a page's share is what it requested until the next page."""
    weights: dict[str, int] = {}
    current = None
    for url in report["requests"]:
        path = urlsplit(url).path.lstrip("/")
        if path in PAGES:
            current = path
            seen: set[str] = set()
        if current in pages and path not in seen:
            seen.add(path)
            file = Path(site) / path
            weights[current] = weights.get(current, 0) + (file.stat().st_size if file.is_file() else 0)
    return weights


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", help="the built site (rhil7 site --out DIR)")
    parser.add_argument("--screenshots", help="folder for home.png and console.png")
    args = parser.parse_args()
    missing = missing_browser_tools()
    if missing:
        print(missing, file=sys.stderr)
        return 2
    if args.screenshots:
        Path(args.screenshots).mkdir(parents=True, exist_ok=True)
    with serve(Path(args.site)) as base:
        report = drive(base, ("index.html", "console.html"), screenshots=args.screenshots)
    errors = {page: r["errors"] for page, r in report["pages"].items() if r["errors"]}
    print(
        json.dumps(
            {
                "weights_bytes": page_weights(Path(args.site), report),
                "screenshots": report["screenshots"],
                "errors": errors,
            },
            indent=1,
        )
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
