"""RESULTS.md and the terminal summary, from a run's results (rendering only: nothing is measured here)."""
from __future__ import annotations

import numpy as np

import generate
from processes import fmt_time
from profiles import profile_markdown
from targets import UNAVOIDABLE_IMPORTS
from workloads import label


def stage_markdown(results: dict) -> list[str]:
    """Seconds per validator stage and scale (from benchmarks/stages.py)."""
    runs = {"real": results.get("validate_real_staged")} if results.get("validate_real_staged") else {}
    runs.update({label(rows): results["validate"][rows] for rows in results["scales"]})
    names: list[str] = []
    for r in runs.values():
        st = r.get("stages") or {}
        for name in list(st.get("totals", {})) + list(st.get("running", {})):
            if name not in names:
                names.append(name)
    if not names:
        return []
    L = ["", "### Where the time goes: validator stages", "",
         "The faulted-package runs above are `rhil7.cli.main(['validate', ...])` in a fresh interpreter with a clock "
         "around each stage of `validate_package` (`benchmarks/stages.py`: about 30 extra calls, nothing per row). "
         "The *real* column is the real package (valid, no planted faults). "
         "Seconds per stage, summed over the tables; the tables, and then their checks and the rules, run two or "
         "more at once, so the stages add up to more than the whole process. *running* marks the stage that was "
         "still running when the process was killed at its timeout (seconds since it started). `read_table` "
         "includes DuckDB's read of the "
         "file straight into its typed table, in the one pass that also evaluates every cell check and the snippet "
         "rule's pre-filter; every rule is a query over those typed tables."]
    plain = results.get("validate_plain") or {}
    for rows, r in plain.items():
        w = results["validate"][rows]
        L += ["", f"Control: the plain `rhil7 validate --format json` on the faulted {label(rows)} package took "
                  f"{fmt_time(r)} (with the stage clocks: {fmt_time(w)}), and reported "
                  f"{len(r['findings']['found'])}/{len(results['packages'][rows]['planted'])} planted faults and "
                  f"{len(r['findings']['extra'])} other problems."]
    L += ["", "| stage | " + " | ".join(runs) + " |", "|---|" + "---:|" * len(runs)]
    imports = []
    for r in runs.values():
        st = r.get("stages") or {}
        imports.append("" if st.get("imports") is None else f"{st['imports']:.2f}")
    L.append("| start-up and imports (numpy, duckdb, rhil7) | " + " | ".join(imports) + " |")
    for name in names:
        cells = []
        for r in runs.values():
            st = r.get("stages") or {}
            if name in st.get("running", {}):
                since = st["running"][name]
                cells.append(f"**running** ({r['wall'] - since:.0f} s when killed)")
            elif name in st.get("totals", {}):
                cells.append(f"{st['totals'][name]:.2f}")
            else:
                cells.append("")
        L.append(f"| `{name}` | " + " | ".join(cells) + " |")
    L.append("| whole process (wall) | " + " | ".join(fmt_time(r) for r in runs.values()) + " |")
    return L




def hostile_markdown(results: dict) -> list[str]:
    h = results.get("hostile")
    if not h:
        return []
    L = ["", "### Hostile inputs (issue 12: bounded cost)", "",
         "`rhil7 validate --format json` on the real package with one table's header widened to 20,000 columns "
         f"(131 KB), and on a synthetic package whose {h['rows']:,}-row outcomes_dichotomous breaks four checks in "
         "every row (a type, an enum, a required value, a foreign key). Problems beyond 1,000 of one code per file "
         "are counted, not listed.", "",
         "| input | time | peak | problems counted | listed | JSON output |", "|---|---:|---:|---:|---:|---:|"]
    for name, what in (("wide", "header 20,000 columns wide"), ("many", f"{h['rows']:,} rows, every row wrong")):
        r = h.get(name)
        if r:
            L.append(f"| {what} | {fmt_time(r)} (exit {r['rc']}) | {r['maxrss_mib']:.0f} MiB | {r['problem_count']} | "
                     f"{r['listed']} | {r['output_bytes'] / 1e3:.0f} KB |")
    return L


