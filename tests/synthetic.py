"""Larger valid packages for the tests that prove the suite does not pin today's data.

``append_synthetic_studies`` adds the valid synthetic trials of ``benchmarks/generate.py`` (clearly labelled
benchmark data, not trial data) to a package's tables: the shape of a correct contribution of new trials,
rows appended, nothing of the existing package changed.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "benchmarks" / "generate.py"
# The generator's published_results and open_questions are the repository's own: nothing to append.
APPENDED = ("sources", "studies", "study_provenance", "arms", "outcomes_continuous", "outcomes_dichotomous", "coverage")
KEYS = {"sources": "source_id"}


def _records(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def append_synthetic_studies(
    package: Path, *, studies: int = 8, continuous_rows: int = 120, dichotomous_rows: int = 40, seed: int = 3
) -> Path:
    """Append ``studies`` synthetic trials (with their arms, outcome and coverage rows) to ``package``'s tables."""
    with tempfile.TemporaryDirectory() as scratch:
        generated = Path(scratch) / "package"
        subprocess.run(
            [
                sys.executable,
                str(GENERATOR),
                "--out",
                str(generated),
                "--studies",
                str(studies),
                "--continuous-rows",
                str(continuous_rows),
                "--dichotomous-rows",
                str(dichotomous_rows),
                "--seed",
                str(seed),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        for name in APPENDED:
            header, existing = _records(package / "tables" / f"{name}.csv")
            new_header, new_rows = _records(generated / "tables" / f"{name}.csv")
            assert new_header == header, name
            taken = {r[header.index(KEYS[name])] for r in existing} if name in KEYS else set()
            rows = [r for r in new_rows if name not in KEYS or r[header.index(KEYS[name])] not in taken]
            with (package / "tables" / f"{name}.csv").open("a", newline="", encoding="utf-8") as fh:
                csv.writer(fh, lineterminator="\n").writerows(rows)
    return package
