"""rhil7 site: the static website and its SQL console (DuckDB-WASM), on a fixture package and the real one.

Without the browser: every page is well-formed enough to check (one h1, lang, labelled images), escaped (a hostile
title in the fixture shows as text), every local link and image resolves inside the site, the downloads match the
release's SHA256SUMS, every missing coverage cell links to its entry on the contributing page. With the marker
``browser``: Debian's chromium, driven headless by playwright-core (tests/browser/), loads every page with no
console error and no request off the local server, and the console answers the example queries and every view
with the rows ``rhil7 query`` gives on the same package. Without chromium, node or node_modules the browser tests
fail and say how to install them.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
import shutil
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import ROOT, build_reference_package, run_cli

sys.path.insert(0, str(Path(__file__).parent / "browser"))
import site_browser  # noqa: E402 (tests/browser is not a package)

from rhil7.site.build import build_site  # noqa: E402
from rhil7.site.markup import anchor, esc, external_link  # noqa: E402

DUCKDB_DIST = ROOT / "node_modules" / "@duckdb" / "duckdb-wasm" / "dist"
HOSTILE = '<script>alert("pwned")</script> & <b>bold</b> [link](javascript:x) | `code`'


def _need_npm():
    if not (DUCKDB_DIST / "duckdb-eh.wasm").is_file():
        pytest.fail(f"{DUCKDB_DIST} is missing: run `npm ci` in the repository (package-lock.json pins DuckDB-WASM)")


def _rewrite(path: Path, change) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
        fields = list(rows[0].keys())
    for row in rows:
        change(row)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _hostile_package(target: Path) -> Path:
    """The reference package (two published datasets) with a hostile trial title, source title and snippet."""
    package = build_reference_package(target)
    first = {"done": False}

    def study(row):
        if not first["done"]:
            row["title"] = HOSTILE
            first["done"] = True

    _rewrite(package / "tables" / "studies.csv", study)
    _rewrite(package / "tables" / "sources.csv", lambda row: row.update(title=row["title"] + " " + HOSTILE))
    _rewrite(
        package / "tables" / "arms.csv",
        lambda row: row.update(label=HOSTILE) if row["arm_id"].endswith("_1_control") else None,
    )
    shutil.copy2(ROOT / "CONTRIBUTING.md", package / "CONTRIBUTING.md")
    return package


def _stand_in_dist(root: Path) -> Path:
    """node_modules with empty files of the names rhil7 site copies: the pages need no real DuckDB-WASM (the
    browser tests, which do, use the real one from `npm ci`)."""
    from rhil7.site.vendor import ARROW_FILES, DUCKDB_FILES

    dist = root / "node_modules" / "@duckdb" / "duckdb-wasm" / "dist"
    arrow = root / "node_modules" / "apache-arrow"
    for folder, names in ((dist, DUCKDB_FILES), (arrow, ARROW_FILES)):
        folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            (folder / name).write_bytes(b"")
    return dist


@pytest.fixture(scope="module")
def stand_in_dist(tmp_path_factory):
    return _stand_in_dist(tmp_path_factory.mktemp("npm"))


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory, stand_in_dist):
    tmp = tmp_path_factory.mktemp("site")
    package = _hostile_package(tmp / "package")
    return package, build_site(package, tmp / "out" / "site", stand_in_dist)


@pytest.fixture(scope="module")
def real_site(tmp_path_factory):
    _need_npm()
    # the repository itself: a snapshot release is built in a temporary folder, nothing is written into it
    return ROOT, build_site(ROOT, tmp_path_factory.mktemp("real") / "site", DUCKDB_DIST)


class _Page(HTMLParser):
    """What the checks need from a page: tags with their attributes, and the text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _html_pages(site: Path) -> list[Path]:
    return sorted(site.glob("*.html"))


# --------------------------------------------------------------------------- markup


