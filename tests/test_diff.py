"""rhil7 diff (issue 7): a planted change (one corrected value, one added trial) is reported exactly."""

from __future__ import annotations

import csv
import json
import math
import subprocess
import warnings as python_warnings

import numpy as np
import pytest
from conftest import ROOT, copy_package, run_cli
from corpus import ARMS, STUDY, fixture_package, read_rows, set_cell, write_rows
from rendered import tags

from rhil7.diff import DiffError, _numeric_warnings, diff_packages, render_diff
from rhil7.validators.run import validate_package

TRIAL = "planted2029"
SOURCE = "planted2029_pub"
EVENTS = {"intervention": (3, 20), "control": (6, 20)}  # deaths / randomized per arm: RR 0.5


def _read(path):
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames), list(reader)


def _write(path, fields, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _append(package, table, new_rows):
    path = package / "tables" / f"{table}.csv"
    fields, rows = _read(path)
    _write(path, fields, rows + [{f: r.get(f, "") for f in fields} for r in new_rows])


def plant_changes(package):
    """Correct one studies value and add one sepsis trial with mortality counts; returns what was planted."""
    path = package / "tables" / "studies.csv"
    fields, studies = _read(path)
    corrected = next(r for r in studies if r["funding"])
    old_funding = corrected["funding"]
    corrected["funding"] = old_funding + " (corrected)"
    _write(path, fields, studies)

    _append(
        package,
        "sources",
        [
            dict(
                source_id=SOURCE,
                study_id=TRIAL,
                kind="publication",
                reach="full",
                title="A planted trial of CYT107 in septic shock (test fixture)",
                url="https://example.org/planted2029",
                accessed="2026-11-27",
            )
        ],
    )
    _append(
        package,
        "studies",
        [
            dict(
                study_id=TRIAL,
                short_citation="Planted A et al. Test 2029;1:1",
                title="A planted trial of CYT107 in septic shock",
                year="2029",
                condition="sepsis",
                design="randomized, double-blind, placebo-controlled",
                n_randomized="40",
                identification="test fixture",
                source_id=SOURCE,
            )
        ],
    )
    prov = dict(study_id=TRIAL, source_id=SOURCE, location="Abstract", method="text")
    _append(
        package,
        "study_provenance",
        [
            dict(prov, field="design", snippet="a randomized, double-blind, placebo-controlled trial"),
            dict(prov, field="n_randomized", snippet="40 patients were randomized (20 CYT107, 20 placebo)"),
        ],
    )
    arm = dict(
        study_id=TRIAL,
        source_id=SOURCE,
        location="Abstract",
        method="text",
        snippet="40 patients were randomized (20 CYT107, 20 placebo)",
    )
    _append(
        package,
        "arms",
        [
            dict(arm, arm_id=f"{TRIAL}_cyt107", arm_role="intervention", label="CYT107", n_randomized="20"),
            dict(arm, arm_id=f"{TRIAL}_placebo", arm_role="control", label="placebo", n_randomized="20"),
        ],
    )
    dich = dict(
        study_id=TRIAL,
        outcome="mortality",
        timepoint="end_of_study",
        timepoint_reported="day 90",
        analysis_timepoint="end_of_study",
        source_id=SOURCE,
        location="Table 3",
        method="table",
    )
    rows = []
    for role, arm_id in (("intervention", f"{TRIAL}_cyt107"), ("control", f"{TRIAL}_placebo")):
        events, total = EVENTS[role]
        rows.append(
            dict(
                dich,
                row_id=f"{TRIAL}_{role}_mortality",
                arm_id=arm_id,
                events=str(events),
                total=str(total),
                snippet=f"Deaths by day 90: {events}/{total}",
            )
        )
    _append(package, "outcomes_dichotomous", rows)

    _, published = _read(package / "tables" / "published_results.csv")
    wanted = sorted({(r["outcome"], r["timepoint"]) for r in published if r["subgroup"] in ("sepsis", "all")})
    coverage = []
    for outcome, timepoint in wanted:
        if (outcome, timepoint) == ("mortality", "end_of_study"):
            coverage.append(
                dict(
                    study_id=TRIAL,
                    outcome=outcome,
                    timepoint=timepoint,
                    status="extracted",
                    detail=f"rows {TRIAL}_intervention_mortality and {TRIAL}_control_mortality",
                )
            )
        else:
            coverage.append(
                dict(
                    study_id=TRIAL,
                    outcome=outcome,
                    timepoint=timepoint,
                    status="not_reported",
                    detail="the planted trial reports no such outcome",
                )
            )
    _append(package, "coverage", coverage)
    return {
        "corrected": corrected["study_id"],
        "old_funding": old_funding,
        "coverage": len(coverage),
        "targets": sorted(
            r["target_id"] for r in published if r["outcome"] == "mortality" and r["subgroup"] in ("sepsis", "all")
        ),
    }


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    root = tmp_path_factory.mktemp("diff")
    old = copy_package(root / "old")
    new = copy_package(root / "new")
    facts = plant_changes(new)
    assert validate_package(new) == [], "the planted NEW package must stay valid"
    return old, new, facts


@pytest.fixture(scope="module")
def result(planted):
    old, new, _ = planted
    return diff_packages(str(old), str(new))


def test_rows_added_removed_changed_are_exactly_the_planted_ones(planted, result):
    _, _, facts = planted
    counts = {t.name: (len(t.added), len(t.removed), len(t.changed)) for t in result.tables}
    assert counts == {
        "sources": (1, 0, 0),
        "studies": (1, 0, 1),
        "study_provenance": (2, 0, 0),
        "arms": (2, 0, 0),
        "outcomes_continuous": (0, 0, 0),
        "outcomes_dichotomous": (2, 0, 0),
        "coverage": (facts["coverage"], 0, 0),
        "published_results": (0, 0, 0),
        "open_questions": (0, 0, 0),
    }
    tables = {t.name: t for t in result.tables}
    studies = tables["studies"]
    assert studies.key == ["study_id"]
    assert [r["key"] for r in studies.added] == [{"study_id": TRIAL}]
    assert studies.changed == [
        {
            "key": {"study_id": facts["corrected"]},
            "fields": {"funding": {"old": facts["old_funding"], "new": facts["old_funding"] + " (corrected)"}},
        }
    ]
    assert {r["key"]["arm_id"] for r in tables["arms"].added} == {f"{TRIAL}_cyt107", f"{TRIAL}_placebo"}
    assert {r["row"]["events"] for r in tables["outcomes_dichotomous"].added} == {3, 6}
    assert all(r["key"]["study_id"] == TRIAL for r in tables["coverage"].added)
    assert {tuple(r["key"].values()) for r in tables["study_provenance"].added} == {
        (TRIAL, "design", SOURCE),
        (TRIAL, "n_randomized", SOURCE),
    }
    assert result.warnings == []


def test_pooled_view_moves_for_mortality_only(result):
    moved = {(p["subgroup"], p["model"]): p for p in result.pooled}
    models = ("FE", "DL", "REML", "MH", "MH-DL")  # the view pools risk ratios by IV and by Mantel-Haenszel (RevMan)
    assert set(moved) == {(subgroup, model) for subgroup in ("sepsis", "all") for model in models}
    for p in moved.values():
        assert (p["outcome"], p["timepoint"], p["measure"]) == ("mortality", "end_of_study", "RR")
        assert p["change"] in ("appeared", "moved")
        if p["change"] == "appeared":  # the repository has no mortality counts yet: the new trial alone
            assert p["new"]["k"] == 1
            assert math.isclose(p["new"]["estimate"], 0.5, rel_tol=1e-12)
            se = math.sqrt(1 / 3 - 1 / 20 + 1 / 6 - 1 / 20)
            assert math.isclose(p["new"]["ci_low"], math.exp(math.log(0.5) - 1.959963984540054 * se), rel_tol=1e-9)
        else:
            assert p["new"]["k"] == p["old"]["k"] + 1


def test_reproduction_of_the_mortality_targets_changes(planted, result):
    _, _, facts = planted
    assert sorted(r["target_id"] for r in result.reproduction) == facts["targets"]
    for r in result.reproduction:
        assert r["new"]["k"] == r["old"]["k"] + 1
        assert TRIAL in r["new"]["studies"] and TRIAL not in r["old"]["studies"]


def test_text_and_json_renderings(result):
    text = render_diff(result, "text")
    assert f"+ {TRIAL}" in text and "funding:" in text and "(corrected)" in text
    assert "mortality end_of_study sepsis FE (RR)" in text
    assert "unchanged: " in text and "published_results" in text.split("unchanged: ")[1].splitlines()[0]
    body = json.loads(render_diff(result, "json"))
    assert body["summary"]["rows_changed"] == 1
    assert body["summary"]["rows_added"] == sum(len(t["added"]) for t in body["tables"].values())
    assert body["tables"]["studies"]["changed"][0]["fields"]["funding"]["new"].endswith("(corrected)")
    assert len(body["pooled"]) == 10  # sepsis and all, each FE, DL, REML, MH, MH-DL


def test_cli_on_directories_and_identical_packages(planted):
    old, new, _ = planted
    result = run_cli("diff", str(old), str(new), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["rows_added"] > 0
    same = run_cli("diff", str(old), str(old))
    assert same.returncode == 0
    assert "rows: 0 added, 0 removed, 0 changed" in same.stdout
    assert "OLD and NEW are the same directory" in same.stdout  # 0 changes then says nothing about the data
    bad = run_cli("diff", str(old), "no-such-revision-or-directory")
    assert bad.returncode == 2 and "neither a package directory nor a git revision" in bad.stderr


def test_git_revisions(tmp_path, planted):
    """A revision is read with git show, never from the work tree: commit OLD, then NEW, and diff the two."""
    old, new, facts = planted
    repo = tmp_path / "repo"
    copy_package(repo)
    git = lambda *a: subprocess.run(["git", "-C", str(repo), *a], check=True, capture_output=True, text=True)
    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "add", "datapackage.json", "tables")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "old")
    for path in (new / "tables").iterdir():
        (repo / "tables" / path.name).write_bytes(path.read_bytes())
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-am", "new")
    (repo / "tables" / "studies.csv").write_text("garbage in the work tree\n", encoding="utf-8")
    result = run_cli("diff", "HEAD~1", "HEAD", "--format", "json", cwd=repo)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["old"]["kind"] == body["new"]["kind"] == "git"
    assert body["tables"]["studies"]["changed"][0]["key"] == {"study_id": facts["corrected"]}
    assert len(body["pooled"]) == 10  # sepsis and all, each FE, DL, REML, MH, MH-DL
    mixed = run_cli("diff", "HEAD~1", str(new), cwd=repo)
    assert mixed.returncode == 0 and f"+ {TRIAL}" in mixed.stdout
    same = run_cli("diff", "HEAD", "HEAD", cwd=repo)
    assert same.returncode == 0 and "OLD and NEW are the same commit" in same.stdout