def summary_table(results: dict, big: int) -> str:
    lines = [f"{'what':58} {'time':>22} {'peak MiB':>9}  notes"]

    def row(what, r, note=""):
        lines.append(f"{what:58} {fmt_time(r):>22} {(r or {}).get('maxrss_mib', 0):9.0f}  {note}")

    for i, r in enumerate(results["validate_real"]):
        row(f"rhil7 validate real package (run {i + 1})", r, f"exit {r['rc']}")
    for rows, r in results["validate_clean"].items():
        row(f"rhil7 validate clean {label(rows)}", r, f"exit {r['rc']} ({'valid' if r['rc'] == 0 else 'INVALID'})")
    for rows in results["scales"]:
        r, f = results["validate"][rows], results["frictionless"][rows]
        n = len(results["packages"][rows]["planted"])
        row(f"rhil7 validate faulted {label(rows)}", r,
            f"{len(r['findings']['found'])}/{n} faults, {len(r['findings']['extra'])} other")
        row(f"frictionless validate faulted {label(rows)}", f, f"{len(f['findings']['found'])}/{n} faults")
    for i, r in enumerate(results.get("validate_big_plain") or []):
        row(f"rhil7 validate faulted {label(big)} (plain, run {i + 1})", r,
            f"{len(r['findings']['found'])}/{len(results['packages'][big]['planted'])} faults")
    for rows in results["scales"]:
        if rows in results["build"]:
            row(f"rhil7 build {label(rows)}", results["build"][rows], f"exit {results['build'][rows]['rc']}")
        row(f"load only (build_database(validate=False)) {label(rows)}", results["load"][rows], f"exit {results['load'][rows]['rc']}")
    for db, queries in results["queries"].items():
        for name, r in queries.items():
            row(f"rhil7 query {db}: {name}", r, f"{r['output_lines']} lines")
    row("rhil7 reproduce real package", results["reproduce"], f"exit {results['reproduce']['rc']}")
    p = results["pooling"]
    lines.append(f"{'pool_many, ' + format(p['comparisons'], ',') + ' comparisons (in process)':58} "
                 f"{p['first']:>20.3f} s {'':9}  median of 5: {p['median']:.3f} s")
    lines.append("")
    for t in results["evaluated"].values():
        lines.append(f"[{t['status']:>16}] {t['target']}: {t['value']}")
    return "\n".join(lines)


def probe(m: dict, key: str) -> str:
    start, end = (m.get(f"speed_probe_{when}") or {} for when in ("start", "end"))
    if key not in start or key not in end:
        return "(not measured)"
    return f"{start[key]:.2f} s at the start and {end[key]:.2f} s at the end"