def test_escaping_and_links_of_package_strings():
    assert esc(HOSTILE).count("<") == 0 and "&lt;script&gt;" in esc(HOSTILE)
    assert esc(None) == "" and esc(float("nan")) == "" and esc(27.0) == "27"
    assert external_link("javascript:alert(1)", "x") == "x"
    assert external_link('https://example.org/a"b', "x") == "x"
    assert (
        external_link("https://example.org/a?b=1&c=2", "x")
        == '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer">x</a>'
    )
    assert anchor("cell", "daix2023", "alc", "week3") == "cell-daix2023-alc-week3"
    odd = anchor("cell", 'a"><script>', "x")
    assert re.fullmatch(r"[A-Za-z0-9_-]+", odd) and odd != anchor("cell", "a'><script>", "x")


def _luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance of #rrggbb."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_text_colours_have_wcag_aa_contrast():
    css = (ROOT / "src" / "rhil7" / "site" / "static" / "style.css").read_text(encoding="utf-8")
    colours = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-f]{6})", css))
    pairs = [
        ("ink", "paper"),
        ("muted", "paper"),
        ("muted", "soft"),
        ("link", "paper"),
        ("link", "soft"),
        ("ok", "okbg"),
        ("miss", "missbg"),
        ("paper", "link"),
        ("ink", "soft"),
    ]
    for text, background in pairs:
        light, dark = sorted((_luminance(colours[text]), _luminance(colours[background])), reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, (text, background)


def test_duckdb_wasm_is_pinned_exactly_and_locked():
    manifest = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    for name, version in {**manifest["dependencies"], **manifest["devDependencies"]}.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), (name, version)  # --save-exact: no range
        assert lock["packages"][f"node_modules/{name}"]["version"] == version, name
    assert "@duckdb/duckdb-wasm" in manifest["dependencies"] and "playwright-core" in manifest["devDependencies"]


# --------------------------------------------------------------------------- fixture package


