"""One way out per sink: the escaping function of each place a string from a package can land.

A contributed cell, title or resource name is data from someone we do not know. Before it reaches a sink it goes
through that sink's function here, and through nothing hand-written in a renderer:

- ``terminal``: a terminal or a plain log (also the base of the others): no control, C1, ESC/OSC, bidi or other
  invisible format character survives; each is shown as a visible escape (``\\x1b``, ``\\u202e``).
- ``github_data`` / ``github_property`` / ``github_line``: a GitHub Actions workflow command's message, one of its
  properties, and a plain line printed into a workflow log (as @actions/core's escapeData / escapeProperty).
- ``markdown``: Markdown that may be rendered as HTML (job summary, report.md, release README, data dictionary),
  and ``markdown_block``: many lines of text shown literally in a fenced code block.
- ``spreadsheet``: a text cell of a CSV meant for spreadsheets (OWASP "CSV injection").

Every function is pure and total (any value is turned into text with ``str``); all but ``markdown_block`` return
one line.
"""

from __future__ import annotations

import re
from typing import TypeVar

from rhil7.core.vocabulary import FORMULA_STARTS

_T = TypeVar("_T")

_VISIBLE = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _visible(char: str) -> str:
    code = ord(char)
    return _VISIBLE.get(char) or (
        f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
    )


def terminal(value: object) -> str:
    """``value`` as one line of text that cannot drive a terminal or hide text.

    Guarantees: the result holds only characters Python calls printable (``str.isprintable``) and plain spaces, so
    no C0 control (CR, LF, tab, ESC), no DEL, no C1 control (U+0080-U+009F, e.g. the CSI U+009B), no bidi override
    or isolate (U+202A-U+202E, U+2066-U+2069), no zero-width or other format character (Unicode Cf), no line or
    paragraph separator, no surrogate or unassigned code point. Each such character is written as a visible escape
    (``\\n``, ``\\x1b``, ``\\u202e``, ``\\U000e0001``); printable text is unchanged."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _visible(c) for c in text)


# GitHub's runner reads a line as a command when, trimmed, it starts with "::" (v2), or when it holds "##[" anywhere
# (the v1 form, still parsed): github.com/actions/runner, src/Runner.Common/ActionCommand.cs.
_V1_COMMAND = "##["


def github_data(value: object) -> str:
    """The message of a workflow command (``::error file=...::MESSAGE``), as @actions/core's ``escapeData``.

    Guarantees: ``terminal`` first (no CR, LF or other control character is left, so the message cannot end the
    line and start a new command), then ``%`` -> ``%25`` (the runner decodes only %25, %0D, %0A, %3A, %2C), and
    ``##[`` (the runner's older command form, found anywhere in a line) is broken as ``##%5B`` -> shown ``##%5B``."""
    text = terminal(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(_V1_COMMAND, "##%5B")


def github_property(value: object) -> str:
    """A property value of a workflow command (``file=``, ``title=``), as @actions/core's ``escapeProperty``.

    Guarantees: everything ``github_data`` guarantees, and ``:`` -> ``%3A``, ``,`` -> ``%2C``, so the value can
    neither end the property list (``::``) nor add a property (``,line=1``)."""
    return github_data(value).replace(":", "%3A").replace(",", "%2C")


def github_line(value: object) -> str:
    """A plain line printed into a GitHub Actions log (not a command of ours).

    Guarantees: everything ``terminal`` guarantees (one line), and the runner cannot read it as a command: a line
    that starts (after blanks) with ``::`` is prefixed with ``> `` and ``##[`` is broken as ``##%5B``."""
    text = terminal(value).replace(_V1_COMMAND, "##%5B")
    return "> " + text if text.lstrip().startswith("::") else text


# Markdown characters that make structure inside a line: HTML and entities (& < > "), table cells (|), code spans
# and fences (`), links and images ([ ] and so "![x](y)"), backslash escapes (\), emphasis and strikethrough
# (* ~; "_" only where it can open or close emphasis: between two letters it is part of a name like study_id).
_MARKDOWN_ENTITIES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "|": "&#124;",
    "`": "&#96;",
    "[": "&#91;",
    "]": "&#93;",
    "\\": "&#92;",
    "*": "&#42;",
    "~": "&#126;",
}
_MARKDOWN_SPECIAL = re.compile(r'[&<>"|`\[\]\\*~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])')
# What makes a block when it starts a line: ATX heading, list item, setext underline or thematic break, ordered
# list item ("1. " / "1)" then a blank or the end: "0.1.0" is no list), and leading blanks (four: a code block).
_MARKDOWN_BLOCK_START = re.compile(r"^(?:[#+\-=]|\d{1,9}[.)](?=\s|$)|\s)")


def markdown(value: object, *, code: bool = False) -> str:
    """``value`` as inline Markdown text (GitHub Flavored Markdown, also safe where it is rendered as HTML).

    Guarantees: ``terminal`` first (one line: a CR or LF cannot end a table row or a list item), then every
    character that makes structure is written as an HTML entity, which both Markdown and HTML show as the
    character: no raw HTML tag or entity (``& < > "``), no table cell boundary (``|``), no code span or fence
    (`` ` ``), no link or image (``[ ]``), no backslash escape, no emphasis or strikethrough, and the value cannot
    start a block (heading, list, quote, code block) if the renderer puts it at the start of a line. A bare URL
    stays visible text (GitHub may link it, but the text shown is its target). ``'`` is left as is: do not put
    the result in a single-quoted HTML attribute.

    ``code=True``: shown as code. A code span (shown literally, so no HTML, link or emphasis can come out of it):
    one line, delimited by more backticks than the longest run inside. A value holding ``|`` (which would end a
    table cell even inside a code span) is written as ``<code>`` + the escaped text + ``</code>`` instead."""
    text = terminal(value)
    if code and text and "|" not in text:
        longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
        fence = "`" * (longest + 1)
        pad = (
            " " if text.startswith("`") or text.endswith("`") or (text[:1] == text[-1:] == " " and text.strip()) else ""
        )
        return f"{fence}{pad}{text}{pad}{fence}"
    text = _MARKDOWN_SPECIAL.sub(lambda m: _MARKDOWN_ENTITIES.get(m.group(), "&#95;"), text)
    start = _MARKDOWN_BLOCK_START.match(text)
    if start:
        index = start.end() - 1 if start.group()[-1] in ".)" else 0
        text = text[:index] + f"&#{ord(text[index])};" + text[index + 1 :]
    return f"<code>{text}</code>" if code and text else text


def markdown_block(text: object) -> str:
    """``text`` (several lines) as a fenced Markdown code block, shown literally (a rendered diff in a job summary).

    Guarantees: each line (split at LF) goes through ``terminal``, so no CR or control character is left; the
    fence is longer than the longest backtick run inside, so no line can close it (and HTML, links and emphasis
    are not interpreted inside a code block)."""
    lines = [terminal(line) for line in str(text).split("\n")]
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return "\n".join([fence, *lines, fence])


def spreadsheet(value: _T) -> _T | str:
    """A text cell of a CSV meant for spreadsheets (OWASP, "CSV Injection").

    Guarantees: a string that starts with a character a spreadsheet reads as the start of a formula
    (``rhil7.core.vocabulary.FORMULA_STARTS``: ``= + - @``, tab, CR) gets a leading apostrophe, which spreadsheets
    show as text and do not display; any other string, and any value that is not a string (a number, None: the
    CSV writer writes it as a number or an empty cell), is returned unchanged. Quoting is the CSV writer's job."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