def results_markdown(results: dict, big: int) -> str:
    m = results["machine"]
    L = ["# Benchmark results (issues 8, 12 and 15)", "",
         f"Generated by `python benchmarks/run.py` on {m['date']}; the whole run took {results['elapsed']:.0f} s. "
         "See [README.md](README.md) for what is measured and how.", "",
         "## Machine", "",
         f"- uname: `{m['uname']}`", f"- CPU: {m['cpu']}, {m['cores']} cores", f"- memory: {m['memory']}",
         f"- load average (1, 5, 15 min) at the start: {m['loadavg_start']}, at the end: {m.get('loadavg_end')} "
         "(other work on the machine during the run shows here)",
         f"- speed probe, in a fresh process (lower is faster): a pure-Python loop of 10 million additions "
         f"{probe(m, 'python_loop')}; filling 512 MB of new memory {probe(m, 'fresh_memory')}. This virtual "
         "machine's speed drifts from hour to hour, the cost of new memory most (every large table is new memory "
         "to a fresh process); every time below moves with it, while ratios measured in the same run (rhil7 "
         "against frictionless) move much less.",
         f"- Python {m['python']}; code at commit `{m['commit']}`"
         + (f" plus uncommitted changes in {len(m['dirty_code_files'])} code file(s) of the shared working tree"
            if m["dirty_code_files"] else "")
         + ("; the measured (installed) rhil7 is exactly the committed code of that commit" if m.get("installed_matches_head")
            else "; the measured (installed) rhil7 is the working tree, uncommitted changes included"
            if m["installed_matches_tree"] else "; **the installed rhil7 matched neither the commit nor the working tree**"),
         "", "## Targets", "", "| target | measured | status |", "|---|---|---|"]
    for t in results["evaluated"].values():
        L.append(f"| {t['target']} | {t['value']} | **{t['status']}** |")
    L += ["", "## Synthetic packages", "",
          "`benchmarks/generate.py`, seed 1: studies = continuous rows / 100 (at least 10), dichotomous rows = "
          "continuous rows / 10, 2 arms per study. Each scale is written clean and with "
          f"{len(results['packages'][big]['planted'])} planted faults. Time = build the tables once, write the clean "
          "package, plant the faults, write the faulted package.", "",
          "| scale | studies | arms | continuous | dichotomous | coverage | provenance | CSV size | generation |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for rows in results["scales"]:
        p = results["packages"][rows]
        c = p["rows"]
        L.append(f"| {label(rows)} | {c['studies']:,} | {c['arms']:,} | {c['outcomes_continuous']:,} | "
                 f"{c['outcomes_dichotomous']:,} | {c['coverage']:,} | {c['study_provenance']:,} | "
                 f"{p['bytes'] / 1e6:.1f} MB | {p['seconds']:.1f} s |")
    L += ["", "## Validation", "",
          "Whole processes, wall clock, fresh interpreter each time; peak = maximum resident set size of that process (GNU time %M). "
          "`rhil7 validate --format json PATH` (for the faulted packages: through `benchmarks/stages.py`, the same "
          "code with a clock per stage, see below) and `frictionless validate --json datapackage.json` (frictionless "
          "5.21, run in the package directory) on the same faulted package.", "",
          "| package | rhil7 validate | peak | faults found | other problems | frictionless validate | peak | faults found | frictionless / rhil7 |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    real = results["validate_real"]
    walls = ", ".join(f"{r['wall']:.2f} s" for r in real)
    codes = ", ".join(str(r["rc"]) for r in real)
    L.append(f"| real package ({len(real)} runs) | {walls} | {max(r['maxrss_mib'] for r in real):.0f} MiB | | exit {codes} | | | | |")
    imports = results.get("imports") or []
    if imports:
        L.append(f"| *imports alone* (`{UNAVOIDABLE_IMPORTS}`, {len(imports)} runs) | "
                 + ", ".join(f"{r['wall']:.2f} s" for r in imports) + f" | {max(r['maxrss_mib'] for r in imports):.0f} MiB"
                 " | | the floor: what validation cannot avoid loading | | | | |")
    for rows, r in results["validate_clean"].items():
        L.append(f"| clean {label(rows)} | {fmt_time(r)} | {r['maxrss_mib']:.0f} MiB | | exit {r['rc']} "
                 f"({'valid' if r['rc'] == 0 else 'INVALID'}) | | | | |")
    for rows in results["scales"]:
        r, f = results["validate"][rows], results["frictionless"][rows]
        n = len(results["packages"][rows]["planted"])
        ratio = "" if r["timed_out"] or f["timed_out"] else f"{f['wall'] / r['wall']:.2f}x"
        rf = f"{len(r['findings']['found'])}/{n}" if not r["timed_out"] else "no report"
        ff = f"{len(f['findings']['found'])}/{n}" if not f["timed_out"] else "no report"
        L.append(f"| faulted {label(rows)} | {fmt_time(r)} | {r['maxrss_mib']:.0f} MiB{' (at kill)' if r['timed_out'] else ''} | "
                 f"{rf} | {len(r['findings']['extra']) if not r['timed_out'] else ''} | {fmt_time(f)} | "
                 f"{f['maxrss_mib']:.0f} MiB{' (at kill)' if f['timed_out'] else ''} | {ff} | {ratio} |")
    for i, r in enumerate(results.get("validate_big_plain") or []):
        f, n = results["frictionless"][big], len(results["packages"][big]["planted"])
        ratio = "" if r["timed_out"] or f["timed_out"] else f"{f['wall'] / r['wall']:.2f}x"
        L.append(f"| faulted {label(big)}, plain `rhil7 validate`, run {i + 1} | {fmt_time(r)} | {r['maxrss_mib']:.0f} MiB | "
                 f"{len(r['findings']['found'])}/{n} | {len(r['findings']['extra'])} | | | | {ratio} |")
    if results.get("validate_big_plain"):
        L += ["", f"The {label(big)} targets are judged on the median of the plain runs (the command a user runs); "
                  "the staged run above is the same code with a clock around each stage. The written packages are "
                  "flushed to disk (`sync`) before any timing, so the kernel's write-back does not compete with them."]
    L += hostile_markdown(results)
    L += stage_markdown(results)
    fl = results["frictionless"]
    finished = [s for s in results["scales"] if not fl[s]["timed_out"]]
    if fl[big]["timed_out"] and finished:
        s = max(finished)
        L += ["", f"frictionless did not finish {label(big)} rows in {fl[big]['timeout']:.0f} s. **Extrapolated** "
                  f"(linear in rows from {label(s)}: {fl[s]['wall']:.1f} s): about {fl[s]['wall'] * big / s:.0f} s. "
                  "This is an extrapolation, not a measurement."]
    if len(finished) >= 2:
        a, b = finished[-2], finished[-1]
        L += ["", f"frictionless scaling: {label(a)} -> {label(b)} rows: {fl[a]['wall']:.1f} s -> {fl[b]['wall']:.1f} s."]
    steps = []
    for a, b in zip(results["scales"], results["scales"][1:]):
        va, vb = results["validate"][a], results["validate"][b]
        if va["timed_out"]:
            break
        if vb["timed_out"]:
            steps.append(f"{label(a)} -> {label(b)}: {va['wall']:.1f} s -> did not finish in {vb['timeout']:.0f} s")
            break
        exponent = np.log(vb["wall"] / va["wall"]) / np.log(b / a)
        steps.append(f"{label(a)} -> {label(b)}: {va['wall']:.1f} s -> {vb['wall']:.1f} s, exponent {exponent:.2f}")
    if steps:
        L += ["", "rhil7 validate scaling (time ~ rows^exponent; 1 = linear, 2 = quadratic; start-up dominates the "
                  "smallest packages): " + "; ".join(steps) + "."]
    if results["validate"][big]["timed_out"] and big in results["load"] and not results["load"][big]["timed_out"]:
        L += ["", f"For scale: reading the {label(big)} package's tables into typed pandas frames and loading them into "
                  f"DuckDB without validation (*load only* below) peaks at {results['load'][big]['maxrss_mib']:.0f} MiB."]
    L += ["", "### Planted faults: who finds what", "",
          f"The {len(results['packages'][big]['planted'])} faults planted in each package (kind, table, row, field; "
          "row = CSV record, header = 1). A fault counts as found when the report names that code, file, row and "
          "field (frictionless: its code, file and row).", ""]
    header = "| fault | expected code | " + " | ".join(f"rhil7 {label(s)}" for s in results["scales"]) + " | " + \
             " | ".join(f"frictionless {label(s)}" for s in results["scales"]) + " |"
    L += [header, "|" + "---|" * (2 + 2 * len(results["scales"]))]
    for i, kind in enumerate(f["code"] for f in results["packages"][big]["planted"]):
        cells = []
        for tool in ("validate", "frictionless"):
            for s in results["scales"]:
                r = results[tool][s]
                planted = results["packages"][s]["planted"]
                if i >= len(planted):
                    cells.append("")
                elif r["timed_out"]:
                    cells.append("timeout")
                else:
                    before = [p["code"] for p in planted[:i]].count(planted[i]["code"])
                    hits = r["findings"]["found"].count(planted[i]["code"])
                    cells.append("found" if hits > before else "**missed**")
        L.append(f"| {kind} | `{generate.RHIL7_CODES[kind]}` | " + " | ".join(cells) + " |")
    extras = {label(s): results["validate"][s]["findings"]["extra"] for s in results["scales"] if results["validate"][s]["findings"]["extra"]}
    if extras:
        L += ["", "Problems rhil7 reported that are not planted faults (false positives or consequences):", ""]
        for name, items in extras.items():
            for e in items[:10]:
                L.append(f"- {name}: `{e}`")
    fx = {label(s): results["frictionless"][s]["findings"]["extra"] for s in results["scales"] if results["frictionless"][s]["findings"]["extra"]}
    if fx:
        L += ["", "Other frictionless errors (e.g. the `unique-error` it adds next to `primary-key` for the same row): "
              + "; ".join(f"{k}: {len(v)}" for k, v in fx.items()) + "."]
    L += ["", "## Build and queries", "",
          "`rhil7 build PATH` validates first, then writes rhil7.duckdb and Parquet (RHIL7_BUILD points at a scratch "
          "directory). It is run where validation fits the time budget; *load only* is the same build without the "
          "validation (`build_database(path, validate=False)` in a fresh process), to show what loading costs.", "",
          "| package | rhil7 build | peak | load only | peak |", "|---|---:|---:|---:|---:|"]
    for rows in results["scales"]:
        b = results["build"].get(rows)
        ld = results["load"][rows]
        b_exit = "" if b is None else f" (exit {b['rc']})"
        b_peak = "" if b is None else f"{b['maxrss_mib']:.0f} MiB"
        L.append(f"| clean {label(rows)} | {fmt_time(b)}{b_exit} | {b_peak} | {fmt_time(ld)} (exit {ld['rc']}) | "
                 f"{ld['maxrss_mib']:.0f} MiB |")
    L += ["", "Every example query, `rhil7 query --database DB --file queries/examples/F.sql` (default table output, "
          "written to a file):", "", "| query | " + " | ".join(f"{db} DB" for db in results["queries"]) + " |",
          "|---|" + "---:|" * len(results["queries"])]
    names = sorted({n for q in results["queries"].values() for n in q})
    for n in names:
        cells = []
        for q in results["queries"].values():
            r = q.get(n)
            cells.append("not run" if r is None else f"{fmt_time(r)}, {r['output_lines']:,} lines" + ("" if r["rc"] == 0 else f", exit {r['rc']}"))
        L.append(f"| {n} | " + " | ".join(cells) + " |")
    p, r = results["pooling"], results["reproduce"]
    L += ["", "## Pooling and reproduction", "",
          f"- `pool_many` over {p['comparisons']:,} comparisons ({p['effects']:,} effect sizes, 2-20 per comparison), "
          f"fixed effect + DerSimonian-Laird, in process: first call {p['first']:.3f} s, median of 5 more "
          f"{p['median']:.3f} s, best {p['best']:.3f} s. The same with the per-comparison `fixed_effect` + "
          f"`random_effects(method='DL')` in a Python loop: {p['loop']:.2f} s; largest difference between the two: "
          f"{p['max_abs_diff']:.1e}.",
          f"- `rhil7 reproduce` on the real package (validate, build, recompute, plots, report): {fmt_time(r)}, "
          f"peak {r['maxrss_mib']:.0f} MiB, exit {r['rc']}.", ""]
    if results["profiles"]:
        L += ["## Profiles of the targets not met", ""]
        profs = results["profiles"]
        if "validate_real" in profs:
            L += profile_markdown("rhil7 validate, real package", profs["validate_real"])
        if "validate_scale" in profs:
            L += profile_markdown("rhil7 validate, the largest package that validates within 40 s", profs["validate_scale"])
        if "validate_big" in profs:
            L += profile_markdown(f"rhil7 validate, {label(big)} rows", profs["validate_big"])
    return "\n".join(L) + "\n"
