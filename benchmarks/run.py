"""The speed targets, measured side by side in one run, as ratios and peak memory (never absolute seconds alone).

    python benchmarks/run.py [--rows 1000000] [--faults 10] [--seed 1] [--workdir /tmp/rhil7-bench]

Every command runs as a whole, fresh process (start-up and imports included), timed by wall clock, its peak
memory read from the kernel's rusage of that child. The machine's speed drifts by the hour, so each target is a
ratio of two commands measured minutes apart in the same run:

- the faulted synthetic package (benchmarks/generate.py, ``--rows`` continuous rows, planted faults): `rhil7
  validate` against `frictionless validate` (>= 20x faster) and against a bare DuckDB typed ``read_csv`` of the
  same files, each column typed as its Table Schema says (<= 1.5x), peak memory under 1 GiB, every planted fault
  found;
- the real package: `rhil7 validate` never slower than `frictionless validate`.

Writes RESULTS.md beside this file (``--results``) and prints progress as it goes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
GiB = 1024**3

# A bare DuckDB read of every table of a package, typed as the Table Schema says: the floor no validator that
# reads the files with DuckDB can beat. Run as its own process, like the commands it is compared with.
BARE_DUCKDB = """
import json, sys, duckdb
TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE",
         "year": "INTEGER"}
package = sys.argv[1]
descriptor = json.load(open(package + "/datapackage.json", encoding="utf-8"))
con = duckdb.connect(config={"enable_external_access": True, "autoinstall_known_extensions": False,
                             "autoload_known_extensions": False})
for resource in descriptor["resources"]:
    columns = {f["name"]: TYPES.get(f.get("type", "string"), "VARCHAR") for f in resource["schema"]["fields"]}
    con.execute("SELECT count(*) FROM read_csv(?, header=true, columns=?, auto_detect=false, "
                "ignore_errors=true)", [package + "/" + resource["path"], columns]).fetchall()
