"""docs/data-dictionary.md is generated from the Table Schemas and must be up to date (issue 7)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from conftest import ROOT
from rendered import html, table_rows, tags

from rhil7.dictionary import DICTIONARY_PATH, render_dictionary


def _descriptor() -> dict:
    return json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))


def test_committed_dictionary_is_up_to_date():
    committed = (ROOT / DICTIONARY_PATH).read_text(encoding="utf-8")
    assert committed == render_dictionary(_descriptor()), (
        "docs/data-dictionary.md is out of date: run `make docs` (python -m rhil7.dictionary) and commit it"
    )


def test_every_table_and_field_is_documented():
    descriptor = _descriptor()
    text = render_dictionary(descriptor)
    for resource in descriptor["resources"]:
        assert f"\n## {resource['name']}\n" in text
        section = text.split(f"\n## {resource['name']}\n", 1)[1].split("\n## ", 1)[0]
        rows = {cells[0]: cells for cells in table_rows(section)}  # as a reader sees them, by field name
        for field in resource["schema"]["fields"]:
            name, type_, unit, _, constraints, description = rows[field["name"]]
            assert type_ == field["type"] and description == " ".join(field["description"].split())
            assert unit == field.get("unit", "")
            for value in (field.get("constraints") or {}).get("enum", []):
                assert value in constraints


def test_pipes_in_patterns_do_not_break_the_table():
    descriptor = {
        "name": "x",
        "version": "1",
        "resources": [
            {
                "name": "t",
                "path": "t.csv",
                "schema": {
                    "fields": [
                        {
                            "name": "a",
                            "type": "string",
                            "description": "x | y",
                            "constraints": {"pattern": "^(a|b)$", "required": True},
                        }
                    ]
                },
            }
        ],
    }
    rows = table_rows(render_dictionary(descriptor))
    assert ["a", "string", "", "yes", "pattern ^(a|b)$", "x | y"] in rows


def test_contributed_titles_and_descriptions_cannot_add_html_links_or_rows():
    hostile = (
        "x</td><img src=x onerror=alert(1)>\n| forged | row |\n```\n[click](https://evil.example) ![i](http://t/p.png)"
    )
    descriptor = {
        "name": "x`y",
        "version": "1",
        "description": hostile,
        "resources": [
            {
                "name": "t",
                "path": "t.csv",
                "title": hostile,
                "description": hostile,
                "schema": {
                    "fields": [
                        {
                            "name": "a|b",
                            "type": "string",
                            "unit": hostile,
                            "description": hostile,
                            "constraints": {"enum": ["=1+1", "`</code><script>"]},
                        }
                    ]
                },
            }
        ],
    }
    text = render_dictionary(descriptor)
    assert tags(text) <= {"h1", "h2", "p", "code", "table", "thead", "tbody", "tr", "th", "td", "strong", "a"}
    links = re.findall(r'<a href="([^"]*)"', html(text))
    assert links == ["#t"]  # only the dictionary's own link to the table's section
    field_rows = [r for r in table_rows(text) if r[0] == "a|b"]
    assert len(field_rows) == 1 and field_rows[0][5] == " ".join(hostile.split())


def test_check_mode(tmp_path):
    (tmp_path / "datapackage.json").write_text(json.dumps(_descriptor()), encoding="utf-8")
    run = lambda *a: subprocess.run(
        [sys.executable, "-m", "rhil7.dictionary", *a, str(tmp_path)], capture_output=True, text=True
    )
    assert run("--check").returncode == 1
    assert run().returncode == 0
    assert run("--check").returncode == 0
    assert (tmp_path / DICTIONARY_PATH).read_text(encoding="utf-8") == (ROOT / DICTIONARY_PATH).read_text(
        encoding="utf-8"
    )
