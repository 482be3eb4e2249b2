"""`rhil7 validate`, with a clock around each stage of the validator: where the time goes.

    RHIL7_BENCH_STAGES=stages.jsonl python benchmarks/stages.py validate PATH [--format json]

Runs exactly ``rhil7.cli.main`` (what the ``rhil7`` script runs) after wrapping, in
``rhil7.validators.run``'s namespace, the functions it calls once per package or per table
(descriptor, untrusted-input checks, DuckDB's reading, the Table Schema checks, the typed frames,
each cross-table rule): some 30 extra function calls, no per-row cost. Each stage's
begin and end go to the JSON-lines file as they happen, so a run killed at a timeout still shows
which stages finished, how long they took, and which one was running.
"""
from __future__ import annotations

import functools
import json
import os
import sys
import time

T0 = time.perf_counter()
_LOG = open(os.environ.get("RHIL7_BENCH_STAGES", os.devnull), "w", buffering=1, encoding="utf-8")


def emit(**event) -> None:
    event["t"] = round(time.perf_counter() - T0, 4)
    _LOG.write(json.dumps(event) + "\n")


# Stages called by validate_package, looked up by name so that a refactoring of the validator only
# makes a stage disappear from the breakdown (its time is then in "other").
STAGES = ("load_descriptor", "descriptor_problems", "shape_differences", "package_reference_problems", "locate_resource",
          "read_resource", "descriptor_standard_problems", "read_table", "table_problems", "foreign_key_problems",
          "row_rule_problems", "without_consequences", "cap_problems")


def _timed(name: str, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        emit(event="begin", stage=name)
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            emit(event="end", stage=name, seconds=round(time.perf_counter() - start, 4))
    return wrapper


def instrument() -> None:
    from rhil7.validators import run as vrun

    for name in STAGES:
        fn = getattr(vrun, name, None)
        if callable(fn):
            setattr(vrun, name, _timed(name, fn))
    rules = getattr(vrun, "CROSS_RULES", None)
    if isinstance(rules, list):
        rules[:] = [_timed(f"cross: {getattr(rule, '__name__', 'rule')}", rule) for rule in rules]


def main() -> int:
    emit(event="start")
    from rhil7.cli import main as cli_main  # first, as the rhil7 script does: it chooses Arrow's allocator

    instrument()
    emit(event="imported")

    code = cli_main(sys.argv[1:])
    emit(event="exit", code=code)
    return code


def summarize(path: str) -> dict:
    """Seconds per stage (summed over calls), import time, and the stage running when the log ends."""
    events = []
    try:
        with open(path, encoding="utf-8") as fh:
            events = [json.loads(line) for line in fh if line.strip()]
    except (OSError, ValueError):
        pass
    totals: dict[str, float] = {}
    calls: dict[str, int] = {}
    running: dict[str, float] = {}
    imported = next((e["t"] for e in events if e["event"] == "imported"), None)
    for e in events:
        if e["event"] == "begin":
            running[e["stage"]] = e["t"]
        elif e["event"] == "end":
            totals[e["stage"]] = totals.get(e["stage"], 0.0) + e["seconds"]
            calls[e["stage"]] = calls.get(e["stage"], 0) + 1
            running.pop(e["stage"], None)
    last = events[-1]["t"] if events else None
    finished = any(e["event"] == "exit" for e in events)
    return {"imports": imported, "totals": totals, "calls": calls, "finished": finished, "last_event": last,
            "running": {stage: since for stage, since in running.items()}}


if __name__ == "__main__":
    sys.exit(main())
