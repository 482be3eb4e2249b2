"""CONTRIBUTING.md's worked example runs as written, is a valid contribution, and stays out of tables/.

The doc's commands (``.venv/bin/rhil7 template ...`` and ``.venv/bin/rhil7 ingest ...`` in ``sh`` blocks) are run
in a copy of the package, and its fenced ``csv sheet FILE`` block (a header naming the columns filled, one line
per sheet row, matched by row_id) is the contributor's edit of the sheet between the two.
"""

from __future__ import annotations

import pytest
import csv
import io
import re
import shlex

from corpus import ROOT, checksums, copy_package, run_cli
from rhil7.validators.run import validate_package

DOC = ROOT / "CONTRIBUTING.md"
SHEET_BLOCK = re.compile(r"^```csv sheet (\S+)\n(.*?)^```", re.M | re.S)
COMMAND = re.compile(r"^\.venv/bin/rhil7 (template|ingest) ([^#\n]*)", re.M)


def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def worked_example() -> str:
    return doc().split("## Worked example", 1)[1].split("**Adding a trial**", 1)[0]


def commands() -> list[list[str]]:
    found = [[verb, *shlex.split(args)] for verb, args in COMMAND.findall(worked_example())]
    assert [c[0] for c in found] == ["template", "ingest"], found
    return found


def filled_rows() -> tuple[str, list[dict]]:
    ((name, body),) = SHEET_BLOCK.findall(doc())
    return name, list(csv.DictReader(io.StringIO(body)))


def fill(sheet, filled: list[dict]) -> None:
    with sheet.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = reader.fieldnames, list(reader)
    by_id = {r["row_id"]: r for r in rows}
    for new in filled:
        by_id[new["row_id"]].update(new)
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def run_example(package, change=None):
    """The doc's template command, its sheet edit (then ``change``), its ingest command; returns ingest's result."""
    template, ingest = commands()
    (package / "contributions").mkdir(exist_ok=True)  # the repository's folder of sheets
    made = run_cli(*template, cwd=package)
    assert made.returncode == 0, made.stderr
    name, filled = filled_rows()
    if change:
        change(filled)
    fill(package / name, filled)
    return run_cli(*ingest, cwd=package)


def _coverage_row(package, study, outcome, timepoint) -> dict:
    with (package / "tables" / "coverage.csv").open(encoding="utf-8", newline="") as fh:
        return next(
            r
            for r in csv.DictReader(fh)
            if (r["study_id"], r["outcome"], r["timepoint"]) == (study, outcome, timepoint)
        )


def test_worked_example_runs_and_validates_clean(tmp_path):
    package = copy_package(tmp_path / "pkg")
    before = checksums(package)
    searched = _coverage_row(package, "daix2023", "alc", "week3")
    assert searched["status"] == "not_reachable" and searched["wanted_source"] and searched["detail"]
    result = run_example(package)
    assert result.returncode == 0, result.stdout + result.stderr
    assert validate_package(package) == []
    after = checksums(package)
    changed = {f for f in after if after[f] != before.get(f)}
    assert changed == {"tables/outcomes_continuous.csv", "tables/coverage.csv", "contributions/daix2023.csv"}
    checked = run_cli("ingest", "--check", "contributions/daix2023.csv", cwd=package)
    assert checked.returncode == 0 and "ingesting it would change nothing" in checked.stdout, "committed as ingested"
    assert "coverage: daix2023 alc week3: not_reachable -> extracted" in result.stdout
    found = _coverage_row(package, "daix2023", "alc", "week3")
    assert found["status"] == "extracted" and found["wanted_source"] == "", "found: no longer wanted"
    assert found["detail"].startswith("Rows in outcomes_continuous.csv (daix2023_cyt107_alc_week3")
    assert found["detail"].endswith(f"Before (not_reachable): {searched['detail']}"), "the search history stays"
    again = run_cli(*commands()[1], cwd=package)
    assert again.returncode == 0 and checksums(package) == after, "ingesting twice changes nothing"


def test_worked_example_with_a_typo_is_reported_as_the_doc_says(tmp_path):
    package = copy_package(tmp_path / "pkg")
    before = checksums(package / "tables")

    def typo(filled):
        next(r for r in filled if r["row_id"] == "daix2023_cyt107_alc_week3")["mean"] = "1.02"

    result = run_example(package, typo)
    assert result.returncode == 1
    problems = [line for line in result.stdout.splitlines() if line.startswith("  row ")]
    assert problems == [
        "  row 2, field mean: [number-not-in-snippet] The value 1.02 does not appear in its "
        "verbatim snippet (transcription error?)."
    ]
    assert "\n".join(result.stdout.splitlines()[1:]).strip() in doc()
    assert checksums(package / "tables") == before  # nothing written


@pytest.mark.data
def test_worked_example_rows_are_not_in_the_package():
    """The example's numbers are invented: they must never reach tables/."""
    _, filled = filled_rows()
    for path in (ROOT / "tables").glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        assert "WORKED EXAMPLE" not in text
        for row in filled:
            assert row["row_id"] not in text, row["row_id"]