@pytest.mark.data
def test_bad_input_raises_diff_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DiffError):
        diff_packages(str(tmp_path / "empty"), str(ROOT))
    with pytest.raises(DiffError):
        diff_packages("--output=/tmp/x", str(ROOT))


# ------------------------------------------------------------------ issue 23: bounded input, one way out per sink


def _git_repo(path):
    repo = copy_package(path)
    git = lambda *a: subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *a],
        check=True,
        capture_output=True,
        text=True,
    )
    git("init", "-q")
    git("add", "datapackage.json", "tables")
    git("commit", "-q", "-m", "old")
    return repo, git


def test_a_descriptor_nested_200000_deep_in_a_revision_exits_2_with_a_message(tmp_path):
    repo, git = _git_repo(tmp_path / "repo")
    text = (repo / "datapackage.json").read_text(encoding="utf-8").rstrip()
    (repo / "datapackage.json").write_text(
        text[:-1] + ', "deep": ' + "[" * 200_000 + "]" * 200_000 + "}", encoding="utf-8"
    )
    git("commit", "-q", "-am", "deep")
    for old, new in (("HEAD~1", "HEAD"), ("HEAD~1", str(repo))):  # a revision, and the same file in a directory
        result = run_cli("diff", old, new, cwd=repo)
        assert result.returncode == 2, result.stderr
        assert "nested" in result.stderr and "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_numeric_warnings_of_invalid_data_are_one_diff_warning_not_stderr():
    said = []
    with python_warnings.catch_warnings():
        python_warnings.simplefilter("error")  # a warning that escaped would raise here
        with _numeric_warnings("NEW", "the reproduction", said):
            np.sqrt(np.array([-1.0]))
    assert said == [
        "NEW: the reproduction met invalid numbers (invalid value encountered in sqrt); "
        "run `rhil7 validate` on this version"
    ]


