"""CONTRIBUTING.md's worked example is a valid contribution, and stays out of tables/.

The doc shows the example as fenced CSV blocks whose info string says what to do:
``csv append tables/X.csv`` (add the lines) or ``csv replace tables/X.csv`` (each line
replaces the record with the same primary key). The test applies them to a copy of the
package and validates it.
"""
from __future__ import annotations

import csv
import io
import json
import re

from corpus import ROOT, copy_package, read_rows, run_cli, write_rows
from rhil7.validators.run import validate_package

DOC = ROOT / "CONTRIBUTING.md"
BLOCK = re.compile(r"^```csv (append|replace) tables/(\w+)\.csv\n(.*?)^```", re.M | re.S)


def example_blocks() -> list[tuple[str, str, list[list[str]]]]:
    blocks = [(action, table, list(csv.reader(io.StringIO(body))))
              for action, table, body in BLOCK.findall(DOC.read_text(encoding="utf-8"))]
    assert blocks, "CONTRIBUTING.md has no worked-example CSV blocks"
    return blocks


def apply_example(package) -> None:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    keys = {r["name"]: r["schema"]["primaryKey"] for r in descriptor["resources"]}
    for action, table, records in example_blocks():
        header, rows = read_rows(package, table)
        for record in records:
            assert len(record) == len(header), (table, record)
            new = dict(zip(header, record))
            if action == "append":
                rows.append(new)
                continue
            key = [keys[table]] if isinstance(keys[table], str) else keys[table]
            matches = [i for i, r in enumerate(rows) if all(r[k] == new[k] for k in key)]
            assert len(matches) == 1, (table, new)
            rows[matches[0]] = new
        write_rows(package, table, header, rows)


def test_worked_example_validates_clean(tmp_path):
    package = copy_package(tmp_path / "pkg")
    before = {t: read_rows(package, t)[1] for _, t, _ in example_blocks()}
    apply_example(package)
    assert validate_package(package) == []
    assert any(read_rows(package, t)[1] != rows for t, rows in before.items())  # the example did change something
    result = run_cli("validate", str(package))
    assert result.returncode == 0, result.stdout + result.stderr


def test_worked_example_with_a_typo_is_reported_as_the_doc_says(tmp_path):
    package = copy_package(tmp_path / "pkg")
    apply_example(package)
    header, rows = read_rows(package, "outcomes_continuous")
    typo = next(i for i, r in enumerate(rows) if r["row_id"] == "daix2023_cyt107_alc_day21")
    rows[typo]["mean"] = "1.02"
    write_rows(package, "outcomes_continuous", header, rows)
    problems = validate_package(package)
    assert [(p.code, p.file, p.row, p.field) for p in problems] == [
        ("number-not-in-snippet", "tables/outcomes_continuous.csv", typo + 2, "mean")]
    doc = DOC.read_text(encoding="utf-8")
    assert f"row {typo + 2}, field mean: [number-not-in-snippet]" in doc


def test_worked_example_rows_are_not_in_the_package():
    """The example's numbers are invented: they must never reach tables/."""
    for action, table, records in example_blocks():
        text = (ROOT / "tables" / f"{table}.csv").read_text(encoding="utf-8")
        assert "WORKED EXAMPLE" not in text
        if action == "append":
            for record in records:
                assert record[0] not in text, record[0]
