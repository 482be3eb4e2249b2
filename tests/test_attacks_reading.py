"""Issue 23's attacks on reading, one regression test each, by class (1: VALID for a package that is not valid;
2: reads and writes outside the package; 4: crashes and unbounded cost). Each builds its hostile package in
tmp_path from the 0.1.0 snapshot (tests/corpus.py) and runs the in-process entry points (``rhil7.cli.main`` for
the exit code, ``validate_package`` for the problem records); a few run the installed CLI.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess

import pytest
from corpus import copy_package, edit_descriptor, resource, run_cli, table_path
from test_contribution import fill_mortality, write_sheet

from rhil7.cli import main
from rhil7.core.database import view_sql
from rhil7.core.limits import Limits
from rhil7.core.safe_reader import UnreadableInput, check_resource, parse_json, read_bytes
from rhil7.sheet import template_rows
from rhil7.validators.run import validate_package

OQ = "tables/open_questions.csv"


@pytest.fixture
def package(tmp_path):
    return copy_package(tmp_path / "package")


@pytest.fixture
def outside(tmp_path):
    """A directory beside the package, holding a 'secret' that no command may read or write."""
    place = tmp_path / "outside"
    place.mkdir()
    (place / "secret.txt").write_text("SECRET-FIRST-LINE\nsecond\n", encoding="utf-8")
    return place


def checksums(root) -> dict[str, str]:
    """sha256 of every regular file under ``root`` and the target of every link (a link is never followed: one
    to /dev/zero would never end)."""
    return {
        str(p.relative_to(root)): os.readlink(p) if p.is_symlink() else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_symlink() or p.is_file()
    }


def codes(package, **kwargs) -> set[tuple]:
    return {(p.code, p.file, p.row, p.line) for p in validate_package(package, **kwargs)}


def run(*argv, capsys) -> tuple[int, str, str]:
    """``rhil7 ARGV`` in process: exit code, stdout, stderr (never a traceback: main catches everything)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err, err
    return code, out, err


def with_bytes(package, table: str, change) -> None:
    path = table_path(package, table)
    path.write_bytes(change(path.read_bytes()))


# ============================================================ class 1: VALID for a package that is not valid


def test_a_table_moved_away_from_the_projects_path_is_refused(package, capsys):
    """data/studies.csv named by the descriptor, a formula left behind in tables/studies.csv (what template,
    ingest and every recipe read): not VALID."""
    (package / "data").mkdir()
    shutil.copy(table_path(package, "studies"), package / "data" / "studies.csv")
    with_bytes(package, "studies", lambda b: b.replace(b"\nfrancois2018,", b"\n=cmd|' /C calc'!A0,", 1))
    edit_descriptor(package, lambda d: resource(d, "studies").__setitem__("path", "data/studies.csv"))
    assert ("path-changed", "data/studies.csv", None, None) in codes(package)
    assert run("validate", str(package), capsys=capsys)[0] == 1
    found = check_resource(package, resource(json.loads((package / "datapackage.json").read_text()), "studies"))
    assert found[0] is None and [p.code for p in found[1]] == ["path-changed"]


def test_duplicate_json_keys_are_refused_with_their_line(package, capsys):
    text = (package / "datapackage.json").read_text(encoding="utf-8")
    text = text.replace('"path": "tables/studies.csv"', '"path": "data/evil.csv", "path": "tables/studies.csv"')
    (package / "datapackage.json").write_text(text, encoding="utf-8")
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "data/evil.csv" in s)
    code, out, err = run("validate", str(package), capsys=capsys)
    assert code == 2 and f"(line {line})" in err and "'path' appears twice" in err


def test_duplicate_keys_are_refused_at_any_depth():
    with pytest.raises(UnreadableInput, match="'name' appears twice"):
        parse_json(b'{"resources": [{"schema": {"fields": [{"name": "a", "name": "b"}]}}]}', "x")


