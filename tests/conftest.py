"""Shared fixtures: the repository's package, the installed CLI, and a reference package built from published data."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(__file__).resolve().parent / "reference"
# The tables of version 0.1.0, frozen: tests that need known rows copy these, never the live tables/
SNAPSHOT = Path(__file__).resolve().parent / "fixtures" / "snapshot_0_1_0" / "tables"
CLI = str(Path(sys.executable).with_name("rhil7"))


def pytest_addoption(parser):
    parser.addoption("--skip-slow", action="store_true", help="deselect tests marked slow (statsmodels' option)")
    parser.addoption("--only-slow", action="store_true", help="run only the tests marked slow")


def pytest_collection_modifyitems(config, items):
    """--skip-slow / --only-slow select by the slow marker; the slow tests go first, so that on several cores
    (make test: pytest-xdist) they overlap the rest instead of running alone at the end."""
    skip, only = config.getoption("--skip-slow"), config.getoption("--only-slow")
    if skip or only:
        keep = [item for item in items if (item.get_closest_marker("slow") is not None) == only]
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        items[:] = keep
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def run_cli(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture
def cli():
    return run_cli


def copy_package(target: Path, tables: Path = SNAPSHOT) -> Path:
    """The repository's datapackage.json with the 0.1.0 snapshot of the tables (or ``tables``), byte for byte."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "datapackage.json", target / "datapackage.json")
    shutil.copytree(tables, target / "tables")
    return target


@pytest.fixture
def package_copy(tmp_path) -> Path:
    """A copy of the 0.1.0 snapshot (known rows, safe to change)."""
    return copy_package(tmp_path / "package")


