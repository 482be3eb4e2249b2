"""`rhil7 reproduce` and the SQL view `pooled` agree: on k, k_excluded, coverage (complete, k_missing), estimate,
CI, tau2, I2, Q and the prediction interval of every model both compute, for every target, on three SYNTHETIC
fixture packages (tests/sparse_fixture.py; numbers made up for the tests, never in tables/):

- ``sparse``: a single study, a double-zero study, a zero cell, an arm reported two ways, median-reported arms (one
  convertible, one with n < 5); coverage complete (one trial not_reported);
- ``incomplete``: the same with two trials' data not in the package (coverage not_reachable, their rows removed):
  rhil7 reproduce says not_computable, and the SQL rows say complete = false with the same k and k_missing;
- ``inestimable``: a subgroup whose only trial had no deaths in either arm (k = 0, k_excluded = 1).

The plan is read from the package being analysed; plan rows the engine cannot honour are refused.
"""

from __future__ import annotations

import csv
import json
import math

import duckdb
import numpy as np
import pytest
from scipy import stats

from rhil7.analysis.reproduction import judge
from rhil7.core.vocabulary import MODEL_CODES
from rhil7.reproduce import reproduce
from sparse_fixture import build_sparse_package, default_plan, write_plan
from test_sql_reference import pooled_over

COMPARED = ["estimate", "ci_low", "ci_high", "tau2", "i2", "pi_low", "pi_high"]
SQL_MODELS = {"MD": ("FE", "DL", "REML"), "RR": ("FE", "DL", "REML", "MH", "MH-DL")}


def _rewrite(path, change) -> None:
    """``change(rows) -> rows`` applied to one CSV table of a fixture package, header kept."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(change(rows))


def _sparse(target):
    return build_sparse_package(target)


def _not_reachable(package, study, outcome, table):
    """``study``'s ``outcome`` data taken out of the package, its coverage row saying not_reachable."""
    _rewrite(
        package / "tables" / table, lambda rows: [r for r in rows if (r["study_id"], r["outcome"]) != (study, outcome)]
    )
    _rewrite(
        package / "tables" / "coverage.csv",
        lambda rows: [
            {
                **r,
                "status": "not_reachable",
                "detail": "synthetic: the full text could not be reached",
                "wanted_source": "synthetic full text",
            }
            if (r["study_id"], r["outcome"]) == (study, outcome)
            else r
            for r in rows
        ],
    )


def _incomplete(target):
    package = _sparse(target)
    _not_reachable(package, "syn_c", "alc", "outcomes_continuous.csv")
    _not_reachable(package, "syn_d", "mortality", "outcomes_dichotomous.csv")
    return package


def _inestimable(target):
    package = _sparse(target)
    _rewrite(
        package / "tables" / "outcomes_dichotomous.csv",
        lambda rows: [
            {**r, "events": "0", "snippet": f"synthetic {r['arm_id']}: 0 of {r['total']}"}
            if r["study_id"] == "syn_d"
            else r
            for r in rows
        ],
    )
    return package


FIXTURES = {"sparse": _sparse, "incomplete": _incomplete, "inestimable": _inestimable}


@pytest.fixture(scope="module")
def sparse(tmp_path_factory):
    return _sparse(tmp_path_factory.mktemp("sparse") / "package")


@pytest.fixture(scope="module", params=sorted(FIXTURES))
def reproduced(request, tmp_path_factory):
    """(name, rows, comparisons, pooled rows) of `rhil7 reproduce` run in process on a fixture package."""
    package = FIXTURES[request.param](tmp_path_factory.mktemp(request.param) / "package")
    outcome = reproduce(package, plots=False)
    return request.param, outcome.rows, outcome.comparisons, _pooled(package)


def _reproduce(cli, package, *options):
    done = cli("reproduce", str(package), "--format", "json", "--no-plots", *options, cwd=package)
    assert done.returncode == 0, done.stderr
    return {r["target_id"]: r for r in json.loads(done.stdout)}