def test_a_lone_cr_is_a_located_problem_not_a_dropped_byte(package, capsys):
    """DuckDB dropped the byte after a lone CR: the gate checked q3 while pandas loaded =q3."""
    with_bytes(package, "open_questions", lambda b: b.rstrip(b"\n") + b"\r=q3,x\n")
    lines = table_path(package, "open_questions").read_bytes().replace(b"\r", b"\n").count(b"\n")
    problems = validate_package(package)
    assert [(p.code, p.file) for p in problems] == [("lone-cr", OQ)]
    assert problems[0].line == lines - 1 and "LF" in problems[0].message
    assert run("validate", str(package), capsys=capsys)[0] == 1


@pytest.mark.parametrize(
    "change, code",
    [
        (lambda b: b.replace(b"\n", b"\r\n", 1), "mixed-line-endings"),  # CR LF, then LF
        (lambda b: b.replace(b"\n", b"\r\n").replace(b"\r\n", b"\n", 1), "mixed-line-endings"),  # LF, then CR LF
        (lambda b: b.replace(b"\n", b"\r"), "lone-cr"),  # old Mac: CR only
        (lambda b: b.replace(b"\n", b"\r\n", 1).replace(b"\r\n", b"\r", 1) + b"x,y\r\n", "lone-cr"),  # all three
    ],
)
def test_mixed_line_ends_are_refused(package, change, code):
    with_bytes(package, "open_questions", change)
    assert {p.code for p in validate_package(package)} == {code}


@pytest.mark.parametrize("ending", [b"\n", b"\r\n"])
def test_one_kind_of_line_end_and_line_ends_inside_quoted_cells_are_accepted(package, ending):
    """What must still pass: LF or CR LF throughout, and a CR, LF or CR LF inside a quoted cell (its text)."""
    for path in (package / "tables").glob("*.csv"):
        path.write_bytes(path.read_bytes().replace(b"\n", ending))
    with_bytes(package, "open_questions", lambda b: b.replace(b"Which is", b"Which\ris", 1))
    assert validate_package(package) == []


@pytest.mark.parametrize("what", ["tables_dir", "table", "descriptor"])
def test_symlinks_inside_the_package_are_refused_by_validate(package, what, capsys):
    if what == "tables_dir":
        (package / "tables").rename(package / "real_tables")
        (package / "tables").symlink_to("real_tables", target_is_directory=True)
    elif what == "table":
        table_path(package, "studies").rename(package / "studies.csv")
        table_path(package, "studies").symlink_to("../studies.csv")
    else:
        (package / "datapackage.json").rename(package / "real.json")
        (package / "datapackage.json").symlink_to("real.json")
    code, out, err = run("validate", str(package), "--format", "json", capsys=capsys)
    if what == "descriptor":
        assert code == 2 and "symbolic link" in err
    else:
        found = {p["code"] for p in json.loads(out)["problems"]}
        assert code == 1 and found == {"symbolic-link"}


def test_a_hard_link_to_a_file_outside_the_package_is_refused(package, outside, capsys):
    secret = outside / "studies.csv"
    table_path(package, "studies").rename(secret)
    os.link(secret, table_path(package, "studies"))
    assert ("hard-link", "tables/studies.csv", None, None) in codes(package)
    assert run("validate", str(package), capsys=capsys)[0] == 1


def test_release_refuses_a_hard_link_to_a_file_outside(package, outside, tmp_path, capsys):
    """A hard link to a file outside was read by validate and shipped by release."""
    table_path(package, "studies").rename(outside / "studies.csv")
    os.link(outside / "studies.csv", table_path(package, "studies"))
    code, out, err = run("release", str(package), "--out", str(tmp_path / "dist"), capsys=capsys)
    assert code == 1 and "hard-link" in err
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").glob("*.zip"))


# ============================================================ class 2: reads and writes outside the package


def test_docs_check_never_follows_a_committed_link(package, outside, capsys):
    """The dictionary, written by `rhil7 docs`, moved outside and linked back: not read, so not up to date."""
    assert run("docs", str(package), capsys=capsys)[0] == 0
    written = package / "docs" / "data-dictionary.md"
    assert run("docs", str(package), "--check", capsys=capsys)[0] == 0
    written.rename(outside / "dictionary.md")
    written.symlink_to(outside / "dictionary.md")
    code, out, err = run("docs", str(package), "--check", capsys=capsys)
    assert code == 1 and "out of date" in err


