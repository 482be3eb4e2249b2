"""The targets of the issue and how a run is judged against them."""
from __future__ import annotations

import statistics

from code_size import size_target
from processes import fmt_time
from workloads import label

BIG_RUNS = 3
# what `rhil7 validate` cannot avoid importing on the real package (DuckDB runs every check, numpy scans the bytes;
# frictionless only for a descriptor that is not the shipped one): the cold real-package time is judged against
# these + 0.3 s
UNAVOIDABLE_IMPORTS = "import numpy, duckdb"
# issue 15: the real package cold, the 1M-row package (median of BIG_RUNS plain runs), its ratio to frictionless
# and its peak memory; the real package also against the imports it cannot avoid + 0.3 s
TARGETS = {"validate_real": 1.2, "over_imports": 0.3, "validate_1m": 2.5, "speedup": 20.0, "pool_10k": 1.0,
           "reproduce": 10.0, "memory_1m_gib": 1.0}


def big_validation(results: dict, big: int) -> dict:
    """The largest package's validation as the targets judge it: the median wall time of the plain
    `rhil7 validate` runs (what a user runs), the highest peak memory of any run, and faults found by every
    run (each run must find them all). Falls back to the staged run when there are no plain runs."""
    staged, plain = results["validate"][big], results.get("validate_big_plain") or []
    if not plain:
        return dict(staged, shown=fmt_time(staged))
    runs = plain + [staged]
    walls = [r["wall"] for r in plain]
    wall = statistics.median(walls)
    missed = [r for r in runs if r["findings"]["missed"] or r["findings"]["extra"]]
    return {"wall": wall, "timed_out": any(r["timed_out"] for r in plain), "rc": max(r["rc"] for r in plain),
            "timeout": max(r["timeout"] for r in plain),
            "maxrss_mib": max(r["maxrss_mib"] for r in runs),
            "findings": missed[0]["findings"] if missed else staged["findings"],
            "shown": f"{wall:.2f} s (median of {len(plain)} plain runs: "
                     + ", ".join(f"{w:.2f}" for w in walls) + f" s; with the stage clocks: {fmt_time(staged)})"}


def evaluate(results: dict, big: int) -> dict:
    T = TARGETS
    out = {}
    real = [r["wall"] for r in results["validate_real"] if not r["timed_out"]]
    real_median = statistics.median(real) if len(real) == len(results["validate_real"]) else None
    out["validate_real"] = {"target": f"validate the real package < {T['validate_real']} s",
                            "value": f"{real_median:.2f} s (median of {len(real)}; {min(real):.2f} to {max(real):.2f} s)"
                            if real_median else "timeout",
                            "status": "met" if real_median is not None and real_median < T["validate_real"] else "not met"}
    imports = [r["wall"] for r in results.get("imports") or [] if not r["timed_out"] and r["rc"] == 0]
    if imports and real_median:
        floor = statistics.median(imports)
        out["over_imports"] = {"target": f"validate the real package <= its unavoidable imports + {T['over_imports']} s",
                               "value": f"{real_median:.2f} s against imports {floor:.2f} s (median of {len(imports)}): "
                                        f"{real_median - floor:+.2f} s",
                               "status": "met" if real_median <= floor + T["over_imports"] else "not met"}
    v, f = big_validation(results, big), results["frictionless"][big]
    out["validate_1m"] = {"target": f"validate {label(big)} rows < {T['validate_1m']} s", "value": v["shown"],
                          "status": "met" if not v["timed_out"] and v["wall"] < T["validate_1m"] and v["rc"] in (0, 1)
                          else "not met"}
    if v["timed_out"]:
        speed, status = f"rhil7 did not finish in {v['timeout']:.0f} s; frictionless {fmt_time(f)}", "not met"
    elif f["timed_out"]:
        lower = f["timeout"] / v["wall"]
        speed, status = f"> {lower:.1f}x (frictionless timed out)", "met" if lower >= T["speedup"] else "not demonstrated"
    else:
        ratio = f["wall"] / v["wall"]
        speed, status = f"{ratio:.2f}x ({f['wall']:.1f} s / {v['wall']:.1f} s)", "met" if ratio >= T["speedup"] else "not met"
    out["speedup"] = {"target": f">= {T['speedup']:.0f}x faster than frictionless on {label(big)} rows", "value": speed,
                      "status": status}
    planted = len(results["packages"][big]["planted"])
    found = v["findings"]
    if v["timed_out"]:
        out["faults_1m"] = {"target": f"find every planted fault at {label(big)} rows",
                            "value": "no report (validation did not finish)", "status": "not met"}
    else:
        out["faults_1m"] = {"target": f"find every planted fault at {label(big)} rows",
                            "value": f"{len(found['found'])}/{planted} found, {len(found['extra'])} other problems",
                            "status": "met" if not found["missed"] and not found["extra"] else "not met"}
    p = results["pooling"]
    out["pool_10k"] = {"target": f"pool {p['comparisons']:,} comparisons (FE + DL) < {T['pool_10k']} s",
                       "value": f"{p['first']:.3f} s (first call), {p['median']:.3f} s (median of 5)",
                       "status": "met" if p["first"] < T["pool_10k"] else "not met"}
    r = results["reproduce"]
    out["reproduce"] = {"target": f"reproduce the real package < {T['reproduce']} s", "value": fmt_time(r),
                        "status": "met" if not r["timed_out"] and r["rc"] == 0 and r["wall"] < T["reproduce"] else "not met"}
    gib = v["maxrss_mib"] / 1024
    if v["timed_out"]:
        status = "not met" if gib >= T["memory_1m_gib"] else "not demonstrated"
        value = f"{gib:.2f} GiB when killed at the timeout (the peak of a complete run is at least this)"
    else:
        status = "met" if gib < T["memory_1m_gib"] else "not met"
        value = f"{gib:.2f} GiB"
    out["memory_1m"] = {"target": f"validate {label(big)} rows peak memory < {T['memory_1m_gib']:.0f} GiB",
                        "value": value, "status": status}
    out["code_size"] = size_target()
    return out
