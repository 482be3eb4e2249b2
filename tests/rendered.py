"""What a reader sees of our Markdown: rendered by markdown-it-py (CommonMark with GitHub's tables and
strikethrough, raw HTML allowed as on GitHub), so tests judge the output, not the escaping's spelling."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

_PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)")


def html(markdown_text: str) -> str:
    return _PARSER.render(markdown_text)


def tags(markdown_text: str) -> set[str]:
    """Every HTML element name in the rendered page (opening or closing)."""
    return {name.lower() for _, name in _TAG.findall(html(markdown_text))}


def table_rows(markdown_text: str) -> list[list[str]]:
    """Every row of every table as the text of its cells (entities decoded, code shown as text)."""
    rows, row, in_cell = [], None, False
    for token in _PARSER.parse(markdown_text):
        if token.type == "tr_open":
            row = []
        elif token.type == "tr_close":
            rows.append(row)
        elif token.type in ("td_open", "th_open"):
            in_cell = True
        elif token.type in ("td_close", "th_close"):
            in_cell = False
        elif token.type == "inline" and in_cell:
            row.append("".join(c.content for c in token.children or [] if c.type in ("text", "code_inline")))
    return rows
