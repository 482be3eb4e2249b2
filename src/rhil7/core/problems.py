"""Validation problems as records, and their three renderings.

A problem is data first (frictionless-style): a stable code, the file, the row
(the line of the record in its CSV, header = row 1), the field, what was
expected and what was found. Text, JSON and GitHub annotations are renderings
of the same list; nothing here decides validity.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from itertools import groupby
from typing import Any

from rhil7.core.sinks import github_data, github_line, github_property, terminal


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
    # where in a JSON file (datapackage.json) the problem is, as a JSON pointer (RFC 6901)
    pointer: str | None = None
    # a problems-omitted record stands for this many problems of the code it names (numbers, never parsed from text)
    omitted: int = 0
    omitted_code: str | None = None

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.file, self.row if self.row is not None else -1, self.field or "", self.code)


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(set(problems), key=Problem.sort_key)


def descriptor_problem(
    pointer: str, code: str, expected: str, found: str, message: str, field: str | None = None
) -> Problem:
    """A problem of datapackage.json, at a JSON pointer."""
    return Problem("datapackage.json", None, field, code, expected, found, message, "safety", pointer=pointer)


OMITTED = "problems-omitted"


def omitted_problem(file: str, code: str, count: int, shown: int) -> Problem:
    """Stands for ``count`` problems of ``code`` in ``file`` that are not listed (frictionless' limitErrors)."""
    return Problem(
        file=file,
        row=None,
        field=None,
        code=OMITTED,
        expected=f"at most {shown} listed problems of one code",
        found=f"{count} more {code} problem(s)",
        message=f"{count} more '{code}' problem(s) in this file are not listed; fix the listed ones "
        "(often one cause) and validate again.",
        stage="safety",
        omitted=count,
        omitted_code=code,
    )


def omitted_count(problem: Problem) -> tuple[str, int]:
    """(code, count) of an omitted_problem."""
    return problem.omitted_code or "", problem.omitted


def cap_problems(problems: list[Problem], per_code: int, total: int) -> list[Problem]:
    """At most ``per_code`` problems of one code in one file and ``total`` in all are listed; the rest are
    counted, one problems-omitted record per file and code. Records of problems omitted earlier (a check
    that stopped listing its failures) are added into those counts."""
    counts: dict[tuple[str, str], int] = {}
    for p in problems:  # (not deduplicated: two checks may each leave out the same number of one code)
        if p.code == OMITTED:
            code, count = omitted_count(p)
            counts[(p.file, code)] = counts.get((p.file, code), 0) + count
    listed: dict[tuple[str, str], int] = {}
    kept: list[Problem] = []
    for p in sorted_problems([p for p in problems if p.code != OMITTED]):
        key = (p.file, p.code)
        if listed.get(key, 0) < per_code and len(kept) < total:
            listed[key] = listed.get(key, 0) + 1
            kept.append(p)
        else:
            counts[key] = counts.get(key, 0) + 1
    return kept + [omitted_problem(file, code, count, per_code) for (file, code), count in sorted(counts.items())]


def count_problems(problems: list[Problem]) -> int:
    """How many problems the list stands for, the omitted ones included."""
    return sum(omitted_count(p)[1] if p.code == OMITTED else 1 for p in problems)


def _shown(problem: Problem) -> Problem:
    """The problem with every text escaped for the terminal (also the base of the GitHub escaping)."""
    texts = {f.name: getattr(problem, f.name) for f in fields(problem)}
    escaped: dict[str, Any] = {name: terminal(value) for name, value in texts.items() if isinstance(value, str)}
    return replace(problem, **escaped)


def _headline(problems: list[Problem], package_dir: str) -> str:
    if not problems:
        return f"VALID: {terminal(package_dir)}"
    total = count_problems(problems)
    listed = sum(p.code != OMITTED for p in problems)
    return f"INVALID: {terminal(package_dir)}: {total} problem(s)" + (f", {listed} listed" if listed < total else "")


def render_text(problems: list[Problem], package_dir: str) -> str:
    if not problems:
        return _headline(problems, package_dir) + "\n"
    lines = [_headline(problems, package_dir)]
    for file, group in groupby(sorted_problems([_shown(p) for p in problems]), key=lambda p: p.file):
        members = list(group)
        lines.append(f"\n{file} ({len(members)})")
        for p in members:
            where = f"row {p.row}" if p.row is not None else "file"
            if p.pointer:
                where += f", at {p.pointer}"
            if p.field:
                where += f", field {p.field}"
            lines.append(f"  {where}: [{p.code}] {p.message}")
            lines.append(f"      expected: {p.expected}")
            lines.append(f"      found:    {p.found}")
    return "\n".join(lines) + "\n"


def render_json(problems: list[Problem], package_dir: str) -> str:
    body = {
        "package": terminal(package_dir),
        "valid": not problems,
        "problem_count": count_problems(problems),
        "problems": [asdict(p) for p in sorted_problems([_shown(p) for p in problems])],
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def render_github(problems: list[Problem], package_dir: str) -> str:
    """GitHub workflow commands: one ::error annotation per problem."""
    lines = []
    for p in sorted_problems([_shown(p) for p in problems]):
        props = [f"file={github_property(p.file)}"]
        line = p.line if p.line is not None else p.row
        if line is not None:
            props.append(f"line={line}")
        title = f"{p.code}" + (f" ({p.field})" if p.field else "") + (f" at {p.pointer}" if p.pointer else "")
        props.append(f"title={github_property(title)}")
        text = f"{p.message} Expected: {p.expected}. Found: {p.found}."
        lines.append(f"::error {','.join(props)}::{github_data(text)}")
    lines.append(github_line(_headline(problems, package_dir)))
    return "\n".join(lines) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "github": render_github}
