"""docs/data-dictionary.md is generated from the Table Schemas and must be up to date (issue 7)."""
from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT

from rhil7.dictionary import DICTIONARY_PATH, render_dictionary


def _descriptor() -> dict:
    return json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))


def test_committed_dictionary_is_up_to_date():
    committed = (ROOT / DICTIONARY_PATH).read_text(encoding="utf-8")
    assert committed == render_dictionary(_descriptor()), \
        "docs/data-dictionary.md is out of date: run `make docs` (python -m rhil7.dictionary) and commit it"


def test_every_table_and_field_is_documented():
    descriptor = _descriptor()
    text = render_dictionary(descriptor)
    for resource in descriptor["resources"]:
        assert f"\n## {resource['name']}\n" in text
        section = text.split(f"\n## {resource['name']}\n", 1)[1].split("\n## ", 1)[0]
        for field in resource["schema"]["fields"]:
            line = next(l for l in section.splitlines() if l.startswith(f"| `{field['name']}` |"))
            assert f"| {field['type']} |" in line
            assert " ".join(field["description"].split()).replace("|", "\\|") in line
            if "unit" in field:
                assert f"| {field['unit']} |" in line
            for value in (field.get("constraints") or {}).get("enum", []):
                assert f"`{value}`" in line


def test_pipes_in_patterns_do_not_break_the_table():
    descriptor = {"name": "x", "version": "1", "resources": [{"name": "t", "path": "t.csv", "schema": {"fields": [
        {"name": "a", "type": "string", "description": "x | y", "constraints": {"pattern": "^(a|b)$", "required": True}}]}}]}
    row = [l for l in render_dictionary(descriptor).splitlines() if l.startswith("| `a` |")][0]
    assert row.count(" | ") == 5 and "^(a\\|b)$" in row and "x \\| y" in row


def test_check_mode(tmp_path):
    (tmp_path / "datapackage.json").write_text(json.dumps(_descriptor()), encoding="utf-8")
    run = lambda *a: subprocess.run([sys.executable, "-m", "rhil7.dictionary", *a, str(tmp_path)],
                                    capture_output=True, text=True)
    assert run("--check").returncode == 1
    assert run().returncode == 0
    assert run("--check").returncode == 0
    assert (tmp_path / DICTIONARY_PATH).read_text(encoding="utf-8") == (ROOT / DICTIONARY_PATH).read_text(encoding="utf-8")
