"""HTML from package strings: every value goes through ``rhil7.core.sinks.markdown`` (the Markdown/HTML sink).

``markdown`` writes ``& < > "`` and Markdown's structure characters as HTML entities, which HTML shows as the
characters themselves, so its result is safe as element text and inside a double-quoted attribute (never put it in
a single-quoted one: ``'`` is left as is). Markup of our own is written here, around escaped values only.
"""

from __future__ import annotations

import hashlib
import math
import re

from rhil7.core.sinks import markdown

SITE_NAME = "rhIL-7 lymphopenia trials"
NAV = [
    ("index.html", "Home"),
    ("trials.html", "Trials"),
    ("coverage.html", "Coverage"),
    ("results.html", "Reproduction"),
    ("dictionary.html", "Data dictionary"),
    ("downloads.html", "Downloads"),
    ("console.html", "SQL console"),
    ("contribute.html", "Contribute"),
]
_SAFE_ID = re.compile(r"[^A-Za-z0-9_-]")
_WEB_ADDRESS = re.compile(r"^https?://[^\s\"<>]+$")


def is_missing(value) -> bool:
    """None, NaN, pandas' NA and NaT, or an empty string (a text cell that says "nan" is text)."""
    if isinstance(value, str):
        return value == ""
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) in ("<NA>", "NaT", "nan")


def esc(value) -> str:
    """A package value as HTML text (empty for a missing value)."""
    if is_missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return markdown(value)


def anchor(*parts) -> str:
    """An HTML id made of letters, digits, ``-`` and ``_`` only, unique for the parts (a short hash when a part
    held anything else)."""
    joined = "-".join(str(p) for p in parts)
    plain = _SAFE_ID.sub("-", joined)
    if plain != joined:
        plain += "-" + hashlib.sha256(joined.encode("utf-8")).hexdigest()[:8]
    return plain


def external_link(url, label=None) -> str:
    """A link to an http(s) address from the package, or the address as text when it is anything else (so a
    ``javascript:`` or ``data:`` value never becomes a link)."""
    if is_missing(url):
        return esc(label)
    shown = esc(label if not is_missing(label) else url)
    if not _WEB_ADDRESS.match(str(url)):
        return shown
    return f'<a href="{esc(url)}" rel="noopener noreferrer">{shown}</a>'


def table(headers: list[str], rows: list[list[str]], caption: str = "", cls: str = "") -> str:
    """A table of cells already written as HTML; ``headers`` and ``caption`` are our own words (escaped anyway)."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>\n" for row in rows)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<div class="scroll" tabindex="0" role="region" aria-label="{esc(caption or "table")}">'
        f"<table{klass}>{cap}<thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table></div>"
    )


def page(filename: str, title: str, body: str, version: str, head_extra: str = "") -> str:
    """A whole page: skip link, site header, navigation (the current page marked), main, footer."""
    current = ' aria-current="page"'
    links = "".join(
        f'<li><a href="{href}"{current if href == filename else ""}>{label}</a></li>' for href, label in NAV
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{esc(title)} · {SITE_NAME}</title>
<link rel="stylesheet" href="static/style.css">
<link rel="icon" href="data:,">
{head_extra}</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
<p class="brand"><a href="index.html">{SITE_NAME}</a> <span class="version">version {esc(version)}</span></p>
<nav aria-label="Site"><ul>{links}</ul></nav>
</header>
<main id="main" tabindex="-1">
<h1>{esc(title)}</h1>
{body}
</main>
<footer class="site"><p>Built by <code>rhil7 site</code> from release {esc(version)} of the data package. A static
site: no cookies, no tracking, no request to any other host.</p></footer>
</body>
</html>
"""