def _pooled(package):
    con = duckdb.connect(str(package / "build" / "rhil7.duckdb"), read_only=True)
    cursor = con.execute("SELECT * FROM pooled")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _same(a, b) -> bool:
    if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
        return a is None and (b is None or math.isnan(b))
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def test_sql_and_reproduce_agree_on_every_target_and_its_coverage(reproduced):
    name, rows, comparisons, pooled = reproduced
    assert rows and set(SQL_MODELS["RR"]) <= set(MODEL_CODES)
    for row, comparison in zip(rows, comparisons):
        key = (row["outcome"], row["timepoint"], row["subgroup"])
        sql = {p["model"]: p for p in pooled if (p["outcome"], p["timepoint"], p["subgroup"]) == key}
        assert set(sql) == set(SQL_MODELS[row["measure"]]), (name, key)
        for model, p in sql.items():
            where = (name, row["target_id"], model)
            assert (p["k"], p["k_excluded"], p["k_missing"], p["k_not_reported"]) == (
                len(comparison.inputs),
                len(comparison.excluded),
                len(comparison.missing),
                len(comparison.not_reported),
            ), where
            assert p["complete"] is (not comparison.missing), where
            assert p["k_expected"] == p["k"] + p["k_excluded"] + p["k_missing"], where
            named = [m.split(" (")[0] for m in (p["missing_studies"] or "").split("; ") if m]
            assert named == sorted(m.split()[0] for m in comparison.missing), where  # the same trials
            fitted = comparison.fits.get(model)
            if not comparison.inputs:
                assert p["estimate"] is None and fitted is None, where
                continue
            for ours, theirs in (("yi_pooled", "estimate"), ("se", "se"), ("tau2", "tau2"), ("q", "q"), ("i2", "i2")):
                assert _same(p[ours], getattr(fitted, theirs)), (*where, ours)
            scale = math.log if row["measure"] == "RR" else (lambda v: v)
            for bound in ("ci_low", "ci_high", "pi_low", "pi_high"):
                assert _same(None if p[bound] is None else scale(p[bound]), getattr(fitted, bound)), (*where, bound)
        primary = sql.get(row["model"])
        if primary is not None:  # Hartung-Knapp is rhil7 reproduce's alone
            judged = row["status"] != "not_computable"
            assert judged is (primary["complete"] and primary["k"] > 0), (name, row["target_id"])
            if judged:
                for key in COMPARED:
                    assert _same(primary[key], row[key]), (name, row["target_id"], key)


def test_incomplete_coverage_is_visible_in_sql(reproduced):
    """What rhil7 reproduce reports as missing, the SQL row says, by trial and reason."""
    name, rows, _, pooled = reproduced
    by = {(p["outcome"], p["subgroup"], p["model"]): p for p in pooled}
    status = {r["target_id"]: r["status"] for r in rows}
    if name == "incomplete":
        assert by[("alc", "sepsis", "DL")]["missing_studies"] == "syn_c (not_reachable)"
        assert (by[("alc", "sepsis", "DL")]["k"], by[("alc", "all", "DL")]["k_missing"]) == (2, 1)
        covid = by[("mortality", "covid19", "MH")]
        assert (covid["k"], covid["k_missing"], covid["k_not_reported"], covid["complete"]) == (0, 1, 1, False)
        assert status["sepsis_alc_week3"] == status["all_mortality"] == "not_computable"
    elif name == "inestimable":
        covid = by[("mortality", "covid19", "DL")]
        assert (covid["k"], covid["k_excluded"], covid["complete"], covid["estimate"]) == (0, 1, True, None)
        assert status["covid19_mortality"] == "not_computable" and by[("mortality", "all", "DL")]["k_excluded"] == 2
    else:
        assert all(p["complete"] for p in pooled)
        assert by[("mortality", "covid19", "FE")]["k_not_reported"] == 1


@pytest.mark.slow
@pytest.mark.cli
@pytest.mark.parametrize("model", [None, "MH-DL", "MH"])
def test_reproduce_json_and_sql_pooled_agree(cli, sparse, model):
    rows = _reproduce(cli, sparse, *(["--model", model] if model else []))
    pooled = _pooled(sparse)
    computed = {k: r for k, r in rows.items() if r["status"] != "not_computable"}
    assert len(computed) == 6
    for target_id, row in computed.items():
        match = [
            p
            for p in pooled
            if (p["outcome"], p["timepoint"], p["subgroup"], p["model"])
            == (row["outcome"], row["timepoint"], row["subgroup"], row["model"])
        ]
        assert len(match) == 1, target_id
        sql = match[0]
        assert sql["k"] == row["k"] and sql["k_excluded"] == len(row["excluded"]), target_id
        for key in COMPARED:
            assert _same(sql[key], row[key]), (target_id, key, sql[key], row[key])
    keys = {(r["outcome"], r["timepoint"], r["subgroup"]) for r in computed.values()}
    assert {(p["outcome"], p["timepoint"], p["subgroup"]) for p in pooled} == keys


