"""One way out per sink (issue 23, class 3): hostile strings through every sink function and every renderer.

Each renderer is run twice, once with a plain word and once with a hostile string in the same places, and what a
reader gets is compared: the hostile run may not add a line, a workflow command, an HTML element, a link, a table
row or a formula cell, nor leave a control, C1 or bidi character raw.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import unicodedata
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from conftest import ROOT
from rendered import html, table_rows, tags

from rhil7.analysis.audit import Check
from rhil7.analysis.presentation import audit_text, report_markdown, reproduction_text
from rhil7.core import sinks
from rhil7.core.problems import Problem, render_github, render_json, render_text
from rhil7.core.vocabulary import FORMULA_STARTS
from rhil7.diff import DiffResult, Side, TableDiff, render_diff
from rhil7.dictionary import render_dictionary
from rhil7.query import QueryResult, render_results
from rhil7.release_readme import archive_readme

HOSTILE = {
    "workflow-command": "x\n::warning title=VALID::All checks passed",
    "indented-command": "  ::error file=a.csv::forged",
    "old-command-form": "a ##[error]forged",
    "percent-encoded-newline": "a%0A::warning::forged",
    "fence-and-html": "```\n</details><script>alert(1)</script><b>raw</b>",
    "image-tag": "<img src=x onerror=alert(1)>",
    "markdown-link-and-image": "[click](https://evil.example) ![pixel](https://evil.example/p.png)",
    "osc8-hyperlink": "\x1b]8;;https://evil.example\x1b\\VALID\x1b]8;;\x1b\\\x1b[2J",
    "bidi-override": "abc\u202edilav",
    "c1-csi": "a\u009b2Jb",
    "cr-inside-a-cell": "first\rsecond | third",
    "pipes-and-heading": "# forged | row |",
    "hyperlink-formula": '=HYPERLINK("https://evil.example","click")',
    "plus-command": "+cmd|' /C calc'!A0",
    "at-sum": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab-prefixed": "\t=1+1",
    "zero-width-and-separator": "a\u200bb\u2028c",
}
PLAIN = "plain"
# what no output may hold raw: a character that is not printable, but for the line ends of multi-line outputs
INVISIBLE = ("Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn")


def raw_controls(text: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in text if c != "\n" and unicodedata.category(c) in INVISIBLE]


def commands(text: str) -> list[str]:
    """The lines GitHub's runner would read as workflow commands (trimmed "::", or "##[" anywhere)."""
    return [line for line in text.split("\n") if line.strip().startswith("::") or "##[" in line]


def command_properties(line: str) -> dict[str, str]:
    head = line.split("::", 2)[1]
    name, _, props = head.partition(" ")
    return {"": name, **dict(p.split("=", 1) for p in props.split(",") if p)}


def assert_terminal_safe(hostile_out: str, plain_out: str):
    assert raw_controls(hostile_out) == []
    assert hostile_out.count("\n") == plain_out.count("\n")  # no line added by a value's CR or LF


def assert_github_safe(hostile_out: str, plain_out: str):
    assert_terminal_safe(hostile_out, plain_out)
    forged, own = commands(hostile_out), commands(plain_out)
    assert len(forged) == len(own)
    for line, plain_line in zip(forged, own, strict=True):
        assert command_properties(line).keys() == command_properties(plain_line).keys(), line


def assert_markdown_safe(hostile_out: str, plain_out: str, same_lines: bool = True):
    assert raw_controls(hostile_out) == []
    assert tags(hostile_out) == tags(plain_out)
    assert html(hostile_out).count("<") == html(plain_out).count("<")  # no element, link or image added
    assert [len(r) for r in table_rows(hostile_out)] == [len(r) for r in table_rows(plain_out)]
    assert hostile_out.count("\n") == plain_out.count("\n") or not same_lines


def _number(cell: str) -> bool:
    try:
        return float(cell) == float(cell)
    except ValueError:
        return False


def formula_cells(csv_text: str) -> list[str]:
    """Text cells a spreadsheet would evaluate (a number such as -5 is a number)."""
    return [
        cell
        for row in csv.reader(io.StringIO(csv_text, newline=""))
        for cell in row
        if cell.startswith(FORMULA_STARTS) and not _number(cell)
    ]


