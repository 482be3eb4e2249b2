"""Contribution guards (issue 25, items 9-11): mistakes a contributor with a full text in hand can make and the
number check cannot see, each refused with a message naming the word or the arm; the valid contribution passes.

- a statistic word of the snippet (SEM, IQR, range, CI, median) against the row's ``statistic``;
- two arms quoting one snippet, one of which takes the other's numbers;
- a table or sheet saved by a European spreadsheet (';' or tab, BOM, CR LF).

Every number below is a TEST FIXTURE value written into copies of the 0.1.0 snapshot (tests/corpus.py).
"""

from __future__ import annotations

import csv

import duckdb
import pytest
from corpus import ARMS, ROOT, fixture_package, read_rows, row_number, run_cli, set_cell, table_path
from test_contribution import contribution, read_sheet, write_sheet  # noqa: F401 (the fixture)

from rhil7.core.vocabulary import STATISTIC_COLUMNS
from rhil7.ingest import ingest_sheet
from rhil7.validators.arm_snippets import ArmRow, owners
from rhil7.validators.run import validate_package
from rhil7.validators.separator import separator_found
from rhil7.validators.snippet_statistics import STATISTIC_SAYS, STATISTIC_WORDS

CONT, DICH = "tables/outcomes_continuous.csv", "tables/outcomes_dichotomous.csv"
ALC_CYT = dict(row_id=f"{ARMS['intervention']}_alc_week3")
ICU_CYT = dict(row_id=f"{ARMS['intervention']}_icu_los_icu_stay")
DEATHS = {
    "intervention": dict(row_id=f"{ARMS['intervention']}_mortality"),
    "control": dict(row_id=f"{ARMS['control']}_mortality"),
}


@pytest.fixture
def package(tmp_path):
    return fixture_package(tmp_path / "pkg")


def _keys(problems) -> set[tuple]:
    return {(p.code, p.file, p.row, p.field) for p in problems}


def _edit(package, table, where, **cells) -> int:
    row = None
    for field, value in cells.items():
        row = set_cell(package, table, where, field, value)
    return row


# ------------------------------------------------------------------ the snippet's statistic words (item 9)

# (row, cells changed, the word the problem names, the statistic it expects)
STATISTIC_MISTAKES = {
    "sem-stored-as-sd": (
        ALC_CYT,
        dict(snippet="ALC at day 21, CYT107 (n = 15): mean ± SEM 1.20 ± 0.50"),
        '"SEM"',
        "mean_se",
    ),
    "standard-error-stored-as-sd": (
        ALC_CYT,
        dict(snippet="ALC at day 21, CYT107 (n = 15): mean 1.20, standard error 0.50"),
        '"standard error"',
        "mean_se",
    ),
    "range-stored-as-iqr": (
        ICU_CYT,
        dict(snippet="ICU stay, CYT107 (n = 15): median 12 days (range 8 to 20)"),
        '"range"',
        "median_range",
    ),
    "min-max-stored-as-iqr": (
        ICU_CYT,
        dict(snippet="ICU stay, CYT107 (n = 15): median 12 days (min-max 8-20)"),
        '"min-max"',
        "median_range",
    ),
    "iqr-stored-as-range": (
        ICU_CYT,
        dict(statistic="median_range", q1="", q3="", min="8", max="20"),
        '"IQR"',
        "median_iqr",
    ),
    "ci-stored-as-sd": (
        ALC_CYT,
        dict(snippet="ALC at day 21, CYT107 (n = 15): mean 1.20 (95% CI 0.50 to 1.90)"),
        '"CI"',
        "confidence interval",
    ),
    "median-stored-as-mean": (
        ALC_CYT,
        dict(snippet="ALC at day 21, CYT107 (n = 15): median 1.20 (0.50)"),
        '"median"',
        "median_iqr",
    ),
}


@pytest.mark.parametrize("mistake", STATISTIC_MISTAKES, ids=list(STATISTIC_MISTAKES))
def test_a_statistic_word_that_contradicts_the_row_is_refused_naming_the_word(package, mistake):
    where, cells, word, expected = STATISTIC_MISTAKES[mistake]
    row = _edit(package, "outcomes_continuous", where, **cells)
    problems = validate_package(package)
    assert _keys(problems) == {("statistic-not-as-snippet", CONT, row, "statistic")}
    [problem] = problems
    assert word in problem.message and word in problem.found
    assert expected in problem.expected + problem.message


