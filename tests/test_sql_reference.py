"""The SQL view `pooled` against R metafor 3.8-1 (tests/reference/sparse_and_subgroups.csv and reml_boundary.csv),
where it computes the quantity: a single study, dat.nielweise2007's zero cells (RevMan's convention, the SQL view's),
RevMan's M-H random effects, prediction intervals on dat.bcg, and REML where the restricted likelihood is highest
at the boundary tau2 = 0 (issue 25), inside it (egger2001), and where plain Fisher scoring cycles. The tables are
the reference package's (conftest.py), with the trials' counts replaced by the published dataset under test, or
(``pooled_over``) bare yi and vi in the tables the view reads."""

from __future__ import annotations

import csv
from pathlib import Path

import math

import pandas as pd
import pytest

from rhil7.core.database import connect_in_memory, safe_connect, view_sql
from rhil7.core.vocabulary import vocabulary_sql
from rhil7.loading import read_descriptor, read_tables

REFERENCE = Path(__file__).resolve().parent / "reference"
TOL = 1e-6


def _reference(name="sparse_and_subgroups.csv"):
    out: dict[str, dict[str, float]] = {}
    with (REFERENCE / name).open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["item"], {})[row["quantity"]] = float(row["value"])
    return out


R = _reference()
R_REML = _reference("reml_boundary.csv")


def _with_counts(
    tables: dict[str, pd.DataFrame], counts: list[tuple[str, int, int, int, int]]
) -> dict[str, pd.DataFrame]:
    """The reference tables with the dichotomous outcome replaced by (study, a, n1, c, n2) rows."""
    tables = {name: frame.copy() for name, frame in tables.items()}
    studies, arms, dich, coverage = (tables[n] for n in ("studies", "arms", "outcomes_dichotomous", "coverage"))
    template_study, template_arm, template_row = studies.iloc[0], arms.iloc[0], dich.iloc[0]
    new_studies, new_arms, new_rows = [], [], []
    for i, (sid, a, n1, c, n2) in enumerate(counts):
        new_studies.append(
            template_study.copy().to_dict()
            | dict(study_id=sid, short_citation=sid, condition="sepsis" if i % 2 else "covid19")
        )
        for role, events, total in (("intervention", a, n1), ("control", c, n2)):
            new_arms.append(
                template_arm.copy().to_dict()
                | dict(arm_id=f"{sid}_{role}", study_id=sid, arm_role=role, n_randomized=total)
            )
            new_rows.append(
                template_row.copy().to_dict()
                | dict(row_id=f"{sid}_{role}_x", study_id=sid, arm_id=f"{sid}_{role}", events=events, total=total)
            )
    keep = ~studies["study_id"].str.startswith("bcg_")
    tables["studies"] = pd.concat([studies[keep], pd.DataFrame(new_studies)], ignore_index=True)
    tables["arms"] = pd.concat(
        [arms[~arms["study_id"].str.startswith("bcg_")], pd.DataFrame(new_arms)], ignore_index=True
    )
    tables["outcomes_dichotomous"] = pd.DataFrame(new_rows)
    tables["coverage"] = coverage[~coverage["study_id"].str.startswith("bcg_")]
    return tables


def _pooled(reference_package, counts) -> dict[str, dict]:
    tables = _with_counts(read_tables(reference_package), counts)
    con = connect_in_memory(tables, read_descriptor(reference_package))
    cursor = con.execute("SELECT * FROM pooled WHERE measure = 'RR' AND subgroup = 'all'")
    names = [d[0] for d in cursor.description]
    return {row[names.index("model")]: dict(zip(names, row)) for row in cursor.fetchall()}


def _csv_counts(name, a, n1, c, n2, label):
    with (REFERENCE / name).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [(f"{label}_{r[next(iter(r))]}", *(int(x(r)) for x in (a, n1, c, n2))) for r in rows]