both = pytest.mark.parametrize("hostile", list(HOSTILE.values()), ids=list(HOSTILE))


# ------------------------------------------------------------------ the sink functions, with known values


def test_terminal_shows_every_control_c1_bidi_and_format_character_as_an_escape():
    assert (
        sinks.terminal("a\x1b[2J\u202eb\u009b\n\r\t\x00\u200b\U000e0001")
        == "a\\x1b[2J\\u202eb\\x9b\\n\\r\\t\\x00\\u200b\\U000e0001"
    )
    assert sinks.terminal("Überall 10^9/L ≤ 5, 患者") == "Überall 10^9/L ≤ 5, 患者"  # printable text unchanged
    assert sinks.terminal(3.5) == "3.5"


def test_github_data_and_property_escape_as_actions_core_does():
    assert sinks.github_data("50% of\r\nx") == "50%25 of\\r\\nx"  # (CR and LF shown, never decoded into a line)
    assert sinks.github_property("a:b,c%") == "a%3Ab%2Cc%25"
    assert sinks.github_data("x ##[error]y") == "x ##%5Berror]y"


def test_a_plain_log_line_cannot_be_a_command():
    assert sinks.github_line("  ::warning::x") == ">   ::warning::x"
    assert sinks.github_line("ok ::warning::x") == "ok ::warning::x"  # (only a line that starts with :: is one)
    assert commands(sinks.github_line("##[group]x")) == []


def test_markdown_writes_structure_as_entities():
    assert (
        sinks.markdown("<b>x</b> | `y` [l](u) *e* ~s~")
        == "&lt;b&gt;x&lt;/b&gt; &#124; &#96;y&#96; &#91;l&#93;(u) &#42;e&#42; &#126;s&#126;"
    )
    assert sinks.markdown("study_id") == "study_id" and sinks.markdown("_e_") == "&#95;e&#95;"
    assert [sinks.markdown(v) for v in ("# h", "- l", "1. l", "0.1.0", " x")] == [
        "&#35; h",
        "&#45; l",
        "1&#46; l",
        "0.1.0",
        "&#32;x",
    ]


def test_markdown_code_is_fenced_past_any_backtick_run():
    assert sinks.markdown("a``b", code=True) == "```a``b```"
    assert sinks.markdown("`x", code=True) == "`` `x ``"
    assert sinks.markdown("a|b", code=True) == "<code>a&#124;b</code>"
    assert tags(sinks.markdown("</code><img src=x>", code=True)) == {"p", "code"}


def test_markdown_block_cannot_be_closed_from_inside():
    block = sinks.markdown_block("a\n````\n<img src=x>\n```")
    assert block.startswith("`````\n") and tags(block) == {"pre", "code"}


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_spreadsheet_prefixes_every_formula_start(text):
    assert sinks.spreadsheet(text) == "'" + text


def test_spreadsheet_leaves_numbers_and_plain_text():
    assert [sinks.spreadsheet(v) for v in (-5, 2.5, None, "a=b", "'=x")] == [-5, 2.5, None, "a=b", "'=x"]


@both
def test_every_sink_function_on_every_hostile_string(hostile):
    for one_line in (sinks.terminal, sinks.github_data, sinks.github_property, sinks.github_line, sinks.markdown):
        out = one_line(hostile)
        assert "\n" not in out and "\r" not in out and raw_controls(out) == []
    assert commands(sinks.github_line(hostile)) == []
    assert "::" not in sinks.github_property(hostile)
    assert_markdown_safe(sinks.markdown(hostile), sinks.markdown(PLAIN))
    assert_markdown_safe(sinks.markdown(hostile, code=True), sinks.markdown(PLAIN, code=True))
    assert_markdown_safe(sinks.markdown_block(hostile), sinks.markdown_block(PLAIN), same_lines=False)  # (its lines)
    assert not str(sinks.spreadsheet(hostile)).startswith(FORMULA_STARTS)


# ------------------------------------------------------------------ every renderer


