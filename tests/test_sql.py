"""The DuckDB build, its public views, the example queries and the query command.

Known answers come from the 0.1.0 snapshot (tests/fixtures) and the reference package; the live package is
only required to build and to answer every view and example query.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rhil7.analysis import effect_sizes, pooling
from rhil7.build import BuildRefused, build_database
from rhil7.core.database import DEPRECATED_VIEWS, VIEW_ORDER
from rhil7.loading import read_tables
from rhil7.query import run_query

from conftest import copy_package

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "queries" / "examples").glob("*.sql"))


@pytest.fixture(scope="module")
def real_db(tmp_path_factory):
    """The live package's database: invariants only, whatever data it holds."""
    return build_database(ROOT, tmp_path_factory.mktemp("build")).database


@pytest.fixture(scope="module")
def snapshot_db(tmp_path_factory):
    """The 0.1.0 snapshot's database: known rows, known answers."""
    package = copy_package(tmp_path_factory.mktemp("snapshot") / "package")
    return build_database(package, tmp_path_factory.mktemp("snapshot_build")).database


@pytest.fixture(scope="module")
def reference_db(reference_package, tmp_path_factory):
    return build_database(reference_package, tmp_path_factory.mktemp("refbuild")).database


def q(db, sql):
    """Through `rhil7 query`'s own path: read statements only, read-only, no file or network access.

    The example files come with pull requests, so CI runs them with no more power than a user's query has.
    """
    return run_query(db, sql)[1]


def test_every_view_exists_and_runs(real_db):
    for view in VIEW_ORDER:
        q(real_db, f"SELECT * FROM {view}")
    assert {
        r[0] for r in q(real_db, "SELECT table_name FROM information_schema.tables WHERE table_type = 'VIEW'")
    } == set(VIEW_ORDER)


def test_snapshot_views_hold_known_values(snapshot_db):
    assert q(snapshot_db, "SELECT study_id, condition, n_randomized FROM studies ORDER BY study_id") == [
        ("daix2023", "sepsis", 21),
        ("francois2018", "sepsis", 27),
        ("shankarhari2025", "covid19", 109),
    ]
    assert q(
        snapshot_db, "SELECT arm_id, condition, n_randomized FROM arms WHERE study_id = 'daix2023' ORDER BY 1"
    ) == [("daix2023_cyt107", "sepsis", 15), ("daix2023_placebo", "sepsis", 6)]
    assert q(
        snapshot_db, "SELECT estimate, ci_low, ci_high FROM published WHERE target_id = 'covid19_secondary_infection'"
    ) == [(0.58, 0.46, 0.74)]
    assert q(snapshot_db, "SELECT count(*) FROM published") == [(16,)]
    assert q(snapshot_db, "SELECT status, count(*) FROM coverage GROUP BY 1") == [("not_reachable", 26)]
    # v0.1.0 holds no arm-level outcome data: no effect size, and pooled says every trial is missing
    assert q(snapshot_db, "SELECT count(*) FROM effect_sizes") == [(0,)]
    assert q(snapshot_db, "SELECT count(*), max(k), bool_or(complete), count(estimate) FROM pooled") == [
        (108, 0, False, 0)
    ]
    assert q(
        snapshot_db,
        "SELECT k_expected, k_missing, missing_studies FROM pooled WHERE outcome = 'cd4' "
        "AND subgroup = 'sepsis' AND model = 'DL'",
    ) == [(2, 2, "daix2023 (not_reachable); francois2018 (not_reachable)")]


def test_examples_run_on_the_real_database(real_db):
    assert len(EXAMPLES) >= 8
    for path in EXAMPLES:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("--"), f"{path.name} must open with a comment saying what it answers"
        q(real_db, text)


