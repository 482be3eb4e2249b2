"""Fixed-effect and DerSimonian-Laird pooling of many comparisons at once: the benchmark's throughput probe.

It lives here, with its only user (benchmarks/run.py), not in the engine: the engine pools one comparison at a
time (``rhil7.analysis.pooling``), and this grouped version is checked against it (tests/test_benchmark_pool_many.py).
"""
from __future__ import annotations

import numpy as np


def pool_many(group_ids, yi, vi) -> dict[str, np.ndarray]:
    """Fixed-effect and DerSimonian-Laird pooling of many comparisons at once (grouped sums, no Python loop).

    Returns arrays indexed by the sorted unique group ids: k, fe, fe_se, q, tau2, dl, dl_se. A comparison of one
    study has Q = 0 and tau2 = 0, as in the engine.
    """
    groups, idx = np.unique(np.asarray(group_ids), return_inverse=True)
    yi, vi = np.asarray(yi, dtype=float), np.asarray(vi, dtype=float)
    w = 1 / vi
    sum_w = np.bincount(idx, w)
    sum_wy = np.bincount(idx, w * yi)
    sum_wyy = np.bincount(idx, w * yi * yi)
    sum_w2 = np.bincount(idx, w * w)
    k = np.bincount(idx)
    fe = sum_wy / sum_w
    q = np.where(k > 1, np.maximum(sum_wyy - sum_wy**2 / sum_w, 0.0), 0.0)
    c = sum_w - sum_w2 / sum_w
    with np.errstate(divide="ignore", invalid="ignore"):
        tau2 = np.where((c > 0) & (k > 1), np.maximum(0.0, (q - (k - 1)) / c), 0.0)
    wr = 1 / (vi + tau2[idx])
    sum_wr = np.bincount(idx, wr)
    dl = np.bincount(idx, wr * yi) / sum_wr
    return {"group": groups, "k": k, "fe": fe, "fe_se": np.sqrt(1 / sum_w), "q": q, "tau2": tau2,
            "dl": dl, "dl_se": np.sqrt(1 / sum_wr)}