def _diff_result(value: str) -> DiffResult:
    side = Side(spec="old", kind="directory", label="old", package_dir=Path("old"))
    table = TableDiff(
        name=f"t{value}",
        key=["id"],
        fields_added=[value],
        added=[{"key": {"id": value}, "row": {"id": value}}],
        removed=[{"key": {"id": value}, "row": {"id": value}}],
        changed=[{"key": {"id": value}, "fields": {value: {"old": value, "new": "x"}}}],
    )
    figure = {
        "status": value,
        "model": "DL",
        "k": 1,
        "studies": [value],
        "estimate": 1.0,
        "ci_low": 0.5,
        "ci_high": 2.0,
        "measure": "RR",
        "outcome": value,
        "subgroup": "all",
        "timepoint": "day28",
        "note": "",
    }
    reproduction = [
        {
            "target_id": value,
            "change": "moved",
            "fields": ["estimate", "status"],
            "old": figure,
            "new": dict(figure, estimate=1.5, studies=[value, "b"], k=2),
        }
    ]
    pooled = [
        {
            "outcome": value,
            "timepoint": "day28",
            "measure": "RR",
            "subgroup": value,
            "model": "DL",
            "change": "appeared",
            "old": None,
            "new": {"k": 1, "estimate": 1.0, "ci_low": 0.5, "ci_high": 2.0},
        }
    ]
    return DiffResult(side, side, [table], reproduction, pooled, warnings=[f"{value}: a warning"])


@both
def test_diff_renderings(hostile):
    hostile_result, plain_result = _diff_result(hostile), _diff_result(PLAIN)
    assert_terminal_safe(render_diff(hostile_result, "text"), render_diff(plain_result, "text"))
    assert_github_safe(render_diff(hostile_result, "github"), render_diff(plain_result, "github"))
    assert_markdown_safe(render_diff(hostile_result, "markdown"), render_diff(plain_result, "markdown"))
    as_json = render_diff(hostile_result, "json")
    assert as_json.isascii() and json.loads(as_json)["reproduction"][0]["target_id"] == hostile  # kept whole


def _problem(value: str) -> Problem:
    return Problem(f"tables/{value}.csv", 3, value, "constraint-error", value, value, value, line=3)


@both
def test_problem_renderings(hostile):
    hostile_list, plain_list = [_problem(hostile)], [_problem(PLAIN)]
    assert_terminal_safe(render_text(hostile_list, hostile), render_text(plain_list, PLAIN))
    assert_github_safe(render_github(hostile_list, hostile), render_github(plain_list, PLAIN))
    assert raw_controls(render_json(hostile_list, hostile).replace("\n", "")) == []


