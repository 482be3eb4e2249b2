"""What the run was measured on: the machine, its load and speed at the time, the code that was installed."""
from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