def test_sem_stored_as_sd_says_what_to_store(package):
    _edit(package, "outcomes_continuous", ALC_CYT, snippet="ALC at day 21, CYT107 (n = 15): mean ± SEM 1.20 ± 0.50")
    [problem] = validate_package(package)
    assert problem.expected == "mean_se" and problem.found.startswith("mean_sd")
    assert "Store the row as mean_se (columns mean, se)" in problem.message


ACCEPTED_SNIPPETS = {
    "sd-beside-se": (ALC_CYT, "ALC at day 21, CYT107 (n = 15): mean 1.20 (SD 0.50; SE of the mean 0.13)"),
    "no-statistic-word": (ALC_CYT, "ALC at day 21, CYT107 (n = 15): 1.20 ± 0.50"),
    "word-inside-a-word": (ALC_CYT, "ALC at day 21 (SEMAPHORE cohort, CIRCE site), CYT107 (n = 15): 1.20 ± 0.50"),
    "range-without-numbers": (ALC_CYT, "ALC at day 21, CYT107 (n = 15): 1.20 ± 0.50, below the normal range"),
    "mean-and-median-both-named": (ALC_CYT, "ALC at day 21, CYT107 (n = 15): mean 1.20 (SD 0.50), median 1.1"),
    "interquartile-range-is-no-range": (
        ICU_CYT,
        "ICU stay, CYT107 (n = 15): median 12 days (interquartile range 8 to 20)",
    ),
    "several-statistics-among-them-the-rows": (
        ICU_CYT,
        "ICU stay, CYT107 (n = 15): mean 14.1 (SD 6.2); median 12 (IQR 8 to 20; range 3 to 40)",
    ),
}


@pytest.mark.parametrize("snippet", ACCEPTED_SNIPPETS, ids=list(ACCEPTED_SNIPPETS))
def test_a_snippet_whose_words_include_the_rows_statistic_passes(package, snippet):
    where, text = ACCEPTED_SNIPPETS[snippet]
    _edit(package, "outcomes_continuous", where, snippet=text)
    assert validate_package(package) == []


def test_a_row_whose_columns_miss_its_statistic_is_only_the_statistic_fields_problem(package):
    # the snippet says SD and the row says mean_se without an se: one fault, reported once
    row = _edit(package, "outcomes_continuous", ALC_CYT, statistic="mean_se")
    assert _keys(validate_package(package)) == {("statistic-fields", CONT, row, "statistic")}


def test_an_extraction_sheet_with_sem_stored_as_sd_is_refused_on_its_rows(contribution):  # noqa: F811
    # the case: "mean ± SEM ... 1.85 ± 0.19" entered as mean_sd
    package, sheet = contribution
    header, rows = read_sheet(sheet)
    snippet = "ALC (10^9/L) at day 21, mean ± SEM: CYT107 (n = 54) 1.85 ± 0.19; placebo (n = 55) 1.10 ± 0.12"
    values = {"shankarhari2025_cyt107": ("54", "1.85", "0.19"), "shankarhari2025_placebo": ("55", "1.10", "0.12")}
    alc = [i for i, r in enumerate(rows) if r["outcome"] == "alc" and r["analysis_timepoint"] == "week3"]
    assert len(alc) == 2
    for i in alc:
        n, mean, sd = values[rows[i]["arm_id"]]
        rows[i].update(
            timepoint="day21",
            timepoint_reported="day 21",
            statistic="mean_sd",
            n=n,
            mean=mean,
            sd=sd,
            unit="10^9/L",
            location="Table 2",
            snippet=snippet,
            method="table",
            note="TEST FIXTURE, not trial data",
            status="extracted",
        )
    write_sheet(sheet, header, rows)
    result = ingest_sheet(package, sheet, "sheet.csv")
    assert sorted((p.code, p.row, p.field) for p in result.problems) == [
        ("statistic-not-as-snippet", i + 2, "statistic") for i in sorted(alc)
    ]
    assert all('"SEM"' in p.message and "mean_se" in p.message for p in result.problems)


# ------------------------------------------------------------------ arm mix-ups (item 10)


def _deaths(package, snippet: str, intervention: tuple[str, str], control: tuple[str, str], note: str | None = None):
    rows = {}
    for role, (events, total) in (("intervention", intervention), ("control", control)):
        cells = dict(snippet=snippet, events=events, total=total, **({"note": note} if note is not None else {}))
        rows[role] = _edit(package, "outcomes_dichotomous", DEATHS[role], **cells)
    return rows


