"""docs/data-dictionary.md, generated from the Table Schemas of datapackage.json.

    python -m rhil7.dictionary            # rewrite docs/data-dictionary.md of this package
    python -m rhil7.dictionary --check    # exit 1 when the committed file is out of date
    make docs

Every table, field, type, unit, constraint and description comes from the descriptor, and the plausible
values from the table the validator applies (rhil7.validators.cross_rules.PLAUSIBLE_RANGES); nothing is
written by hand, so the dictionary cannot drift from either (a test compares the committed file). Every
contributed name, title, description and constraint goes through the Markdown sink (rhil7.core.sinks.markdown).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from rhil7.validators.cross_rules import PLAUSIBLE_FIELDS, PLAUSIBLE_RANGES

from .core.paths import PackageNotFound, find_package_dir
from .core.safe_reader import UnreadableInput, read_text
from .core.sinks import markdown
from .loading import read_descriptor

DICTIONARY_PATH = Path("docs") / "data-dictionary.md"


def _cell(text) -> str:
    """Contributed prose as one line of Markdown (a table cell or a paragraph): runs of blanks and line ends
    folded into one space first (descriptions are wrapped in the descriptor), then escaped."""
    return markdown(" ".join(str(text).split()))


def _code(text) -> str:
    return markdown(text, code=True)


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _constraints(field: dict) -> str:
    parts = []
    for key, value in _constraint_map(field).items():
        if key == "required":
            continue
        if key == "enum":
            parts.append("one of " + ", ".join(_code(v) for v in (value if isinstance(value, list) else [value])))
        elif key == "pattern":
            parts.append("pattern " + _code(value))
        elif key == "unique":
            if value:
                parts.append("unique")
        else:
            parts.append(f"{key} {_code(_value(value))}")
    return "; ".join(parts)


def _required(field: dict) -> str:
    return "yes" if _constraint_map(field).get("required") else ""


def _anchor(name: str) -> str:
    return name.lower()  # GitHub heading anchors keep underscores


# A contributed descriptor is rendered whatever its shape (validate reports the shape): what is not the expected
# kind of value is left out, never a crash of `rhil7 docs`.
def _objects(value) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _constraint_map(field: dict) -> dict:
    return field["constraints"] if isinstance(field.get("constraints"), dict) else {}


def _key_names(value) -> list:
    """A key's field names, or none when it is neither a name nor a list (bad-primary-key, bad-foreign-key)."""
    return [value] if isinstance(value, str) else value if isinstance(value, list) else []