"""


@dataclass
class Run:
    seconds: float
    peak_bytes: int
    exit_code: int
    stdout: str


def timed(command: list[str], timeout: float, cwd: Path = ROOT) -> Run:
    """Wall clock of one fresh process; a process past ``timeout`` is killed and counts as infinitely slow."""
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return Run(float("inf"), 0, -9, "")
    return Run(time.perf_counter() - start, 0, done.returncode, done.stdout)


# GNU time reports the peak resident memory of the one process it runs (%M, KiB; the wait4() rusage of that child)
TIME = shutil.which("time", path="/usr/bin:/bin")


def measured(command: list[str], timeout: float, cwd: Path = ROOT) -> Run:
    """``timed`` with the process's peak memory, when GNU time is installed (else the peak reads 0: not met)."""
    if not TIME:
        return timed(command, timeout, cwd)
    report = Path(os.environ.get("TMPDIR", "/tmp")) / f"rhil7-bench-time-{os.getpid()}"
    run = timed([TIME, "-o", str(report), "-f", "%M", *command], timeout, cwd)
    try:
        run.peak_bytes = int(report.read_text().split()[-1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return run


def median_of(runs: list[Run]) -> float:
    return statistics.median(r.seconds for r in runs)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def generate(out: Path, rows: int, faults: int, seed: int) -> Path:
    say(f"writing the synthetic package: {rows:,} continuous rows, {faults} planted faults")
    subprocess.run(
        [
            sys.executable,
            str(HERE / "generate.py"),
            "--out",
            str(out),
            "--studies",
            str(max(rows // 100, 4)),
            "--continuous-rows",
            str(rows),
            "--dichotomous-rows",
            str(max(rows // 10, 40)),
            "--seed",
            str(seed),
            "--faults",
            str(faults),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(["sync"], check=False)
    return out


def planted_faults_found(package: Path, report: str) -> tuple[int, int]:
    """(found, planted): the planted faults (faults.json) that rhil7's JSON report names by code, file, row, field
    (the generator's fault kinds translated to rhil7's codes by generate.RHIL7_CODES)."""
    sys.path.insert(0, str(HERE))
    import generate  # noqa: E402  (beside this file, not an installed module)

    planted = {
        (generate.RHIL7_CODES[f["code"]], f["file"], f["row"], f["field"])
        for f in json.loads((package / "faults.json").read_text())["faults"]
    }
    try:
        problems = json.loads(report)["problems"]
    except (ValueError, KeyError):
        return 0, len(planted)
    seen = {(p["code"], p["file"], p["row"], p["field"]) for p in problems}
    return len(planted & seen), len(planted)


def measure(args) -> dict:
    work = Path(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    rhil7, frictionless = str(BIN / "rhil7"), str(BIN / "frictionless")
    results: dict = {"rows": args.rows, "faults": args.faults}

    say("the real package: rhil7 validate x5, frictionless validate x3")
    real_rhil7 = [measured([rhil7, "validate", str(ROOT)], 120) for _ in range(5)]
    real_frictionless = [measured([frictionless, "validate", "datapackage.json"], 300) for _ in range(3)]
    results["real"] = {
        "rhil7_s": median_of(real_rhil7),
        "frictionless_s": median_of(real_frictionless),
        "rhil7_exit": real_rhil7[0].exit_code,
    }

    package = generate(work / "faulted", args.rows, args.faults, args.seed)
    say("the faulted package: rhil7 validate x3")
    big = [measured([rhil7, "validate", str(package), "--format", "json"], 600) for _ in range(3)]
    say("the faulted package: a bare DuckDB typed read_csv x3")
    bare = [measured([sys.executable, "-c", BARE_DUCKDB, str(package)], 600) for _ in range(3)]
    say(f"the faulted package: frictionless validate x1 (at most {args.frictionless_timeout:.0f} s)")
    slow = measured([frictionless, "validate", "--json", "datapackage.json"], args.frictionless_timeout, cwd=package)
    found, planted = planted_faults_found(package, big[0].stdout)
    results["faulted"] = {
        "rhil7_s": median_of(big),
        "bare_duckdb_s": median_of(bare),
        "frictionless_s": slow.seconds,
        "rhil7_peak_bytes": max(r.peak_bytes for r in big),
        "found": found,
        "planted": planted,
    }
    shutil.rmtree(work, ignore_errors=True)
    return results


def targets(results: dict) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for each target of the issues, from one run's figures."""
    real, big = results["real"], results["faulted"]
    vs_frictionless = big["frictionless_s"] / big["rhil7_s"]
    vs_bare = big["rhil7_s"] / big["bare_duckdb_s"]
    timed_out = big["frictionless_s"] == float("inf")
    return [
        (
            "faulted package: at least 20x faster than frictionless validate",
            "frictionless timed out" if timed_out else f"{vs_frictionless:.1f}x",
            timed_out or vs_frictionless >= 20,
        ),
        ("faulted package: within 1.5x of a bare DuckDB typed read_csv", f"{vs_bare:.2f}x", vs_bare <= 1.5),
        (
            "faulted package: peak memory under 1 GiB",
            f"{big['rhil7_peak_bytes'] / GiB:.2f} GiB",
            0 < big["rhil7_peak_bytes"] < GiB,
        ),
        (
            "faulted package: every planted fault found",
            f"{big['found']} of {big['planted']}",
            big["found"] == big["planted"],
        ),
        (
            "real package: never slower than frictionless validate",
            f"{real['frictionless_s'] / real['rhil7_s']:.2f}x frictionless's speed",
            real["rhil7_s"] <= real["frictionless_s"],
        ),
    ]


def markdown(results: dict) -> str:
    real, big = results["real"], results["faulted"]
    rows = "\n".join(f"| {name} | {value} | {'met' if met else 'NOT met'} |" for name, value, met in targets(results))
    return f"""## Speed targets

Written by `python benchmarks/run.py` on {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}, {os.cpu_count()} cores,
load average {os.getloadavg()[0]:.2f} at the end. The faulted package: {results["rows"]:,} continuous rows,
{results["faults"]} planted faults (benchmarks/generate.py). Targets are ratios within this one run.

| target | measured | status |
|---|---|---|
{rows}

| command (median of its runs, whole fresh process) | seconds |
|---|---|
| real package: `rhil7 validate` (5 runs) | {real["rhil7_s"]:.2f} |
| real package: `frictionless validate` (3 runs) | {real["frictionless_s"]:.2f} |
| faulted package: `rhil7 validate --format json` (3 runs) | {big["rhil7_s"]:.2f} |
| faulted package: bare DuckDB typed `read_csv` of every table (3 runs) | {big["bare_duckdb_s"]:.2f} |
| faulted package: `frictionless validate` (1 run) | {big["frictionless_s"]:.2f} |
"""


START, END = "<!-- benchmarks/run.py: start -->", "<!-- benchmarks/run.py: end -->"


def write_section(results: Path, text: str) -> None:
    """Replace this runner's section of RESULTS.md (between its markers), keeping what other measurements wrote."""
    section = f"{START}\n{text}{END}\n"
    old = results.read_text(encoding="utf-8") if results.exists() else ""
    if START in old and END in old:
        before, rest = old.split(START, 1)
        new = before + section + rest.split(END, 1)[1].lstrip("\n")
    else:
        new = section + ("\n" + old if old else "")
    temporary = results.with_suffix(".tmp")
    temporary.write_text(new, encoding="utf-8")
    temporary.replace(results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="continuous rows of the faulted package")
    parser.add_argument("--faults", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", default="/tmp/rhil7-bench", help="scratch directory (recreated, then removed)")
    parser.add_argument("--frictionless-timeout", type=float, default=300)
    parser.add_argument("--results", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args(argv)
    results = measure(args)
    text = markdown(results)
    write_section(Path(args.results), text)
    print(text)
    return 0 if all(met for _, _, met in targets(results)) else 1


if __name__ == "__main__":
    sys.exit(main())
