#!/usr/bin/env python3
"""Render `rhil7 validate --format json` for a pull request: GitHub annotations, and the job summary.

    ci_report.py annotate VALIDATION.json             # one ::error line per problem, on its file and line
    ci_report.py summary VALIDATION.json [DIFF.md]    # Markdown: the problems as a table, then `rhil7 diff`

Standard library only: the workflow runs it whatever happened to the install or the tests. Every contributed string
leaves through the escaping function of its sink, rhil7.core.sinks (standard library only too), imported from this
checkout's src/ without installing anything.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
from rhil7.core.sinks import github_data, github_property, markdown, markdown_block  # noqa: E402 (path first)


def _cell(value) -> str:
    return "" if value is None else markdown(value)


def read_report(path: Path) -> dict:
    """The validation report; an unreadable or empty one (the validator refused the input) says so."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"valid": False, "problems": [], "unreadable": True}


def annotations(report: dict) -> list[str]:
    lines = []
    for p in report.get("problems", []):
        props = [f"file={github_property(p.get('file', ''))}"]
        line = p.get("line") or p.get("row")
        if isinstance(line, int) and not isinstance(line, bool) and line > 0:
            props.append(f"line={line}")
        title = f"{p.get('code', '')}" + (f" ({p['field']})" if p.get("field") else "")
        props.append(f"title={github_property(title)}")
        text = f"{p.get('message', '')} Expected: {p.get('expected', '')}. Found: {p.get('found', '')}."
        lines.append(f"::error {','.join(props)}::{github_data(text)}")
    if report.get("unreadable"):
        lines.append("::error title=validation::The package could not be read at all (see the validation step's log).")
    return lines


def summary(report: dict, diff_text: str | None) -> str:
    problems = report.get("problems", [])
    out = ["## Validation", ""]
    if report.get("unreadable"):
        out.append("The package could not be read at all: see the log of the validation step.")
    elif not problems:
        out.append("VALID: no problems.")
    else:
        out += [
            f"INVALID: {len(problems)} problem(s).",
            "",
            "| file | row | field | problem | expected | found |",
            "|---|---|---|---|---|---|",
        ]
        for p in problems:
            cells = [p.get(k) for k in ("file", "row", "field")] + [
                f"{p.get('code', '')}: {p.get('message', '')}",
                p.get("expected"),
                p.get("found"),
            ]
            out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    out += ["", "## What this pull request changes (`rhil7 diff` against its base)", ""]
    out += (
        [markdown_block(diff_text.rstrip())]
        if diff_text and diff_text.strip()
        else ["(no diff: see the diff step's log)"]
    )
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("annotate", "summary"):
        print(__doc__, file=sys.stderr)
        return 2
    report = read_report(Path(argv[1]))
    if argv[0] == "annotate":
        print("\n".join(annotations(report)))
        return 0
    diff = Path(argv[2]).read_text(encoding="utf-8") if len(argv) > 2 and Path(argv[2]).is_file() else None
    sys.stdout.write(summary(report, diff))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
