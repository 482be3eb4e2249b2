"""The SQL view `pooled` against R metafor 3.8-1 (tests/reference/sparse_and_subgroups.csv), where it computes the
quantity: a single study, dat.nielweise2007's zero cells (RevMan's convention, the SQL view's), RevMan's M-H random
effects, and prediction intervals on dat.bcg. The tables are the reference package's (conftest.py), with the
trials' counts replaced by the published dataset under test."""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from rhil7.core.database import connect_in_memory
from rhil7.loading import read_descriptor, read_tables

REFERENCE = Path(__file__).resolve().parent / "reference"
TOL = 1e-6


def _reference():
    out: dict[str, dict[str, float]] = {}
    with (REFERENCE / "sparse_and_subgroups.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["item"], {})[row["quantity"]] = float(row["value"])
    return out


R = _reference()


def _with_counts(tables: dict[str, pd.DataFrame], counts: list[tuple[str, int, int, int, int]]) -> dict[str, pd.DataFrame]:
    """The reference tables with the dichotomous outcome replaced by (study, a, n1, c, n2) rows."""
    tables = {name: frame.copy() for name, frame in tables.items()}
    studies, arms, dich, coverage = (tables[n] for n in ("studies", "arms", "outcomes_dichotomous", "coverage"))
    template_study, template_arm, template_row = studies.iloc[0], arms.iloc[0], dich.iloc[0]
    new_studies, new_arms, new_rows, new_coverage = [], [], [], []
    for i, (sid, a, n1, c, n2) in enumerate(counts):
        new_studies.append(template_study.copy().to_dict() | dict(study_id=sid, short_citation=sid,
                                                                  condition="sepsis" if i % 2 else "covid19"))
        for role, events, total in (("intervention", a, n1), ("control", c, n2)):
            new_arms.append(template_arm.copy().to_dict() | dict(arm_id=f"{sid}_{role}", study_id=sid, arm_role=role,
                                                                 n_randomized=total))
            new_rows.append(template_row.copy().to_dict() | dict(row_id=f"{sid}_{role}_x", study_id=sid,
                                                                 arm_id=f"{sid}_{role}", events=events, total=total))
    keep = ~studies["study_id"].str.startswith("bcg_")
    tables["studies"] = pd.concat([studies[keep], pd.DataFrame(new_studies)], ignore_index=True)
    tables["arms"] = pd.concat([arms[~arms["study_id"].str.startswith("bcg_")], pd.DataFrame(new_arms)], ignore_index=True)
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
    return _csv_counts("nielweise2007.csv", lambda r: r["ai"], lambda r: r["n1i"], lambda r: r["ci"], lambda r: r["n2i"], "nw")


def bcg():
    return _csv_counts("bcg_alloc.csv", lambda r: r["tpos"], lambda r: int(r["tpos"]) + int(r["tneg"]),
                       lambda r: r["cpos"], lambda r: int(r["cpos"]) + int(r["cneg"]), "bcg")


def _assert(row, item, quantities=("estimate", "ci_low", "ci_high", "se", "tau2", "q", "i2", "k")):
    expected = R[item]
    for quantity in quantities:
        ours = row["yi_pooled"] if quantity == "estimate" else row[quantity]
        if quantity in ("ci_low", "ci_high"):
            import math

            ours = math.log(ours)  # the view gives RR bounds; R printed log RR
        assert ours == pytest.approx(expected[quantity], abs=TOL), (item, quantity)


def test_single_study_every_model_is_the_study(reference_package):
    pooled = _pooled(reference_package, bcg()[:1])
    assert set(pooled) == {"FE", "DL", "MH", "MH-DL"}
    for model in ("FE", "DL", "MH-DL"):
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
    import math

    pooled = _pooled(reference_package, bcg())
    _assert(pooled["MH-DL"], "bcg_MH_random")
    assert math.log(pooled["DL"]["pi_low"]) == pytest.approx(R["bcg_PI_DL"]["pi_low_t"], abs=TOL)
    assert math.log(pooled["DL"]["pi_high"]) == pytest.approx(R["bcg_PI_DL"]["pi_high_t"], abs=TOL)
