"""The coverage figure: its cells are computed from coverage.csv by a pure function, drawn as they are, and
written by `rhil7 reproduce` into build/report/ (issue 16)."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, run_cli

from rhil7.analysis.coverage_figure import coverage_figure, coverage_matrix

CELL_ID = re.compile(r'id="cell\.([^".]+)\.([^".]+)\.([^".]+)\.([^".]+)"')


def cells_in_svg(svg: Path) -> dict[tuple[str, str, str], str]:
    """The data behind a drawn coverage figure, read back from the ids of its cells."""
    found = CELL_ID.findall(svg.read_text(encoding="utf-8"))
    cells = {(study, outcome, timepoint): status for study, outcome, timepoint, status in found}
    assert len(cells) == len(found), "each cell is drawn once"
    return cells


def coverage_csv(package: Path) -> dict[tuple[str, str, str], str]:
    with (package / "tables" / "coverage.csv").open(encoding="utf-8", newline="") as fh:
        return {(r["study_id"], r["outcome"], r["timepoint"]): r["status"] for r in csv.DictReader(fh)}


FIXTURE = pd.DataFrame(
    [
        ("b_trial", "cd4", "week3", "not_reported"),
        ("a_trial", "alc", "week4", "extracted"),
        ("a_trial", "alc", "day30", "not_reachable"),
        ("b_trial", "alc", "week4", "not_reachable"),
        ("a_trial", "mortality", "end_of_study", "extracted"),
    ],
    columns=["study_id", "outcome", "timepoint", "status"],
)


def test_matrix_orders_rows_columns_and_keeps_every_cell():
    matrix = coverage_matrix(FIXTURE, ["alc", "cd4", "mortality"])
    assert matrix.trials == ["a_trial", "b_trial"]
    assert matrix.columns == [("alc", "week4"), ("alc", "day30"), ("cd4", "week3"), ("mortality", "end_of_study")]
    assert matrix.cells == {
        ("b_trial", "cd4", "week3"): "not_reported",
        ("a_trial", "alc", "week4"): "extracted",
        ("a_trial", "alc", "day30"): "not_reachable",
        ("b_trial", "alc", "week4"): "not_reachable",
        ("a_trial", "mortality", "end_of_study"): "extracted",
    }
    assert ("b_trial", "mortality", "end_of_study") not in matrix.cells  # not planned for that trial: left blank
    assert matrix.counts == {"extracted": 2, "not_reported": 1, "not_reachable": 2}


def test_a_cell_given_twice_is_an_error():
    with pytest.raises(ValueError, match="twice"):
        coverage_matrix(pd.concat([FIXTURE, FIXTURE.head(1)]))


def test_the_drawn_cells_are_the_matrix(tmp_path):
    matrix = coverage_matrix(FIXTURE, ["alc", "cd4", "mortality"])
    paths = coverage_figure(matrix, tmp_path / "coverage")
    assert [p.name for p in paths] == ["coverage.png", "coverage.svg"]
    assert paths[0].read_bytes().startswith(b"\x89PNG")
    assert cells_in_svg(paths[1]) == matrix.cells


@pytest.mark.data
def test_the_real_matrix_is_coverage_csv():
    from rhil7.loading import read_tables

    matrix = coverage_matrix(read_tables(ROOT, ["coverage"])["coverage"])
    assert matrix.cells == coverage_csv(ROOT)
    assert sum(matrix.counts.values()) == len(matrix.cells)


def test_reproduce_writes_the_figure_into_the_report(reference_package, tmp_path):
    package = tmp_path / "package"
    shutil.copytree(reference_package, package)
    result = run_cli("reproduce", str(package))
    assert result.returncode == 0, result.stderr
    report = package / "build" / "report"
    assert (report / "coverage.png").read_bytes().startswith(b"\x89PNG")
    assert cells_in_svg(report / "coverage.svg") == coverage_csv(package)
    assert "![Coverage" in (report / "report.md").read_text(encoding="utf-8")
    assert "](coverage.png)" in (report / "report.md").read_text(encoding="utf-8")
