"""Benchmark of the rhil7 tool chain against the targets of issue 8; writes benchmarks/RESULTS.md.

    python benchmarks/run.py            # ~10 minutes at most on 2 cores (every step has a timeout)

Every command is timed as a whole, fresh process (subprocess, wall clock, including interpreter
start-up and imports), with its peak resident memory from wait4() (ru_maxrss of that process
alone). Pooling is timed in process. The synthetic packages come from benchmarks/generate.py
(same seed, same bytes); each scale is written twice: clean (for build and queries) and with
planted faults (for validation: the faults the validators must find, listed in faults.json).
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import pstats
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402
import stages  # noqa: E402

BIN = Path(sys.executable).parent
RHIL7 = str(BIN / "rhil7")
FRICTIONLESS = str(BIN / "frictionless")
SCALES = [1_000, 10_000, 100_000, 1_000_000]
TARGETS = {"validate_real": 1.5, "validate_1m": 5.0, "speedup": 10.0, "pool_10k": 1.0, "reproduce": 10.0,
           "memory_1m_gib": 2.0}


def scale_params(rows: int) -> dict:
    return {"studies": max(10, rows // 100), "continuous_rows": rows, "dichotomous_rows": rows // 10}


def label(rows: int) -> str:
    return f"{rows // 1_000_000}M" if rows >= 1_000_000 else f"{rows // 1000}k"


# ------------------------------------------------------------------------------------ budget


class Budget:
    """The whole run must end in time: every step's timeout is capped by what is left."""

    def __init__(self, seconds: float):
        self.start = time.monotonic()
        self.seconds = seconds

    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.start)

    def timeout(self, cap: float, reserve: float = 0.0) -> float:
        return max(5.0, min(cap, self.left() - reserve))


# ------------------------------------------------------------------------------------ processes


TIME = shutil.which("time", path="/usr/bin:/bin")


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def _default_sigint() -> None:
    """A run started in the background (``cmd &``) ignores SIGINT, and so would its children; Python
    installs its KeyboardInterrupt handler only when SIGINT has the default action at start-up."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_process(cmd: list[str], timeout: float, cwd: Path | None = None, env: dict | None = None,
                stdout: Path | None = None, interrupt: bool = False) -> dict:
    """Run ``cmd`` as a fresh process; wall time, exit code, peak RSS and whether it timed out.

    The peak RSS comes from GNU time (``/usr/bin/time -f %M``), which reports the wait4() rusage of
    its own child: measuring from this (large) Python process instead would report this process's
    size, because a forked child's ru_maxrss starts from its parent's. On timeout the measured
    process gets SIGKILL (SIGINT with ``interrupt``, so that a profiler can write its partial
    profile), and its peak up to that moment is still reported."""
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL
    scratch = Path(os.environ.get("TMPDIR", "/tmp"))
    err_path = scratch / f"rhil7-bench-stderr-{os.getpid()}.txt"
    rss_path = scratch / f"rhil7-bench-rss-{os.getpid()}.txt"
    rss_path.unlink(missing_ok=True)
    err = open(err_path, "wb")
    full_env = dict(os.environ, **(env or {}))
    wrapped = [TIME, "-f", "%M", "-o", str(rss_path), *cmd] if TIME else list(cmd)
    start = time.perf_counter()
    proc = subprocess.Popen(wrapped, cwd=cwd, env=full_env, stdout=out, stderr=err, start_new_session=True,
                            preexec_fn=_default_sigint)
    box: dict = {}

    def reap():
        _, status, usage = os.wait4(proc.pid, 0)
        box["end"] = time.perf_counter()
        box["status"], box["usage"] = status, usage

    waiter = threading.Thread(target=reap, daemon=True)
    waiter.start()
    waiter.join(timeout)
    timed_out = waiter.is_alive()
    if timed_out:
        targets = _children(proc.pid) if TIME else [proc.pid]
        for pid in targets:
            try:
                os.kill(pid, signal.SIGINT if interrupt else signal.SIGKILL)
            except ProcessLookupError:
                pass
        waiter.join(30 if interrupt else 10)
        if waiter.is_alive():
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        waiter.join()
    proc.returncode = os.waitstatus_to_exitcode(box["status"])  # reaped here, not by Popen
    if stdout:
        out.close()
    err.close()
    stderr_tail = err_path.read_text(encoding="utf-8", errors="replace")[-400:]
    err_path.unlink(missing_ok=True)
    maxrss_kib = None
    if TIME:
        try:
            lines = [line for line in rss_path.read_text().splitlines() if line.strip().isdigit()]
            maxrss_kib = int(lines[-1]) if lines else None
        except OSError:
            pass
        rss_path.unlink(missing_ok=True)
    else:
        maxrss_kib = box["usage"].ru_maxrss  # an upper bound: includes this process's size at fork
    return {"cmd": " ".join(str(c) for c in cmd), "wall": box["end"] - start, "rc": proc.returncode,
            "timed_out": timed_out, "timeout": timeout, "maxrss_mib": (maxrss_kib or 0) / 1024,
            "stderr": stderr_tail.strip()}


def fmt_time(r: dict | None) -> str:
    if not r:
        return "not run"
    if r.get("timed_out"):
        return f"> {r['timeout']:.0f} s (timeout)"
    return f"{r['wall']:.2f} s"


# ------------------------------------------------------------------------------------ machine


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass

    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    dirty = [line for line in git("status", "--porcelain", "--", "validators", "analysis", "src", "queries",
                                  "pyproject.toml").splitlines() if line.strip()]
    return {"uname": " ".join(platform.uname()), "cpu": cpu, "cores": os.cpu_count(), "memory": mem,
            "loadavg_start": loadavg(), "speed_probe_start": speed_probe(),
            "python": platform.python_version(), "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "commit": git("rev-parse", "--short", "HEAD"), "dirty_code_files": dirty,
            "installed_matches_tree": installed_matches_tree(),
            "installed_matches_head": installed_matches_tree("HEAD")}


_PROBE = """
import time
import numpy as np
def loop():
    total = 0
    for i in range(10_000_000):
        total += i
