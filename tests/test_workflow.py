"""The pull-request workflow: the right trigger, validation before and independent of the tests, pinned
actions, and its steps (plain scripts in .github/scripts) run here on fixture contributions.

The numbers in the fixture contributions are TEST FIXTURE values, not trial data.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import CLI, copy_package
from corpus import FIXTURE_NOTE, append_rows

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "validate.yml"
SCRIPTS = ROOT / ".github" / "scripts"


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _triggers(workflow: dict) -> dict:
    # YAML 1.1 reads the bare key `on` as the boolean True
    triggers = workflow.get("on", workflow.get(True))
    return (
        {triggers: None}
        if isinstance(triggers, str)
        else dict.fromkeys(triggers)
        if isinstance(triggers, list)
        else triggers
    )


def _steps() -> list[dict]:
    (job,) = _workflow()["jobs"].values()
    return job["steps"]


def test_triggered_by_pull_request_never_pull_request_target():
    triggers = _triggers(_workflow())
    assert "pull_request" in triggers
    # pull_request_target would run a fork's code with the base repository's token and secrets
    assert "pull_request_target" not in triggers
    assert not re.search(r"^\s*-?\s*pull_request_target\b", WORKFLOW.read_text(encoding="utf-8"), re.M)


def test_validation_runs_first_and_everything_after_it_runs_whatever_it_said():
    workflow = _workflow()
    assert workflow.get("permissions") == {"contents": "read"}
    steps = _steps()
    runs = [s.get("run", "") for s in steps]
    order = [
        next(i for i, r in enumerate(runs) if needle in r)
        for needle in (
            ".github/scripts/validate.sh",
            ".github/scripts/diff.sh",
            ".github/scripts/summary.sh",
            "make test",
            "make reproduce",
        )
    ]
    assert order == sorted(order), runs
    for i in order[1:]:
        assert str(steps[i].get("if", "")).startswith("always()"), steps[i]
    assert "GITHUB_STEP_SUMMARY" in runs[order[2]]


def test_python_311_pip_cache_and_actions_pinned_to_commits():
    steps = _steps()
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))
    assert str(python["with"]["python-version"]) == "3.11" and python["with"]["cache"] == "pip"
    for step in steps:
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


def _run(script: str, *args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, RHIL7=CLI, **(env or {}))
    return subprocess.run([str(SCRIPTS / script), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _row(row_id, arm, outcome, tp, snippet, **values) -> dict:
    return dict(
        row_id=row_id,
        study_id=arm.rsplit("_", 1)[0],
        arm_id=arm,
        outcome=outcome,
        timepoint=tp,
        timepoint_reported=tp,
        source_id="daix2023_pmc" if arm.startswith("daix") else "shankarhari2025_pubmed",
        location="Table 2 (hypothetical)",
        snippet=snippet,
        method="table",
        note=FIXTURE_NOTE,
        **{k: str(v) for k, v in values.items()},
    )


def five_mistakes(package: Path) -> dict[str, tuple[str, int]]:
    """Five typical mistakes, one per row: the expected (file, line) of each problem code."""
    cont = append_rows(
        package,
        "outcomes_continuous",
        [
            # the snippet says cells/uL, the row says 10^9/L
            _row(
                "daix2023_cyt107_alc_day21",
                "daix2023_cyt107",
                "alc",
                "day21",
                "ALC (cells/uL) at day 21: CYT107 (n = 15) 1560 ± 420",
                statistic="mean_sd",
                n=15,
                mean=1560,
                sd=420,
                unit="10^9/L",
            ),
        ],
    )
    dich = append_rows(
        package,
        "outcomes_dichotomous",
        [
            # arm totals 74 + 55 against 109 randomized (the arms' own sizes are blank)
            _row(
                "shankarhari2025_cyt107_deaths",
                "shankarhari2025_cyt107",
                "mortality",
                "day90",
                "Deaths by day 90: CYT107 9 of 74",
                events=9,
                total=74,
            ),
            _row(
                "shankarhari2025_placebo_deaths",
                "shankarhari2025_placebo",
                "mortality",
                "day90",
                "Deaths by day 90: placebo 12 of 55",
                events=12,
                total=55,
            ),
            # the snippet lacks the 20
            _row(
                "shankarhari2025_cyt107_infections",
                "shankarhari2025_cyt107",
                "secondary_infection",
                "day28",
                "Secondary infections by day 28: CYT107 2 of 50",
                events=20,
                total=50,
            ),
            # an arm id that does not exist
            _row(
                "daix2023_il7_sae",
                "daix2023_il7",
                "sae",
                "day28",
                "Serious adverse events: CYT107 3 of 15",
                events=3,
                total=15,
            ),
            # more events than patients
            _row(
                "daix2023_cyt107_deaths",
                "daix2023_cyt107",
                "mortality",
                "day28",
                "Deaths by day 28: CYT107 16 of 15",
                events=16,
                total=15,
            ),
        ],
    )
    return {
        "implausible-value": ("tables/outcomes_continuous.csv", cont[0]),
        "arms-above-randomized": ("tables/outcomes_dichotomous.csv", dich[1]),
        "number-not-in-snippet": ("tables/outcomes_dichotomous.csv", dich[2]),
        "foreign-key": ("tables/outcomes_dichotomous.csv", dich[3]),
        "events-above-total": ("tables/outcomes_dichotomous.csv", dich[4]),
    }


def test_five_typical_mistakes_give_five_annotations_and_a_table_of_five(tmp_path):
    package = copy_package(tmp_path / "package")
    expected = five_mistakes(package)
    validated = _run("validate.sh", str(tmp_path / "ci"), cwd=package)
    assert validated.returncode == 1, validated.stdout + validated.stderr
    annotations = [line for line in validated.stdout.splitlines() if line.startswith("::error ")]
    found = {}
    for line in annotations:
        props = dict(p.split("=", 1) for p in line[len("::error ") :].split("::", 1)[0].split(","))
        code = props["title"].split(" ")[0]
        found[code] = (props["file"], int(props["line"]))
    assert len(annotations) == 5 and found == expected, validated.stdout
    summary = _run("summary.sh", str(tmp_path / "ci"), cwd=package)
    assert summary.returncode == 0, summary.stderr
    table = [line for line in summary.stdout.splitlines() if line.startswith("| tables/")]
    assert len(table) == 5
    assert summary.stdout.index("| file | row | field |") < summary.stdout.index("## What this pull request changes")
    unit = next(line for line in table if "implausible-value" in line)
    assert "cells/uL" in unit and "1560" in unit


def test_a_correct_contribution_is_valid_and_the_summary_shows_its_diff(tmp_path):
    original = copy_package(tmp_path / "original")
    package = copy_package(tmp_path / "package")
    rows = [
        _row(
            f"daix2023_{arm}_deaths_day28",
            f"daix2023_{arm}",
            "mortality",
            "day28",
            "Deaths by day 28: CYT107 2 of 15; placebo 1 of 6",
            events=events,
            total=total,
        )
        for arm, events, total in (("cyt107", 2, 15), ("placebo", 1, 6))
    ]
    append_rows(package, "outcomes_dichotomous", rows)
    validated = _run("validate.sh", str(tmp_path / "ci"), cwd=package)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "::error" not in validated.stdout
    diffed = _run("diff.sh", str(original), str(tmp_path / "ci"), cwd=package)
    assert diffed.returncode == 0, diffed.stderr
    summary = _run("summary.sh", str(tmp_path / "ci"), cwd=package).stdout
    assert "VALID: no problems." in summary
    assert "daix2023_cyt107_deaths_day28" in summary and "daix2023_placebo_deaths_day28" in summary


# --------------------------------------------------------------------------- the release workflow

RELEASE = ROOT / ".github" / "workflows" / "release.yml"


def _release() -> dict:
    return yaml.safe_load(RELEASE.read_text(encoding="utf-8"))


def test_release_runs_on_version_tags_only_with_least_privilege():
    workflow = _release()
    assert _triggers(workflow) == {"push": {"tags": ["v*"]}}
    assert workflow["permissions"] == {"contents": "read"}
    jobs = workflow["jobs"]
    assert jobs["release"]["permissions"] == {"contents": "write"}
    assert jobs["pages"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert jobs["pages"]["needs"] == "release" and jobs["pages"]["environment"]["name"] == "github-pages"


def test_release_steps_build_attach_and_publish_in_order_with_pinned_actions():
    jobs = _release()["jobs"]
    steps = jobs["release"]["steps"]
    text = [s.get("run", "") + s.get("uses", "") for s in steps]
    order = [
        next(i for i, t in enumerate(text) if needle in t)
        for needle in (
            "make .venv/.installed",
            ".github/scripts/release.sh",
            "gh release",
            "npm ci",
            "rhil7 site --out build/site",
            "actions/upload-pages-artifact",
        )
    ]
    assert order == sorted(order), text
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "build/site"
    assert [s["uses"].split("@")[0] for s in jobs["pages"]["steps"]] == ["actions/deploy-pages"]
    attach = steps[order[2]]
    assert "SHA256SUMS" in attach["run"] and "release_notes.sh" in attach["run"]
    assert attach["env"]["GH_TOKEN"] == "${{ github.token }}"
    for step in steps + jobs["pages"]["steps"]:
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


def test_where_the_repository_lives_comes_from_the_workflow_context():
    """No committed file invents an address: the workflow passes its own repository to the release."""
    env = _release()["jobs"]["release"]["env"]
    assert env["REPOSITORY_URL"] == "${{ github.server_url }}/${{ github.repository }}"
    assert "--repository-url" in (SCRIPTS / "release.sh").read_text(encoding="utf-8")
    for name in ("CITATION.cff", "datapackage.json", "README.md", "CONTRIBUTING.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert not re.search(r"https?://(www\.)?github\.com/(?!features|apps|marketplace)[\w.-]+/[\w.-]+", text), name


def test_release_refuses_a_tag_that_is_not_the_version(tmp_path):
    package = copy_package(tmp_path / "package")
    result = _run("release.sh", "v99.0.0", str(tmp_path / "dist"), cwd=package)
    assert result.returncode == 1
    assert result.stdout.startswith(
        "::error file=datapackage.json::The tag v99.0.0 does not name the package's version"
    )
    assert not (tmp_path / "dist").exists()


def test_release_notes_are_the_changelog_section_of_the_version(tmp_path):
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(
        "# Changelog\n\n## [Unreleased]\n\n- later\n\n## [1.1.0] - 2026-12-07\n\n### Added\n\n"
        "- this\n\n## [1.0.0] - 2026-01-01\n\n- older\n",
        encoding="utf-8",
    )
    notes = _run("release_notes.sh", "1.1.0", str(changelog), cwd=tmp_path)
    assert notes.returncode == 0 and notes.stdout.strip() == "### Added\n\n- this"
    missing = _run("release_notes.sh", "1.2.0", str(changelog), cwd=tmp_path)
    assert missing.returncode == 1 and "no section `## [1.2.0] - DATE`" in missing.stderr


# --------------------------------------------------------------------------- an extraction sheet in the pull request

SNIPPET = "ALC (10^9/L) at day 21: CYT107 (n = 15) 1.20 ± 0.50; placebo (n = 6) 0.80 ± 0.30"


def _sheet(package: Path, cyt107_mean: str) -> Path:
    """contributions/daix2023.csv: the trial's extraction sheet with its ALC week-3 rows filled (FIXTURE values)."""
    import csv

    sheet = package / "contributions" / "daix2023.csv"
    sheet.parent.mkdir()
    made = subprocess.run(
        [CLI, "template", "daix2023", "--source", "daix2023_pmc", "--out", str(sheet)],
        cwd=package,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    with sheet.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = reader.fieldnames, list(reader)
    for row in rows:
        arm = row["arm_id"].rsplit("_", 1)[1]
        if row["outcome"] == "alc" and row["analysis_timepoint"] == "week3":
            row.update(
                timepoint="day21",
                timepoint_reported="day 21",
                statistic="mean_sd",
                unit="10^9/L",
                n="15" if arm == "cyt107" else "6",
                mean=cyt107_mean if arm == "cyt107" else "0.80",
                sd="0.50" if arm == "cyt107" else "0.30",
                location="Table 2 (hypothetical)",
                snippet=SNIPPET,
                method="table",
                note=FIXTURE_NOTE,
                status="extracted",
            )
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return sheet


def test_a_sheet_in_the_pull_request_is_checked_and_annotated_on_its_line(tmp_path):
    package = copy_package(tmp_path / "package")
    _sheet(package, cyt107_mean="1.02")  # a typo: the snippet says 1.20
    before = {p: p.read_bytes() for p in (package / "tables").iterdir()}
    validated = _run("validate.sh", str(tmp_path / "ci"), cwd=package)
    assert validated.returncode == 1, validated.stdout + validated.stderr
    annotations = [line for line in validated.stdout.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 1, validated.stdout
    assert annotations[0].startswith("::error file=contributions/daix2023.csv,line=2,title=number-not-in-snippet")
    assert "VALID" in validated.stdout.splitlines(), "the package itself is valid: only the sheet is not"
    assert {p: p.read_bytes() for p in (package / "tables").iterdir()} == before, "a check writes nothing"


def test_a_valid_sheet_not_yet_ingested_is_a_warning(tmp_path):
    package = copy_package(tmp_path / "package")
    sheet = _sheet(package, cyt107_mean="1.20")
    validated = _run("validate.sh", str(tmp_path / "ci"), cwd=package)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "::warning file=contributions/daix2023.csv,title=sheet-not-ingested::" in validated.stdout
    ingested = subprocess.run([CLI, "ingest", str(sheet)], cwd=package, capture_output=True, text=True, timeout=300)
    assert ingested.returncode == 0, ingested.stdout + ingested.stderr
    again = _run("validate.sh", str(tmp_path / "ci"), cwd=package)
    assert again.returncode == 0 and "::warning" not in again.stdout and "::error" not in again.stdout, again.stdout


@pytest.mark.slow
def test_release_builds_the_zip_and_its_checksums_once_the_version_is_recorded(tmp_path):
    import hashlib
    import json

    package = copy_package(tmp_path / "package")
    version = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))["version"]
    env = {"REPOSITORY_URL": "https://example.org/owner/rhil7"}
    first = _run("release.sh", f"v{version}", str(tmp_path / "dist"), cwd=package, env=env)
    assert first.returncode == 1, first.stdout + first.stderr
    assert f"::error file=releases.json::Version {version} is not in the committed releases.json" in first.stdout
    second = _run("release.sh", f"v{version}", str(tmp_path / "dist"), cwd=package, env=env)  # now it is recorded
    assert second.returncode == 0, second.stdout + second.stderr
    archive = tmp_path / "dist" / f"rhil7-lymphopenia-{version}.zip"
    sums = (tmp_path / "dist" / "SHA256SUMS").read_text(encoding="utf-8")
    assert sums == f"{hashlib.sha256(archive.read_bytes()).hexdigest()}  {archive.name}\n"