def render_dictionary(descriptor: dict) -> str:
    """The data dictionary as Markdown (deterministic: same descriptor, same text)."""
    # a resource whose schema is not an object has nothing to document (validate names it: bad-schema)
    resources = [r for r in _objects(descriptor.get("resources")) if isinstance(r.get("schema") or {}, dict)]
    licenses = ", ".join(
        str(licence.get("name") or licence.get("title") or licence.get("path"))
        for licence in _objects(descriptor.get("licenses"))
    )
    out = [
        "# Data dictionary",
        "",
        "<!-- Generated from datapackage.json by `python -m rhil7.dictionary` (or `make docs`); "
        "do not edit by hand. -->",
        "",
        f"Package {_code(descriptor.get('name', ''))}, version {_cell(descriptor.get('version', ''))}"
        + (f", license {_cell(licenses)}" if licenses else "")
        + ".",
        "",
        _cell(descriptor.get("description", "")),
        "",
        "Conventions: every table is a UTF-8 CSV file with a header row; an empty cell is a missing value; "
        "`required` fields are never empty; a unit applies to every value of its field. "
        "Row numbers in validation messages count the header as row 1.",
        "",
        "| table | file | rows are | primary key |",
        "|---|---|---|---|",
    ]
    for r in resources:
        pk = _key_names((r.get("schema") or {}).get("primaryKey"))
        out.append(
            f"| [{_code(r.get('name'))}](#{markdown(_anchor(str(r.get('name', ''))))}) | "
            f"{_code(r.get('path', ''))} | {_cell(r.get('title', ''))} | {', '.join(_code(k) for k in pk)} |"
        )
    for r in resources:
        schema = r.get("schema") or {}
        pk = _key_names(schema.get("primaryKey"))
        out += ["", f"## {markdown(r.get('name'))}", ""]
        if r.get("title"):
            out += [f"**{_cell(r['title'])}** ({_code(r.get('path', ''))})", ""]
        if r.get("description"):
            out += [_cell(r["description"]), ""]
        if pk:
            out.append("- Primary key: " + ", ".join(_code(k) for k in pk))
        for fk in _objects(schema.get("foreignKeys")):
            fields = _key_names(fk.get("fields"))
            ref = fk.get("reference") if isinstance(fk.get("reference"), dict) else {}
            ref_fields = _key_names(ref.get("fields"))
            out.append(
                f"- Foreign key: {', '.join(_code(f) for f in fields)} -> "
                f"{_code(ref.get('resource') or r.get('name'))} ({', '.join(_code(f) for f in ref_fields)})"
            )
        if pk or schema.get("foreignKeys"):
            out.append("")
        out += ["| field | type | unit | required | constraints | description |", "|---|---|---|---|---|---|"]
        for f in _objects(schema.get("fields")):
            type_ = f"{f.get('type', 'string')}" + (
                f" ({f['format']})" if f.get("format") not in (None, "default") else ""
            )
            out.append(
                f"| {_code(f.get('name'))} | {_cell(type_)} | {_cell(f.get('unit', ''))} | {_required(f)} | "
                f"{_constraints(f)} | {_cell(f.get('description', ''))} |"
            )
    out += plausible_ranges_section()
    return "\n".join(out) + "\n"


def plausible_ranges_section() -> list[str]:
    out = [
        "",
        "## Plausible values",
        "",
        "`rhil7 validate` reports a value of "
        + ", ".join(_code(f) for f in PLAUSIBLE_FIELDS)
        + " in `outcomes_continuous` outside the range of its outcome and unit as `implausible-value`, naming the "
        "units in which it would be plausible (a count in cells/uL recorded as 10^9/L, say).",
        "",
        "| outcome | unit | lowest | highest |",
        "|---|---|---|---|",
    ]
    for outcome, units in PLAUSIBLE_RANGES.items():
        for unit, (low, high) in units.items():
            out.append(f"| {_code(outcome)} | {_cell(unit)} | {low:g} | {high:,g} |")
    return out


def write_dictionary(package_dir: Path, target: Path | None = None) -> Path:
    package_dir = Path(package_dir)
    target = Path(target) if target else package_dir / DICTIONARY_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    text = render_dictionary(read_descriptor(package_dir))
    fd, tmp = tempfile.mkstemp(prefix=".data-dictionary-", suffix=".md.tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def is_up_to_date(package_dir: Path) -> bool:
    try:  # the safe reader: a committed link (to a file outside, a FIFO, /dev/zero) is never followed
        committed = read_text(package_dir, DICTIONARY_PATH, 16 * 1024 * 1024)
    except UnreadableInput:  # missing, a link, too large: not the dictionary `rhil7 docs` writes
        return False
    committed = committed.replace("\r\n", "\n").replace("\r", "\n")  # (as text mode read it: a CR LF checkout)
    return committed == render_dictionary(read_descriptor(package_dir))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rhil7.dictionary", description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", help="package directory (default: the nearest datapackage.json upward)")
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/data-dictionary.md is out of date")
    args = parser.parse_args(argv)
    try:
        package_dir = find_package_dir(args.path)
    except PackageNotFound as exc:
        print(f"rhil7.dictionary: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if is_up_to_date(package_dir):
            print(f"{package_dir / DICTIONARY_PATH} is up to date")
            return 0
        print(f"{package_dir / DICTIONARY_PATH} is out of date; run `make docs`", file=sys.stderr)
        return 1
    print(write_dictionary(package_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