def nielweise():
    return _csv_counts(
        "nielweise2007.csv", lambda r: r["ai"], lambda r: r["n1i"], lambda r: r["ci"], lambda r: r["n2i"], "nw"
    )


def bcg():
    return _csv_counts(
        "bcg_alloc.csv",
        lambda r: r["tpos"],
        lambda r: int(r["tpos"]) + int(r["tneg"]),
        lambda r: r["cpos"],
        lambda r: int(r["cpos"]) + int(r["cneg"]),
        "bcg",
    )


def _assert(row, item, quantities=("estimate", "ci_low", "ci_high", "se", "tau2", "q", "i2", "k")):
    expected = R[item]
    for quantity in quantities:
        ours = row["yi_pooled"] if quantity == "estimate" else row[quantity]
        if quantity in ("ci_low", "ci_high"):
            ours = math.log(ours)  # the view gives RR bounds; R printed log RR
        assert ours == pytest.approx(expected[quantity], abs=TOL), (item, quantity)


def test_single_study_every_model_is_the_study(reference_package):
    pooled = _pooled(reference_package, bcg()[:1])
    assert set(pooled) == {"FE", "DL", "REML", "MH", "MH-DL"}
    for model in ("FE", "DL", "REML", "MH-DL"):
        _assert(pooled[model], "single_rr_DL")
    _assert(pooled["MH"], "single_rr_MH")
    assert pooled["DL"]["pi_low"] is None


def test_zero_cells_nielweise(reference_package):
    pooled = _pooled(reference_package, nielweise())
    _assert(pooled["FE"], "nielweise_FE")
    _assert(pooled["DL"], "nielweise_DL")
    _assert(pooled["MH"], "nielweise_MH_add", ("estimate", "ci_low", "ci_high", "se", "q", "i2", "k"))
    _assert(pooled["MH-DL"], "nielweise_MH_random_add")
    assert pooled["MH"]["k_excluded"] == 1  # Yucel 2004, no event in either arm


def test_mh_random_and_prediction_interval_bcg(reference_package):
    pooled = _pooled(reference_package, bcg())
    _assert(pooled["MH-DL"], "bcg_MH_random")
    assert math.log(pooled["DL"]["pi_low"]) == pytest.approx(R["bcg_PI_DL"]["pi_low_t"], abs=TOL)
    assert math.log(pooled["DL"]["pi_high"]) == pytest.approx(R["bcg_PI_DL"]["pi_high_t"], abs=TOL)