def test_fixture_site_has_every_page_escaped(fixture_site):
    _, site = fixture_site
    pages = _html_pages(site)
    assert {p.name for p in pages} == set(site_browser.PAGES)
    for path in pages:
        html = path.read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<b>bold</b>" not in html, path.name
        assert 'href="javascript:' not in html.lower(), path.name
        page = _parse(path)
        assert [t for t, _ in page.tags].count("h1") == 1, path.name
        assert ("html", {"lang": "en"}) in page.tags
        assert all(a.get("alt") for t, a in page.tags if t == "img"), path.name
        assert ("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}) in page.tags
        ids = [a["id"] for _, a in page.tags if "id" in a]
        assert len(ids) == len(set(ids)), path.name
        assert all(
            a.get("id") and any(t == "label" and b.get("for") == a["id"] for t, b in page.tags)
            for t, a in page.tags
            if t == "textarea"
        ), path.name
    trials = _parse(site / "trials.html")
    assert HOSTILE in "".join(trials.text)  # shown as text, characters intact


def test_fixture_site_links_resolve_inside_the_site(fixture_site):
    _, site = fixture_site
    ids = {p.name: {a["id"] for _, a in _parse(p).tags if "id" in a} for p in _html_pages(site)}
    for path in _html_pages(site):
        for tag, attrs in _parse(path).tags:
            target = (
                attrs.get("href") if tag in ("a", "link") else attrs.get("src") if tag in ("img", "script") else None
            )
            if not target or target.startswith(("https://", "http://", "data:", "#")) and not target.startswith("#"):
                continue
            parts = urlsplit(target)
            assert not parts.scheme and not parts.netloc, (path.name, target)
            file = parts.path or path.name
            assert (site / file).is_file(), (path.name, target)
            if parts.fragment and file.endswith(".html"):
                assert parts.fragment in ids[file], (path.name, target)


def test_fixture_site_downloads_match_the_release_checksums(fixture_site):
    _, site = fixture_site
    sums = {}
    for line in (site / "release" / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, _, path = line.partition("  ")
        sums[path] = digest
    assert sums and "create_database.sql" in sums and "tables/studies.csv" in sums
    downloads = (site / "downloads.html").read_text(encoding="utf-8")
    for path, digest in sums.items():
        assert hashlib.sha256((site / "release" / path).read_bytes()).hexdigest() == digest
        assert digest in downloads and f'href="release/{path}"' in downloads


def test_fixture_site_shows_snippets_coverage_and_forest_plots(fixture_site):
    package, site = fixture_site
    trials = (site / "trials.html").read_text(encoding="utf-8")
    with (package / "tables" / "arms.csv").open(encoding="utf-8") as fh:
        arms = list(csv.DictReader(fh))
    assert trials.count('<details class="cell">') >= len(arms)
    assert esc(arms[0]["snippet"]) in trials
    results = (site / "results.html").read_text(encoding="utf-8")
    plots = sorted((site / "release" / "report" / "forest").glob("*.svg"))
    assert plots and all(f"release/report/forest/{p.name}" in results for p in plots)
    console = json.loads((site / "console" / "manifest.json").read_text(encoding="utf-8"))
    assert console["database"] == "release/create_database.sql"
    assert all((site / path).is_file() for path in console["files"].values())
    assert set(console["files"]) == {f"tables/{p.name}" for p in (package / "tables").glob("*.csv")}


def test_every_missing_coverage_cell_links_to_how_to_contribute_it(fixture_site):
    package, site = fixture_site
    with (package / "tables" / "coverage.csv").open(encoding="utf-8") as fh:
        cells = list(csv.DictReader(fh))
    missing = [c for c in cells if c["status"] in ("not_reachable", "not_reported")]
    assert missing and len(missing) < len(cells)  # the fixture has both kinds
    coverage = _parse(site / "coverage.html")
    links = [a["href"] for t, a in coverage.tags if t == "a" and a.get("href", "").startswith("contribute.html#")]
    assert sorted(links) == sorted(
        f"contribute.html#cell-{c['study_id']}-{c['outcome']}-{c['timepoint']}" for c in missing
    )
    contribute = _parse(site / "contribute.html")
    ids = {a.get("id") for _, a in contribute.tags}
    assert {link.split("#")[1] for link in links} <= ids
    assert f"rhil7 template {missing[0]['study_id']}" in "".join(contribute.text)


def test_a_second_build_replaces_the_site_whole(fixture_site, stand_in_dist, tmp_path):
    package, _ = fixture_site
    out = tmp_path / "site"
    build_site(package, out, stand_in_dist)
    (out / "stale.html").write_text("old", encoding="utf-8")
    build_site(package, out, stand_in_dist)
    assert not (out / "stale.html").exists() and (out / "index.html").is_file()
    assert not list(tmp_path.glob(".staging-*"))


@pytest.mark.cli
def test_site_without_duckdb_wasm_says_to_run_npm_ci(tmp_path):
    package = build_reference_package(tmp_path / "package")
    done = run_cli("site", str(package), "--out", str(tmp_path / "site"), "--duckdb-wasm", str(tmp_path / "nothing"))
    assert done.returncode == 2, done.stderr
    assert "npm ci" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "site").exists()


@pytest.mark.cli
def test_site_of_an_invalid_package_exits_1(stand_in_dist, tmp_path):
    package = build_reference_package(tmp_path / "package")
    _rewrite(package / "tables" / "studies.csv", lambda row: row.update(year="nineteen"))
    done = run_cli("site", str(package), "--out", str(tmp_path / "site"), "--duckdb-wasm", str(stand_in_dist))
    assert done.returncode == 1, done.stderr
    assert "studies" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "site").exists()


# --------------------------------------------------------------------------- the real package (invariants only)


