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
