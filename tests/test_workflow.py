"""The pull-request workflow: the right trigger, and the steps the README promises."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "validate.yml"


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _triggers(workflow: dict) -> dict:
    # YAML 1.1 reads the bare key `on` as the boolean True
    triggers = workflow.get("on", workflow.get(True))
    return {triggers: None} if isinstance(triggers, str) else dict.fromkeys(triggers) if isinstance(triggers, list) \
        else triggers


def test_triggered_by_pull_request_never_pull_request_target():
    triggers = _triggers(_workflow())
    assert "pull_request" in triggers
    # pull_request_target would run a fork's code with the base repository's token and secrets
    assert "pull_request_target" not in triggers
    assert not re.search(r"^\s*-?\s*pull_request_target\b", WORKFLOW.read_text(encoding="utf-8"), re.M)


def test_runs_tests_validation_and_reproduction_on_python_311_and_writes_a_summary():
    workflow = _workflow()
    assert workflow.get("permissions") == {"contents": "read"}
    (job,) = workflow["jobs"].values()
    assert job["runs-on"].startswith("ubuntu")
    steps = job["steps"]
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))
    assert str(python["with"]["python-version"]) == "3.11"
    runs = [s.get("run", "") for s in steps]
    order = [next(i for i, r in enumerate(runs) if needle in r)
             for needle in ("make test", ".venv/bin/rhil7 validate --format github", "make reproduce",
                            "GITHUB_STEP_SUMMARY")]
    assert order == sorted(order), runs
    summary = runs[order[-1]]
    assert "reproduction" in summary and "validation" in summary
