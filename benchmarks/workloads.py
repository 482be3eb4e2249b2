"""The workloads besides the commands: the synthetic packages, and pooling in process."""
from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import numpy as np

import generate


def scale_params(rows: int) -> dict:
    return {"studies": max(10, rows // 100), "continuous_rows": rows, "dichotomous_rows": rows // 10}


def label(rows: int) -> str:
    return f"{rows // 1_000_000}M" if rows >= 1_000_000 else f"{rows // 1000}k"


def step_generate(work: Path, scales: list[int], faults: int, seed: int) -> dict:
    packages = {}
    for rows in scales:
        params = scale_params(rows)
        start = time.perf_counter()
        tables = generate.build_tables(params["studies"], params["continuous_rows"], params["dichotomous_rows"], seed)
        clean = generate.write_package(tables, work / f"clean-{label(rows)}")
        faulted_tables, planted = generate.plant_faults(tables, faults, seed)
        del tables
        faulted = generate.write_package(faulted_tables, work / f"faulted-{label(rows)}", planted)
        del faulted_tables
        seconds = time.perf_counter() - start
        size = sum(p.stat().st_size for p in (clean / "tables").glob("*.csv"))
        counts = {p.stem: sum(1 for _ in p.open("rb")) - 1 for p in sorted((clean / "tables").glob("*.csv"))}
        packages[rows] = {"clean": str(clean), "faulted": str(faulted), "seconds": seconds, "bytes": size,
                          "rows": counts, "params": params, "planted": [vars(f) for f in planted]}
        print(f"  generated {label(rows)}: {sum(counts.values()):,} rows, {size / 1e6:.0f} MB, clean + faulted in "
              f"{seconds:.1f} s", flush=True)
    # the kernel writes the new files back to disk in the background for a while: not during the timings
    os.sync()
    return packages


def step_pooling(seed: int, comparisons: int = 10_000) -> dict:
    from pool_many import pool_many
    from rhil7.analysis.pooling import fixed_effect, random_effects

    rng = np.random.default_rng(seed)
    k = rng.integers(2, 21, comparisons)
    group = np.repeat(np.arange(comparisons), k)
    yi = rng.normal(0.3, 0.5, len(group))
    vi = rng.uniform(0.01, 0.2, len(group))
    start = time.perf_counter()
    result = pool_many(group, yi, vi)
    first = time.perf_counter() - start
    repeats = []
    for _ in range(5):
        start = time.perf_counter()
        pool_many(group, yi, vi)
        repeats.append(time.perf_counter() - start)
    # the per-comparison functions, for reference and as a check of the vectorized results
    bounds = np.concatenate([[0], np.cumsum(k)])
    start = time.perf_counter()
    loop_fe, loop_dl = np.empty(comparisons), np.empty(comparisons)
    for g in range(comparisons):
        a, b = bounds[g], bounds[g + 1]
        loop_fe[g] = fixed_effect(yi[a:b], vi[a:b]).estimate
        loop_dl[g] = random_effects(yi[a:b], vi[a:b], "DL").estimate
    loop = time.perf_counter() - start
    diff = float(max(np.max(np.abs(loop_fe - result["fe"])), np.max(np.abs(loop_dl - result["dl"]))))
    return {"comparisons": comparisons, "effects": int(len(group)), "first": first, "best": min(repeats),
            "median": statistics.median(repeats), "loop": loop, "max_abs_diff": diff}