def _random_datasets(n: int, seed: int = 25) -> dict[str, tuple[list[float], list[float]]]:
    """``n`` random (yi, vi) sets: 2 to 12 studies, true tau2 0 to 5 (about half end at the boundary), variances
    spread tenfold, on three scales (log ratios, 1/100 of them, days) and away from 0 (mean 3 x scale)."""
    rng = np.random.default_rng(seed)
    out = {}
    for j in range(n):
        k, scale = int(rng.integers(2, 13)), (1.0, 0.01, 100.0)[j % 3]
        vi = rng.uniform(0.02, 2.0, k) * scale**2 * rng.choice([1, 10], k)
        tau = math.sqrt((0, 0.05, 0.5, 5)[j % 4]) * scale
        yi = 3 * scale + rng.normal(0, tau, k) + rng.normal(0, np.sqrt(vi))
        out[f"random_{j}"] = (yi.tolist(), vi.tolist())
    return out


def test_sql_reml_equals_the_engine_s_on_random_datasets():
    """The view's REML (a grid, then bisection of the score, against the boundary) equals rhil7 reproduce's
    (Fisher scoring from two starts, against the boundary, polished by Brent) to 1e-8 relative on 200 random sets
    (measured: 1.5e-10 at worst, on a tau2 of 1.6e-7), the boundary decided alike."""
    from rhil7.analysis.pooling import random_effects

    datasets = _random_datasets(200)
    sql = pooled_over(datasets)
    at_boundary = 0
    for name, (yi, vi) in datasets.items():
        fit, row = random_effects(yi, vi, "REML"), sql[name]
        assert (row["tau2"] == 0) is (fit.tau2 == 0), name
        at_boundary += fit.tau2 == 0
        scale = max(vi)
        for ours, theirs in (
            ("tau2", "tau2"),
            ("yi_pooled", "estimate"),
            ("se", "se"),
            ("ci_low", "ci_low"),
            ("ci_high", "ci_high"),
            ("i2", "i2"),
            ("q", "q"),
            ("pi_low", "pi_low"),
            ("pi_high", "pi_high"),
        ):
            expected = getattr(fit, theirs)
            if expected is None:
                assert row[ours] is None, (name, ours)
                continue
            assert row[ours] == pytest.approx(expected, rel=1e-8, abs=1e-14 * scale), (name, ours)
        assert row["k"] == fit.k
    assert 30 < at_boundary < 170  # both sides of the boundary are tested


@pytest.mark.cli
def test_sparse_cases_are_pooled_as_documented(cli, sparse):
    rows = _reproduce(cli, sparse)
    single = rows["covid19_mortality"]
    assert single["k"] == 1 and single["tau2"] == 0 and single["i2"] == 0 and single["pi_low"] is None
    # the single study's own 95% CI: log RR +/- 1.96 sqrt(1/5 - 1/40 + 1/9 - 1/41)
    log_rr, se = math.log((5 / 40) / (9 / 41)), math.sqrt(1 / 5 - 1 / 40 + 1 / 9 - 1 / 41)
    assert single["ci_low"] == pytest.approx(math.exp(log_rr - stats.norm.ppf(0.975) * se), rel=1e-12)
    # the double-zero study is left out with a note and blocks nothing
    sepsis = rows["sepsis_mortality"]
    assert sepsis["status"] != "not_computable" and sepsis["k"] == 2 and sepsis["studies"] == ["syn_a", "syn_c"]
    assert "syn_b" in sepsis["excluded"][0] and "no events" in sepsis["note"]
    # a verbal claim is 'consistent', never 'reproduced'
    assert rows["all_mortality"]["status"] == "consistent" and rows["all_mortality"]["k"] == 3
    # n < 5: the median is not converted, the study is named, k counts the studies pooled
    covid_alc = rows["covid19_alc_week3"]
    assert covid_alc["k"] == 1 and "n = 4 is below 5" in covid_alc["excluded"][0]
    assert rows["all_alc_week3"]["k"] == 4 and rows["all_alc_week3"]["tau2"] > 0


