"""The command line: usage errors exit 2 without a traceback; audit renders text and JSON."""

import pytest
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_audit_text_and_json(cli):
    text = cli("audit")
    assert text.returncode == 0
    assert "[ok] covid19_secondary_infection: stated p consistent with the CI" in text.stdout
    assert text.stdout.rstrip().endswith("0 flagged")
    checks = json.loads(cli("audit", "--format", "json").stdout)
    assert {"target_id", "check", "passed", "detail"} == set(checks[0])
    combined = [c for c in checks if c["target_id"] == "all_secondary_infection" and c["check"].startswith("combined")]
    assert combined and "0.61 [0.49, 0.77]" in combined[0]["detail"]


def test_unknown_directory_is_a_usage_error(cli, tmp_path):
    out = cli("validate", str(tmp_path / "nowhere"))
    assert out.returncode == 2 and "not a directory" in out.stderr and "Traceback" not in out.stderr


def test_no_package_found_upward(cli, tmp_path):
    out = cli("validate", cwd=tmp_path)
    assert out.returncode == 2 and "no datapackage.json" in out.stderr


def test_unknown_command_and_bad_option(cli):
    assert cli("frobnicate").returncode == 2
    assert cli("validate", "--format", "xml").returncode == 2


@pytest.mark.data
def test_validate_finds_the_repository_package_from_a_subfolder(cli):
    out = cli("validate", cwd=ROOT / "tables")
    assert out.returncode == 0 and out.stdout.startswith("VALID")
