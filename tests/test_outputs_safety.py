"""Outputs stay inside the package and are switched in whole; every reader refuses links (issue 12.2, 12.6, 12.7)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import CLI, copy_package, run_cli
from rendered import html, tags

from rhil7.core.paths import UnsafeOutput, output_dir


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def outside(tmp_path):
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


@pytest.fixture
def package(tmp_path):
    return copy_package(tmp_path / "package")


# ------------------------------------------------------------------ the one helper


def test_output_dir_refuses_links_on_the_way_and_in_the_entries(package, outside):
    assert output_dir(package) == package.absolute() / "build"
    assert (package / "build").is_dir()
    (package / "build").rmdir()
    (package / "build").symlink_to(outside)
    with pytest.raises(UnsafeOutput, match="symbolic link"):
        output_dir(package)
    with pytest.raises(UnsafeOutput, match="symbolic link"):
        output_dir(package, package / "build" / "sub")  # named by the user, but behind the committed link
    (package / "build").unlink()
    (package / "build").mkdir()
    (package / "build" / "rhil7.duckdb").symlink_to(outside / "db")
    with pytest.raises(UnsafeOutput, match="symbolic link"):
        output_dir(package, entries=("rhil7.duckdb",))
    named = outside / "mine"
    assert output_dir(package, named) == named and named.is_dir()
    link = outside / "link"
    link.symlink_to(named)
    with pytest.raises(UnsafeOutput):
        output_dir(package, link)
    assert list(named.iterdir()) == []


# ------------------------------------------------------------------ each writing command


@pytest.mark.parametrize(
    "command, link, target_is_dir",
    [
        (["build"], "build", True),
        (["build"], "build/parquet", True),
        (["build"], "build/rhil7.duckdb", False),
        (["reproduce", "--no-plots"], "build/report", True),
        (["quality"], "build/quality", True),
        (["quality"], "build/quality/quality.json", False),
        (["release"], "dist", True),
    ],
)
def test_a_committed_symlink_on_an_output_path_is_refused(package, outside, command, link, target_is_dir):
    victim = outside / ("victim_dir" if target_is_dir else "victim.txt")
    if target_is_dir:
        victim.mkdir()
    else:
        victim.write_text("keep me\n", encoding="utf-8")
    before = tree_digest(outside)
    path = package / link
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(victim)
    env = {k: v for k, v in os.environ.items() if k != "RHIL7_BUILD"}
    done = run_cli(*command, str(package), env=env)
    assert done.returncode == 1, done.stderr
    assert "symbolic link" in done.stderr and "Traceback" not in done.stderr
    assert tree_digest(outside) == before
    assert path.is_symlink()


# ------------------------------------------------------------------ every reading command


def _link_table(package: Path, outside: Path, table: str = "published_results") -> None:
    target = outside / f"{table}.csv"
    (package / "tables" / f"{table}.csv").rename(target)
    (package / "tables" / f"{table}.csv").symlink_to(target)


@pytest.mark.parametrize("command", [["audit"], ["build"], ["reproduce", "--no-plots"]])
def test_readers_refuse_a_symlinked_table(package, outside, command):
    _link_table(package, outside)
    done = run_cli(*command, str(package))
    assert done.returncode in (1, 2), done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert not (package / "build" / "rhil7.duckdb").exists()


@pytest.mark.parametrize("command", [["validate"], ["audit"], ["build"]])
def test_a_fifo_in_place_of_a_table_is_refused_without_waiting_on_it(package, command):
    """A named pipe never opened for reading (it would block forever): refused as no regular file, exit 1 or 2."""
    table = package / "tables" / "published_results.csv"
    table.unlink()
    os.mkfifo(table)
    done = subprocess.run([CLI, *command, str(package)], capture_output=True, text=True, timeout=120)
    assert done.returncode in (1, 2), done.stderr
    assert "published_results.csv" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert not (package / "build" / "rhil7.duckdb").exists()


def test_audit_refuses_a_published_table_outside_the_package(package, outside):
    secret = outside / "published_results.csv"
    secret.write_bytes((package / "tables" / "published_results.csv").read_bytes())
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["name"] == "published_results":
            resource["path"] = str(secret)
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    done = run_cli("audit", str(package))
    assert done.returncode == 2 and "Absolute paths are refused" in done.stderr
    assert done.stdout == ""


def test_audit_and_diff_refuse_a_symlinked_descriptor(tmp_path, package, outside):
    real = outside / "datapackage.json"
    (package / "datapackage.json").rename(real)
    (package / "datapackage.json").symlink_to(real)
    done = run_cli("audit", str(package))
    assert done.returncode == 2 and "symbolic link" in done.stderr
    done = run_cli("diff", str(copy_package(tmp_path / "clean")), str(package))
    assert done.returncode == 2 and "symbolic link" in done.stderr


def test_diff_does_not_read_a_symlinked_table(tmp_path, package, outside):
    _link_table(package, outside, "studies")
    done = run_cli("diff", str(copy_package(tmp_path / "clean")), str(package), "--format", "json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert any("table studies is not read" in w for w in result["warnings"])
    assert result["tables"]["studies"]["status"] == "removed"


# ------------------------------------------------------------------ atomic and concurrent builds


def test_a_killed_build_leaves_the_previous_outputs_whole(package):
    """Killed while it writes its new outputs (stopped on its progress line), the build changes nothing."""
    env = {k: v for k, v in os.environ.items() if k != "RHIL7_BUILD"}
    assert run_cli("build", str(package), env=env).returncode == 0
    before = tree_digest(package / "build")
    path = package / "tables" / "studies.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("Revimmune (sponsor)", "edited", 1), encoding="utf-8")
    tables = len(json.loads((package / "datapackage.json").read_text(encoding="utf-8"))["resources"])
    # The child's stderr is a pipe filled so that exactly "writing Parquet copies" does not fit: the child
    # blocks there, with its new database written in staging and the Parquet copies not yet.
    read_end, write_end = os.pipe()
    capacity = fcntl.fcntl(write_end, 1032)  # F_GETPIPE_SZ
    expected = f"validating the package\nloading {tables} tables into DuckDB\n"
    os.write(write_end, b"x" * (capacity - len(expected) - 1))
    child = subprocess.Popen([CLI, "build", str(package)], stderr=write_end, stdout=subprocess.DEVNULL, env=env)
    os.close(write_end)
    try:
        for _ in range(1200):  # until the child waits on the full pipe
            if child.poll() is not None or "pipe_write" in Path(f"/proc/{child.pid}/wchan").read_text():
                break
            time.sleep(0.1)
        assert child.poll() is None, "the build ended before it could be stopped"
        staged = list((package / "build").glob(".staging-*/rhil7.duckdb"))
        assert staged, "no new database in staging"
    finally:
        child.kill()
        child.wait()
        os.close(read_end)
    survivors = {k: v for k, v in tree_digest(package / "build").items() if not k.startswith(".staging-")}
    assert survivors == before
    after = run_cli("build", str(package), env=env)
    assert after.returncode == 0, after.stderr
    assert not list((package / "build").glob(".staging-*"))
    assert tree_digest(package / "build") != before


def test_four_concurrent_builds_of_one_package_all_succeed(package):
    env = {k: v for k, v in os.environ.items() if k != "RHIL7_BUILD"}
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: run_cli("build", str(package), env=env), range(4)))
    assert [r.returncode for r in results] == [0, 0, 0, 0], [r.stderr for r in results]
    assert sorted(p.name for p in (package / "build").iterdir()) == [".rhil7.lock", "parquet", "rhil7.duckdb"]
    done = run_cli("query", "SELECT count(*) AS n FROM studies", "--format", "json", cwd=package, env=env)
    assert done.returncode == 0, done.stderr


def test_a_read_only_output_directory_is_an_environment_error_not_an_internal_one(package, monkeypatch, capsys):
    """Exit 2 with the path and the reason (issue 12.8); the previous outputs stay as they were."""
    from rhil7 import cli

    assert run_cli("build", str(package)).returncode == 0
    before = tree_digest(package / "build")
    build = package / "build"
    if os.geteuid() != 0:  # a real read-only directory (root writes through permissions, so it is simulated below)
        build.chmod(0o555)
        try:
            result = run_cli("build", str(package))
        finally:
            build.chmod(0o755)
        code, err = result.returncode, result.stderr
    else:

        def read_only(*args, **kwargs):
            raise PermissionError(13, "Permission denied", str(build))

        monkeypatch.setattr("tempfile.mkdtemp", read_only)
        code, err = cli.main(["build", str(package)]), capsys.readouterr().err
    assert code == 2, err
    assert str(build) in err and "Permission denied" in err and "environment" in err
    assert "Traceback" not in err and "internal error" not in err
    assert tree_digest(build) == before


# ------------------------------------------------------------------ issue 23, class 3: the pull request's own check


@pytest.mark.cli
@pytest.mark.slow
def test_a_data_only_pull_request_cannot_forge_the_checks_annotations_log_or_summary(tmp_path):
    """A cell holding a workflow command, an image tag and a link goes through validate.sh, diff.sh (which runs
    whatever validation said) and summary.sh: no forged command in the log, no element or link in the summary."""
    scripts = Path(__file__).resolve().parents[1] / ".github" / "scripts"
    run = lambda script, *args: subprocess.run(
        [str(scripts / script), *args],
        cwd=pr,
        env=dict(os.environ, RHIL7=CLI),
        capture_output=True,
        text=True,
        timeout=600,
    )
    base, pr = copy_package(tmp_path / "base"), copy_package(tmp_path / "pr")
    hostile = (
        "=1+1\n::warning title=VALID::All checks passed ##[error]x <img src=x onerror=alert(1)> "
        "[click](https://evil.example) ![p](https://evil.example/p.png)\x1b]8;;https://evil.example\x1b\\"
    )
    studies = (pr / "tables" / "studies.csv").read_text(encoding="utf-8").splitlines()
    header = studies[0].split(",")
    first = studies[1].split(",")  # (the first study's first cells hold no comma)
    first[header.index("funding")] = '"' + hostile.replace('"', '""') + '"'
    studies[1] = ",".join(first)
    (pr / "tables" / "studies.csv").write_text("\n".join(studies) + "\n", encoding="utf-8")
    out = str(tmp_path / "ci")
    validated, diffed = run("validate.sh", out), run("diff.sh", str(base), out)
    assert validated.returncode == 1 and diffed.returncode == 0, validated.stdout + diffed.stderr
    for log in (validated.stdout, diffed.stdout, validated.stderr, diffed.stderr):
        assert "\x1b" not in log and "##[" not in log
        commands = [line for line in log.splitlines() if line.strip().startswith("::")]
        assert all(line.startswith("::error file=tables/") for line in commands)
    summary = run("summary.sh", out).stdout
    assert tags(summary) <= {"h2", "p", "table", "thead", "tbody", "tr", "th", "td", "pre", "code"}
    assert "evil.example" in summary and "<img" not in html(summary) and "<a " not in html(summary)