@pytest.mark.cli
def test_two_way_reported_arm_enters_once_in_both(cli, sparse):
    _reproduce(cli, sparse)
    con = duckdb.connect(str(sparse / "build" / "rhil7.duckdb"), read_only=True)
    used = con.execute(
        "SELECT intervention_row_id, intervention_statistic FROM effect_size_inputs "
        "WHERE study_id = 'syn_a' AND outcome = 'alc'"
    ).fetchall()
    assert used == [("syn_a_intervention_alc0", "mean_sd")]


@pytest.mark.cli
def test_editing_the_package_plan_changes_the_next_run_without_reinstalling(cli, tmp_path):
    package = build_sparse_package(tmp_path / "package")
    before = _reproduce(cli, package)
    plan = default_plan()
    for row in plan:
        row.update(model="fixed")
    write_plan(package / "analysis" / "plan.csv", plan)
    after = _reproduce(cli, package)
    assert before["sepsis_alc_week3"]["model"] == "DL" and after["sepsis_alc_week3"]["model"] == "FE"
    assert after["sepsis_alc_week3"]["estimate"] != pytest.approx(before["sepsis_alc_week3"]["estimate"], abs=1e-3)


@pytest.mark.cli
def test_model_and_plan_options_run_a_sensitivity_analysis(cli, sparse, tmp_path):
    mh = _reproduce(cli, sparse, "--model", "MH-DL")
    assert mh["sepsis_mortality"]["model"] == "MH-DL" and mh["sepsis_alc_week3"]["model"] == "DL"
    plan = default_plan()
    for row in plan:
        row.update(tau2_estimator="REML")
    write_plan(tmp_path / "other.csv", plan)
    assert _reproduce(cli, sparse, "--plan", str(tmp_path / "other.csv"))["all_alc_week3"]["model"] == "REML"


@pytest.mark.slow
@pytest.mark.cli
@pytest.mark.parametrize(
    "change, message",
    [
        (dict(pooling="MH"), "Mantel-Haenszel pooling is for risk ratios"),
        (dict(model="randomised"), "expected one of random, fixed, found 'randomised'"),
        (dict(zero_cells="add_1"), "column 'zero_cells'"),
        (dict(tau2_estimator="PM"), "column 'tau2_estimator'"),
    ],
)
def test_a_plan_row_the_engine_cannot_honour_is_refused(cli, tmp_path, change, message):
    package = build_sparse_package(tmp_path / "package")
    plan = default_plan()
    plan[3].update(change)  # sepsis_alc_week3, an MD target
    write_plan(package / "analysis" / "plan.csv", plan)
    done = cli("reproduce", str(package), "--no-plots", cwd=package)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert message in done.stderr and "sepsis_alc_week3" in done.stderr and "plan.csv" in done.stderr


@pytest.mark.cli
def test_mh_random_with_reml_is_refused(cli, tmp_path):
    package = build_sparse_package(tmp_path / "package")
    plan = default_plan()
    plan[0].update(pooling="MH", tau2_estimator="REML")
    write_plan(package / "analysis" / "plan.csv", plan)
    done = cli("reproduce", str(package), "--no-plots", cwd=package)
    assert done.returncode == 1 and "DerSimonian-Laird" in done.stderr and "Traceback" not in done.stderr


def test_sql_quantiles_equal_scipy():
    """The SQL view's normal quantile (AS 241) and the t975(df) macro are the quantiles the engine uses."""
    from rhil7.core.database import view_sql
    from rhil7.core.vocabulary import T_975_LISTED, vocabulary_sql

    con = duckdb.connect(":memory:")
    sql = view_sql("effect_size_inputs")
    con.execute(sql[: sql.index("CREATE OR REPLACE VIEW")])
    ps = [1e-10, 0.01, 0.3, 0.5, 0.7, 0.975, *((n - 0.375) / (n + 0.25) for n in range(5, 3000, 7))]
    ours = [con.execute("SELECT normal_quantile(?)", [p]).fetchone()[0] for p in ps]
    assert np.allclose(ours, stats.norm.ppf(ps), rtol=1e-14, atol=0)
    con.execute(vocabulary_sql())
    listed = [con.execute("SELECT t975(?)", [df]).fetchone()[0] for df in range(1, T_975_LISTED + 1)]
    assert listed == [stats.t.ppf(0.975, df) for df in range(1, T_975_LISTED + 1)]
    beyond = [con.execute("SELECT t975(?)", [df]).fetchone()[0] for df in range(T_975_LISTED + 1, 3000, 13)]
    assert np.allclose(beyond, stats.t.ppf(0.975, range(T_975_LISTED + 1, 3000, 13)), rtol=1e-10, atol=0)
    assert con.execute("SELECT t975(0)").fetchone()[0] is None


