"""benchmarks/pool_many.py (the grouped pooling the benchmark times) agrees with the engine, one comparison at a time."""
from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from rhil7.analysis import effect_sizes, pooling

ROOT = Path(__file__).resolve().parents[1]


def _pool_many():
    spec = importlib.util.spec_from_file_location("bench_pool_many", ROOT / "benchmarks" / "pool_many.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.pool_many


def test_pool_many_matches_one_at_a_time():
    with (ROOT / "tests" / "reference" / "bcg_colditz1994.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    a, c = (np.array([float(r[x]) for r in rows]) for x in ("tpos", "cpos"))
    n1, n2 = a + np.array([float(r["tneg"]) for r in rows]), c + np.array([float(r["cneg"]) for r in rows])
    es = effect_sizes.log_risk_ratio(a, n1, c, n2)
    groups = np.array(["a"] * 6 + ["b"] * 6 + ["c"])  # "c" is a single study
    many = _pool_many()(groups, es.yi, es.vi)
    for i, g in enumerate(many["group"]):
        mask = groups == g
        dl = pooling.random_effects(es.yi[mask], es.vi[mask])
        assert many["fe"][i] == pytest.approx(pooling.fixed_effect(es.yi[mask], es.vi[mask]).estimate, abs=1e-12)
        assert many["dl"][i] == pytest.approx(dl.estimate, abs=1e-12)
        assert many["tau2"][i] == pytest.approx(dl.tau2, abs=1e-12)
        assert many["q"][i] == pytest.approx(dl.q, abs=1e-9)
    assert many["k"][2] == 1 and many["q"][2] == 0.0 and many["tau2"][2] == 0.0