def pooled_over(datasets: dict[str, tuple[list[float], list[float]]], model: str = "REML") -> dict[str, dict]:
    """The view `pooled`'s ``model`` row for each dataset of bare (yi, vi), a mean difference of outcome alc at the
    time point named by the dataset: the tables the view reads (effect_size_inputs, coverage, studies) hold those
    studies only, so the view's pooling is tested apart from the effect sizes."""
    con = safe_connect()
    con.execute(vocabulary_sql())
    con.execute("CREATE TABLE studies (study_id VARCHAR, condition VARCHAR)")
    con.execute("CREATE TABLE coverage (study_id VARCHAR, outcome VARCHAR, timepoint VARCHAR, status VARCHAR)")
    con.execute(
        "CREATE TABLE effect_size_inputs (study_id VARCHAR, outcome VARCHAR, timepoint VARCHAR, "
        "measure VARCHAR, subgroup VARCHAR, yi DOUBLE, vi DOUBLE, excluded VARCHAR, intervention_events INTEGER, "
        "control_events INTEGER, n_intervention INTEGER, n_control INTEGER, continuity_corrected BOOLEAN)"
    )
    rows = [
        (f"{name}_{i}", "alc", name, "MD", "sepsis", float(y), float(v), None, None, None, None, None, False)
        for name, (yi, vi) in datasets.items()
        for i, (y, v) in enumerate(zip(yi, vi, strict=True))
    ]
    con.executemany(f"INSERT INTO effect_size_inputs VALUES ({', '.join('?' for _ in rows[0])})", rows)
    con.executemany("INSERT INTO studies VALUES (?, 'sepsis')", [(r[0],) for r in rows])
    con.executemany("INSERT INTO coverage VALUES (?, ?, ?, 'extracted')", [r[:3] for r in rows])
    con.execute(view_sql("pooled"))
    cursor = con.execute("SELECT * FROM pooled WHERE subgroup = 'sepsis' AND model = ?", [model])
    names = [d[0] for d in cursor.description]
    return {row[names.index("timepoint")]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def _reml_counts():
    """dataset -> (study, ai, n1i, ci, n2i) of tests/reference/reml_boundary_inputs.csv (the study named by its row:
    metadat's yusuf1985 gives two trials the id 3.5)."""
    out: dict[str, list] = {}
    with (REFERENCE / "reml_boundary_inputs.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            rows = out.setdefault(r["dataset"], [])
            rows.append((f"{r['dataset']}_{len(rows) + 1}", *(int(r[c]) for c in ("ai", "n1i", "ci", "n2i"))))
    return out


REML_COUNTS = _reml_counts()


def test_reml_boundary_issue25_is_metafor_s(reference_package):
    """Issue 25: ai = 13, 11, 14, 1 of 122, 172, 90, 24 against 22, 1, 3, 24 of 191, 149, 21, 164. Fisher scoring
    from the DL value stops at tau2 = 0.2695; the restricted likelihood is highest at 0, where metafor stops:
    log RR 0.0256 [-0.4982, 0.5494]."""
    assert [row[1:] for row in REML_COUNTS["issue25"]] == [
        (13, 122, 22, 191),
        (11, 172, 1, 149),
        (14, 90, 3, 21),
        (1, 24, 24, 164),
    ]
    row = _pooled(reference_package, REML_COUNTS["issue25"])["REML"]
    _assert_reml(row, R_REML["issue25_REML"], log=True)
    assert row["tau2"] == 0 and row["i2"] == 0
    assert (round(math.log(row["ci_low"]), 4), round(math.log(row["ci_high"]), 4)) == (-0.4982, 0.5494)


@pytest.mark.parametrize("dataset", sorted(REML_COUNTS))
def test_reml_equals_metafor_at_and_off_the_boundary(reference_package, dataset):
    """Every dataset of reml_boundary.R: tau2 at the boundary (issue25, hine1989, yusuf1985 tables 6, 9, 11,
    collins1985a) and inside (egger2001); metafor's tight fit (threshold 1e-10)."""
    row = _pooled(reference_package, REML_COUNTS[dataset])["REML"]
    _assert_reml(row, R_REML[f"{dataset}_REML"], log=True)


def _assert_reml(row, expected, log):
    scale = math.log if log else (lambda v: v)
    assert row["k"] == expected["k"]
    for quantity in ("estimate", "se", "ci_low", "ci_high", "tau2", "q", "i2"):
        ours = row["yi_pooled"] if quantity == "estimate" else row[quantity]
        ours = scale(ours) if quantity in ("ci_low", "ci_high") else ours
        assert ours == pytest.approx(expected[quantity], abs=TOL), quantity


def test_reml_where_fisher_scoring_cycles_is_metafor_s():
    """Ten random studies on which plain Fisher scoring alternates between 0 and 1.046 (metafor's default fit does
    not converge): the view's grid and bisection reach metafor's maximum, tau2 = 0.4395."""
    with (REFERENCE / "reml_cycle.csv").open(encoding="utf-8") as fh:
        rows = [(float(r["yi"]), float(r["vi"])) for r in csv.DictReader(fh)]
    row = pooled_over({"cycle": ([y for y, _ in rows], [v for _, v in rows])})["cycle"]
    _assert_reml(row, R_REML["fisher_cycle_REML"], log=False)
    assert R_REML["fisher_cycle_REML"]["default_converges"] == 0
