"""Time a command as a whole, fresh process: wall clock, exit code, peak memory, a timeout that always holds."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path


class Budget:
    """The whole run must end in time: every step's timeout is capped by what is left."""

    def __init__(self, seconds: float):
        self.start = time.monotonic()
        self.seconds = seconds

    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.start)

    def timeout(self, cap: float, reserve: float = 0.0) -> float:
        return max(5.0, min(cap, self.left() - reserve))


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