def test_example_answers_on_the_snapshot(snapshot_db):
    rows = q(snapshot_db, (ROOT / "queries/examples/cd4_at_week3_availability.sql").read_text())
    assert [(r[0], r[2]) for r in rows] == [("daix2023", "not_reachable"), ("francois2018", "not_reachable")]
    gaps = q(snapshot_db, (ROOT / "queries/examples/coverage_gaps_by_trial.sql").read_text())
    assert [(r[0], r[2], r[4]) for r in gaps] == [("daix2023", 0, 9), ("francois2018", 0, 9), ("shankarhari2025", 0, 8)]


def test_examples_return_known_values_on_reference_data(reference_db):
    rows = q(reference_db, (ROOT / "queries/examples/secondary_infection_pooled.sql").read_text())
    by = {(r[0], r[1]): r for r in rows}
    assert by[("all", "DL")][2:6] == (13, 0.49, 0.34, 0.70)  # metafor: 0.4896 [0.3449, 0.6950]
    assert by[("all", "FE")][2:6] == (13, 0.65, 0.60, 0.70)  # metafor: 0.6503 [0.6007, 0.7040]
    es = q(reference_db, (ROOT / "queries/examples/effect_sizes_by_subgroup.sql").read_text())
    assert len(es) == 9 + 13


def test_effect_sizes_view_matches_escalc(reference_db):
    rows = q(
        reference_db, "SELECT study_id, yi, vi FROM effect_sizes WHERE study_id IN ('bcg_1', 'normand_4') ORDER BY 1"
    )
    assert [(r[0], round(r[1], 4), round(r[2], 4)) for r in rows] == [
        ("bcg_1", -0.8893, 0.3256),
        ("normand_4", -71.0, 150.2222),
    ]


def test_sql_pooled_equals_python_to_1e9(reference_db, reference_package):
    tables = read_tables(reference_package)
    es_rows = q(reference_db, "SELECT outcome, timepoint, subgroup, yi, vi FROM effect_sizes")
    pooled = q(
        reference_db,
        "SELECT outcome, timepoint, subgroup, model, estimate, ci_low, ci_high, tau2, q, i2, k, measure FROM pooled "
        "WHERE model IN ('FE', 'DL')",
    )  # MH rows: tests/test_sql_reference.py
    assert len(pooled) == 12
    for outcome, timepoint, subgroup, model, est, low, high, tau2, qq, i2, k, measure in pooled:
        sel = [
            (y, v)
            for o, t, s, y, v in es_rows
            if o == outcome and t == timepoint and (subgroup == "all" or s == subgroup)
        ]
        yi, vi = np.array([s[0] for s in sel]), np.array([s[1] for s in sel])
        fit = pooling.fixed_effect(yi, vi) if model == "FE" else pooling.random_effects(yi, vi, "DL")
        tr = np.exp if measure == "RR" else (lambda x: x)
        assert k == fit.k
        for ours, theirs in (
            (est, tr(fit.estimate)),
            (low, tr(fit.ci_low)),
            (high, tr(fit.ci_high)),
            (tau2, fit.tau2),
            (qq, fit.q),
            (i2, fit.i2),
        ):
            assert abs(ours - theirs) <= 1e-9 * max(1.0, abs(theirs)), (outcome, subgroup, model)
    assert tables["studies"].shape[0] == 22


def test_zero_cells_in_sql_match_python(reference_package):
    """A study with a zero cell gets +0.5 in SQL exactly as in the Python effect sizes; double zeros drop out."""
    from rhil7.core.database import connect_in_memory
    from rhil7.loading import read_descriptor

    tables = read_tables(reference_package)
    dich = tables["outcomes_dichotomous"]
    dich.loc[dich["row_id"] == "bcg_1_intervention_tb", "events"] = 0  # one zero cell
    dich.loc[dich["row_id"].isin(["bcg_2_intervention_tb", "bcg_2_control_tb"]), "events"] = 0  # double zero
    con = connect_in_memory(tables, read_descriptor(reference_package))
    rows = dict(con.execute("SELECT study_id, yi FROM effect_sizes WHERE measure = 'RR'").fetchall())
    flags = dict(con.execute("SELECT study_id, continuity_corrected FROM effect_sizes WHERE measure = 'RR'").fetchall())
    python = effect_sizes.log_risk_ratio([0, 0], [123, 306], [11, 0], [139, 303])
    assert "bcg_2" not in rows and not python.included[1]
    assert rows["bcg_1"] == pytest.approx(python.yi[0], abs=1e-12) and flags["bcg_1"] is True
    assert flags["bcg_3"] is False and len(rows) == 12