HOSTILE_LABEL = (
    "placebo\n::warning title=VALID::All checks passed\x1b]8;;https://evil.example\x1b\\\u202e\u009b"
    "```\n<img src=x onerror=alert(1)>"
)


@pytest.mark.slow
def test_a_hostile_cell_and_key_reach_no_output_raw(tmp_path):
    """Issue 23, class 3: a cell (and a key) holding a workflow command, an OSC 8 link, a bidi override, a C1 CSI,
    a closing fence and raw HTML; and invalid numbers (negative SDs) whose numpy warnings may not reach stderr."""
    old, new = fixture_package(tmp_path / "old"), fixture_package(tmp_path / "new")
    set_cell(new, "arms", dict(arm_id=ARMS["control"]), "label", HOSTILE_LABEL)
    set_cell(new, "sources", dict(source_id=STUDY + "_pmc"), "source_id", HOSTILE_LABEL)
    header, rows = read_rows(new, "outcomes_continuous")
    write_rows(new, "outcomes_continuous", header, [dict(r, sd="-0.5") for r in rows])
    with python_warnings.catch_warnings():
        python_warnings.simplefilter("error", RuntimeWarning)
        result = diff_packages(str(old), str(new))
    text, github, markdown = (render_diff(result, f) for f in ("text", "github", "markdown"))
    for out in (text, github, markdown):
        assert not any(c in out for c in "\x1b\u202e\u009b\r")
    assert "\\x1b]8;;https://evil.example" in text and "\\u202e" in text  # shown, not obeyed
    assert [line for line in github.splitlines() if line.strip().startswith("::") or "##[" in line] == []
    assert tags(markdown) == {"pre", "code"}
    assert text.count("::warning title=VALID") == 2  # the changed label and the added key, each inside its line
    assert all(not line.startswith("::") for line in text.splitlines())