def test_the_intervention_arm_given_the_placebos_numbers_is_refused_naming_it(package):
    # the case: "3 of 15 ... versus 3 of 6", both rows saying 3 of 6
    rows = _deaths(
        package,
        "Three of 15 patients receiving CYT107 died by day 90 versus 3 of 6 receiving placebo",
        ("3", "6"),
        ("3", "6"),
    )
    problems = validate_package(package)
    assert _keys(problems) == {("arm-took-other-arms-number", DICH, rows["intervention"], "total")}
    [problem] = problems
    assert ARMS["intervention"] in problem.message and "total = 6" in problem.message
    assert f"which the snippet gives for {ARMS['control']}" in problem.found


def test_swapped_arms_are_both_refused(package):
    rows = _deaths(package, "Deaths by day 90: CYT107 2 of 15; placebo 1 of 6", ("1", "6"), ("2", "15"))
    problems = validate_package(package)
    assert {
        ("arm-took-other-arms-number", DICH, rows["intervention"], "events"),
        ("arm-took-other-arms-number", DICH, rows["control"], "events"),
    } <= _keys(problems)
    messages = {p.row: p.message for p in problems if p.code == "arm-took-other-arms-number"}
    assert (
        ARMS["intervention"] in messages[rows["intervention"]]
        and "events = 1, total = 6" in messages[rows["intervention"]]
    )
    assert ARMS["control"] in messages[rows["control"]] and "events = 2, total = 15" in messages[rows["control"]]


@pytest.mark.parametrize(
    "snippet",
    [
        "Deaths by day 90: CYT107 2 of 15; placebo 1 of 6",
        "Two of 15 patients receiving CYT107 died by day 90 versus 1 of 6 receiving placebo",
        "In this placebo-controlled trial of CYT107, deaths by day 90: CYT107 2 of 15; placebo 1 of 6",
        "Deaths by day 90: 2 of 15 versus 1 of 6",
    ],
    ids=["cue-before", "cue-after", "trial-named-first", "no-cue"],
)
def test_each_arm_taking_its_own_numbers_passes(package, snippet):
    _deaths(package, snippet, ("2", "15"), ("1", "6"))
    assert validate_package(package) == []


def test_equal_numbers_the_snippet_gives_once_name_both_arms_when_the_layout_is_unclear(package):
    rows = _deaths(package, "Deaths by day 90: 2 of 15 versus 1 of 6", ("1", "6"), ("1", "6"))
    problems = validate_package(package)
    assert _keys(problems) == {("arm-took-other-arms-number", DICH, rows["control"], "events")}
    assert ARMS["intervention"] in problems[0].message and ARMS["control"] in problems[0].message


@pytest.mark.parametrize(
    "snippet, note",
    [
        ("Deaths by day 90: 1 of 6 in each arm", None),
        (
            "Deaths by day 90: CYT107 2 of 15; placebo 1 of 6",
            "Same numbers in both arms per the erratum (TEST FIXTURE)",
        ),
    ],
    ids=["snippet-says-each-arm", "note-explains"],
)
def test_equal_numbers_that_the_source_or_a_note_explains_pass(package, snippet, note):
    _deaths(package, snippet, ("1", "6"), ("1", "6"), note)
    assert validate_package(package) == []


def test_a_continuous_row_with_the_other_arms_mean_is_refused(package):
    snippet = "ALC (10^9/L) at day 21: CYT107 (n = 15) 1.20 ± 0.50; placebo (n = 6) 0.80 ± 0.30"
    set_cell(package, "outcomes_continuous", ALC_CYT, "snippet", snippet)
    placebo = set_cell(package, "outcomes_continuous", dict(row_id=f"{ARMS['control']}_alc_week3"), "snippet", snippet)
    assert validate_package(package) == []  # CONTRIBUTING's worked example: one snippet, each arm its own numbers
    set_cell(package, "outcomes_continuous", dict(row_id=f"{ARMS['control']}_alc_week3"), "mean", "1.2")
    problems = validate_package(package)
    assert _keys(problems) == {("arm-took-other-arms-number", CONT, placebo, "mean")}
    assert ARMS["control"] in problems[0].message and "mean = 1.2" in problems[0].message


