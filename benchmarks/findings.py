"""Which planted faults a report names: rhil7's JSON report and frictionless' JSON report, side by side."""
from __future__ import annotations

import json
from pathlib import Path

import generate


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
