"""The benchmark generator (benchmarks/generate.py): valid by construction, deterministic, and every
planted fault is reported by the validator exactly where faults.json says, and nothing else is.

Small and fast (20 studies, 200 continuous rows); nothing here is timed.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from rhil7.validators.run import validate_package

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("rhil7"))
SIZE = dict(studies=20, continuous_rows=200, dichotomous_rows=40)

# The generator's fault names -> the code `rhil7 validate` reports for them (stated here, not imported,
# so that a renamed code on either side fails this test).
VALIDATOR_CODE = {
    "type-error": "type-error",
    "missing-required": "constraint-error",
    "duplicate-primary-key": "primary-key",
    "orphan-foreign-key": "foreign-key",
    "unknown-enum": "constraint-error",
    "events-above-total": "events-above-total",
    "sd-not-positive": "sd-not-positive",
    "q1-above-median": "quartiles-out-of-order",
    "number-not-in-snippet": "number-not-in-snippet",
    "arms-do-not-add-up": "arms-do-not-add-up",
}


def _load_generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module


generate = _load_generator()


def _planted(package: Path) -> list[dict]:
    return json.loads((package / "faults.json").read_text(encoding="utf-8"))["faults"]


def _expected(faults: list[dict]) -> set[tuple]:
    return {(VALIDATOR_CODE[f["code"]], f["file"], f["row"], f["field"]) for f in faults}


def _digest(package: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file():
            h.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def test_mapping_covers_every_fault_kind():
    assert set(VALIDATOR_CODE) == set(generate.FAULT_KINDS)


def test_clean_package_is_valid_and_uses_the_projects_descriptor(tmp_path):
    package = tmp_path / "clean"
    assert generate.generate(package, **SIZE, seed=3) == []
    assert (package / "datapackage.json").read_bytes() == (ROOT / "datapackage.json").read_bytes()
    assert not (package / "faults.json").exists()
    assert validate_package(package) == []
    with (package / "tables" / "outcomes_continuous.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == SIZE["continuous_rows"]
    assert {r["statistic"] for r in rows} == set(generate.STATISTICS)


def test_generation_is_deterministic(tmp_path):
    generate.generate(tmp_path / "a", **SIZE, seed=5, faults=10)
    generate.generate(tmp_path / "b", **SIZE, seed=5, faults=10)
    generate.generate(tmp_path / "c", **SIZE, seed=6, faults=10)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


@pytest.mark.parametrize("count", [10, 20])
def test_validator_reports_exactly_the_planted_faults(tmp_path, count):
    package = tmp_path / f"faulted{count}"
    generate.generate(package, **SIZE, seed=7, faults=count)
    faults = _planted(package)
    assert len(faults) == count
    assert [f["code"] for f in faults] == [generate.FAULT_KINDS[i % len(generate.FAULT_KINDS)] for i in range(count)]
    assert len({(f["file"], f["row"]) for f in faults}) == count, "each fault has a row of its own"
    # faults.json points at the changed cell
    for f in faults:
        with (package / f["file"]).open(encoding="utf-8", newline="") as fh:
            record = list(csv.DictReader(fh))[f["row"] - 2]
        assert record[f["field"]] == f["after"] != f["before"], f
    reported = {(p.code, p.file, p.row, p.field) for p in validate_package(package)}
    expected = _expected(faults)
    assert reported - expected == set(), "reported, but not planted"
    assert expected - reported == set(), "planted, but not reported"


def test_cli_json_reports_exactly_the_planted_faults(tmp_path):
    package = tmp_path / "faulted"
    generate.generate(package, **SIZE, seed=11, faults=10)
    result = subprocess.run(
        [CLI, "validate", "--format", "json", str(package)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 1, result.stderr
    problems = json.loads(result.stdout)["problems"]
    assert {(p["code"], p["file"], p["row"], p["field"]) for p in problems} == _expected(_planted(package))


def test_a_larger_table_reports_exactly_the_planted_faults(tmp_path):
    """30,000 rows: DuckDB runs the typing pass and the rules in parallel chunks."""
    package = tmp_path / "large"
    generate.generate(package, studies=300, continuous_rows=30_000, dichotomous_rows=3_000, seed=13, faults=10)
    reported = {(p.code, p.file, p.row, p.field) for p in validate_package(package)}
    assert reported == _expected(_planted(package))