@pytest.mark.parametrize("target", ["secret", "fifo", "/dev/zero"])
def test_a_local_profile_is_never_opened(package, outside, target):
    """frictionless would open a local profile: a link to a secret, a FIFO (hangs), /dev/zero (eats memory)."""
    if target == "fifo":
        os.mkfifo(package / "profile.json")
    elif target == "secret":
        (package / "profile.json").symlink_to(outside / "secret.txt")
    value = "/dev/zero" if target == "/dev/zero" else "profile.json"
    edit_descriptor(
        package, lambda d: (d.__setitem__("profile", value), resource(d, "arms").__setitem__("profile", value))
    )
    assert codes(package) == {
        ("local-reference", "datapackage.json", None, None),
        ("local-reference", "tables/arms.csv", None, None),
    }


@pytest.fixture
def filled_sheet(package, tmp_path):
    header, rows = template_rows(package, "shankarhari2025", "shankarhari2025_fixture")
    fill_mortality(rows)
    sheet = tmp_path / "sheet.csv"
    write_sheet(sheet, header, rows)
    return sheet


def test_ingest_never_writes_through_a_linked_tables_dir(package, outside, filled_sheet, capsys):
    shutil.copytree(package / "tables", outside / "tables")
    shutil.rmtree(package / "tables")
    (package / "tables").symlink_to(outside / "tables", target_is_directory=True)
    before = checksums(outside)
    code, out, err = run("ingest", str(filled_sheet), "--package", str(package), capsys=capsys)
    assert code == 2 and "symbolic link" in err
    assert checksums(outside) == before


def test_ingest_never_copies_through_a_link_to_a_device(package, filled_sheet, capsys):
    table_path(package, "open_questions").unlink()
    table_path(package, "open_questions").symlink_to("/dev/zero")
    before = checksums(package)
    code, out, err = run("ingest", str(filled_sheet), "--package", str(package), capsys=capsys)
    assert code == 1 and "open_questions" in out + err
    assert checksums(package) == before


def test_ingest_refuses_a_sheet_that_is_a_fifo(package, tmp_path, capsys):
    os.mkfifo(tmp_path / "sheet.csv")
    code, out, err = run("ingest", str(tmp_path / "sheet.csv"), "--package", str(package), capsys=capsys)
    assert code == 2


def test_template_out_never_overwrites_a_links_target(package, outside, capsys):
    link = package / "sheet.csv"
    link.symlink_to(outside / "secret.txt")
    code, out, err = run("template", "shankarhari2025", "--package", str(package), "--out", str(link), capsys=capsys)
    assert code == 1 and "symbolic link" in err
    assert (outside / "secret.txt").read_text(encoding="utf-8").startswith("SECRET-FIRST-LINE")
    assert link.is_symlink()


@pytest.mark.parametrize("kind", ["fifo", "symlink"])
def test_template_reads_tables_only_as_regular_files(package, outside, kind, capsys):
    table = table_path(package, "coverage")
    table.unlink()
    if kind == "fifo":
        os.mkfifo(table)
    else:
        table.symlink_to(outside / "secret.txt")
    code, out, err = run("template", "shankarhari2025", "--package", str(package), capsys=capsys)
    # the gate refuses the package first (template writes a sheet only from a package that validates): exit 1
    assert code == 1 and "tables/coverage.csv" in err and "SECRET" not in out + err


def test_a_linked_query_file_is_never_read(package, outside):
    (package / "queries").mkdir()
    (package / "queries" / "studies.sql").symlink_to(outside / "secret.txt")
    with pytest.raises(UnreadableInput, match="symbolic link") as refused:
        view_sql("studies", package)
    assert "SECRET" not in str(refused.value)


def test_a_linked_analysis_plan_is_never_read(package, outside, capsys):
    (package / "analysis").mkdir()
    (package / "analysis" / "plan.csv").symlink_to(outside / "secret.txt")
    code, out, err = run("reproduce", str(package), "--no-plots", "--out", str(package / "out"), capsys=capsys)
    assert code == 2 and "SECRET" not in out + err and "analysis/plan.csv" in err


