"""The cost of hostile inputs (issue 12, defect 4): a header 20,000 columns wide, and a file that would
produce millions of problems. Each is validated by a fresh `rhil7 validate --format json` process.

    python benchmarks/hostile.py [--rows 300000]

Prints one JSON object: seconds, peak memory (MiB), exit code, problems counted and listed.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402

RHIL7 = str(Path(sys.executable).with_name("rhil7"))


def timed_validate(package: Path) -> dict:
    """Wall clock and peak resident memory of one whole `rhil7 validate` process."""
    start = time.perf_counter()
    process = subprocess.Popen([RHIL7, "validate", str(package), "--format", "json"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    out, err = process.communicate(timeout=600)
    seconds = time.perf_counter() - start
    body = json.loads(out) if out else {}
    return {"seconds": round(seconds, 2), "exit": process.returncode, "output_bytes": len(out),
            "problem_count": body.get("problem_count"), "listed": len(body.get("problems", [])),
            "stderr": err.decode()[-300:]}


def peak_mib(package: Path) -> float:
    """Peak resident memory of one `rhil7 validate` run, in MiB (GNU time when present, else ru_maxrss)."""
    import resource
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run([RHIL7, "validate", str(package), "--format", "json"], capture_output=True, timeout=600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(after, before) / 1024, 1)  # (the largest child so far: run this one first)


def wide_header(package: Path, columns: int = 20_000) -> Path:
    path = package / "tables" / "open_questions.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = lines[0].rstrip("\n") + "".join(f",c{i}" for i in range(columns - lines[0].count(",") - 1)) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    return package


def many_problems(package: Path) -> Path:
    """Every row of outcomes_dichotomous breaks four checks: a type, an enum, a required value, a foreign key."""
    import pandas as pd
    path = package / "tables" / "outcomes_dichotomous.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["events"] = "many"
    frame["method"] = "guess"
    frame["location"] = ""
    frame["arm_id"] = "nobody_" + frame.index.astype(str)
    frame.to_csv(path, index=False, lineterminator="\n")
    return package


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000, help="rows of the table full of problems")
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        real = Path(tmp) / "wide"
        shutil.copytree(HERE.parent / "tables", real / "tables")
        shutil.copy2(HERE.parent / "datapackage.json", real / "datapackage.json")
        wide_header(real)
        results["header_20000_columns"] = dict(timed_validate(real), peak_mib=peak_mib(real),
                                               file_bytes=(real / "tables" / "open_questions.csv").stat().st_size)
        big = Path(tmp) / "many"
        generate.generate(big, studies=max(10, args.rows // 100), continuous_rows=1_000, dichotomous_rows=args.rows)
        many_problems(big)
        size = (big / "tables" / "outcomes_dichotomous.csv").stat().st_size
        results["millions_of_problems"] = dict(peak_mib=peak_mib(big), **timed_validate(big), file_bytes=size)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
