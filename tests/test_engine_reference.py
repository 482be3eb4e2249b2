"""frictionless is the reference the validator's own engine (DuckDB, table_checks.py) is held to.

Every readable case of the invalid-contribution corpus is validated by frictionless too; the problems
frictionless knows how to see (types, constraints, keys, labels, row shape) must be the same, code for code
and cell for cell. The engine judges rows by the project's Table Schemas, never a contributed one (run.py),
so when a case changes the descriptor, frictionless is shown the same tables with the project's descriptor.
Where the engine is deliberately stricter, the case says why (frictionless' CSV reader glues a broken quote
into the next cells).
"""

from __future__ import annotations

import json
import shutil

import pytest

from corpus import ROOT, copy_package, edit_descriptor
from rhil7.validators.run import validate_package
from test_invalid_corpus import CASES, _build

FRICTIONLESS_CODES = {
    "type-error",
    "constraint-error",
    "primary-key",
    "foreign-key",
    "unique-error",
    "blank-row",
    "extra-cell",
    "missing-cell",
    "incorrect-label",
    "missing-label",
    "extra-label",
    "duplicate-label",
    "blank-label",
}
# frictionless reads these faults leniently (a quote glued into the following cells): the engine's
# malformed-csv is stricter on purpose (csv_reading.py)
STRICTER = {"quote-closed-mid-field", "quote-never-closed", "quote-inside-unquoted-field"}
# refused before any reader sees the file (a bound, an encoding, a path), or not a table fault
REFUSED_EARLY = {
    "header-20000-columns-wide",
    "header-5000-columns-wide",
    "cr-only-line-ends-counted-as-rows",
    "non-utf8-bytes",
    "empty-file",
    "missing-file",
    "oversized-file",
    "too-many-rows",
    "symlink-out-of-package",
    # a table saved with ';' between its cells is refused at its header (separator-not-comma), before
    # any row is read: frictionless reads it as one column and reports each row's missing cells
    "table-saved-with-semicolons",
}


# a resource whose contributed descriptor is refused (an unsafe field name) is never read: its rows have no problems
NOT_READ = {"sql-in-a-field-name": "tables/open_questions.csv"}


def frictionless_keys(package) -> set[tuple]:
    from frictionless import Package, system

    with system.use_context(trusted=False):
        report = Package(str(package / "datapackage.json")).validate(limit_errors=10_000)
    keys = set()
    for task in report.tasks:
        relpath = str(task.place)
        for error in task.errors:
            code = error.type
            field = getattr(error, "field_name", None)
            row = getattr(error, "row_number", None)
            if code.endswith("-label"):
                row, field = 1, field or getattr(error, "label", None)
            elif code == "primary-key":
                field = ",".join(_primary_key(package, task.name))
            elif code == "foreign-key":
                field = ",".join(error.field_names)
            elif code in ("extra-cell", "blank-row"):
                field = None
            keys.add((code, relpath, row, field))
    pk_rows = {(f, r) for c, f, r, _ in keys if c == "primary-key"}
    blank = {(f, r) for c, f, r, _ in keys if c == "blank-row"}
    # a header that matches no field name is one problem (the header row is missing), as the engine says
    for file in {k[1] for k in keys}:
        labels = {k for k in keys if k[0] == "incorrect-label" and k[1] == file}
        if len(labels) >= 2 and len(labels) >= _width(package, file):
            keys = (keys - labels) | {("incorrect-label", file, 1, None)}
    # one fault, one code: the engine reports a repeated primary key once, and nothing else on a blank row
    return {
        k
        for k in keys
        if not (k[0] == "unique-error" and (k[1], k[2]) in pk_rows)
        and not (k[0] != "blank-row" and (k[1], k[2]) in blank)
    }


def _resources(package) -> list[dict]:
    return json.loads((package / "datapackage.json").read_text(encoding="utf-8"))["resources"]


def _primary_key(package, name: str) -> list[str]:
    key = next(r for r in _resources(package) if r["name"] == name)["schema"]["primaryKey"]
    return [key] if isinstance(key, str) else key


def _width(package, path: str) -> int:
    return len(next(r for r in _resources(package) if r["path"] == path)["schema"]["fields"])


def _project_descriptor(package) -> bool:
    return (package / "datapackage.json").read_bytes() == (ROOT / "datapackage.json").read_bytes()


COMPARED = [c for c in CASES if not c.unreadable and c.id not in STRICTER | REFUSED_EARLY]


@pytest.mark.parametrize("case", COMPARED, ids=[c.id for c in COMPARED])
def test_the_engine_reports_what_frictionless_reports(case, tmp_path):
    package, _ = _build(case, tmp_path)
    ours = {
        (p.code, p.file, p.row, p.field) for p in validate_package(package, case.limits) if p.code in FRICTIONLESS_CODES
    }
    if not _project_descriptor(package):  # the same tables, judged by the project's schemas
        shutil.copyfile(ROOT / "datapackage.json", package / "datapackage.json")
    assert ours == {k for k in frictionless_keys(package) if k[1] != NOT_READ.get(case.id)}


@pytest.mark.parametrize("case", [c for c in CASES if c.id in STRICTER], ids=lambda c: c.id)
def test_frictionless_misses_what_the_stricter_reader_finds(case, tmp_path):
    package, expected = _build(case, tmp_path)
    assert {k[0] for k in expected} == {"malformed-csv"}
    assert not any(k[0] == "malformed-csv" for k in frictionless_keys(package))


def test_the_shipped_descriptor_meets_the_standard_with_any_of_its_resources():
    """The validator skips frictionless' descriptor check for the descriptor shipped with rhil7, whichever of
    its resources were safe to read (run.py): this is the check it stands in for."""
    from frictionless import Package, system

    from rhil7.validators.canonical import canonical_descriptor
    from rhil7.validators.structure import descriptor_standard_problems

    shipped = canonical_descriptor()
    with system.use_context(trusted=False):
        assert Package.validate_descriptor(shipped).valid
    resources = shipped["resources"]
    for kept in [resources, [], *([r] for r in resources), [{**r, "encoding": "utf-8-sig"} for r in resources]]:
        assert descriptor_standard_problems(shipped, kept) == [], [r["name"] for r in kept]


def test_a_descriptor_other_than_the_shipped_one_meets_frictionless(tmp_path):
    package = copy_package(tmp_path / "pkg")
    edit_descriptor(package, lambda d: d.update(licenses=[{"title": "no name and no path"}]))
    codes = {p.code for p in validate_package(package) if p.file == "datapackage.json"}
    assert "package-error" in codes or "descriptor-error" in codes, codes