def _arms(intervention: dict, control: dict) -> tuple[ArmRow, ArmRow]:
    return (
        ArmRow(2, "a_cyt107", "intervention", "CYT107 group", intervention),
        ArmRow(3, "a_placebo", "control", "placebo", control),
    )


@pytest.mark.parametrize(
    "snippet",
    [
        "CYT107 and placebo: 2 of 15 and 1 of 6",  # both cues before all the numbers
        "CYT107 2 of 15, placebo 1 of 6, CYT107 again 3",  # a cue twice, numbers between
        "Deaths by day 90: 2 of 15 vs 1 of 6",  # no cue at all
    ],
)
def test_no_layout_is_read_from_a_snippet_whose_cues_do_not_separate_the_numbers(snippet):
    assert owners(snippet, _arms(dict(events=2.0, total=15.0), dict(events=1.0, total=6.0))) is None


def test_the_layout_gives_each_number_to_its_arm():
    held = owners(
        "Deaths by day 90 (rhIL-7 vs control): rhIL-7 2 of 15; control 1 of 6 at day 90",
        _arms(dict(events=2.0, total=15.0), dict(events=1.0, total=6.0)),
    )
    # "(rhIL-7 vs control)" names both arms before any number: no clear layout
    assert held is None
    layout = owners(
        "Deaths by day 90: rhIL-7 2 of 15; control 1 of 6",
        _arms(dict(events=2.0, total=15.0), dict(events=1.0, total=6.0)),
    )
    assert layout.held == {2.0: {"a_cyt107"}, 15.0: {"a_cyt107"}, 1.0: {"a_placebo"}, 6.0: {"a_placebo"}}
    assert layout.parallel


def test_a_row_with_a_number_of_its_own_passes_when_the_groups_are_not_parallel(package):
    # "(15 patients)" alone in CYT107's group: the deaths that follow are in the placebo's group, for both arms
    _deaths(
        package,
        "CYT107 (15 patients) versus placebo (6 patients): deaths by day 90, 2 versus 1",
        ("2", "15"),
        ("1", "6"),
    )
    assert validate_package(package) == []


def test_an_extraction_sheet_with_an_arm_mix_up_is_refused_on_its_row(contribution):  # noqa: F811
    package, sheet = contribution
    header, rows = read_sheet(sheet)
    cyt = next(i for i, r in enumerate(rows) if r["arm_id"] == "shankarhari2025_cyt107" and r["outcome"] == "mortality")
    rows[cyt].update(events="12", total="55")  # the placebo's "12 of 55"
    write_sheet(sheet, header, rows)
    result = ingest_sheet(package, sheet, "sheet.csv")
    found = [p for p in result.problems if p.code == "arm-took-other-arms-number"]
    assert [(p.file, p.row) for p in found] == [("sheet.csv", cyt + 2)]
    assert "shankarhari2025_cyt107" in found[0].message and "shankarhari2025_placebo" in found[0].message


# ------------------------------------------------------------------ a European spreadsheet's separator (item 11)


