"""cProfile of `rhil7 validate` for a target not met, summarized as tables."""
from __future__ import annotations

import pstats
import re
import sys
from pathlib import Path

from processes import fmt_time, run_process


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


# cProfile sees only the thread it runs in: here the tables and rules run one after another (the report is the
# same, tests/test_parallel.py), so that their functions show up in the profile
_ONE_BY_ONE = ("import cProfile, sys\n"
               "cProfile.run('from rhil7.validators import run\\n"
               "run.in_parallel = lambda con, jobs: [job(con) for job in jobs]\\n"
               "from rhil7.cli import main\\n"
               "main([\"validate\", sys.argv[2]])', sys.argv[1])")


def profile_validate(package: Path, out: Path, timeout: float) -> dict:
    run = run_process([sys.executable, "-c", _ONE_BY_ONE, str(out), str(package)], timeout, interrupt=True)
    summary = profile_summary(out) if out.exists() else None
    return {"run": run, "summary": summary, "package": str(package)}


def profile_markdown(title: str, prof: dict) -> list[str]:
    lines = [f"#### {title}", ""]
    run, summary = prof["run"], prof["summary"]
    if summary is None:
        return lines + [f"No profile was written ({fmt_time(run)}).", ""]
    partial = " (interrupted at the timeout: a partial profile of the first part of the run)" if run["timed_out"] else ""
    lines += [f"cProfile of `rhil7.cli.main(['validate', '{prof['package']}'])`, its tables and rules run one after "
              f"another (cProfile sees only its own thread){partial}: {summary['total']:.2f} s profiled (cProfile "
              f"roughly doubles Python-heavy code), of which imports {summary['imports']:.2f} s.", "",
              "Top functions by cumulative time:", "", "| cumtime s | tottime s | calls | function |", "|---:|---:|---:|---|"]
    for r in summary["cumulative"]:
        lines.append(f"| {r['cumtime']:.2f} | {r['tottime']:.2f} | {r['ncalls']} | `{r['function']}` |")
    lines += ["", "Top functions by own time:", "", "| tottime s | cumtime s | calls | function |", "|---:|---:|---:|---|"]
    for r in summary["tottime"]:
        lines.append(f"| {r['tottime']:.2f} | {r['cumtime']:.2f} | {r['ncalls']} | `{r['function']}` |")
    return lines + [""]