def test_decimal_half_up_rounding_at_the_published_precision():
    import pandas as pd

    target = pd.Series(dict(estimate=1.33, ci_low=1.1, ci_high=1.6, decimals=2))
    assert round(1.325, 2) == 1.32  # binary rounding, what the engine no longer uses
    assert judge(target, 1.325, 1.1, 1.6) == "reproduced"
    assert judge(target, 1.3249, 1.1, 1.6) == "close"


def test_views_are_read_from_the_package_being_built(tmp_path):
    """A checkout's own queries/*.sql take effect on the next build, no reinstall (other views: the installed copy)."""
    from rhil7.build import build_database
    from rhil7.core.database import view_sql

    package = build_sparse_package(tmp_path / "package")
    (package / "queries").mkdir()
    edited = view_sql("published_results").rstrip().rstrip(";") + ";\n"
    edited = edited.replace("SELECT *", "SELECT *, 'edited in the checkout' AS marker", 1)
    assert "marker" in edited
    (package / "queries" / "published_results.sql").write_text(edited, encoding="utf-8")
    database = build_database(package).database
    con = duckdb.connect(str(database), read_only=True)
    assert con.execute("SELECT DISTINCT marker FROM published_results").fetchall() == [("edited in the checkout",)]
    assert con.execute("SELECT count(*) FROM pooled").fetchone()[0] > 0


def test_statistic_columns_of_the_sql_are_the_vocabulary_s():
    """statistic_incomplete() is generated from STATISTIC_COLUMNS: empty one of a statistic's columns and the arm is
    incomplete, empty any other and it is not; effect_size_inputs calls it with the columns in the macro's order."""
    import re

    from rhil7.core.database import view_sql
    from rhil7.core.vocabulary import STATISTIC_COLUMNS, vocabulary_sql

    con = duckdb.connect(":memory:")
    con.execute(vocabulary_sql())
    parameters = con.execute(
        "SELECT parameters FROM duckdb_functions() WHERE function_name = 'statistic_incomplete'"
    ).fetchone()[0]
    columns = parameters[1:]
    call = re.search(r"statistic_incomplete\(([^)]*)\)", view_sql("effect_size_inputs")).group(1)
    assert [c.strip() for c in call.split(",")] == parameters
    ask = f"SELECT statistic_incomplete(?, {', '.join('?' for _ in columns)})"
    for statistic, needed in STATISTIC_COLUMNS.items():
        assert con.execute(ask, [statistic, *(1.0 if c in needed else None for c in columns)]).fetchone()[0] is False
        for column in needed:
            values = [None if c == column else 1.0 for c in columns]
            assert con.execute(ask, [statistic, *values]).fetchone()[0] is True, (statistic, column)


def test_outcome_measure_is_the_vocabulary_s():
    """outcome_measure(): MD for the continuous table's outcomes (what effect_size_inputs computes for them), RR for
    the dichotomous table's; pooled uses it for the rows of outcomes nothing is pooled for yet."""
    from rhil7.core.vocabulary import OUTCOMES_BY_TABLE, vocabulary_sql

    con = duckdb.connect(":memory:")
    con.execute(vocabulary_sql())
    for table, measure in (("outcomes_continuous", "MD"), ("outcomes_dichotomous", "RR")):
        assert OUTCOMES_BY_TABLE[table]
        for outcome in OUTCOMES_BY_TABLE[table]:
            assert con.execute("SELECT outcome_measure(?)", [outcome]).fetchone()[0] == measure, outcome
    assert con.execute("SELECT outcome_measure('no_such_outcome')").fetchone()[0] is None
