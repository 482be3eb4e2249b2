"""Building blocks for invalid-contribution tests: copy a known package, then change one small thing.

The base is the 0.1.0 snapshot of the tables (tests/fixtures/snapshot_0_1_0, real trial characteristics,
frozen) with the repository's datapackage.json, so that a data contribution to tables/ never changes what a
case expects. The snapshot has no outcome rows (the arm-level numbers were not reachable), so
``add_fixture_outcomes`` adds a few clearly labelled, internally consistent rows for one trial
to a *copy*, so the outcome rules have something to check. These rows are test fixtures,
not trial data, and never go into tables/.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("rhil7"))

FIXTURE_NOTE = "TEST FIXTURE, not trial data"
FIXTURE_LOCATION = "Table 2 (hypothetical)"


SNAPSHOT = Path(__file__).resolve().parent / "fixtures" / "snapshot_0_1_0" / "tables"


def copy_package(target: Path) -> Path:
    """The repository's datapackage.json and the 0.1.0 snapshot of the tables, copied byte for byte."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "datapackage.json", target / "datapackage.json")
    shutil.copytree(SNAPSHOT, target / "tables")
    return target


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """The installed `rhil7` next to this interpreter, as a contributor or CI would run it."""
    return subprocess.run([CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture
def network_calls(monkeypatch):
    """Every way to reach the network records the attempt and fails (import this fixture into a test module)."""
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise OSError("network access attempted during a test that must stay offline")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return calls


# ---------------------------------------------------------------- reading and editing tables


def table_path(package: Path, table: str) -> Path:
    return package / "tables" / f"{table}.csv"


def read_rows(package: Path, table: str) -> tuple[list[str], list[dict]]:
    with table_path(package, table).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write_rows(package: Path, table: str, header: list[str], rows: list[dict]) -> None:
    with table_path(package, table).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def row_number(package: Path, table: str, **match: str) -> int:
    """The frictionless row number (header = 1) of the only record matching all ``match`` values."""
    _, rows = read_rows(package, table)
    hits = [i + 2 for i, r in enumerate(rows) if all(r[k] == v for k, v in match.items())]
    assert len(hits) == 1, f"{table}: {len(hits)} rows match {match}"
    return hits[0]


def set_cell(package: Path, table: str, where: dict, field: str, value: str) -> int:
    """Change one cell of the record matching ``where``; returns its row number."""
    header, rows = read_rows(package, table)
    number = row_number(package, table, **where)
    rows[number - 2][field] = value
    write_rows(package, table, header, rows)
    return number


def append_rows(package: Path, table: str, new_rows: list[dict]) -> list[int]:
    """Append records (missing fields stay empty); returns their row numbers."""
    header, rows = read_rows(package, table)
    first = len(rows) + 2
    rows += [{k: r.get(k, "") for k in header} for r in new_rows]
    write_rows(package, table, header, rows)
    return list(range(first, first + len(new_rows)))


def delete_rows(package: Path, table: str, **match: str) -> None:
    header, rows = read_rows(package, table)
    kept = [r for r in rows if not all(r[k] == v for k, v in match.items())]
    assert len(kept) < len(rows), f"{table}: nothing matches {match}"
    write_rows(package, table, header, kept)


def edit_descriptor(package: Path, change: Callable[[dict], None]) -> None:
    path = package / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    change(descriptor)
    path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def resource(descriptor: dict, name: str) -> dict:
    return next(r for r in descriptor["resources"] if r["name"] == name)


def csv_line(values: list[str]) -> str:
    """One CSV record as a contributor's editor would write it (minimal quoting)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue()


def checksums(package: Path) -> dict[str, str]:
    """sha256 of every file under the package (the files validation must never change)."""
    return {
        str(p.relative_to(package)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(package.rglob("*"))
        if p.is_file() or p.is_symlink() and p.exists()
    }


# ---------------------------------------------------------------- hypothetical outcome rows for one trial

# Daix 2023: arms daix2023_cyt107 (15 randomized) and daix2023_placebo (6), follow-up 90 days.
STUDY = "daix2023"
ARMS = {"intervention": "daix2023_cyt107", "control": "daix2023_placebo"}
SOURCE = "daix2023_pmc"


def _continuous(
    arm: str, role_label: str, outcome: str, tp: str, reported: str, statistic: str, unit: str, snippet: str, **values
) -> dict:
    return dict(
        row_id=f"{arm}_{outcome}_{tp}",
        study_id=STUDY,
        arm_id=arm,
        outcome=outcome,
        timepoint=tp,
        timepoint_reported=reported,
        analysis_timepoint=tp,
        statistic=statistic,
        unit=unit,
        source_id=SOURCE,
        location=FIXTURE_LOCATION,
        snippet=snippet,
        method="table",
        note=FIXTURE_NOTE,
        **{k: str(v) for k, v in values.items()},
    )


FIXTURE_CONTINUOUS = [
    _continuous(
        ARMS["intervention"],
        "CYT107",
        "alc",
        "week3",
        "day 21",
        "mean_sd",
        "10^9/L",
        "ALC at day 21, CYT107 (n = 15): 1.20 (SD 0.50)",
        n=15,
        mean=1.2,
        sd=0.5,
    ),
    _continuous(
        ARMS["control"],
        "placebo",
        "alc",
        "week3",
        "day 21",
        "mean_sd",
        "10^9/L",
        "ALC at day 21, placebo (n = 6): 0.80 (SD 0.30)",
        n=6,
        mean=0.8,
        sd=0.3,
    ),
    _continuous(
        ARMS["intervention"],
        "CYT107",
        "icu_los",
        "icu_stay",
        "ICU length of stay",
        "median_iqr",
        "days",
        "ICU stay, CYT107 (n = 15): median 12 days (IQR 8 to 20)",
        n=15,
        median=12,
        q1=8,
        q3=20,
    ),
    _continuous(
        ARMS["control"],
        "placebo",
        "icu_los",
        "icu_stay",
        "ICU length of stay",
        "median_iqr",
        "days",
        "ICU stay, placebo (n = 6): median 14 days (IQR 9 to 25)",
        n=6,
        median=14,
        q1=9,
        q3=25,
    ),
]
FIXTURE_DICHOTOMOUS = [
    dict(
        row_id=f"{ARMS['intervention']}_mortality",
        study_id=STUDY,
        arm_id=ARMS["intervention"],
        outcome="mortality",
        timepoint="day90",
        timepoint_reported="day 90",
        analysis_timepoint="end_of_study",
        events="2",
        total="15",
        source_id=SOURCE,
        location=FIXTURE_LOCATION,
        snippet="Deaths by day 90: CYT107 2 of 15",
        method="table",
        note=FIXTURE_NOTE,
    ),
    dict(
        row_id=f"{ARMS['control']}_mortality",
        study_id=STUDY,
        arm_id=ARMS["control"],
        outcome="mortality",
        timepoint="day90",
        timepoint_reported="day 90",
        analysis_timepoint="end_of_study",
        events="1",
        total="6",
        source_id=SOURCE,
        location=FIXTURE_LOCATION,
        snippet="Deaths by day 90: placebo 1 of 6",
        method="table",
        note=FIXTURE_NOTE,
    ),
]
FIXTURE_COVERAGE = [("alc", "week3"), ("icu_los", "icu_stay"), ("mortality", "end_of_study")]


def add_fixture_outcomes(package: Path) -> Path:
    """Outcome rows for both Daix 2023 arms (ALC week 3 mean/SD, ICU stay median/IQR, mortality), coverage updated."""
    append_rows(package, "outcomes_continuous", FIXTURE_CONTINUOUS)
    append_rows(package, "outcomes_dichotomous", FIXTURE_DICHOTOMOUS)
    for outcome, tp in FIXTURE_COVERAGE:
        set_cell(package, "coverage", dict(study_id=STUDY, outcome=outcome, timepoint=tp), "status", "extracted")
        set_cell(
            package,
            "coverage",
            dict(study_id=STUDY, outcome=outcome, timepoint=tp),
            "detail",
            f"{FIXTURE_NOTE}: rows for both arms",
        )
    return package


def fixture_package(target: Path) -> Path:
    return add_fixture_outcomes(copy_package(target))