def _ci_report():
    spec = importlib.util.spec_from_file_location("ci_report", ROOT / ".github" / "scripts" / "ci_report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@both
def test_ci_report_annotations_and_job_summary(hostile):
    ci_report = _ci_report()

    def report(value):  # what validate.sh hands to the report
        return json.loads(render_json([_problem(value)], value))

    def summary(value):  # with what diff.sh writes
        return ci_report.summary(report(value), render_diff(_diff_result(value), "github"))

    assert_github_safe(
        "\n".join(ci_report.annotations(report(hostile))), "\n".join(ci_report.annotations(report(PLAIN)))
    )
    assert_markdown_safe(summary(hostile), summary(PLAIN))


def test_the_job_summary_fences_a_diff_whatever_it_holds():
    """Even a diff file written by another tool: its lines are shown, none becomes HTML or closes the block."""
    summary = _ci_report().summary({"problems": []}, HOSTILE["fence-and-html"] + "\n" + HOSTILE["image-tag"])
    assert tags(summary) == {"h2", "p", "pre", "code"}


@both
def test_audit_and_reproduction_text(hostile):
    checks = lambda v: [Check(v, "estimate inside its CI", False, v)]
    assert_terminal_safe(audit_text(checks(hostile)), audit_text(checks(PLAIN)))
    rows = lambda v: [
        {
            "target_id": v,
            "measure": "RR",
            "published_estimate": 1.0,
            "published_ci_low": 0.5,
            "published_ci_high": 2.0,
            "estimate": None,
            "ci_low": None,
            "ci_high": None,
            "k": 0,
            "model": None,
            "status": "not_computable",
            "note": v,
        }
    ]
    assert_terminal_safe(reproduction_text(rows(hostile)), reproduction_text(rows(PLAIN)))


def _report(value: str) -> str:
    rows = [
        {
            "target_id": value,
            "measure": "RR",
            "published_estimate": 1.0,
            "published_ci_low": 0.5,
            "published_ci_high": 2.0,
            "estimate": None,
            "ci_low": None,
            "ci_high": None,
            "k": 0,
            "model": None,
            "status": "not_computable",
            "note": value,
        }
    ]
    comparisons = [SimpleNamespace(inputs=[], missing=[value], excluded=[value])]
    coverage = pd.DataFrame(
        [dict(study_id=value, outcome="mortality", timepoint="day28", status="extracted", detail=value)]
    )
    sources = pd.DataFrame(
        [
            dict(
                source_id=value,
                title=value,
                url=f"https://example.org/{value}",
                accessed=date(2026, 1, 2),
                reach="full",
            )
        ]
    )
    return report_markdown(
        rows, comparisons, [Check(value, "estimate inside its CI", False, value)], coverage, sources, {}, None
    )


@both
def test_report_md(hostile):
    assert_markdown_safe(_report(hostile), _report(PLAIN))


def test_report_md_a_cr_inside_a_quoted_cell_keeps_the_row_whole():
    rows = table_rows(_report("first\rsecond"))
    verdict = next(r for r in rows if r[0].startswith("first"))
    assert len(verdict) == 8 and verdict[-1] == "first\\rsecond"


def _readme(value: str) -> str:
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    descriptor.update(title=value, description=value)
    tables = {
        "studies": pd.DataFrame([dict(short_citation=value, condition=value)]),
        "coverage": pd.DataFrame([dict(status="extracted")]),
        "outcomes_continuous": pd.DataFrame(),
        "outcomes_dichotomous": pd.DataFrame(),
        "open_questions": pd.DataFrame([dict(question_id=value, question=value, status="open")]),
    }
    members = [SimpleNamespace(path=f"tables/{value}.csv", data=b"x", sha256="0" * 64)]
    cff = json.dumps({"title": value, "authors": [{"name": value}], "message": value, "version": "0.1.0"})
    return archive_readme("0.1.0", members, descriptor, tables, {"CITATION.cff": cff.encode()}).decode("utf-8")


@both
def test_release_readme(hostile):
    assert_markdown_safe(_readme(hostile), _readme(PLAIN))


def _dictionary(value: str) -> str:
    field = {
        "name": value,
        "type": "string",
        "unit": value,
        "description": value,
        "constraints": {"enum": [value], "pattern": value},
    }
    return render_dictionary(
        {
            "name": value,
            "version": "1",
            "description": value,
            "resources": [
                {
                    "name": "t",
                    "path": "tables/t.csv",
                    "title": value,
                    "description": value,
                    "schema": {"fields": [field], "primaryKey": [value]},
                }
            ],
        }
    )


@both
def test_data_dictionary(hostile):
    assert_markdown_safe(_dictionary(hostile), _dictionary(PLAIN))


@both
def test_query_outputs(hostile):
    result = lambda v: [QueryResult("", [v, "n"], [(v, -5), (f"x{v}", 2.5)])]
    as_csv = render_results(result(hostile), "csv")
    assert formula_cells(as_csv) == []
    if "\r" not in hostile:  # (Python's writer leaves a lone CR unquoted; the validator refuses one in a table)
        records = list(csv.reader(io.StringIO(as_csv, newline="")))
        assert records[1][0] == sinks.spreadsheet(hostile)  # the value kept, behind its apostrophe if it needs one
        assert [r[1] for r in records] == ["n", "-5", "2.5"]  # numbers stay numbers
    table = lambda v: "\n".join(
        line for line in render_results(result(v), "table").split("\n") if not line.startswith("(cells longer")
    )  # (a long value is cut: said once)
    assert_terminal_safe(table(hostile), table(PLAIN))
    assert render_results(result(hostile), "json").isascii()