def test_the_reader_opens_regular_files_only(tmp_path, outside):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "link").symlink_to(outside / "secret.txt")
    (tmp_path / "big").write_bytes(b"x" * 100)
    for name, reason in (("pipe", "named pipe"), ("link", "symbolic link"), ("big", "more than the 10")):
        with pytest.raises(UnreadableInput, match=reason):
            read_bytes(tmp_path, name, 10)
    with pytest.raises(UnreadableInput, match="plain relative path"):
        read_bytes(tmp_path, "../outside/secret.txt", 1000)


# ============================================================ class 4: crashes and unbounded cost


@pytest.mark.parametrize(
    "tail, code",
    [
        (b"q9,abc\rdef", "lone-cr"),  # a CR inside the last unquoted record
        (b"q9,a\r\rb\n", "lone-cr"),  # a\r\rb in a cell
        (b"\na,b,c,d,e,f,g,h,i,j,k,l,m\n", None),  # a blank line, then a row with too many cells
    ],
)
def test_stray_line_breaks_are_problems_not_crashes(package, capsys, tail, code):
    with_bytes(package, "open_questions", lambda b: b + tail)
    found = {p.code for p in validate_package(package)}
    # (the wide row's own cells may have problems of their own: they are checked too)
    assert found == {code} if code else {"blank-row", "extra-cell"} <= found
    assert run("validate", str(package), capsys=capsys)[0] == 1


@pytest.mark.cli
def test_a_blank_line_then_a_wide_row_is_located_by_the_cli(package):
    with_bytes(package, "open_questions", lambda b: b + b"\na,b,c,d,e,f,g,h,i,j,k,l,m\n")
    done = run_cli("validate", str(package), "--format", "json")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    rows = {(p["code"], p["row"]) for p in json.loads(done.stdout)["problems"]}
    records = table_path(package, "open_questions").read_bytes().count(b"\n")
    assert {("blank-row", records - 1), ("extra-cell", records)} <= rows


def test_a_descriptor_nested_200000_deep_is_unreadable_not_a_recursion_error(package, capsys):
    (package / "datapackage.json").write_text(
        '{"resources": [], "x": ' + "[" * 200_000 + "]" * 200_000 + "}", encoding="utf-8"
    )
    code, out, err = run("validate", str(package), capsys=capsys)
    assert code == 2 and "nested too deeply" in err


def _git(repo, *args):
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.org",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.org",
    )
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def test_diff_of_a_deeply_nested_revision_exits_2(package, capsys, monkeypatch):
    _git(package, "init", "-q")
    (package / "datapackage.json").write_text(
        '{"resources": [], "x": ' + "[" * 200_000 + "]" * 200_000 + "}", encoding="utf-8"
    )
    _git(package, "add", "datapackage.json")
    _git(package, "commit", "-q", "-m", "deep")
    monkeypatch.chdir(package)
    monkeypatch.setenv("RHIL7_PACKAGE", str(package))
    code, out, err = run("diff", "HEAD", str(package), capsys=capsys)
    assert code == 2 and "nested" in err


def test_diff_sizes_a_blob_before_expanding_it(package, tmp_path, monkeypatch):
    """A small commit holding a blob that expands far beyond the limit is refused before it is written out."""
    import rhil7.diff as diff

    _git(package, "init", "-q")
    table_path(package, "open_questions").write_bytes(b"question_id\n" + b"0" * 200_000)  # compresses to ~1 KB
    _git(package, "add", ".")
    _git(package, "commit", "-q", "-m", "bomb")
    monkeypatch.chdir(package)
    monkeypatch.setenv("RHIL7_PACKAGE", str(package))
    monkeypatch.setattr(diff, "DEFAULT_LIMITS", Limits(max_table_bytes=100_000))
    scratch = tmp_path / "scratch"
    with pytest.raises(diff.DiffError, match="is not expanded"):
        diff.resolve("HEAD", scratch)
    assert not (scratch / OQ).exists()