def _save_as_european(path, delimiter: str) -> None:
    """``path`` rewritten as a spreadsheet set to a comma-decimal language saves CSV: BOM, CR LF, ``delimiter``."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=delimiter, lineterminator="\r\n").writerows(rows)


@pytest.mark.parametrize("delimiter, name", [(";", "';' (semicolon)"), ("\t", "tab")], ids=["semicolon", "tab"])
def test_a_table_saved_with_another_separator_says_which_and_how_to_save(package, delimiter, name):
    _save_as_european(table_path(package, "arms"), delimiter)
    problems = validate_package(package)
    assert _keys(problems) == {("separator-not-comma", "tables/arms.csv", 1, None)}
    message = problems[0].message
    assert f"The separator of this file is {name}" in message
    assert 'Field delimiter ","' in message and '"CSV UTF-8 (Comma delimited)"' in message


def test_an_extraction_sheet_saved_with_semicolons_says_so(contribution):  # noqa: F811
    package, sheet = contribution
    _save_as_european(sheet, ";")
    result = ingest_sheet(package, sheet, "sheet.csv")
    assert [(p.code, p.file, p.row) for p in result.problems] == [("separator-not-comma", "sheet.csv", 1)]
    assert "The separator of the sheet is ';'" in result.problems[0].message


def test_a_study_sheet_saved_with_semicolons_says_so(package, tmp_path):
    sheet = tmp_path / "fixture2026.csv"
    header = ["record", "key", "field", "value", "source_id", "location", "snippet", "method", "note"]
    write_sheet(sheet, header, [dict(record="study", key="fixture2026", field="year", value="2026")])
    _save_as_european(sheet, ";")
    result = ingest_sheet(package, sheet, "study.csv")
    assert [(p.code, p.file, p.row) for p in result.problems] == [("separator-not-comma", "study.csv", 1)]
    assert "The separator of the study sheet is ';'" in result.problems[0].message


def test_a_header_that_only_differs_is_still_a_header_mismatch(contribution):  # noqa: F811
    package, sheet = contribution
    header, rows = read_sheet(sheet)
    renamed = [*header[:-1], "state"]
    write_sheet(sheet, renamed, [dict(zip(renamed, r.values(), strict=True)) for r in rows])
    result = ingest_sheet(package, sheet, "sheet.csv")
    assert [p.code for p in result.problems] == ["header-mismatch"]


def test_separator_found_needs_the_expected_names():
    names = ["a", "b", "c", "d"]
    assert separator_found(["a;b;c;d"], names) == ";"
    assert separator_found(["a\tb\tc;d"], names) == "\t"
    assert separator_found(["a;x;y;z"], names) is None  # one name is not a header
    assert separator_found(["a", "b", "c", "d"], names) is None  # comma-separated already
    assert separator_found(["a;b", "c", "d"], names) is None  # as wide as expected: a label problem, not this


@pytest.mark.cli
def test_the_cli_names_the_separator_of_a_table_and_of_a_sheet(contribution):  # noqa: F811
    package, sheet = contribution
    _save_as_european(sheet, ";")
    out = run_cli("ingest", str(sheet), "--package", str(package))
    assert out.returncode == 1 and "[separator-not-comma]" in out.stdout and "';' (semicolon)" in out.stdout
    _save_as_european(table_path(package, "sources"), ";")
    out = run_cli("validate", str(package))
    assert out.returncode == 1 and "tables/sources.csv" in out.stdout and "[separator-not-comma]" in out.stdout
    assert "Traceback" not in out.stderr


# ------------------------------------------------------------------ the valid contribution stays valid


@pytest.mark.data
def test_the_real_package_and_the_fixture_package_are_valid(package):
    assert validate_package(package) == []
    assert validate_package(ROOT) == []


def test_the_fixture_rows_are_what_these_tests_edit(package):
    # the guards are tested on the fixture's own rows: a change to them must show here first
    _, rows = read_rows(package, "outcomes_continuous")
    statistics = {r["row_id"]: r["statistic"] for r in rows}
    assert statistics.items() >= {ALC_CYT["row_id"]: "mean_sd", ICU_CYT["row_id"]: "median_iqr"}.items()
    assert row_number(package, "outcomes_dichotomous", **DEATHS["control"]) > 1


WORD_EXAMPLES = {
    "mean": ["mean", "Mean", "MEANS"],
    "median": ["median", "Median", "MEDIAN"],
    "SD": ["SD", "S.D.", "standard deviation", "Standard Deviations"],
    "SE": ["SE", "SEM", "S.E.M.", "standard error", "Standard Error"],
    "IQR": ["IQR", "interquartile range", "Inter-quartile", "quartiles"],
    "range": ["range 3 to 40", "Range: 3-40", "min-max", "Minimum to maximum", "MIN–MAX"],
    "CI": ["CI", "95% CI", "confidence interval", "Confidence Intervals"],
}


@pytest.mark.parametrize("word", STATISTIC_WORDS, ids=[w.label for w in STATISTIC_WORDS])
def test_every_written_form_of_a_statistic_word_is_found_and_holds_a_hint(word):
    # the hints are the pre-filter: a form that matched but held no hint would never be read
    con = duckdb.connect()
    for text in WORD_EXAMPLES[word.label]:
        assert con.execute("SELECT regexp_matches(?, ?)", [text, word.pattern]).fetchone()[0], text
        assert any(h in text for h in word.hints), text


def test_every_statistic_of_the_vocabulary_has_its_words():
    assert set(STATISTIC_SAYS) == set(STATISTIC_COLUMNS)
    labels = {w.label for w in STATISTIC_WORDS}
    assert all({centre, *spreads} <= labels for centre, spreads in STATISTIC_SAYS.values())