start = time.perf_counter(); loop(); middle = time.perf_counter()
np.ones(64_000_000).sum()
print(round(middle - start, 3), round(time.perf_counter() - middle, 3))
"""


def speed_probe() -> dict:
    """Two fixed workloads in a fresh process: a pure-Python loop (CPU) and filling 512 MB of new memory
    (the kernel's page faults). The machine's speed drifts, and the second more than the first (the same
    1M validation took 4.5 s and 5.9 s an hour apart): every timing of the run moves with them, so the probe
    is recorded at the start and the end of the run."""
    try:
        out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=60).stdout.split()
        return {"python_loop": float(out[0]), "fresh_memory": float(out[1])}
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return {}


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def installed_matches_tree(revision: str | None = None) -> bool | None:
    """Is the installed rhil7 (what the CLI runs) the same code as this working tree (or as ``revision``)?"""
    try:
        import rhil7
    except ImportError:
        return None
    installed = Path(rhil7.__file__).parent
    pairs = [(installed / "validators", "validators"), (installed / "analysis", "analysis"), (installed, "src/rhil7")]
    for inst, folder in pairs:
        if revision is None:
            names = [p.name for p in (ROOT / folder).glob("*.py")]
        else:
            listing = subprocess.run(["git", "ls-tree", "--name-only", f"{revision}:{folder}"], cwd=ROOT,
                                     capture_output=True, text=True, timeout=20).stdout.split()
            names = [n for n in listing if n.endswith(".py")]
        for name in names:
            if revision is None:
                source = (ROOT / folder / name).read_bytes()
            else:
                source = subprocess.run(["git", "show", f"{revision}:{folder}/{name}"], cwd=ROOT, capture_output=True,
                                        timeout=20).stdout
            other = inst / name
            if not other.exists() or other.read_bytes() != source:
                return False
    return True


# ------------------------------------------------------------------------------------ faults


def rhil7_findings(json_path: Path, planted: list[dict]) -> dict:
    try:
        problems = json.loads(json_path.read_text(encoding="utf-8"))["problems"]
    except (OSError, ValueError, KeyError):
        return {"found": [], "missed": [f["code"] for f in planted], "extra": [], "parsed": False}
    reported = {(p["code"], p["file"], p["row"], p["field"]) for p in problems}
    found, missed = [], []
    expected = set()
    for f in planted:
        key = (generate.RHIL7_CODES[f["code"]], f["file"], f["row"], f["field"])
        expected.add(key)
        (found if key in reported else missed).append(f["code"])
    extra = sorted(reported - expected, key=str)
    return {"found": found, "missed": missed, "extra": [list(e) for e in extra], "parsed": True}


def frictionless_findings(json_path: Path, planted: list[dict]) -> dict:
    try:
        report = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"found": [], "missed": [f["code"] for f in planted], "extra": [], "parsed": False}
    errors = [(e.get("type"), t.get("place") or t.get("name"), e.get("rowNumber"), e.get("fieldName"))
              for t in report.get("tasks", []) for e in t.get("errors", [])]
    found, missed, matched = [], [], set()
    for f in planted:
        code = generate.FRICTIONLESS_CODES[f["code"]]
        hits = [e for e in errors if code and e[0] == code and e[1] == f["file"] and e[2] == f["row"]
                and e[3] in (f["field"], None)]
        matched.update(hits)
        (found if hits else missed).append(f["code"])
    extra = [list(e) for e in errors if e not in matched]
    return {"found": found, "missed": missed, "extra": extra, "parsed": True}


# ------------------------------------------------------------------------------------ profiles


def profile_summary(prof: Path, top: int = 15) -> dict:
    stats = pstats.Stats(str(prof))
    total = stats.total_tt
    rows = []
    imports = 0.0
    for (file, line, name), (cc, nc, tt, ct, _) in stats.stats.items():
        if name == "_find_and_load" and "importlib" in file:
            imports = max(imports, ct)
        if file.startswith("<frozen") or file in ("~", "<string>") or "runpy" in file or name == "<module>":
            continue
        short = re.sub(r"^.*(site-packages|lib/python3\.\d+)/", "", file)
        rows.append({"function": f"{short}:{line}({name})", "ncalls": nc, "tottime": tt, "cumtime": ct})
    by_cum = sorted(rows, key=lambda r: -r["cumtime"])[:top]
    by_tot = sorted(rows, key=lambda r: -r["tottime"])[:10]
    return {"total": total, "imports": imports, "cumulative": by_cum, "tottime": by_tot}


def profile_validate(package: Path, out: Path, timeout: float) -> dict:
    run = run_process([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "rhil7.cli", "validate", str(package)],
                      timeout, interrupt=True)
    summary = profile_summary(out) if out.exists() else None
    return {"run": run, "summary": summary, "package": str(package)}


def profile_markdown(title: str, prof: dict) -> list[str]:
    lines = [f"#### {title}", ""]
    run, summary = prof["run"], prof["summary"]
    if summary is None:
        return lines + [f"No profile was written ({fmt_time(run)}).", ""]
    partial = " (interrupted at the timeout: a partial profile of the first part of the run)" if run["timed_out"] else ""
    lines += [f"`python -m cProfile -m rhil7.cli validate {prof['package']}`{partial}: {summary['total']:.2f} s "
              f"profiled (cProfile roughly doubles Python-heavy code), of which imports {summary['imports']:.2f} s.", "",
              "Top functions by cumulative time:", "", "| cumtime s | tottime s | calls | function |", "|---:|---:|---:|---|"]
    for r in summary["cumulative"]:
        lines.append(f"| {r['cumtime']:.2f} | {r['tottime']:.2f} | {r['ncalls']} | `{r['function']}` |")
    lines += ["", "Top functions by own time:", "", "| tottime s | cumtime s | calls | function |", "|---:|---:|---:|---|"]
    for r in summary["tottime"]:
        lines.append(f"| {r['tottime']:.2f} | {r['cumtime']:.2f} | {r['ncalls']} | `{r['function']}` |")
    return lines + [""]


# ------------------------------------------------------------------------------------ steps


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default="/tmp/rhil7-bench", help="where packages and databases go (recreated)")
    parser.add_argument("--scales", default=",".join(map(str, SCALES)), help="continuous rows per package, comma-separated")
    parser.add_argument("--faults", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
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
    R: dict = {"machine": machine(), "scales": scales, "targets": TARGETS}
    print(f"machine: {R['machine']['cpu']}, {R['machine']['cores']} cores, {R['machine']['memory']}", flush=True)
    if not R["machine"]["installed_matches_tree"] and not R["machine"]["installed_matches_head"]:
        print("  warning: the installed rhil7 differs from this working tree; reinstall with "
              "`pip install --no-deps .` to measure the current code", flush=True)

    # The real package first: writing 1.2 GB of synthetic packages leaves the machine busy for a while
    # (write-back, memory reclaim), which would be timed as part of a 1.3 s command.
    print("validate: the real package (5 fresh processes)", flush=True)
    R["validate_real"] = [run_process([RHIL7, "validate", str(ROOT)], budget.timeout(60, 400)) for _ in range(5)]

    print("reproduce: the real package", flush=True)
    real_build = work / "build-real"
    R["reproduce"] = run_process([RHIL7, "reproduce", str(ROOT)], budget.timeout(120, 380), cwd=ROOT,
                                 env={"RHIL7_BUILD": str(real_build)})

    print("generating packages", flush=True)
    R["packages"] = packages = step_generate(work, scales, args.faults, args.seed)

    print("pooling", flush=True)
    R["pooling"] = step_pooling(args.seed)

    print("validate: clean packages must be valid (exit 0)", flush=True)
    R["validate_clean"] = {}
    for rows in [s for s in scales if s <= 10_000]:
        R["validate_clean"][rows] = run_process([RHIL7, "validate", packages[rows]["clean"]], budget.timeout(120, 380))

    print("validate: packages with planted faults (rhil7.cli.main with a clock per stage: benchmarks/stages.py)",
          flush=True)
    R["validate"] = {}
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
        R["validate"][rows] = r
        print(f"  {label(rows)}: {fmt_time(r)}, peak {r['maxrss_mib']:.0f} MiB, "
              f"{len(r['findings']['found'])}/{len(packages[rows]['planted'])} faults, "
              f"{len(r['findings']['extra'])} other problems", flush=True)
        if rows == max([s for s in scales if s <= 10_000], default=None):
            # control: the plain `rhil7` script on the same package, to show the stage clocks cost nothing
            out = work / f"rhil7-plain-{label(rows)}.json"
            c = run_process([RHIL7, "validate", "--format", "json", packages[rows]["faulted"]],
                            budget.timeout(120, 330), stdout=out)
            c["findings"] = rhil7_findings(out, packages[rows]["planted"])
            R["validate_plain"] = {rows: c}
            print(f"  control, plain `rhil7 validate` {label(rows)}: {fmt_time(c)}", flush=True)
    big_rows = max(scales)
    print(f"validate: the faulted {label(big_rows)} package, plain `rhil7 validate` ({BIG_RUNS} fresh processes)",
          flush=True)
    R["validate_big_plain"] = []
    for i in range(BIG_RUNS):
        out = work / f"rhil7-plain-{label(big_rows)}-{i + 1}.json"
        c = run_process([RHIL7, "validate", "--format", "json", packages[big_rows]["faulted"]],
                        budget.timeout(150, 250), stdout=out)
        c["findings"] = rhil7_findings(out, packages[big_rows]["planted"])
        R["validate_big_plain"].append(c)
        print(f"  run {i + 1}: {fmt_time(c)}, peak {c['maxrss_mib']:.0f} MiB, "
              f"{len(c['findings']['found'])}/{len(packages[big_rows]['planted'])} faults", flush=True)
    log = work / "stages-real.jsonl"
    real_staged = run_process([sys.executable, str(HERE / "stages.py"), "validate", str(ROOT)], budget.timeout(60, 200),
                              env={"RHIL7_BENCH_STAGES": str(log)})
    real_staged["stages"] = stages.summarize(str(log))
    R["validate_real_staged"] = real_staged

    print("frictionless validate (baseline) on the same packages", flush=True)
    R["frictionless"] = {}
    for rows in scales:
        out = work / f"frictionless-{label(rows)}.json"
        cap = 240 if rows >= 1_000_000 else 120
        r = run_process([FRICTIONLESS, "validate", "--json", "datapackage.json"],
                        budget.timeout(cap, 110 if rows >= big else 150), cwd=Path(packages[rows]["faulted"]), stdout=out)
        r["findings"] = frictionless_findings(out, packages[rows]["planted"])
        R["frictionless"][rows] = r
        print(f"  {label(rows)}: {fmt_time(r)}, peak {r['maxrss_mib']:.0f} MiB, "
              f"{len(r['findings']['found'])}/{len(packages[rows]['planted'])} faults", flush=True)

    print("build", flush=True)
    R["build"], R["load"] = {}, {}
    for rows in scales:
        v = R["validate"][rows]
        # `rhil7 build` validates first: run it where validation is known to fit in the budget
        if not v["timed_out"] and v["wall"] < 30:
            R["build"][rows] = run_process([RHIL7, "build", packages[rows]["clean"]], budget.timeout(120, 100),
                                           env={"RHIL7_BUILD": str(work / f"build-cli-{label(rows)}")})
        code = ("import sys; from pathlib import Path; from rhil7.build import build_database; "
                "build_database(Path(sys.argv[1]), Path(sys.argv[2]), validate=False)")
        R["load"][rows] = run_process([sys.executable, "-c", code, packages[rows]["clean"], str(work / f"build-{label(rows)}")],
                                      budget.timeout(120, 80))
        print(f"  {label(rows)}: rhil7 build {fmt_time(R['build'].get(rows))}, load only {fmt_time(R['load'][rows])}",
              flush=True)

    print("queries", flush=True)
    R["queries"] = {}
    examples = sorted((ROOT / "queries" / "examples").glob("*.sql"))
    databases = {"real": real_build / "rhil7.duckdb", label(big): work / f"build-{label(big)}" / "rhil7.duckdb"}
    for name, database in databases.items():
        R["queries"][name] = {}
        if not database.exists():
            continue
        for sql in examples:
            r = run_process([RHIL7, "query", "--database", str(database), "--file", str(sql)], budget.timeout(60, 60),
                            stdout=work / "query-output.txt")
            r["output_lines"] = sum(1 for _ in (work / "query-output.txt").open("rb"))
            R["queries"][name][sql.name] = r

    targets = evaluate(R, big)
    R["evaluated"] = targets

    print("profiles of the targets not met", flush=True)
    R["profiles"] = {}
    if targets["validate_real"]["status"] != "met":
        R["profiles"]["validate_real"] = profile_validate(ROOT, work / "validate-real.prof", budget.timeout(60, 40))
    if any(targets[t]["status"] != "met" for t in ("validate_1m", "speedup", "faults_1m", "memory_1m")):
        finished = [s for s in scales if not R["validate"][s]["timed_out"] and R["validate"][s]["wall"] < 40]
        if finished:
            rows = max(finished)
            R["profiles"]["validate_scale"] = profile_validate(Path(packages[rows]["faulted"]),
                                                               work / f"validate-{label(rows)}.prof",
                                                               budget.timeout(90, 25))
        if R["validate"][big]["timed_out"] and budget.left() > 90:
            R["profiles"]["validate_big"] = profile_validate(Path(packages[big]["faulted"]),
                                                             work / f"validate-{label(big)}.prof",
                                                             budget.timeout(120, 35))

    R["elapsed"] = budget.seconds - budget.left()
    R["machine"]["loadavg_end"] = loadavg()
    R["machine"]["speed_probe_end"] = speed_probe()
    (work / "results.json").write_text(json.dumps(R, indent=2, default=str), encoding="utf-8")
    text = results_markdown(R, big)
    Path(args.results).write_text(text, encoding="utf-8")
    print()
    print(summary_table(R, big))
    print(f"\nwrote {args.results} and {work / 'results.json'} ({R['elapsed']:.0f} s in all)")
    return 0


# ------------------------------------------------------------------------------------ evaluation


BIG_RUNS = 3


def big_validation(R: dict, big: int) -> dict:
    """The largest package's validation as the targets judge it: the median wall time of the plain
    `rhil7 validate` runs (what a user runs), the highest peak memory of any run, and faults found by every
    run (each run must find them all). Falls back to the staged run when there are no plain runs."""
    staged, plain = R["validate"][big], R.get("validate_big_plain") or []
    if not plain:
        return dict(staged, shown=fmt_time(staged))
    runs = plain + [staged]
    walls = [r["wall"] for r in plain]
    wall = statistics.median(walls)
    missed = [r for r in runs if r["findings"]["missed"] or r["findings"]["extra"]]
    return {"wall": wall, "timed_out": any(r["timed_out"] for r in plain), "rc": max(r["rc"] for r in plain),
            "maxrss_mib": max(r["maxrss_mib"] for r in runs),
            "findings": missed[0]["findings"] if missed else staged["findings"],
            "shown": f"{wall:.2f} s (median of {len(plain)} plain runs: "
                     + ", ".join(f"{w:.2f}" for w in walls) + f" s; with the stage clocks: {fmt_time(staged)})"}


def evaluate(R: dict, big: int) -> dict:
    T = TARGETS
    out = {}
    real = [r["wall"] for r in R["validate_real"] if not r["timed_out"]]
    real_median = statistics.median(real) if len(real) == len(R["validate_real"]) else None
    out["validate_real"] = {"target": f"validate the real package < {T['validate_real']} s",
                            "value": f"{real_median:.2f} s (median of {len(real)}; {min(real):.2f} to {max(real):.2f} s)"
                            if real_median else "timeout",
                            "status": "met" if real_median is not None and real_median < T["validate_real"] else "not met"}
    v, f = big_validation(R, big), R["frictionless"][big]
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
    planted = len(R["packages"][big]["planted"])
    found = v["findings"]
    if v["timed_out"]:
        out["faults_1m"] = {"target": f"find every planted fault at {label(big)} rows",
                            "value": "no report (validation did not finish)", "status": "not met"}
    else:
        out["faults_1m"] = {"target": f"find every planted fault at {label(big)} rows",
                            "value": f"{len(found['found'])}/{planted} found, {len(found['extra'])} other problems",
                            "status": "met" if not found["missed"] and not found["extra"] else "not met"}
    p = R["pooling"]
    out["pool_10k"] = {"target": f"pool {p['comparisons']:,} comparisons (FE + DL) < {T['pool_10k']} s",
                       "value": f"{p['first']:.3f} s (first call), {p['median']:.3f} s (median of 5)",
                       "status": "met" if p["first"] < T["pool_10k"] else "not met"}
    r = R["reproduce"]
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
    return out


# ------------------------------------------------------------------------------------ reports


def stage_markdown(R: dict) -> list[str]:
    """Seconds per validator stage and scale (from benchmarks/stages.py)."""
    runs = {"real": R.get("validate_real_staged")} if R.get("validate_real_staged") else {}
    runs.update({label(rows): R["validate"][rows] for rows in R["scales"]})
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
         "Seconds per stage, summed over the tables; *running* marks the stage that was still running when the "
         "process was killed at its timeout (seconds since it started). Stages are not additive: `rows_to_check` "
         "(DuckDB's scan of the snippets) and the rule `snippets_hold_numbers` that waits for it run on a second "
         "thread beside the other stages, and large tables are typed and checked two columns at a time."]
    plain = R.get("validate_plain") or {}
    for rows, r in plain.items():
        w = R["validate"][rows]
        L += ["", f"Control: the plain `rhil7 validate --format json` on the faulted {label(rows)} package took "
                  f"{fmt_time(r)} (with the stage clocks: {fmt_time(w)}), and reported "
                  f"{len(r['findings']['found'])}/{len(R['packages'][rows]['planted'])} planted faults and "
                  f"{len(r['findings']['extra'])} other problems."]
    L += ["", "| stage | " + " | ".join(runs) + " |", "|---|" + "---:|" * len(runs)]
    imports = []
    for r in runs.values():
        st = r.get("stages") or {}
        imports.append("" if st.get("imports") is None else f"{st['imports']:.2f}")
    L.append("| start-up and imports (pandas, pandera, rhil7) | " + " | ".join(imports) + " |")
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


def summary_table(R: dict, big: int) -> str:
    lines = [f"{'what':58} {'time':>22} {'peak MiB':>9}  notes"]

    def row(what, r, note=""):
        lines.append(f"{what:58} {fmt_time(r):>22} {(r or {}).get('maxrss_mib', 0):9.0f}  {note}")

    for i, r in enumerate(R["validate_real"]):
        row(f"rhil7 validate real package (run {i + 1})", r, f"exit {r['rc']}")
    for rows, r in R["validate_clean"].items():
        row(f"rhil7 validate clean {label(rows)}", r, f"exit {r['rc']} ({'valid' if r['rc'] == 0 else 'INVALID'})")
    for rows in R["scales"]:
        r, f = R["validate"][rows], R["frictionless"][rows]
        n = len(R["packages"][rows]["planted"])
        row(f"rhil7 validate faulted {label(rows)}", r,
            f"{len(r['findings']['found'])}/{n} faults, {len(r['findings']['extra'])} other")
        row(f"frictionless validate faulted {label(rows)}", f, f"{len(f['findings']['found'])}/{n} faults")
    for i, r in enumerate(R.get("validate_big_plain") or []):
        row(f"rhil7 validate faulted {label(big)} (plain, run {i + 1})", r,
            f"{len(r['findings']['found'])}/{len(R['packages'][big]['planted'])} faults")
    for rows in R["scales"]:
        if rows in R["build"]:
            row(f"rhil7 build {label(rows)}", R["build"][rows], f"exit {R['build'][rows]['rc']}")
        row(f"load only (build_database(validate=False)) {label(rows)}", R["load"][rows], f"exit {R['load'][rows]['rc']}")
    for db, queries in R["queries"].items():
        for name, r in queries.items():
            row(f"rhil7 query {db}: {name}", r, f"{r['output_lines']} lines")
    row("rhil7 reproduce real package", R["reproduce"], f"exit {R['reproduce']['rc']}")
    p = R["pooling"]
    lines.append(f"{'pool_many, ' + format(p['comparisons'], ',') + ' comparisons (in process)':58} "
                 f"{p['first']:>20.3f} s {'':9}  median of 5: {p['median']:.3f} s")
    lines.append("")
    for t in R["evaluated"].values():
        lines.append(f"[{t['status']:>16}] {t['target']}: {t['value']}")
    return "\n".join(lines)


def probe(m: dict, key: str) -> str:
    start, end = (m.get(f"speed_probe_{when}") or {} for when in ("start", "end"))
    if key not in start or key not in end:
        return "(not measured)"
    return f"{start[key]:.2f} s at the start and {end[key]:.2f} s at the end"


def results_markdown(R: dict, big: int) -> str:
    m = R["machine"]
    L = ["# Benchmark results (issue 8)", "",
         f"Generated by `python benchmarks/run.py` on {m['date']}; the whole run took {R['elapsed']:.0f} s. "
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
    for t in R["evaluated"].values():
        L.append(f"| {t['target']} | {t['value']} | **{t['status']}** |")
    L += ["", "## Synthetic packages", "",
          "`benchmarks/generate.py`, seed 1: studies = continuous rows / 100 (at least 10), dichotomous rows = "
          "continuous rows / 10, 2 arms per study. Each scale is written clean and with "
          f"{len(R['packages'][big]['planted'])} planted faults. Time = build the tables once, write the clean "
          "package, plant the faults, write the faulted package.", "",
          "| scale | studies | arms | continuous | dichotomous | coverage | provenance | CSV size | generation |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for rows in R["scales"]:
        p = R["packages"][rows]
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
    real = R["validate_real"]
    walls = ", ".join(f"{r['wall']:.2f} s" for r in real)
    codes = ", ".join(str(r["rc"]) for r in real)
    L.append(f"| real package ({len(real)} runs) | {walls} | {max(r['maxrss_mib'] for r in real):.0f} MiB | | exit {codes} | | | | |")
    for rows, r in R["validate_clean"].items():
        L.append(f"| clean {label(rows)} | {fmt_time(r)} | {r['maxrss_mib']:.0f} MiB | | exit {r['rc']} "
                 f"({'valid' if r['rc'] == 0 else 'INVALID'}) | | | | |")
    for rows in R["scales"]:
        r, f = R["validate"][rows], R["frictionless"][rows]
        n = len(R["packages"][rows]["planted"])
        ratio = "" if r["timed_out"] or f["timed_out"] else f"{f['wall'] / r['wall']:.2f}x"
        rf = f"{len(r['findings']['found'])}/{n}" if not r["timed_out"] else "no report"
        ff = f"{len(f['findings']['found'])}/{n}" if not f["timed_out"] else "no report"
        L.append(f"| faulted {label(rows)} | {fmt_time(r)} | {r['maxrss_mib']:.0f} MiB{' (at kill)' if r['timed_out'] else ''} | "
                 f"{rf} | {len(r['findings']['extra']) if not r['timed_out'] else ''} | {fmt_time(f)} | "
                 f"{f['maxrss_mib']:.0f} MiB{' (at kill)' if f['timed_out'] else ''} | {ff} | {ratio} |")
    for i, r in enumerate(R.get("validate_big_plain") or []):
        f, n = R["frictionless"][big], len(R["packages"][big]["planted"])
        ratio = "" if r["timed_out"] or f["timed_out"] else f"{f['wall'] / r['wall']:.2f}x"
        L.append(f"| faulted {label(big)}, plain `rhil7 validate`, run {i + 1} | {fmt_time(r)} | {r['maxrss_mib']:.0f} MiB | "
                 f"{len(r['findings']['found'])}/{n} | {len(r['findings']['extra'])} | | | | {ratio} |")
    if R.get("validate_big_plain"):
        L += ["", f"The {label(big)} targets are judged on the median of the plain runs (the command a user runs); "
                  "the staged run above is the same code with a clock around each stage. The written packages are "
                  "flushed to disk (`sync`) before any timing, so the kernel's write-back does not compete with them."]
    L += stage_markdown(R)
    fl = R["frictionless"]
    finished = [s for s in R["scales"] if not fl[s]["timed_out"]]
    if fl[big]["timed_out"] and finished:
        s = max(finished)
        L += ["", f"frictionless did not finish {label(big)} rows in {fl[big]['timeout']:.0f} s. **Extrapolated** "
                  f"(linear in rows from {label(s)}: {fl[s]['wall']:.1f} s): about {fl[s]['wall'] * big / s:.0f} s. "
                  "This is an extrapolation, not a measurement."]
    if len(finished) >= 2:
        a, b = finished[-2], finished[-1]
        L += ["", f"frictionless scaling: {label(a)} -> {label(b)} rows: {fl[a]['wall']:.1f} s -> {fl[b]['wall']:.1f} s."]
    steps = []
    for a, b in zip(R["scales"], R["scales"][1:]):
        va, vb = R["validate"][a], R["validate"][b]
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
    if R["validate"][big]["timed_out"] and big in R["load"] and not R["load"][big]["timed_out"]:
        L += ["", f"For scale: reading the {label(big)} package's tables into typed pandas frames and loading them into "
                  f"DuckDB without validation (*load only* below) peaks at {R['load'][big]['maxrss_mib']:.0f} MiB."]
    L += ["", "### Planted faults: who finds what", "",
          f"The {len(R['packages'][big]['planted'])} faults planted in each package (kind, table, row, field; "
          "row = CSV record, header = 1). A fault counts as found when the report names that code, file, row and "
          "field (frictionless: its code, file and row).", ""]
    header = "| fault | expected code | " + " | ".join(f"rhil7 {label(s)}" for s in R["scales"]) + " | " + \
             " | ".join(f"frictionless {label(s)}" for s in R["scales"]) + " |"
    L += [header, "|" + "---|" * (2 + 2 * len(R["scales"]))]
    for i, kind in enumerate(f["code"] for f in R["packages"][big]["planted"]):
        cells = []
        for tool in ("validate", "frictionless"):
            for s in R["scales"]:
                r = R[tool][s]
                planted = R["packages"][s]["planted"]
                if i >= len(planted):
                    cells.append("")
                elif r["timed_out"]:
                    cells.append("timeout")
                else:
                    before = [p["code"] for p in planted[:i]].count(planted[i]["code"])
                    hits = r["findings"]["found"].count(planted[i]["code"])
                    cells.append("found" if hits > before else "**missed**")
        L.append(f"| {kind} | `{generate.RHIL7_CODES[kind]}` | " + " | ".join(cells) + " |")
    extras = {label(s): R["validate"][s]["findings"]["extra"] for s in R["scales"] if R["validate"][s]["findings"]["extra"]}
    if extras:
        L += ["", "Problems rhil7 reported that are not planted faults (false positives or consequences):", ""]
        for name, items in extras.items():
            for e in items[:10]:
                L.append(f"- {name}: `{e}`")
    fx = {label(s): R["frictionless"][s]["findings"]["extra"] for s in R["scales"] if R["frictionless"][s]["findings"]["extra"]}
    if fx:
        L += ["", "Other frictionless errors (e.g. the `unique-error` it adds next to `primary-key` for the same row): "
              + "; ".join(f"{k}: {len(v)}" for k, v in fx.items()) + "."]
    L += ["", "## Build and queries", "",
          "`rhil7 build PATH` validates first, then writes rhil7.duckdb and Parquet (RHIL7_BUILD points at a scratch "
          "directory). It is run where validation fits the time budget; *load only* is the same build without the "
          "validation (`build_database(path, validate=False)` in a fresh process), to show what loading costs.", "",
          "| package | rhil7 build | peak | load only | peak |", "|---|---:|---:|---:|---:|"]
    for rows in R["scales"]:
        b = R["build"].get(rows)
        ld = R["load"][rows]
        b_exit = "" if b is None else f" (exit {b['rc']})"
        b_peak = "" if b is None else f"{b['maxrss_mib']:.0f} MiB"
        L.append(f"| clean {label(rows)} | {fmt_time(b)}{b_exit} | {b_peak} | {fmt_time(ld)} (exit {ld['rc']}) | "
                 f"{ld['maxrss_mib']:.0f} MiB |")
    L += ["", "Every example query, `rhil7 query --database DB --file queries/examples/F.sql` (default table output, "
          "written to a file):", "", "| query | " + " | ".join(f"{db} DB" for db in R["queries"]) + " |",
          "|---|" + "---:|" * len(R["queries"])]
    names = sorted({n for q in R["queries"].values() for n in q})
    for n in names:
        cells = []
        for q in R["queries"].values():
            r = q.get(n)
            cells.append("not run" if r is None else f"{fmt_time(r)}, {r['output_lines']:,} lines" + ("" if r["rc"] == 0 else f", exit {r['rc']}"))
        L.append(f"| {n} | " + " | ".join(cells) + " |")
    p, r = R["pooling"], R["reproduce"]
    L += ["", "## Pooling and reproduction", "",
          f"- `pool_many` over {p['comparisons']:,} comparisons ({p['effects']:,} effect sizes, 2-20 per comparison), "
          f"fixed effect + DerSimonian-Laird, in process: first call {p['first']:.3f} s, median of 5 more "
          f"{p['median']:.3f} s, best {p['best']:.3f} s. The same with the per-comparison `fixed_effect` + "
          f"`random_effects(method='DL')` in a Python loop: {p['loop']:.2f} s; largest difference between the two: "
          f"{p['max_abs_diff']:.1e}.",
          f"- `rhil7 reproduce` on the real package (validate, build, recompute, plots, report): {fmt_time(r)}, "
          f"peak {r['maxrss_mib']:.0f} MiB, exit {r['rc']}.", ""]
    if R["profiles"]:
        L += ["## Profiles of the targets not met", ""]
        profs = R["profiles"]
        if "validate_real" in profs:
            L += profile_markdown("rhil7 validate, real package", profs["validate_real"])
        if "validate_scale" in profs:
            L += profile_markdown(f"rhil7 validate, the largest package that validates within 40 s", profs["validate_scale"])
        if "validate_big" in profs:
            L += profile_markdown(f"rhil7 validate, {label(big)} rows", profs["validate_big"])
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    sys.exit(main())