@pytest.mark.slow
def test_real_site_shows_every_trial_source_and_table(real_site):
    package, site = real_site
    trials = "".join(_parse(site / "trials.html").text)
    dictionary = "".join(_parse(site / "dictionary.html").text)
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    with (package / "tables" / "studies.csv").open(encoding="utf-8") as fh:
        for study in csv.DictReader(fh):
            assert study["short_citation"] in trials
    with (package / "tables" / "sources.csv").open(encoding="utf-8") as fh:
        for source in csv.DictReader(fh):
            assert source["title"] in trials
    for resource in descriptor["resources"]:
        assert resource["name"] in dictionary
        assert all(f["name"] in dictionary for f in resource["schema"]["fields"])
    examples = sorted(p.name for p in (package / "queries" / "examples").glob("*.sql"))
    assert sorted(p.name for p in (site / "queries" / "examples").glob("*.sql")) == examples
    console = (site / "console.html").read_text(encoding="utf-8")
    assert all(f'data-file="queries/examples/{name}"' in console for name in examples)
    for name in ("duckdb-eh.wasm", "duckdb-browser-eh.worker.js", "duckdb-browser.mjs"):
        assert (site / "vendor" / "duckdb" / name).read_bytes() == (DUCKDB_DIST / name).read_bytes()
    for path in _html_pages(site):  # no script but the console's: DuckDB-WASM loads on that page only
        assert ("<script" in path.read_text(encoding="utf-8")) == (path.name == "console.html"), path.name


# --------------------------------------------------------------------------- in Debian's chromium


def _need_browser():
    missing = site_browser.missing_browser_tools()
    if missing:
        pytest.fail(missing)


def test_without_chromium_the_browser_tests_say_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(site_browser, "CHROMIUM", tmp_path / "no-chromium")
    message = site_browser.missing_browser_tools()
    assert message and "apt-get install -y chromium" in message and "npm ci" in message


def _cell(value):
    """A value as the console shows it (None for NULL), for comparison with the browser's text."""
    from datetime import date, datetime
    from decimal import Decimal

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (Decimal, float)):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _order(row: list) -> list[str]:
    """One sort key for a row as the browser shows it and as rhil7 query gives it (numbers by value)."""

    def key(value):
        if value is None:
            return "\0"
        try:
            return f"{float(value):.12g}"
        except ValueError:
            return str(value)

    return [key(v) for v in row]


def _same(browser: list, expected: list) -> bool:
    if len(browser) != len(expected):
        return False
    for shown, want in zip(browser, expected, strict=True):
        if isinstance(want, float):
            if shown is None or not math.isclose(float(shown), want, rel_tol=1e-12, abs_tol=1e-12):
                return False
        elif shown != want:
            return False
    return True


@pytest.mark.browser
@pytest.mark.slow
def test_every_page_loads_in_chromium_with_no_error_and_no_third_party_request(real_site):
    _need_browser()
    _, site = real_site
    with site_browser.serve(site) as base:
        report = site_browser.drive(base)
    for name in site_browser.PAGES:
        assert report["pages"][name]["errors"] == [], name
        assert report["pages"][name]["h1"] == 1, name
        assert report["pages"][name]["firstTab"] == "skip", name
        assert report["pages"][name]["afterSkip"] == "main", name
        assert report["pages"][name]["phoneOverflow"] <= 0, name
    assert report["pages"]["console.html"]["state"] == "ready"
    origin = urlsplit(base).netloc
    assert report["requests"] and all(
        urlsplit(u).netloc == origin for u in report["requests"] if not u.startswith("data:")
    ), [u for u in report["requests"] if origin not in u]
    assert any(u.endswith(".wasm") for u in report["requests"])
    loaded_by_home = site_browser.page_weights(site, report)["index.html"]
    assert loaded_by_home < 200_000  # the home page never loads DuckDB-WASM


