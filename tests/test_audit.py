"""The audit checks each published figure on its own and flags what does not add up."""

import pytest
import pandas as pd
from corpus import copy_package, run_cli, set_cell

from rhil7.analysis.audit import audit_published
from rhil7.loading import read_tables
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _published(**over):
    row = dict(
        target_id="t",
        outcome="mortality",
        subgroup="sepsis",
        timepoint="end_of_study",
        measure="RR",
        estimate=1.01,
        ci_low=0.36,
        ci_high=2.81,
        p_value=float("nan"),
        p_text=float("nan"),
        decimals=2,
        finding="failed to reduce mortality",
    )
    row.update(over)
    return pd.DataFrame([row])


def _checks(frame):
    return {c.check: c for c in audit_published(frame)}


@pytest.mark.data
def test_real_abstract_passes_every_check():
    checks = audit_published(read_tables(ROOT)["published_results"])
    assert len(checks) >= 40 and all(c.passed for c in checks)


def test_rr_ci_must_be_symmetric_on_log_scale():
    assert _checks(_published())["CI symmetric about the estimate"].passed
    flagged = _checks(_published(estimate=1.60))["CI symmetric about the estimate"]
    assert not flagged.passed and "1.0058" in flagged.detail


def test_md_ci_must_be_symmetric_on_raw_scale():
    ok = _checks(_published(measure="MD", estimate=1.33, ci_low=0.29, ci_high=2.38, finding="significantly increased"))
    assert ok["CI symmetric about the estimate"].passed
    bad = _checks(_published(measure="MD", estimate=1.50, ci_low=0.29, ci_high=2.38, finding="significantly increased"))
    assert not bad["CI symmetric about the estimate"].passed


def test_estimate_outside_ci_is_flagged():
    assert not _checks(_published(estimate=3.0))["estimate inside its CI"].passed


def test_p_value_inconsistent_with_ci_is_flagged():
    ok = _checks(
        _published(estimate=0.58, ci_low=0.46, ci_high=0.74, p_text="< 0.0001", finding="significantly reduced")
    )
    assert ok["stated p consistent with the CI"].passed
    bad = _checks(_published(estimate=0.85, ci_low=0.55, ci_high=1.33, p_text="< 0.0001", finding="did not reduce"))
    assert not bad["stated p consistent with the CI"].passed


def test_wording_against_ci():
    assert not _checks(_published(finding="significantly reduced mortality"))["wording matches the CI"].passed


def test_combined_outside_its_subgroups_is_flagged():
    frame = pd.concat(
        [
            _published(target_id="s", subgroup="sepsis", estimate=1.05, ci_low=0.48, ci_high=2.30),
            _published(target_id="c", subgroup="covid19", estimate=0.58, ci_low=0.46, ci_high=0.74),
            _published(target_id="a", subgroup="all", estimate=0.40, ci_low=0.31, ci_high=0.52),
        ]
    )
    check = next(c for c in audit_published(frame) if c.check.startswith("combined"))
    assert not check.passed and "0.58 to 1.05" in check.detail


def test_a_figure_that_cannot_be_judged_is_flagged_with_the_reason_not_raised():
    words = _checks(_published(p_text="about a third"))["stated p consistent with the CI"]
    assert not words.passed and words.detail.startswith("not checkable: ValueError")
    impossible = _checks(_published(ci_low=-0.5))  # a ratio's CI bound below 0 has no logarithm
    assert not impossible["CI symmetric about the estimate"].passed
    assert "not checkable" in impossible["CI symmetric about the estimate"].detail


def test_a_hostile_target_id_and_finding_are_printed_escaped(tmp_path):
    """Issue 23, class 3: audit printed target_id raw (a workflow command, an ESC sequence, a bidi override)."""
    package = copy_package(tmp_path / "package")
    hostile = "x\n::warning title=VALID::All checks passed\x1b[2J\u202e\u009b"
    first = pd.read_csv(package / "tables" / "published_results.csv", dtype=str)["target_id"][0]
    set_cell(package, "published_results", dict(target_id=first), "target_id", hostile)
    set_cell(package, "published_results", dict(target_id=hostile), "finding", hostile)
    result = run_cli("audit", str(package))
    assert result.returncode == 0, result.stderr
    assert not any(c in result.stdout for c in "\x1b\u202e\u009b\r")
    assert not any(line.lstrip().startswith("::") for line in result.stdout.splitlines())
    assert "x\\n::warning title=VALID" in result.stdout  # shown, on the line of its check