def _write(path: Path, fields: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _fields(descriptor: dict) -> dict[str, list[str]]:
    return {r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in descriptor["resources"]}


def build_reference_package(target: Path) -> Path:
    """A package in this project's schema holding two published reference datasets (not rhIL-7 data).

    Normand 1999 (length of stay, MD) as hospital_los and the BCG trials (Colditz 1994, TB cases, RR) as
    secondary_infection. Studies 1-5 of each are labelled sepsis and the rest covid19, only to exercise the
    subgroup code; the published_results rows are metafor's printed results for the 'all' subgroup.
    """
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    fields = _fields(descriptor)
    (target / "tables").mkdir(parents=True)
    (target / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    sources = [
        dict(
            source_id="metadat_normand1999",
            kind="review",
            title="metadat: dat.normand1999 (Normand 1999, Stat Med 18:321)",
            url="https://github.com/wviechtb/metadat/blob/06c40a43ff53d0033ddd10d560a71ce160ce0b9f/docs/reference/dat.normand1999.html",
            accessed="2026-11-27",
            reach="full",
        ),
        dict(
            source_id="metadat_colditz1994",
            kind="review",
            title="metadat: dat.colditz1994 (Colditz 1994, JAMA 271:698)",
            url="https://github.com/wviechtb/metadat/blob/06c40a43ff53d0033ddd10d560a71ce160ce0b9f/docs/reference/dat.colditz1994.html",
            accessed="2026-11-27",
            reach="full",
        ),
    ]
    studies, arms, cont, dich, coverage = [], [], [], [], []
    with (REFERENCE / "normand1999.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            sid = f"normand_{r['study']}"
            condition = "sepsis" if int(r["study"]) <= 5 else "covid19"
            studies.append(
                dict(
                    study_id=sid,
                    short_citation=f"{r['source']} (Normand 1999)",
                    title=r["source"],
                    year=1999,
                    condition=condition,
                    identification="reference dataset (test fixture)",
                    source_id="metadat_normand1999",
                )
            )
            for role, n, m, sd in (
                ("intervention", r["n1i"], r["m1i"], r["sd1i"]),
                ("control", r["n2i"], r["m2i"], r["sd2i"]),
            ):
                snippet = (
                    f"{r['study']} {r['source']} {r['n1i']} {r['m1i']} {r['sd1i']} {r['n2i']} {r['m2i']} {r['sd2i']}"
                )
                arms.append(
                    dict(
                        arm_id=f"{sid}_{role}",
                        study_id=sid,
                        arm_role=role,
                        label=role,
                        n_randomized=n,
                        source_id="metadat_normand1999",
                        location="Examples, printed data",
                        snippet=snippet,
                        method="table",
                    )
                )
                cont.append(
                    dict(
                        row_id=f"{sid}_{role}_los",
                        study_id=sid,
                        arm_id=f"{sid}_{role}",
                        outcome="hospital_los",
                        timepoint="hospital_stay",
                        timepoint_reported="length of stay",
                        analysis_timepoint="hospital_stay",
                        statistic="mean_sd",
                        n=n,
                        mean=m,
                        sd=sd,
                        unit="days",
                        source_id="metadat_normand1999",
                        location="Examples, printed data",
                        snippet=snippet,
                        method="table",
                    )
                )
            coverage.append(
                dict(
                    study_id=sid,
                    outcome="hospital_los",
                    timepoint="hospital_stay",
                    status="extracted",
                    detail="rows *_los",
                )
            )
    with (REFERENCE / "bcg_colditz1994.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            sid = f"bcg_{r['trial']}"
            condition = "sepsis" if int(r["trial"]) <= 5 else "covid19"
            studies.append(
                dict(
                    study_id=sid,
                    short_citation=f"{r['author']} {r['year']} (Colditz 1994)",
                    title=r["author"],
                    year=1994,
                    condition=condition,
                    identification="reference dataset (test fixture)",
                    source_id="metadat_colditz1994",
                )
            )
            for role, pos, neg in (("intervention", r["tpos"], r["tneg"]), ("control", r["cpos"], r["cneg"])):
                total = int(pos) + int(neg)
                snippet = f"{r['author']} {r['year']} positive {pos} negative {neg} (total {total}, derived)"
                arms.append(
                    dict(
                        arm_id=f"{sid}_{role}",
                        study_id=sid,
                        arm_role=role,
                        label=role,
                        n_randomized=total,
                        source_id="metadat_colditz1994",
                        location="Examples, printed data",
                        snippet=snippet,
                        method="table",
                    )
                )
                dich.append(
                    dict(
                        row_id=f"{sid}_{role}_tb",
                        study_id=sid,
                        arm_id=f"{sid}_{role}",
                        outcome="secondary_infection",
                        timepoint="end_of_study",
                        timepoint_reported="TB cases during follow-up",
                        analysis_timepoint="end_of_study",
                        events=pos,
                        total=total,
                        source_id="metadat_colditz1994",
                        location="Examples, printed data",
                        snippet=snippet,
                        method="table",
                    )
                )
            coverage.append(
                dict(
                    study_id=sid,
                    outcome="secondary_infection",
                    timepoint="end_of_study",
                    status="extracted",
                    detail="rows *_tb",
                )
            )
    published = [
        dict(
            target_id="all_hospital_los",
            outcome="hospital_los",
            subgroup="all",
            timepoint="hospital_stay",
            measure="MD",
            estimate=-15.1060,
            ci_low=-32.6409,
            ci_high=2.4289,
            decimals=4,
            finding="no significant difference",
            source_id="metadat_normand1999",
            snippet="estimate se zval pval ci.lb ci.ub -15.1060  8.9466  -1.6885  0.0913  -32.6409  2.4289",
        ),
        dict(
            target_id="all_secondary_infection",
            outcome="secondary_infection",
            subgroup="all",
            timepoint="end_of_study",
            measure="RR",
            estimate=0.4896,
            ci_low=0.3449,
            ci_high=0.6950,
            decimals=4,
            finding="significantly reduced",
            source_id="metadat_colditz1994",
            snippet="sav$pred 0.4896 sav$ci.lb 0.3449 sav$ci.ub 0.6950",
        ),
    ]
    for study in studies:  # the validator wants coverage for every study a target could pool
        for wanted in published:
            if not any(c["study_id"] == study["study_id"] and c["outcome"] == wanted["outcome"] for c in coverage):
                coverage.append(
                    dict(
                        study_id=study["study_id"],
                        outcome=wanted["outcome"],
                        timepoint=wanted["timepoint"],
                        status="not_reported",
                        detail="not part of this reference dataset",
                    )
                )
    tables = {
        "sources": sources,
        "studies": studies,
        "study_provenance": [],
        "arms": arms,
        "outcomes_continuous": cont,
        "outcomes_dichotomous": dich,
        "coverage": coverage,
        "published_results": published,
        "open_questions": [],
    }
    for name, rows in tables.items():
        _write(target / "tables" / f"{name}.csv", fields[name], rows)
    return target


@pytest.fixture(scope="session")
def reference_package(tmp_path_factory) -> Path:
    return build_reference_package(tmp_path_factory.mktemp("reference") / "package")
