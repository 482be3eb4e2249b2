"""A fresh set of attacks of issue 23's four classes, invented and run independently of the issue's list and of
tests/test_attacks_reading.py, test_sinks.py, test_outputs_safety.py, test_sql_safety.py and
test_database_trust.py (1: VALID for a package that is not valid; 2: reads or writes outside the package;
3: poisoned output; 4: crashes and unbounded cost).

"Contained" means: exit code 0, 1 or 2 with a clear message (never 3 or a traceback, never a hang), no byte
written outside the output directory, no byte read outside the package, output escaped for its sink, and no VALID
for an invalid package. Each test builds its hostile package in tmp_path from the 0.1.0 snapshot (tests/corpus.py)
and runs the in-process entry points (``rhil7.cli.main``); a few run the installed CLI.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import sys
from pathlib import Path

import pandas as pd
import pytest
from corpus import copy_package, edit_descriptor, resource, run_cli, table_path
from test_contribution import fill_mortality, write_sheet

from rhil7.cli import main
from rhil7.core.database import safe_connect
from rhil7.diff import RENDERERS as DIFF_RENDERERS
from rhil7.diff import diff_packages
from rhil7.query import QueryError, QueryLimits, run_queries
from rhil7.sheet import template_rows
from rhil7.site.markup import external_link
from rhil7.validators.quality_report import pattern_outcomes
from rhil7.validators.run import validate_package

ROOT = Path(__file__).resolve().parents[1]

_OPENED: list[str] | None = None  # the real paths opened while a test records them


def _record_opens(event: str, args: tuple) -> None:
    if _OPENED is not None and event == "open" and isinstance(args[0], (str, bytes, Path)):
        name = args[0].decode() if isinstance(args[0], bytes) else str(args[0])
        _OPENED.append(os.path.realpath(name))


sys.addaudithook(_record_opens)  # (an audit hook cannot be removed: it records only while _OPENED is a list)


@pytest.fixture
def package(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # a build key of this test's own
    monkeypatch.delenv("RHIL7_BUILD", raising=False)
    return copy_package(tmp_path / "package")


@pytest.fixture
def outside(tmp_path):
    """A directory beside the package, holding a 'secret' that no command may read or write."""
    place = tmp_path / "outside"
    place.mkdir()
    (place / "secret.txt").write_text("SECRET-FIRST-LINE\nsecond\n", encoding="utf-8")
    return place


def checksums(root) -> dict[str, str]:
    return {
        str(p.relative_to(root)): os.readlink(p) if p.is_symlink() else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(Path(root).rglob("*"))
        if p.is_symlink() or p.is_file()
    }


def run(*argv, capsys) -> tuple[int, str, str]:
    """``rhil7 ARGV`` in process: exit code, stdout, stderr; never a traceback or an internal error (a usage error
    ends in argparse's SystemExit, as on the command line)."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in out + err and "internal error" not in err, err
    return code, out, err


def found(package) -> set[str]:
    return {p.code for p in validate_package(package)}


def change_bytes(package, table: str, change) -> None:
    path = table_path(package, table)
    path.write_bytes(change(path.read_bytes()))


def set_cells(package, table: str, column: str, values: list[str]) -> None:
    """The first len(values) rows of ``column`` set to ``values`` (written as a CSV writer quotes them)."""
    path = table_path(package, table)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    at = rows[0].index(column)
    for row, value in zip(rows[1:], values, strict=False):
        row[at] = value
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    path.write_text(text.getvalue(), encoding="utf-8")


def set_path(package, name: str, path) -> None:
    edit_descriptor(package, lambda d: resource(d, name).__setitem__("path", path))


def set_constraint(package, name: str, field: str, key: str, value) -> None:
    def change(d):
        target = next(f for f in resource(d, name)["schema"]["fields"] if f["name"] == field)
        target.setdefault("constraints", {})[key] = value

    edit_descriptor(package, change)


# ============================================================ class 1: VALID for a package that is not valid


@pytest.mark.parametrize(
    "change, code",
    [
        # a BOM in the middle of the file, before a key: the id looks like francois2018 but is not
        (lambda b: b.replace(b"\nfrancois2018,", b"\n\xef\xbb\xbffrancois2018,", 1), "constraint-error"),
        # a key with a trailing blank: shown the same, joined differently
        (lambda b: b.replace(b"\nfrancois2018,", b"\nfrancois2018 ,", 1), "constraint-error"),
        # NBSP after an enum value
        (lambda b: b.replace(b",sepsis,", b",sepsis\xc2\xa0,", 1), "constraint-error"),
    ],
)
def test_invisible_differences_in_a_key_or_enum_are_refused(package, change, code, capsys):
    change_bytes(package, "studies", change)
    assert code in found(package)
    assert run("validate", package, capsys=capsys)[0] == 1


@pytest.mark.parametrize(
    "raw, code",
    [
        (b"Which\x00is", "control-character"),  # a NUL byte inside a cell
        (b"Which\xe2\x80\xa8is", "control-character"),  # U+2028 LINE SEPARATOR (a line break to some readers)
        (b"Which \xc0\xbcis", "encoding-error"),  # an overlong UTF-8 sequence for '<'
        (b"Which\xed\xa0\x80is", "encoding-error"),  # a UTF-16 surrogate encoded as UTF-8 (CESU-8)
    ],
)
def test_bytes_that_readers_disagree_on_are_refused(package, raw, code):
    change_bytes(package, "open_questions", lambda b: b.replace(b"Which is", raw, 1))
    assert found(package) == {code}


def test_a_utf16_table_is_refused(package):
    path = table_path(package, "open_questions")
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    assert found(package) == {"encoding-error"}


@pytest.mark.parametrize("foreign", ["franc\u0327ois2018", "fr\u0430ncois2018"])  # NFD cedilla; Cyrillic a
def test_a_lookalike_foreign_key_is_refused(package, foreign):
    change_bytes(
        package,
        "arms",
        lambda b: b.replace(b"francois2018_cyt107,francois2018,", f"francois2018_cyt107,{foreign},".encode(), 1),
    )
    assert "foreign-key" in found(package)


@pytest.mark.parametrize("header", ["question_id\u200b", "\ufeff\ufeffquestion_id", "question_id "])
def test_a_header_label_with_an_invisible_or_blank_character_is_refused(package, header):
    """A zero-width space, two BOMs (the first is accepted, the second is the label's) and a trailing blank."""
    change_bytes(package, "open_questions", lambda b: b.replace(b"question_id,", header.encode() + b",", 1))
    assert found(package) == {"incorrect-label"}


@pytest.mark.parametrize(
    "path",
    [
        "./tables/studies.csv",
        "tables//studies.csv",
        "tables/studies.csv/",
        "tables/Studies.csv",
        "tables/%2e%2e/tables/studies.csv",
        "tables\\..\\..\\..\\etc\\passwd",
    ],
)
def test_a_path_spelled_another_way_is_not_the_projects(package, path, capsys):
    if path == "tables/Studies.csv":
        table_path(package, "studies").rename(package / "tables" / "Studies.csv")
    set_path(package, "studies", path)
    assert "path-changed" in found(package)
    assert run("validate", package, capsys=capsys)[0] == 1


@pytest.mark.parametrize(
    "change, code",
    [
        (lambda d: d["resources"].append(json.loads(json.dumps(resource(d, "studies")))), "duplicate-name"),
        (lambda d: resource(d, "studies").__setitem__("path", ["tables/studies.csv"] * 2), "bad-path"),
        (lambda d: resource(d, "studies").__setitem__("data", [["x"]]), "resource-error"),
        (lambda d: resource(d, "studies").__setitem__("dialect", {"delimiter": ";"}), "unsupported-dialect"),
        (lambda d: resource(d, "studies").__setitem__("encoding", "latin-1"), "unsupported-format"),
    ],
)
def test_a_resource_read_another_way_is_refused(package, change, code):
    """Listed twice, a multipart path, inline data beside the path, another dialect or encoding."""
    edit_descriptor(package, change)
    assert code in found(package)


# ============================================================ class 2: reads and writes outside the package


def test_rhil7_build_pointing_at_a_link_writes_nothing_outside(package, outside, tmp_path, monkeypatch, capsys):
    link = tmp_path / "build-link"
    link.symlink_to(outside, target_is_directory=True)
    monkeypatch.setenv("RHIL7_BUILD", str(link))
    before = checksums(outside)
    code, out, err = run("build", package, capsys=capsys)
    assert code == 1 and "symbolic link" in err
    assert checksums(outside) == before


@pytest.mark.parametrize(
    "old, new", [("--output=PWNED", "HEAD"), ("HEAD", "--output=PWNED"), ("--", "--output=PWNED"), ("HEAD:..", "HEAD")]
)
def test_a_git_revision_that_is_an_option_or_a_path_is_refused(tmp_path, monkeypatch, old, new, capsys):
    monkeypatch.chdir(ROOT)
    pwned = tmp_path / "pwned"
    argv = [a.replace("PWNED", str(pwned)) for a in (old, new)]
    assert run("diff", *argv, capsys=capsys)[0] == 2
    assert not pwned.exists()


def test_a_linked_queries_dir_is_never_read(package, outside, capsys):
    """queries/ linked to a directory outside holding a view file whose first line is a secret."""
    (outside / "studies.sql").write_text("SECRET-FIRST-LINE\n", encoding="utf-8")
    (package / "queries").symlink_to(outside, target_is_directory=True)
    global _OPENED
    _OPENED = []
    try:
        code, out, err = run("build", package, capsys=capsys)
    finally:
        opened, _OPENED = _OPENED, None
    assert code == 2 and "SECRET" not in out + err
    assert str(outside / "studies.sql") not in opened


def test_a_package_reached_through_a_linked_parent_reads_only_itself(tmp_path, outside, monkeypatch, capsys):
    """The user's own path to the package may pass a link (above the package root): allowed, and nothing outside
    the real package is opened."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    real = copy_package(tmp_path / "real" / "package")
    (tmp_path / "via").symlink_to(tmp_path / "real", target_is_directory=True)
    global _OPENED
    _OPENED = []
    try:
        assert run("validate", tmp_path / "via" / "package", capsys=capsys)[0] == 0
    finally:
        opened, _OPENED = _OPENED, None
    assert not [p for p in opened if p.startswith(str(tmp_path)) and not p.startswith(str(real))]


@pytest.mark.parametrize("command", ["build", "docs", "template"])
def test_outputs_never_write_through_a_committed_hard_link(package, outside, command, capsys):
    """A committed output file hard-linked to a file outside: replaced by a rename, the outside file untouched."""
    victim = outside / "secret.txt"
    if command == "build":
        (package / "build" / "parquet").mkdir(parents=True)
        os.link(victim, package / "build" / "rhil7.duckdb")
        os.link(victim, package / "build" / "parquet" / "arms.parquet")
        argv = ["build", package]
    elif command == "docs":
        (package / "docs").mkdir()
        os.link(victim, package / "docs" / "data-dictionary.md")
        argv = ["docs", package]
    else:
        os.link(victim, package / "sheet.csv")
        argv = ["template", "francois2018", "--package", package, "--out", package / "sheet.csv"]
    before = checksums(outside)
    assert run(*argv, capsys=capsys)[0] == 0
    assert checksums(outside) == before


def test_build_out_into_the_packages_tables_leaves_the_tables_whole_and_valid(package, capsys):
    """--out names the package's own tables/: the outputs land there, beside the tables, which stay byte for byte
    (and the package stays VALID: only the descriptor's paths are tables)."""
    before = checksums(package / "tables")
    assert run("build", package, "--out", package / "tables", capsys=capsys)[0] == 0
    after = checksums(package / "tables")
    assert {k: after[k] for k in before} == before and "rhil7.duckdb" in after
    assert validate_package(package) == []


def test_a_linked_parquet_dir_inside_build_is_refused(package, outside, capsys):
    (package / "build").mkdir()
    (package / "build" / "parquet").symlink_to(outside, target_is_directory=True)
    before = checksums(outside)
    code, out, err = run("build", package, capsys=capsys)
    assert code == 1 and "symbolic link" in err
    assert checksums(outside) == before


# ============================================================ class 3: poisoned output

HOSTILE = [
    "<javascript:alert(1)>",
    "&lt;img src=x onerror=alert(1)&gt;",
    "x' onmouseover='alert(1)' y='",
    "%0A::warning title=VALID::All checks passed",
    "ok ##[error]forged",
    "x" * 5000 + " ::error::wrapped",
    "[click](javascript:alert(1)) ![t](http://track.example/p.gif)",
    "</script><script>alert(1)</script>",
    "```\n</details><img src=x>",
]


@pytest.fixture
def hostile(package, tmp_path):
    """The snapshot and a copy whose titles, labels and findings hold printable hostile text (VALID: the
    validator refuses only control, bidi and formula-like text)."""
    base = copy_package(tmp_path / "base")
    set_cells(package, "sources", "title", HOSTILE * 2)
    set_cells(package, "arms", "label", HOSTILE)
    set_cells(package, "published_results", "finding", HOSTILE[::-1])
    # a CR inside a quoted cell is the cell's text (VALID); the diff's log line cannot start with what follows it
    change_bytes(package, "open_questions", lambda b: b.replace(b"Which is", b"Which\r::warning title=VALID::x is", 1))
    assert validate_package(package) == []
    return base, package


def test_an_osc_title_sequence_in_a_field_name_is_refused_and_printed_escaped(package, capsys):
    edit_descriptor(
        package,
        lambda d: resource(d, "open_questions")["schema"]["fields"][6].__setitem__("name", "next\x1b]0;PWNED\x07step"),
    )
    code, out, err = run("validate", package, capsys=capsys)
    assert code == 1 and "unsafe-name" in out
    assert "\x1b" not in out + err and "\x07" not in out + err and "\\x1b]0;PWNED\\x07" in out


def test_diff_for_github_and_markdown_cannot_forge_a_command_or_leave_its_fence(hostile):
    """One diff (rhil7.diff.diff_packages, as `rhil7 diff` runs it), rendered for the CI log and the job summary."""
    result = diff_packages(*map(str, hostile))
    github = DIFF_RENDERERS["github"](result)
    assert "##[error]" not in github and "##%5B" in github and "\r" not in github and "Which ::warning" in github
    for line in github.splitlines():
        assert not line.lstrip().startswith("::"), line
    assert max(len(line) for line in github.splitlines()) < 1000  # a long value is cut, never wrapped into "::"
    lines = DIFF_RENDERERS["markdown"](result).splitlines()
    fence = re.match(r"`{3,}", lines[0]).group()
    assert lines[-1] == fence and not [line for line in lines[1:-1] if line.startswith(fence)]


def test_report_md_shows_links_and_autolinks_as_text(hostile, tmp_path, capsys):
    assert run("reproduce", hostile[1], "--no-plots", "--out", tmp_path / "out", capsys=capsys)[0] == 0
    report = (tmp_path / "out" / "report" / "report.md").read_text(encoding="utf-8")
    assert "&lt;javascript:alert(1)&gt;" in report and "&#91;click&#93;(javascript" in report
    assert not re.search(r"<(javascript|img|script)|\]\(javascript|&lt;img src=x onerror", report)


def test_a_data_dictionary_shows_a_hostile_description_as_text(package, capsys):
    edit_descriptor(
        package,
        lambda d: resource(d, "studies")["schema"]["fields"][2].__setitem__(
            "description", "</td><img src=x onerror=alert(1)> | [x](javascript:alert(1))"
        ),
    )
    assert run("docs", package, capsys=capsys)[0] == 0
    text = (package / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    line = next(s for s in text.splitlines() if "onerror" in s)
    assert "&lt;img src=x onerror=alert(1)&gt; &#124; &#91;x&#93;(javascript" in line
    assert "<img" not in text and "](javascript" not in text


def test_a_single_quote_in_a_site_label_cannot_leave_its_element():
    """The site escapes with ``markdown`` (``'`` left as is): every attribute it writes is double-quoted."""
    html = external_link("https://example.org/a'b", "x' onmouseover='alert(1)' y='")
    assert html.startswith('<a href="https://example.org/a\'b" ') and ">x' onmouseover" in html
    assert external_link("javascript:alert(1)", "<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"


@pytest.fixture
def database(tmp_path) -> Path:
    """A small database made here (``query --database FILE`` runs on the file named, as named)."""
    path = tmp_path / "db.duckdb"
    con = safe_connect(path)
    try:
        con.execute("CREATE TABLE t AS SELECT 1 AS i")
    finally:
        con.close()
    return path


def test_query_csv_escapes_a_formula_in_a_header_and_a_tab_formula_cell(database, capsys):
    code, out, err = run(
        "query",
        "--database",
        database,
        "--format",
        "csv",
        "SELECT '\t=2' AS b, ' =1+1' AS c, 1 AS \"=HYPERLINK(1)\"",
        capsys=capsys,
    )
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0 and rows == [["b", "c", "'=HYPERLINK(1)"], ["'\t=2", " =1+1", "1"]]


def test_a_command_hidden_after_a_cr_lf_in_a_key_stays_inside_its_annotation(package, capsys):
    change_bytes(
        package,
        "studies",
        lambda b: b.replace(b"\nfrancois2018,", b'\n"francois2018\r\n::error title=VALID::All checks passed",', 1),
    )
    code, out, err = run("validate", package, "--format", "github", capsys=capsys)
    lines = out.splitlines()
    assert code == 1 and lines and "\\r\\n::error title=VALID" in out
    assert all(line.startswith("::error file=tables/") for line in lines if line.lstrip().startswith("::"))
    assert not any(line.startswith("::error title=VALID") for line in lines)


@pytest.mark.parametrize(
    "cell, code",
    [
        ("shankarhari2025_fix\u202eture,Table 3", "control-character"),  # a bidi override in a filled row's key
        ("shankarhari2025_fixture,=HYPERLINK(1)", "formula-like-text"),  # a formula in its location
        ('shankarhari2025_fixture,"\t=1+1"', "formula-like-text"),  # a tab, then a formula
        ("shankarhari2025_fixture,Tab\x00le 3", "control-character"),  # a NUL byte
    ],
)
def test_ingest_refuses_a_hostile_sheet_and_writes_nothing(package, tmp_path, cell, code, capsys):
    header, rows = template_rows(package, "shankarhari2025", "shankarhari2025_fixture")
    fill_mortality(rows)
    sheet = tmp_path / "sheet.csv"
    write_sheet(sheet, header, rows)
    text = sheet.read_text(encoding="utf-8")
    assert ",shankarhari2025_fixture,Table 3," in text
    sheet.write_text(text.replace("shankarhari2025_fixture,Table 3", cell, 1), encoding="utf-8")
    before = checksums(package)
    code_, out, err = run("ingest", sheet, "--package", package, capsys=capsys)
    assert code_ == 1 and f"[{code}]" in out and "nothing was written" in out + err
    assert checksums(package) == before


# ============================================================ class 4: crashes and unbounded cost


@pytest.mark.parametrize(
    "tail, code",
    [
        (b"," * 100_000 + b"\n", "blank-row"),  # a 100,000-wide row of empty cells
        (b"x,y,open,,e,s,\n" * 100_000, "primary-key"),  # a huge number of tiny rows (one key repeated)
    ],
)
def test_a_wide_or_long_table_is_located_not_a_crash(package, tail, code, capsys):
    change_bytes(package, "open_questions", lambda b: b + tail)
    assert code in found(package)
    assert run("validate", package, capsys=capsys)[0] == 1


def test_a_one_megabyte_snippet_is_a_problem(package):
    change_bytes(
        package,
        "arms",
        lambda b: b.replace(b"placebo for 4 weeks.,text", b"placebo for 4 weeks." + b" 27" * 350_000 + b",text", 1),
    )
    assert "constraint-error" in found(package)


def test_deeply_nested_json_inside_a_text_cell_is_only_text(package, capsys):
    change_bytes(package, "open_questions", lambda b: b.replace(b"Which is", b"[" * 100_000 + b"]" * 100_000, 1))
    assert run("validate", package, capsys=capsys)[0] == 0


@pytest.mark.parametrize("value", ["1e400", "NaN", "Infinity", "-inf", "0x10", "1_000", "99999999999999999999999"])
def test_an_unusual_number_is_a_problem(package, value, capsys):
    change_bytes(package, "published_results", lambda b: b.replace(b",MD,1.33,", f",MD,{value},".encode(), 1))
    assert found(package) & {"type-error", "number-not-in-snippet", "ci-excludes-estimate"}
    if value in ("1e400", "NaN", "Infinity"):  # what Python's float() accepts: reproduce refuses it too
        assert run("reproduce", package, "--no-plots", "--out", package / "out", capsys=capsys)[0] == 1


def test_an_integer_beyond_64_bits_is_a_type_error(package):
    change_bytes(
        package,
        "published_results",
        lambda b: b.replace(
            b",,,2,rhIL-7 significantly increased ALC at 3",
            b",,,99999999999999999999999,rhIL-7 significantly increased ALC at 3",
            1,
        ),
    )
    assert found(package) == {"type-error"}


@pytest.mark.parametrize("value", ["0000-00-00", "2026-02-30", "99999-01-01", "-0001-01-01", "2026-11-27T00:00:00"])
def test_an_impossible_date_is_a_type_error(package, value):
    change_bytes(package, "sources", lambda b: b.replace(b",2026-11-27,abstract", f",{value},abstract".encode(), 1))
    assert found(package) == {"type-error"}


@pytest.mark.parametrize(
    "table, field, key, value, code",
    [
        ("open_questions", "question_id", "pattern", "^(a+)+$", "constraint-changed"),  # catastrophic in Python re
        ("open_questions", "question_id", "pattern", "^(?=a)(a|aa)+$", "constraint-changed"),  # lookahead: not RE2
        ("arms", "arm_id", "pattern", "([", "bad-pattern"),
        ("arms", "n_randomized", "minimum", float("inf"), "constraint-changed"),  # JSON 1e400
        ("arms", "snippet", "maxLength", -1, "constraint-changed"),
        ("arms", "snippet", "maxLength", 10**30, "constraint-changed"),
        ("arms", "arm_role", "enum", [], "constraint-changed"),
        ("arms", "arm_role", "enum", [{"a": 1}, ["x"]], "bad-constraint"),
    ],
)
def test_a_hostile_constraint_is_a_problem_not_a_hang_or_crash(package, table, field, key, value, code, capsys):
    set_constraint(package, table, field, key, value)
    if key == "pattern":  # a value that sends a backtracking engine into exponential time
        change_bytes(package, "open_questions", lambda b: b.replace(b"\nfourth_trial,", b"\n" + b"a" * 40 + b"!,"))
    assert code in found(package)
    assert run("validate", package, capsys=capsys)[0] == 1


def test_quality_never_runs_a_pattern_re2_cannot_compile():
    frame = pd.DataFrame({"question_id": ["a" * 40 + "!"]})
    resource_ = {
        "schema": {"fields": [{"name": "question_id", "type": "string", "constraints": {"pattern": "^(?=a)(a|aa)+$"}}]}
    }
    outcomes, refused = pattern_outcomes("open_questions", resource_, frame)
    assert outcomes == [] and list(refused) == ["open_questions.question_id"]
    assert refused["open_questions.question_id"].startswith("bad-pattern")


@pytest.mark.parametrize(
    "change, code",
    [
        (lambda f: f.__setitem__(6, dict(f[6], name="n" * 500_000)), 1),  # a 500,000-char name
        (lambda f: f.extend({"name": f"f{i}", "type": "string"} for i in range(20_000)), 2),  # 1.7 MB descriptor
    ],
)
def test_a_huge_descriptor_is_bounded(package, change, code, capsys):
    edit_descriptor(package, lambda d: change(resource(d, "open_questions")["schema"]["fields"]))
    assert run("validate", package, capsys=capsys)[0] == code


@pytest.mark.parametrize(
    "sql, says",
    [
        ("SELECT * FROM read_csv('/etc/passwd')", "disabled by configuration"),
        ("SELECT * FROM read_text('/etc/hostname')", "disabled by configuration"),
        ("SELECT * FROM glob('/etc/*')", "disabled by configuration"),
        ("SELECT * FROM parquet_scan('OUTSIDE/x.parquet')", "disabled by configuration"),
        ("ATTACH 'OUTSIDE/new.duckdb' AS x", "refused an ATTACH"),
        ("COPY (SELECT 1) TO 'OUTSIDE/out.csv'", "refused a COPY"),
        ("EXPORT DATABASE 'OUTSIDE/exp'", "refused an EXPORT"),
        ("INSTALL httpfs", "refused a LOAD"),
        ("LOAD httpfs", "refused a LOAD"),
        ("SET enable_external_access=true", "refused a SET"),
        ("RESET lock_configuration", "refused a SET"),
        ("PRAGMA enable_external_access=true", "refused a SET"),
        ("CALL pragma_version()", "refused a CALL"),
        ("CHECKPOINT", "refused a CALL"),
        ("CREATE TABLE u AS SELECT 1", "refused a CREATE"),
        ("SELECT 1; COPY (SELECT 1) TO 'OUTSIDE/o2.csv'", "refused a COPY"),
        ("SELECT getenv('HOME')", "getenv does not exist"),
    ],
)
def test_query_reaches_no_file_and_changes_nothing(database, outside, sql, says, capsys):
    before = checksums(outside), checksums(database.parent)
    code, out, err = run(
        "query", "--database", database, "--format", "csv", sql.replace("OUTSIDE", str(outside)), capsys=capsys
    )
    assert code == 1 and says in err and out == ""
    assert (checksums(outside), checksums(database.parent)) == before


@pytest.mark.parametrize(
    "option, value",
    [
        ("--memory-limit", "1GB'; SET enable_external_access=true; --"),
        ("--timeout", "-1"),
        ("--timeout", "nan"),
        ("--timeout", "1e400"),
        ("--max-rows", "-5"),
        ("--max-rows", "1e30"),
    ],
)
def test_query_bounds_are_checked_before_they_reach_duckdb(database, option, value, capsys):
    code, out, err = run("query", "--database", database, option, value, "SELECT 1", capsys=capsys)
    assert code == 2 and f"argument {option}" in err


@pytest.mark.xfail(
    strict=True,
    reason="DuckDB's memory_limit does not count one large value: `SELECT repeat('x', "
    "N)` returns N bytes past --memory-limit (2 GB in 64 s with the 1GB default, exit 0, several GB of "
    "RSS), and the --timeout watchdog does not cover fetching and rendering; query.py would need a "
    "bound on the bytes of a result, not only on its rows",
)
def test_query_memory_limit_bounds_one_huge_value(database):
    with pytest.raises(QueryError, match="memory"):
        run_queries(database, "SELECT repeat('x', 50000000) AS s", QueryLimits(memory_limit="10MB"))


@pytest.mark.cli
def test_the_installed_cli_contains_a_hostile_query_and_a_hostile_descriptor(package, database, outside):
    copied = run_cli("query", "--database", str(database), f"COPY (SELECT 1) TO '{outside}/x.csv'")
    assert copied.returncode == 1 and "refused a COPY" in copied.stderr and not (outside / "x.csv").exists()
    edit_descriptor(
        package,
        lambda d: resource(d, "open_questions")["schema"]["fields"][6].__setitem__("name", "next\x1b]0;PWNED\x07step"),
    )
    checked = run_cli("validate", str(package))
    assert checked.returncode == 1 and "\x1b" not in checked.stdout + checked.stderr
    assert "Traceback" not in checked.stdout + checked.stderr


@pytest.mark.parametrize("kind", ["secret", "fifo", "/dev/zero"])
def test_query_file_never_follows_a_contributed_example(database, outside, tmp_path, kind, capsys):
    """docs/sql.md: `rhil7 query --file F.sql` runs queries/examples/; a contributed example that is a link to a
    secret (its first line echoed in DuckDB's parser error), a FIFO (hangs) or /dev/zero (eats memory) is refused.
    Fixed in cli.py: --file is read by the safe reader."""
    (outside / "secret.txt").write_text("SECRET-FIRST-LINE;\n", encoding="utf-8")
    example = tmp_path / "queries" / "examples" / "x.sql"
    example.parent.mkdir(parents=True)
    if kind == "fifo":
        os.mkfifo(example)
    else:
        example.symlink_to(outside / "secret.txt" if kind == "secret" else kind)
    code, out, err = run("query", "--database", database, "--file", example, capsys=capsys)
    assert code == 2 and "x.sql" in err and "SECRET" not in out + err


# ------------------------------------------------ class 4: a descriptor of the wrong shape, in every command

MALFORMED = {
    "resource name a list": lambda d: resource(d, "arms").__setitem__("name", ["arms"]),
    "schema a string": lambda d: resource(d, "studies").__setitem__("schema", "x"),
    "primaryKey a number": lambda d: resource(d, "studies")["schema"].__setitem__("primaryKey", 5),
    "fields a string": lambda d: resource(d, "studies")["schema"].__setitem__("fields", "abc"),
    "fields of numbers": lambda d: resource(d, "studies")["schema"].__setitem__("fields", [1, 2]),
    "field name an object": lambda d: resource(d, "arms")["schema"]["fields"][0].__setitem__("name", {"a": 1}),
    "field type a list": lambda d: resource(d, "arms")["schema"]["fields"][0].__setitem__("type", ["a"]),
    "foreignKeys a string": lambda d: resource(d, "arms")["schema"].__setitem__("foreignKeys", "x"),
    "foreign key of a number": lambda d: resource(d, "arms")["schema"].__setitem__(
        "foreignKeys", [{"fields": 5, "reference": "x"}]
    ),
    "constraints a string": lambda d: resource(d, "arms")["schema"]["fields"][0].__setitem__("constraints", "x"),
    "enum a number": lambda d: resource(d, "arms")["schema"]["fields"][2]["constraints"].__setitem__("enum", 5),
    "licenses a string": lambda d: d.__setitem__("licenses", "x"),
}


@pytest.mark.parametrize("change", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_descriptor_is_a_problem_for_validate_and_docs_never_a_crash(package, change, capsys):
    """Exit 3 before: validate on a resource named by a list (canonical.py: unhashable), docs on most of them
    (dictionary.py). Fixed in those files: what is not the expected kind of value is left out."""
    edit_descriptor(package, change)
    assert run("validate", package, capsys=capsys)[0] == 1
    assert run("docs", package, capsys=capsys)[0] == 0


def test_diff_of_a_malformed_descriptor_warns_never_crashes(package, tmp_path, capsys):
    """Each of these ended diff in exit 3 (the CI diff step runs on invalid pull requests too): a resource named by
    a list, a schema given as a string, a primaryKey that is a number, a field name that is an object, a field
    type that is a list. Fixed in diff.py: such a resource or key is left out, the table named in a warning."""
    base = copy_package(tmp_path / "base")

    def change(d):
        resource(d, "coverage")["name"] = ["coverage"]
        resource(d, "studies")["schema"] = "x"
        resource(d, "published_results")["schema"]["primaryKey"] = 5
        resource(d, "sources")["schema"]["fields"][0]["name"] = {"a": 1}
        resource(d, "arms")["schema"]["fields"][0]["type"] = ["a"]

    edit_descriptor(package, change)
    code, out, err = run("diff", base, package, "--format", "github", capsys=capsys)
    assert code == 0 and "table arms is not read: its Table Schema is malformed" in out
    assert "table sources is not read: its Table Schema is malformed" in out


@pytest.mark.parametrize(
    "change",
    [
        lambda p: edit_descriptor(p, lambda d: d["resources"].__setitem__(0, "x")),
        lambda p: change_bytes(p, "studies", lambda b: b.replace(b"study_id,", b"sid,", 1)),
    ],
    ids=["a resource that is a string", "studies without its study_id column"],
)
def test_template_on_a_package_of_the_wrong_shape_is_a_clear_error(package, tmp_path, change, capsys):
    """template writes a sheet only from a package the gate accepts: a malformed one is refused, exit 1 or 2."""
    change(package)
    code = main(["template", "francois2018", "--package", str(package), "--out", str(tmp_path / "sheet.csv")])
    err = capsys.readouterr().err
    assert code in (1, 2) and "internal error" not in err and "rhil7 template:" in err
    assert not (tmp_path / "sheet.csv").exists()