def test_build_refuses_an_invalid_package(package_copy, tmp_path, monkeypatch):
    csv = package_copy / "tables" / "arms.csv"
    csv.write_text(
        csv.read_text(encoding="utf-8").replace(
            "daix2023_cyt107,daix2023,intervention", "daix2023_cyt107,daix2023,treatment"
        ),
        encoding="utf-8",
    )
    with pytest.raises(BuildRefused, match="invalid"):
        build_database(package_copy, tmp_path / "out")
    assert not (tmp_path / "out" / "rhil7.duckdb").exists()


def test_interrupted_build_leaves_previous_database(package_copy, tmp_path, monkeypatch):
    first = build_database(package_copy, tmp_path / "out").database
    before = first.read_bytes()
    import rhil7.core.database as database

    def explode(con, *args):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(database, "create_views", explode)
    with pytest.raises(RuntimeError):
        build_database(package_copy, tmp_path / "out")
    assert first.read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".rhil7.lock", "parquet", "rhil7.duckdb"]


def test_query_cli_formats_and_errors(cli, snapshot_db):
    db = str(snapshot_db)
    table = cli("query", "--database", db, "SELECT study_id, n_randomized FROM studies ORDER BY 1")
    assert table.returncode == 0 and "daix2023" in table.stdout and "(3 rows)" in table.stdout
    as_csv = cli("query", "--database", db, "--format", "csv", "SELECT study_id, n_randomized FROM studies ORDER BY 1")
    assert as_csv.stdout.splitlines() == [
        "study_id,n_randomized",
        "daix2023,21",
        "francois2018,27",
        "shankarhari2025,109",
    ]
    as_json = cli(
        "query",
        "--database",
        db,
        "--format",
        "json",
        "SELECT target_id, estimate FROM published WHERE target_id = 'all_alc_week4'",
    )
    assert json.loads(as_json.stdout) == [{"target_id": "all_alc_week4", "estimate": 0.8}]
    bad = cli("query", "--database", db, "SELECT nope FROM studies")
    assert bad.returncode == 1 and "nope" in bad.stderr and "Traceback" not in bad.stderr
    for write in (
        "DELETE FROM raw.studies",
        "CREATE TABLE x (a INT)",
        "COPY studies TO '/tmp/leak.csv'",
        "ATTACH ':memory:' AS other",
        "INSTALL httpfs",
    ):
        refused = cli("query", "--database", db, write)
        assert refused.returncode == 1 and "refused" in refused.stderr, write
    assert q(snapshot_db, "SELECT count(*) FROM raw.studies") == [(3,)]


def test_query_cli_reads_a_file_and_reports_missing_database(cli, snapshot_db, tmp_path):
    sql = tmp_path / "q.sql"
    sql.write_text("SELECT count(*) AS n FROM coverage", encoding="utf-8")
    ok = cli("query", "--database", str(snapshot_db), "--file", str(sql), "--format", "csv")
    assert ok.stdout == "n\n26\n"
    missing = cli("query", "--database", str(tmp_path / "none.duckdb"), "SELECT 1")
    assert missing.returncode == 1 and "rhil7 build" in missing.stderr
    usage = cli("query")
    assert usage.returncode == 2


