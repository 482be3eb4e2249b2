"""The data package itself: valid, complete in its metadata, every number traceable to a snippet that holds it.

The live package is tested for invariants only (they hold whatever a correct contribution adds); facts about
particular rows are tested on the 0.1.0 snapshot (tests/fixtures/snapshot_0_1_0).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from rhil7.loading import read_tables
from rhil7.validators.run import validate_package
from rhil7.validators.snippets import numbers_in, snippet_supports

# every test here checks an invariant of the live package (any correct contribution keeps it)
pytestmark = pytest.mark.data

ROOT = Path(__file__).resolve().parents[1]
DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
NUMBER_FIELDS = {
    "outcomes_continuous": ["n", "mean", "sd", "se", "median", "q1", "q3", "min", "max"],
    "outcomes_dichotomous": ["events", "total"],
    "arms": ["n_randomized", "n_analysed"],
    "published_results": ["estimate", "ci_low", "ci_high"],
}


@pytest.fixture(scope="module")
def tables():
    return read_tables(ROOT)


def test_package_is_valid_by_our_validator():
    assert validate_package(ROOT) == []


def test_package_is_valid_by_the_official_frictionless_cli():
    frictionless = str(Path(sys.executable).with_name("frictionless"))
    out = subprocess.run([frictionless, "validate", "datapackage.json"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "INVALID" not in out.stdout


def test_descriptor_metadata():
    d = DESCRIPTOR
    assert d["$schema"].startswith("https://datapackage.org/profiles/2.0/")
    for key in ("name", "title", "description", "version", "licenses", "sources", "contributors", "created"):
        assert d.get(key), key
    assert re.fullmatch(r"\d+\.\d+\.\d+", d["version"])
    assert d["licenses"][0]["name"] == "CC-BY-4.0"
    for resource in d["resources"]:
        assert resource.get("description"), resource["name"]
        assert resource["schema"].get("primaryKey"), resource["name"]
        for field in resource["schema"]["fields"]:
            assert len(field.get("description", "")) > 10, (resource["name"], field["name"])


def test_foreign_keys_declared():
    fks = {
        r["name"]: {fk["reference"]["resource"] for fk in r["schema"].get("foreignKeys", [])}
        for r in DESCRIPTOR["resources"]
    }
    assert fks["arms"] == {"studies", "sources"}
    assert fks["outcomes_continuous"] == {"studies", "arms", "sources"}
    assert fks["outcomes_dichotomous"] == {"studies", "arms", "sources"}


@pytest.mark.parametrize("table", sorted(NUMBER_FIELDS))
def test_every_extracted_number_appears_in_its_snippet(tables, table):
    frame = tables[table]
    for _, row in frame.iterrows():
        for field in NUMBER_FIELDS[table]:
            if not pd.isna(row[field]):
                assert snippet_supports(float(row[field]), row["snippet"]), (table, row.iloc[0], field, row[field])


def test_study_numbers_appear_in_their_provenance_snippets(tables):
    studies = tables["studies"].set_index("study_id")
    prov = tables["study_provenance"]
    checked = 0
    for _, p in prov[prov["field"].isin(["n_randomized", "follow_up_days"])].iterrows():
        assert snippet_supports(float(studies.at[p["study_id"], p["field"]]), p["snippet"]), (p["study_id"], p["field"])
        checked += 1
    assert checked >= 4


def test_a_transcription_typo_is_caught(package_copy):
    path = package_copy / "tables" / "arms.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",15,", ",16,", 1), encoding="utf-8")
    problems = validate_package(package_copy)
    assert ("number-not-in-snippet", "tables/arms.csv", 4, "n_randomized") in [
        (p.code, p.file, p.row, p.field) for p in problems
    ]


def test_number_words_and_unicode_minus_are_read():
    assert {27.0, 21.0, 15.0, 6.0} <= numbers_in("Twenty-seven ... Twenty-one patients (fifteen CYT107, six placebo)")
    assert -0.15 in numbers_in("95% CI [\u22120.15, 1.08]")
    assert not snippet_supports(1.3, "MD = 1.33")


def test_every_target_has_coverage_for_every_trial_that_could_contribute(tables):
    coverage = set(zip(tables["coverage"]["study_id"], tables["coverage"]["outcome"], tables["coverage"]["timepoint"]))
    for _, t in tables["published_results"].iterrows():
        for _, s in tables["studies"].iterrows():
            if t["subgroup"] in (s["condition"], "all"):
                assert (s["study_id"], t["outcome"], t["timepoint"]) in coverage


def test_every_unreachable_gap_says_where_the_numbers_are(tables):
    gaps = tables["coverage"][tables["coverage"]["status"] == "not_reachable"]
    assert gaps["detail"].str.len().gt(20).all()
    assert gaps["wanted_source"].notna().all()


def test_snapshot_gaps_say_what_was_searched(package_copy):
    coverage = read_tables(package_copy, ["coverage"])["coverage"]
    gaps = coverage[coverage["status"] != "extracted"]
    assert len(gaps) == 26 and gaps["detail"].str.contains("Searched").all()


def test_every_coverage_row_agrees_with_the_outcome_rows(tables):
    """extracted exactly where both arms have a row mapped to that meta-analysis time point."""
    role = dict(zip(tables["arms"]["arm_id"], tables["arms"]["arm_role"]))
    arms_with_rows: dict[tuple, set] = {}
    for table in ("outcomes_continuous", "outcomes_dichotomous"):
        for r in tables[table].dropna(subset=["analysis_timepoint"]).itertuples():
            arms_with_rows.setdefault((r.study_id, r.outcome, r.analysis_timepoint), set()).add(role[r.arm_id])
    coverage = {(c.study_id, c.outcome, c.timepoint): c.status for c in tables["coverage"].itertuples()}
    for key, status in coverage.items():
        if status == "extracted":
            assert arms_with_rows.get(key) == {"intervention", "control"}, key
    for key in arms_with_rows:
        assert coverage.get(key) == "extracted", key


def test_published_figures_match_the_abstract_verbatim(tables):
    text = (ROOT / "research" / "meta-analysis-abstract.txt").read_text(encoding="utf-8")  # as the publisher shows it
    for _, row in tables["published_results"].iterrows():
        assert row["snippet"] in text, row["target_id"]


def test_abstract_figures_parsed_into_the_table(tables):
    pub = tables["published_results"].set_index("target_id")
    assert tuple(pub.loc["sepsis_alc_week3", ["estimate", "ci_low", "ci_high"]]) == (1.33, 0.29, 2.38)
    assert tuple(pub.loc["covid19_alc_day30", ["estimate", "ci_low", "ci_high"]]) == (0.46, -0.15, 1.08)
    assert pub.loc["covid19_secondary_infection", "p_text"] == "< 0.0001"
    assert len(pub) >= 15


def test_fourth_trial_is_an_explicit_question(tables):
    """Open with what was searched, or settled with the answer and the evidence."""
    q = tables["open_questions"].set_index("question_id").loc["fourth_trial"]
    if q["status"] == "open":
        # an open question says what was searched and what to do next (missing cells read as NaN, not text)
        assert isinstance(q["searched"], str) and len(q["searched"]) > 100
        assert isinstance(q["next_step"], str) and q["next_step"].strip()
    else:
        assert q["status"] == "settled" and len(q["answer"]) > 10 and len(q["evidence"]) > 10


def test_snapshot_fourth_trial_is_open_with_three_trials(package_copy):
    snapshot = read_tables(package_copy, ["open_questions", "studies"])
    assert snapshot["open_questions"].set_index("question_id").at["fourth_trial", "status"] == "open"
    assert len(snapshot["studies"]) == 3


def test_no_derived_values_are_stored(tables):
    """Stored statistics are as reported: no row carries both a median summary and a mean (a converted one)."""
    cont = tables["outcomes_continuous"]
    medians = cont["statistic"].str.startswith("median")
    assert cont.loc[medians, ["mean", "sd", "se"]].isna().all().all()
    assert set(cont["method"].dropna()) <= {"text", "table", "registry", "figure"}