@pytest.mark.browser
@pytest.mark.slow
def test_console_answers_as_rhil7_query(real_site, tmp_path):
    _need_browser()
    from rhil7.build import build_database
    from rhil7.core.database import VIEW_ORDER
    from rhil7.query import run_query

    package, site = real_site
    database = build_database(package, tmp_path / "build").database
    queries = {
        f"example:{p.name}": p.read_text(encoding="utf-8")
        for p in sorted((package / "queries" / "examples").glob("*.sql"))
    }
    queries |= {f"view:{v}": f'SELECT * FROM "{v}"' for v in VIEW_ORDER}
    queries["hostile"] = "SELECT '<img src=x onerror=alert(1)>' AS \"<b>x</b>\""
    refused = {
        "remote": "SELECT * FROM read_csv('https://example.org/data.csv')",
        "unlock": "SET enable_external_access = true",
    }
    with site_browser.serve(site) as base:
        report = site_browser.drive(base, ["console.html"], queries | refused)
    assert report["pages"]["console.html"]["errors"] == []
    for key in refused:  # a query cannot reach a file or an address, nor switch that back on
        assert "error" in report["queries"][key], key
    assert all(urlsplit(u).netloc == urlsplit(base).netloc for u in report["requests"])
    checked = 0
    for key, sql in queries.items():  # the hostile one too: the console shows its cell and name as text
        columns, rows = run_query(database, sql)
        shown = report["queries"][key]
        assert "error" not in shown, (key, shown)
        assert shown["columns"] == columns, key
        expected = [[_cell(v) for v in row] for row in rows]
        if "ORDER BY" not in sql.upper():  # a view's rows come in no promised order: both sides sorted alike
            expected.sort(key=_order)
            shown["rows"].sort(key=_order)
        assert len(shown["rows"]) == len(expected), key
        for got, want in zip(shown["rows"], expected, strict=True):
            assert _same(got, want), (key, got, want)
        checked += 1
    assert checked >= 3 + len(VIEW_ORDER)


# --------------------------------------------------------------------------- the site of a release zip


@pytest.fixture(scope="module")
def fixture_release(fixture_site, tmp_path_factory):
    from rhil7.release import make_release

    package, _ = fixture_site
    return make_release(package, tmp_path_factory.mktemp("dist"), mode="snapshot")


def test_site_of_a_release_zip_shows_that_archive(fixture_site, fixture_release, stand_in_dist, tmp_path):
    package, _ = fixture_site
    site = build_site(package, tmp_path / "site", stand_in_dist, release=fixture_release)
    downloads = (site / "downloads.html").read_text(encoding="utf-8")
    assert fixture_release.name in downloads
    assert (site / "archive" / fixture_release.name).read_bytes() == fixture_release.read_bytes()
    assert hashlib.sha256(fixture_release.read_bytes()).hexdigest() in downloads
    with zipfile.ZipFile(fixture_release) as zf:
        for name in zf.namelist():
            inner = name.split("/", 1)[1]
            assert (site / "release" / inner).read_bytes() == zf.read(name)


@pytest.mark.cli
def test_site_refuses_a_release_zip_that_does_not_match_its_checksums(
    fixture_site, fixture_release, stand_in_dist, tmp_path
):
    package, _ = fixture_site
    tampered = tmp_path / fixture_release.name
    with zipfile.ZipFile(fixture_release) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("/tables/studies.csv"):
                data = data.replace(b"1999", b"1998", 1)
            target.writestr(info, data)
    done = run_cli(
        "site",
        str(package),
        "--out",
        str(tmp_path / "site"),
        "--duckdb-wasm",
        str(stand_in_dist),
        "--release",
        str(tampered),
    )
    assert done.returncode == 1, done.stderr
    assert "tables/studies.csv" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "site").exists()


@pytest.mark.browser
def test_hostile_strings_show_as_text_in_chromium(fixture_site):
    _need_browser()
    _, site = fixture_site
    pages = ["index.html", "trials.html", "results.html", "coverage.html"]
    with site_browser.serve(site) as base:
        report = site_browser.drive(base, pages)
    for name in pages:
        assert report["pages"][name]["errors"] == [], name  # no script ran: no error, no dialog
    assert HOSTILE in report["pages"]["trials.html"]["text"]
