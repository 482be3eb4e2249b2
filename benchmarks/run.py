"""Benchmark of the rhil7 tool chain, side by side with frictionless; writes benchmarks/RESULTS.md.

    python benchmarks/run.py            # ~10 minutes at most on 2 cores (every step has a timeout)

This module only orders the steps; each module beside it does one job: ``processes`` times a whole
fresh process (wall clock, peak memory, timeouts), ``machine`` records what the run was measured on,
``workloads`` writes the synthetic packages (``generate.py``) and times pooling, ``findings`` reads which
planted faults a report names, ``targets`` judges the run (``code_size`` counts the lines of validators/),
``profiles`` explains a target not met, and ``report`` renders RESULTS.md. ``results`` (a dict of plain
values, saved as results.json) is what one step hands to the next.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import stages  # noqa: E402
from findings import frictionless_findings, rhil7_findings  # noqa: E402
from machine import loadavg, machine, speed_probe  # noqa: E402
from processes import Budget, fmt_time, run_process  # noqa: E402
from profiles import profile_validate  # noqa: E402
from report import results_markdown, summary_table  # noqa: E402
from targets import BIG_RUNS, TARGETS, UNAVOIDABLE_IMPORTS, evaluate  # noqa: E402
from workloads import label, step_generate, step_pooling  # noqa: E402

BIN = Path(sys.executable).parent
RHIL7 = str(BIN / "rhil7")
FRICTIONLESS = str(BIN / "frictionless")
SCALES = [1_000, 10_000, 100_000, 1_000_000]


def measure_real_package(results: dict, budget: Budget, work: Path) -> None:
    # The real package first: writing 1.2 GB of synthetic packages leaves the machine busy for a while
    # (write-back, memory reclaim), which would be timed as part of a 1.3 s command.
    print("validate: the real package (5 fresh processes)", flush=True)
    results["validate_real"] = [run_process([RHIL7, "validate", str(ROOT)], budget.timeout(60, 400)) for _ in range(5)]

    print("imports: what validation cannot avoid (5 fresh processes)", flush=True)
    results["imports"] = [run_process([sys.executable, "-c", UNAVOIDABLE_IMPORTS], budget.timeout(60, 400))
                          for _ in range(5)]

    print("reproduce: the real package", flush=True)
    real_build = work / "build-real"
    results["reproduce"] = run_process([RHIL7, "reproduce", str(ROOT)], budget.timeout(120, 380), cwd=ROOT,
                                 env={"RHIL7_BUILD": str(real_build)})


def measure_hostile_inputs(results: dict, budget: Budget, work: Path, rows: int = 300_000) -> None:
    """Issue 12's bounds: a header 20,000 columns wide (131 KB) and a table whose every row breaks four checks."""
    import hostile

    print("hostile inputs: a 20,000-column header, a table of millions of problems", flush=True)
    wide = work / "hostile-wide"
    shutil.copytree(ROOT / "tables", wide / "tables")
    shutil.copy2(ROOT / "datapackage.json", wide / "datapackage.json")
    hostile.wide_header(wide)
    many = work / "hostile-many"
    step = results["hostile"] = {"rows": rows}
    hostile.generate.generate(many, studies=max(10, rows // 100), continuous_rows=1_000, dichotomous_rows=rows)
    hostile.many_problems(many)
    for name, package in (("wide", wide), ("many", many)):
        out = work / f"hostile-{name}.json"
        r = run_process([RHIL7, "validate", "--format", "json", str(package)], budget.timeout(120, 300), stdout=out)
        try:
            body = json.loads(out.read_text(encoding="utf-8"))
            r["problem_count"], r["listed"] = body["problem_count"], len(body["problems"])
        except (OSError, ValueError, KeyError):
            r["problem_count"] = r["listed"] = None
        r["output_bytes"] = out.stat().st_size if out.exists() else 0
        step[name] = r
        print(f"  {name}: {fmt_time(r)}, peak {r['maxrss_mib']:.0f} MiB, {r['problem_count']} problems, "
              f"{r['listed']} listed", flush=True)


def measure_validation(results: dict, budget: Budget, work: Path, scales: list[int]) -> None:
    packages = results["packages"]
    print("validate: clean packages must be valid (exit 0)", flush=True)
    results["validate_clean"] = {}
    for rows in [s for s in scales if s <= 10_000]:
        results["validate_clean"][rows] = run_process([RHIL7, "validate", packages[rows]["clean"]], budget.timeout(120, 380))

    print("validate: packages with planted faults (rhil7.cli.main with a clock per stage: benchmarks/stages.py)",
          flush=True)
    results["validate"] = {}
    reserve = {1_000: 360, 10_000: 350, 100_000: 300, 1_000_000: 200}
    caps = {1_000: 120, 10_000: 150, 100_000: 150, 1_000_000: 150}
    for rows in scales:
        out = work / f"rhil7-{label(rows)}.json"
        log = work / f"stages-{label(rows)}.jsonl"
        r = run_process([sys.executable, str(HERE / "stages.py"), "validate", "--format", "json",
                         packages[rows]["faulted"]], budget.timeout(caps.get(rows, 150), reserve.get(rows, 200)),
                        stdout=out, env={"RHIL7_BENCH_STAGES": str(log)})
        r["findings"] = rhil7_findings(out, packages[rows]["planted"])
        r["stages"] = stages.summarize(str(log))
        results["validate"][rows] = r
        print(f"  {label(rows)}: {fmt_time(r)}, peak {r['maxrss_mib']:.0f} MiB, "
              f"{len(r['findings']['found'])}/{len(packages[rows]['planted'])} faults, "
              f"{len(r['findings']['extra'])} other problems", flush=True)
        if rows == max([s for s in scales if s <= 10_000], default=None):
            # control: the plain `rhil7` script on the same package, to show the stage clocks cost nothing
            out = work / f"rhil7-plain-{label(rows)}.json"
            c = run_process([RHIL7, "validate", "--format", "json", packages[rows]["faulted"]],
                            budget.timeout(120, 330), stdout=out)
            c["findings"] = rhil7_findings(out, packages[rows]["planted"])
            results["validate_plain"] = {rows: c}
            print(f"  control, plain `rhil7 validate` {label(rows)}: {fmt_time(c)}", flush=True)
    big_rows = max(scales)
    print(f"validate: the faulted {label(big_rows)} package, plain `rhil7 validate` ({BIG_RUNS} fresh processes)",
          flush=True)
    results["validate_big_plain"] = []
    for i in range(BIG_RUNS):
        out = work / f"rhil7-plain-{label(big_rows)}-{i + 1}.json"
        c = run_process([RHIL7, "validate", "--format", "json", packages[big_rows]["faulted"]],
                        budget.timeout(150, 250), stdout=out)
        c["findings"] = rhil7_findings(out, packages[big_rows]["planted"])
        results["validate_big_plain"].append(c)
        print(f"  run {i + 1}: {fmt_time(c)}, peak {c['maxrss_mib']:.0f} MiB, "
              f"{len(c['findings']['found'])}/{len(packages[big_rows]['planted'])} faults", flush=True)
    log = work / "stages-real.jsonl"
    real_staged = run_process([sys.executable, str(HERE / "stages.py"), "validate", str(ROOT)], budget.timeout(60, 200),
                              env={"RHIL7_BENCH_STAGES": str(log)})
    real_staged["stages"] = stages.summarize(str(log))
    results["validate_real_staged"] = real_staged


def measure_frictionless(results: dict, budget: Budget, work: Path, scales: list[int]) -> None:
    packages, big = results["packages"], max(scales)
    print("frictionless validate (baseline) on the same packages", flush=True)
    results["frictionless"] = {}
    for rows in scales:
        out = work / f"frictionless-{label(rows)}.json"
        cap = 240 if rows >= 1_000_000 else 120
        r = run_process([FRICTIONLESS, "validate", "--json", "datapackage.json"],
                        budget.timeout(cap, 110 if rows >= big else 150), cwd=Path(packages[rows]["faulted"]), stdout=out)
        r["findings"] = frictionless_findings(out, packages[rows]["planted"])
        results["frictionless"][rows] = r
        print(f"  {label(rows)}: {fmt_time(r)}, peak {r['maxrss_mib']:.0f} MiB, "
              f"{len(r['findings']['found'])}/{len(packages[rows]['planted'])} faults", flush=True)


def measure_build_and_queries(results: dict, budget: Budget, work: Path, scales: list[int]) -> None:
    packages, big = results["packages"], max(scales)
    real_build = work / "build-real"
    print("build", flush=True)
    results["build"], results["load"] = {}, {}
    for rows in scales:
        v = results["validate"][rows]
        # `rhil7 build` validates first: run it where validation is known to fit in the budget
        if not v["timed_out"] and v["wall"] < 30:
            results["build"][rows] = run_process([RHIL7, "build", packages[rows]["clean"]], budget.timeout(120, 100),
                                           env={"RHIL7_BUILD": str(work / f"build-cli-{label(rows)}")})
        code = ("import sys; from pathlib import Path; from rhil7.build import build_database; "
                "build_database(Path(sys.argv[1]), Path(sys.argv[2]), validate=False)")
        results["load"][rows] = run_process([sys.executable, "-c", code, packages[rows]["clean"],
                                             str(work / f"build-{label(rows)}")], budget.timeout(120, 80))
        print(f"  {label(rows)}: rhil7 build {fmt_time(results['build'].get(rows))}, load only {fmt_time(results['load'][rows])}",
              flush=True)

    print("queries", flush=True)
    results["queries"] = {}
    examples = sorted((ROOT / "queries" / "examples").glob("*.sql"))
    databases = {"real": real_build / "rhil7.duckdb", label(big): work / f"build-{label(big)}" / "rhil7.duckdb"}
    for name, database in databases.items():
        results["queries"][name] = {}
        if not database.exists():
            continue
        for sql in examples:
            r = run_process([RHIL7, "query", "--database", str(database), "--file", str(sql)], budget.timeout(60, 60),
                            stdout=work / "query-output.txt")
            r["output_lines"] = sum(1 for _ in (work / "query-output.txt").open("rb"))
            results["queries"][name][sql.name] = r


def profile_targets_not_met(results: dict, budget: Budget, work: Path, scales: list[int], targets: dict) -> None:
    packages, big = results["packages"], max(scales)
    print("profiles of the targets not met", flush=True)
    results["profiles"] = {}
    if targets["validate_real"]["status"] != "met":
        results["profiles"]["validate_real"] = profile_validate(ROOT, work / "validate-real.prof", budget.timeout(60, 40))
    if any(targets[t]["status"] != "met" for t in ("validate_1m", "speedup", "faults_1m", "memory_1m")):
        finished = [s for s in scales if not results["validate"][s]["timed_out"] and results["validate"][s]["wall"] < 40]
        if finished:
            rows = max(finished)
            results["profiles"]["validate_scale"] = profile_validate(Path(packages[rows]["faulted"]),
                                                               work / f"validate-{label(rows)}.prof",
                                                               budget.timeout(90, 25))
        if results["validate"][big]["timed_out"] and budget.left() > 90:
            results["profiles"]["validate_big"] = profile_validate(Path(packages[big]["faulted"]),
                                                             work / f"validate-{label(big)}.prof",
                                                             budget.timeout(120, 35))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default="/tmp/rhil7-bench", help="where packages and databases go (recreated)")
    parser.add_argument("--scales", default=",".join(map(str, SCALES)), help="continuous rows per package, comma-separated")
    parser.add_argument("--faults", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hostile-rows", type=int, default=300_000,
                        help="rows of the synthetic table in which every row breaks four checks")
    parser.add_argument("--budget", type=float, default=570, help="seconds for the whole run")
    parser.add_argument("--results", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args(argv)
    budget = Budget(args.budget)
    scales = [int(s) for s in args.scales.split(",")]
    big = max(scales)
    work = Path(args.workdir)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    results: dict = {"machine": machine(), "scales": scales, "targets": TARGETS}
    print(f"machine: {results['machine']['cpu']}, {results['machine']['cores']} cores, {results['machine']['memory']}", flush=True)
    if not results["machine"]["installed_matches_tree"] and not results["machine"]["installed_matches_head"]:
        print("  warning: the installed rhil7 differs from this working tree; reinstall with "
              "`pip install --no-deps .` to measure the current code", flush=True)

    measure_real_package(results, budget, work)
    print("generating packages", flush=True)
    results["packages"] = step_generate(work, scales, args.faults, args.seed)

    print("pooling", flush=True)
    results["pooling"] = step_pooling(args.seed)

    measure_hostile_inputs(results, budget, work, args.hostile_rows)
    measure_validation(results, budget, work, scales)
    measure_frictionless(results, budget, work, scales)
    measure_build_and_queries(results, budget, work, scales)
    targets = evaluate(results, big)
    results["evaluated"] = targets
    profile_targets_not_met(results, budget, work, scales, targets)
    results["elapsed"] = budget.seconds - budget.left()
    results["machine"]["loadavg_end"] = loadavg()
    results["machine"]["speed_probe_end"] = speed_probe()
    (work / "results.json").write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    text = results_markdown(results, big)
    Path(args.results).write_text(text, encoding="utf-8")
    print()
    print(summary_table(results, big))
    print(f"\nwrote {args.results} and {work / 'results.json'} ({results['elapsed']:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
