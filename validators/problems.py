"""Validation problems as records, and their three renderings.

A problem is data first (frictionless-style): a stable code, the file, the row
(the line of the record in its CSV, header = row 1), the field, what was
expected and what was found. Text, JSON and GitHub annotations are renderings
of the same list; nothing here decides validity.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from itertools import groupby


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    row: int | None
    field: str | None
    code: str
    expected: str
    found: str
    message: str
    stage: str = "semantic"
    # physical line where the row starts in its file (a quoted snippet may span lines, so it can
    # differ from the row number); filled in by run.py, used for GitHub annotations
    line: int | None = None

    def sort_key(self) -> tuple:
        return (self.file, self.row if self.row is not None else -1, self.field or "", self.code)


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(set(problems), key=Problem.sort_key)


def render_text(problems: list[Problem], package_dir: str) -> str:
    if not problems:
        return f"VALID: {package_dir}\n"
    lines = [f"INVALID: {package_dir}: {len(problems)} problem(s)"]
    for file, group in groupby(sorted_problems(problems), key=lambda p: p.file):
        group = list(group)
        lines.append(f"\n{file} ({len(group)})")
        for p in group:
            where = f"row {p.row}" if p.row is not None else "file"
            if p.field:
                where += f", field {p.field}"
            lines.append(f"  {where}: [{p.code}] {p.message}")
            lines.append(f"      expected: {p.expected}")
            lines.append(f"      found:    {p.found}")
    return "\n".join(lines) + "\n"


def render_json(problems: list[Problem], package_dir: str) -> str:
    body = {
        "package": package_dir,
        "valid": not problems,
        "problems": [asdict(p) for p in sorted_problems(problems)],
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def _escape_github(value: str, *, property_: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def render_github(problems: list[Problem], package_dir: str) -> str:
    """GitHub workflow commands: one ::error annotation per problem."""
    lines = []
    for p in sorted_problems(problems):
        props = [f"file={_escape_github(p.file, property_=True)}"]
        line = p.line if p.line is not None else p.row
        if line is not None:
            props.append(f"line={line}")
        title = f"{p.code}" + (f" ({p.field})" if p.field else "")
        props.append(f"title={_escape_github(title, property_=True)}")
        text = f"{p.message} Expected: {p.expected}. Found: {p.found}."
        lines.append(f"::error {','.join(props)}::{_escape_github(text)}")
    lines.append(render_text(problems, package_dir).splitlines()[0])
    return "\n".join(lines) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "github": render_github}