def test_database_opens_in_the_plain_duckdb_cli(snapshot_db):
    """The DuckDB command-line shell (PyPI duckdb-cli, pinned in the test extra) opens the file and runs the views."""
    shell = Path(sys.executable).with_name("duckdb")
    assert shell.exists(), "the duckdb CLI is installed by the test extra"
    out = subprocess.run(
        [
            str(shell),
            "-readonly",
            "-csv",
            str(snapshot_db),
            "-c",
            "SELECT count(*) AS n FROM coverage; SELECT study_id, n_randomized FROM studies ORDER BY 1",
        ],
        capture_output=True,
        text=True,
        cwd="/",
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "n",
        "26",
        "study_id,n_randomized",
        "daix2023,21",
        "francois2018,27",
        "shankarhari2025,109",
    ]


def test_readme_view_examples_run(real_db, snapshot_db):
    """The one-example-per-view table (README.md, or docs/sql.md where the README links to it) runs."""
    readme = "\n".join(
        path.read_text(encoding="utf-8") for path in (ROOT / "README.md", ROOT / "docs" / "sql.md") if path.is_file()
    )
    examples = {}
    for line in readme.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 4 and parts[1].startswith("`") and parts[2].startswith("`SELECT"):
            examples[parts[1].strip("`")] = parts[2].strip("`")
    assert set(examples) - set(DEPRECATED_VIEWS) == set(VIEW_ORDER) - set(DEPRECATED_VIEWS)
    for view, sql in examples.items():
        assert view in sql
        q(real_db, sql)
        q(snapshot_db, sql)
    assert q(snapshot_db, examples["arms"]) == [
        ("daix2023_cyt107", "intervention", 15),
        ("daix2023_placebo", "control", 6),
    ]


@pytest.mark.data
def test_real_database_mirrors_the_live_tables(real_db):
    """Whatever the data: every table's rows reach the database, and the derived views hold only what the
    outcome rows support (an effect size per study, outcome and time point with rows for both arms)."""
    tables = read_tables(ROOT)
    for view in ("studies", "arms", "sources", "coverage", "outcomes_continuous", "outcomes_dichotomous", "published"):
        table = "published_results" if view == "published" else view
        assert q(real_db, f"SELECT count(*) FROM {view}") == [(len(tables[table]),)], view
    with_rows = set()
    for table in ("outcomes_continuous", "outcomes_dichotomous"):
        frame = tables[table].dropna(subset=["analysis_timepoint"])
        with_rows |= set(zip(frame["study_id"], frame["outcome"], frame["analysis_timepoint"]))
    for study, outcome, timepoint in q(real_db, "SELECT study_id, outcome, timepoint FROM effect_sizes"):
        assert (study, outcome, timepoint) in with_rows


def test_every_view_and_column_says_what_it_holds(reference_package):
    """COMMENT ON every view, view column, table and table column, from the view files' headers and the Table
    Schemas (the data dictionary's source): duckdb_views() and duckdb_columns() show the meanings. A view's
    header lists exactly the columns it returns, in order (or says it is a table's every column)."""
    from rhil7.core.database import connect_in_memory, view_doc, view_sql
    from rhil7.loading import read_descriptor

    descriptor = read_descriptor(reference_package)
    con = connect_in_memory(read_tables(reference_package), descriptor)
    views = dict(con.execute("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal").fetchall())
    assert set(views) == set(VIEW_ORDER) and all(views.values())
    for view in VIEW_ORDER:
        columns = con.execute(
            "SELECT column_name, comment FROM duckdb_columns() WHERE schema_name = 'main' "
            "AND table_name = ? ORDER BY column_index",
            [view],
        ).fetchall()
        assert columns and all(comment for _, comment in columns), (view, [c for c, text in columns if not text])
        doc = view_doc(view, view_sql(view))
        fields = {r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in descriptor["resources"]}
        assert [c for c, _ in columns] == (fields[doc.table] if doc.table else list(doc.columns)), view
    described = {
        (r["name"], f["name"]): f["description"] for r in descriptor["resources"] for f in r["schema"]["fields"]
    }
    raw = con.execute(
        "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'raw'"
    ).fetchall()
    assert {(t, c): text for t, c, text in raw} == described
    pooled = dict(
        con.execute("SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'pooled'").fetchall()
    )
    assert pooled["k_missing"].startswith("trials whose data are not in the package")
    arms = dict(
        con.execute(
            "SELECT column_name, comment FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = 'arms'"
        ).fetchall()
    )
    assert arms["n_randomized"] == described[("arms", "n_randomized")]  # a table's column: its Table Schema words


