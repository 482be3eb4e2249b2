"""Field names, types and constraints live in datapackage.json; pandera, SQL and docs agree with it."""

import pytest
import json
import re
from pathlib import Path


from rhil7.core.database import SQL_TYPES, VIEW_ORDER, create_tables, create_views, safe_connect
from rhil7.loading import read_tables
from rhil7.validators.schemas import schema_for

ROOT = Path(__file__).resolve().parents[1]
DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))


def test_pandera_models_mirror_the_table_schemas():
    for resource in DESCRIPTOR["resources"]:
        schema = schema_for(resource)
        fields = resource["schema"]["fields"]
        assert list(schema.columns) == [f["name"] for f in fields]
        for f in fields:
            column = schema.columns[f["name"]]
            required = (f.get("constraints") or {}).get("required", False)
            assert column.nullable is (not required), (resource["name"], f["name"])
            names = {c.name for c in column.checks}
            for key in ("enum", "pattern", "minimum", "maximum"):
                assert (key in (f.get("constraints") or {})) == (key in names), (resource["name"], f["name"], key)


@pytest.mark.data
def test_the_package_passes_every_pandera_model():
    """An invariant of the live package (run in every pull request): the pandera models accept what validates."""
    tables = read_tables(ROOT)
    for resource in DESCRIPTOR["resources"]:
        schema_for(resource).validate(tables[resource["name"]], lazy=True)


@pytest.mark.data
def test_raw_tables_in_duckdb_have_the_schema_columns_and_types():
    con = safe_connect()
    create_tables(con, DESCRIPTOR, read_tables(ROOT))
    for resource in DESCRIPTOR["resources"]:
        cols = con.execute(f"DESCRIBE raw.{resource['name']}").fetchall()
        assert [(c[0], c[1]) for c in cols] == [(f["name"], SQL_TYPES[f["type"]]) for f in resource["schema"]["fields"]]


@pytest.mark.data
def test_view_headers_document_the_columns_they_return():
    """Each view file's header comment lists its columns; the view returns exactly those."""
    con = safe_connect()
    create_tables(con, DESCRIPTOR, read_tables(ROOT))
    create_views(con)
    fields = {r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in DESCRIPTOR["resources"]}
    for view in VIEW_ORDER:
        sql = (ROOT / "queries" / f"{view}.sql").read_text(encoding="utf-8")
        columns = [d[0] for d in con.execute(f"SELECT * FROM {view} LIMIT 0").description]
        header = " ".join(line for line in sql.splitlines() if line.startswith("--"))
        if "every column of tables/" in header or "all columns of" in header:
            source = {
                "studies": "studies",
                "sources": "sources",
                "published": "published_results",
                "published_results": "published_results",
            }[view]
            assert columns == fields[source]
        else:
            for column in columns:
                assert re.search(rf"\b{column}\b", header), (view, column)


@pytest.mark.data
def test_readme_documents_every_view_and_its_columns():
    readme = (ROOT / "docs" / "sql.md").read_text(encoding="utf-8")  # the README links to it
    con = safe_connect()
    create_tables(con, DESCRIPTOR, read_tables(ROOT))
    create_views(con)
    for view in VIEW_ORDER:
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{view}` |")), None)
        assert row, view
        columns = [d[0] for d in con.execute(f"SELECT * FROM {view} LIMIT 0").description]
        if "all columns of" not in row:
            for column in columns:
                assert column in row, (view, column)


def test_validators_folder_is_not_an_importable_top_level_package():
    assert not (ROOT / "validators" / "__init__.py").exists()
    assert not (ROOT / "analysis" / "__init__.py").exists()