def test_provenance_lists_every_snippet_behind_a_trial(reference_package):
    """One row per value with its snippet, whichever table holds it: one WHERE finds everything behind a trial."""
    from rhil7.core.database import connect_in_memory
    from rhil7.loading import read_descriptor

    tables = read_tables(reference_package)
    tables["study_provenance"] = pd.DataFrame(
        [
            dict(
                study_id="bcg_1",
                field="year",
                source_id="metadat_colditz1994",
                location="Examples",
                snippet="Aronson 1948",
                method="text",
                note=None,
            )
        ]
    )
    con = connect_in_memory(tables, read_descriptor(reference_package))
    rows = con.execute(
        "SELECT table_name, row_key, arm_id, field, value, snippet FROM provenance "
        "WHERE study_id = 'bcg_1' ORDER BY table_name, row_key, field"
    ).fetchall()
    arm = tables["arms"].set_index("arm_id").loc["bcg_1_intervention"]
    tb = tables["outcomes_dichotomous"].set_index("row_id").loc["bcg_1_intervention_tb"]
    assert ("studies", "bcg_1", None, "year", "1994", "Aronson 1948") in rows
    assert (
        "arms",
        "bcg_1_intervention",
        "bcg_1_intervention",
        "n_randomized",
        str(arm["n_randomized"]),
        arm["snippet"],
    ) in rows
    assert (
        "outcomes_dichotomous",
        "bcg_1_intervention_tb",
        "bcg_1_intervention",
        "events",
        str(tb["events"]),
        tb["snippet"],
    ) in rows
    assert len(rows) == 1 + 2 + 4  # one study field; n_randomized of two arms; events and total of two rows
    continuous = con.execute(
        "SELECT DISTINCT field FROM provenance WHERE table_name = 'outcomes_continuous'"
    ).fetchall()
    assert sorted(f for (f,) in continuous) == ["mean", "n", "sd"]  # mean_sd rows: no empty value is listed


def test_published_results_is_the_view_and_published_its_deprecated_alias(reference_db):
    assert q(reference_db, "SELECT * FROM published_results ORDER BY target_id") == q(
        reference_db, "SELECT * FROM published ORDER BY target_id"
    )
    comment = q(reference_db, "SELECT comment FROM duckdb_views() WHERE view_name = 'published'")[0][0]
    assert "DEPRECATED" in comment and "published_results" in comment


def test_the_release_sql_text_gives_the_same_views_and_comments(reference_package):
    """views_sql (what a release's create_database.sql holds after its tables: plain SQL, no Python function, so
    DuckDB-WASM runs it too) gives the macros, views and comments that rhil7 build gives."""
    from rhil7.core.database import connect_in_memory, create_tables, safe_connect, views_sql
    from rhil7.loading import read_descriptor

    descriptor, tables = read_descriptor(reference_package), read_tables(reference_package)
    built = connect_in_memory(tables, descriptor)
    plain = safe_connect()
    create_tables(plain, descriptor, tables)
    plain.execute(views_sql(descriptor))
    for sql in (
        "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() WHERE NOT internal",
        "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal",
        "SELECT table_name, comment FROM duckdb_tables()",
        "SELECT outcome, subgroup, model, k, k_missing, complete FROM pooled",
    ):  # values: last bits may differ
        assert sorted(map(str, plain.execute(sql).fetchall())) == sorted(map(str, built.execute(sql).fetchall())), sql
