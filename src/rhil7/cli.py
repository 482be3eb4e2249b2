"""The rhil7 command line: argument parsing and rendering only; the work lives in importable functions.

Exit codes (also in ``rhil7 --help``): 0 success (valid), 1 invalid package, unsafe output path or failed
query, 2 usage or unreadable input, 3 internal error.
"""

from __future__ import annotations

# The command modules (validators, build, query's database side, reproduce, analysis, release, diff, quality,
# sheets, docs, site) are imported lazily, inside the command that runs them, so that `rhil7 --help`,
# `rhil7 explain` and `rhil7 validate` load no pandas, matplotlib or scipy. Measured on the 2-core machine
# (2026-12-07, three runs each): `python -X importtime -c "import rhil7.cli"` 0.05-0.13 s lazy, against
# 1.8-2.8 s with every command module imported at the top; `rhil7 --help` 0.14-0.23 s against 3.0-3.7 s;
# `rhil7 validate` 0.8-1.3 s against 3.6-4.4 s. What every command needs and costs nothing (the standard
# library, rhil7.core's paths, limits, problems, sinks, catalogue; query.py, which defers DuckDB) is imported here.
import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path

from . import __version__
from .core.limits import DEFAULT_LIMITS, Limits, UnreadableInput
from .core.paths import (
    PackageNotFound,
    UnsafeOutput,
    find_package_dir,
    output_dir,
    output_lock,
    publish,
    staging_dir,
    write_file,
)
from .core.problem_catalogue import CATALOGUE, explain
from .core.problems import RENDERERS
from .core.sinks import github_data, github_property, terminal
from .core.vocabulary import MODEL_CODES
from .query import CELL_WIDTH, FORMATS as QUERY_FORMATS, QueryError, QueryLimits, memory_size, positive_count
from .query import positive_seconds, render_results, run_queries

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
# optional modules and the extra (pyproject.toml) that installs each: a missing one is exit 2 saying so, never exit 3
OPTIONAL_MODULES = {"great_expectations": "quality", "re2": "quality"}
# Arrow's default allocator (mimalloc) is slowest on first use of fresh memory, which is all a one-shot
# command does: reading a 200 MB table cold took about 1.0 s with it and 0.75 s with the system allocator
# (jemalloc: the same, but not in every wheel). Only this process is concerned; a user's own setting wins.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")


class UsageError(Exception):
    pass


DESCRIPTION = """\
Check, build and reproduce the data package of the randomized trials of rhIL-7 (CYT107) pooled by the
2026 meta-analysis. Run a command inside the repository (or pass the package directory); `make reproduce`
runs validate, build and reproduce in turn."""
EPILOG = """\
exit codes: 0 success (the package is valid); 1 the package is invalid, an output path is unsafe, or the
query failed (the message names the file, row and field); 2 usage error, unreadable input (a missing
directory, a file that is not UTF-8 or not JSON) or an environment error (a read-only or full disk);
3 internal error (a bug: please report it).

Run `rhil7 COMMAND --help` for a command's options."""
INTERNAL = "3 internal error (a bug: please report it)."
UNREADABLE = "2 usage error, unreadable input or an environment error (a read-only or full disk)"
EXIT_CODES = {  # each command's own exit codes, shown by `rhil7 COMMAND --help`
    "validate": "0 the package is valid; 1 it is invalid (each problem names its file, row and field)",
    "build": "0 the database was built; 1 the package is invalid or the output path is unsafe",
    "query": "0 the query ran; 1 the query failed, is not read-only, passed a bound (--max-rows, --timeout, "
    "--memory-limit), or the database is older than the tables",
    "reproduce": "0 every figure was recomputed (whatever its status); 1 the package is invalid, the plan cannot "
    "be honoured or the output path is unsafe",
    "audit": "0 the audit ran (its findings are in the report)",
    "release": "0 the archive was written; 1 the package is invalid, the version or its date differs between "
    "files, the version was released with other data, or the output path is unsafe",
    "diff": "0 the differences were printed (finding some is no failure)",
    "template": "0 the sheet was written",
    "ingest": "0 the sheet was written into the tables, or had nothing to write (with --check: nothing is ever "
    "written); 1 the sheet has problems, listed by its rows, and nothing was written",
    "quality": "0 every expectation holds; 1 one fails, or the output path is unsafe",
    "docs": "0 the dictionary was written, or is up to date; 1 with --check, it is out of date",
    "site": "0 the site was written; 1 the package is invalid or the output path is unsafe",
    "explain": "0 the code was explained, or every code listed; 2 no such problem code",
}
PATH_HELP = "package directory (default: $RHIL7_PACKAGE, else the nearest folder upward holding datapackage.json)"
OUT_HELP = "output directory (default: $RHIL7_BUILD, else build/ of the package); never a symbolic link"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rhil7", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"rhil7 {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        codes = f"exit codes: {EXIT_CODES.get(name, '0 success')}; {UNREADABLE}; {INTERNAL}"
        return sub.add_parser(
            name,
            help=help,
            description=help[0].upper() + help[1:] + ".",
            epilog=textwrap.fill(codes, 110, break_on_hyphens=False),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    p = command("validate", "check the package against its Table Schemas and the project's rules; writes nothing")
    p.add_argument("path", nargs="?", help=PATH_HELP)
    p.add_argument(
        "--format",
        choices=["text", "json", "github"],
        default="text",
        help="text for people (default), json for programs, github for GitHub Actions annotations "
        "(one ::error line per problem, placed on the CSV line)",
    )
    p.add_argument("--max-bytes", type=int, help="largest table file accepted, in bytes")
    p.add_argument("--max-rows", type=int, help="most rows accepted per table")
    p.add_argument(
        "--canonical",
        metavar="PATH",
        help="datapackage.json (or package directory) whose shape the package must have, e.g. a pull "
        "request's base revision (default: the descriptor shipped with rhil7)",
    )

    p = command("build", "validate, then write build/rhil7.duckdb (tables and views) and build/parquet/")
    p.add_argument("path", nargs="?", help=PATH_HELP)
    p.add_argument("--out", help=OUT_HELP)

    p = command("query", "run read-only SQL against build/rhil7.duckdb (refused if the tables changed since the build)")
    p.add_argument("sql", nargs="?", help="SQL text (SELECT or EXPLAIN only)")
    p.add_argument("--file", help="a .sql file to run instead, e.g. queries/examples/coverage_gaps_by_trial.sql")
    p.add_argument(
        "--format",
        choices=QUERY_FORMATS,
        default="table",
        help="output format (default: table; line: one 'column = value' a line, for wide rows)",
    )
    p.add_argument(
        "--database", help="database file (default: build/rhil7.duckdb of the package, checked for staleness)"
    )
    p.add_argument(
        "--width",
        type=int,
        default=CELL_WIDTH,
        help=f"table format: cut cells longer than this, marked ... (default: {CELL_WIDTH}; 0: whole)",
    )
    p.add_argument(
        "--max-rows",
        type=positive_count,
        default=QueryLimits.max_rows,
        help=f"refuse a result longer than this (default: {QueryLimits.max_rows:,} rows)",
    )
    p.add_argument(
        "--timeout",
        type=positive_seconds,
        default=QueryLimits.timeout,
        help=f"stop the query after this many seconds (default: {QueryLimits.timeout:g})",
    )
    p.add_argument(
        "--memory-limit",
        type=memory_size,
        default=QueryLimits.memory_limit,
        help=f"DuckDB's memory limit for the query, e.g. 4GB (default: {QueryLimits.memory_limit})",
    )

    p = command("reproduce", "validate, build, recompute every pooled figure of the abstract, write build/report/")
    p.add_argument("path", nargs="?", help=PATH_HELP)
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    p.add_argument("--no-plots", action="store_true", help="skip the forest plots")
    p.add_argument("--out", help=OUT_HELP)
    p.add_argument(
        "--plan", help="analysis plan CSV (default: the package's analysis/plan.csv, else the installed one)"
    )
    p.add_argument(
        "--model",
        choices=MODEL_CODES,
        help="refit every target with this model (MH, MH-DL: risk ratios; MD targets get FE, DL)",
    )

    p = command("audit", "check the published pooled figures for internal consistency")
    p.add_argument("path", nargs="?", help=PATH_HELP)
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")

    p = command("release", "write dist/rhil7-lymphopenia-<version>.zip (deterministic, checksummed)")
    p.add_argument("path", nargs="?", help=PATH_HELP)
    p.add_argument("--out", help="output directory (default: dist/ of the package); never a symbolic link")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--snapshot",
        dest="mode",
        action="store_const",
        const="snapshot",
        default="release",
        help="build a marked pre-release of the data as it is (rhil7-lymphopenia-snapshot-"
        "<next>.dev0+<hash>.zip), not recorded in releases.json",
    )
    mode.add_argument(
        "--or-snapshot",
        dest="mode",
        action="store_const",
        const="auto",
        help="release the version; if it was already released with other data, build a snapshot "
        "instead (what `make release` runs)",
    )
    p.add_argument(
        "--repository-url",
        metavar="URL",
        help="the repository's web address, written into the released README, datapackage.json "
        "(homepage) and CITATION.cff; the release workflow passes github.server_url/github.repository",
    )

    p = command("diff", "rows added, removed and changed between two package versions, and moved pooled estimates")
    p.add_argument("old", help="package directory or git revision of this repository (e.g. main, v0.1.0, HEAD~1)")
    p.add_argument("new", help="package directory or git revision of this repository")
    p.add_argument(
        "--format",
        choices=["text", "json", "github", "markdown"],
        default="text",
        help="output format (default: text; github: for an Actions log; markdown: for a job summary)",
    )

    p = command(
        "template",
        "write a trial's extraction sheet (one row per arm, outcome and time point still missing), "
        "or with --new-study the study sheet of a new trial",
    )
    p.add_argument("study_id", help="the trial's study_id (a new one with --new-study)")
    p.add_argument("--source", help="source_id to fill in (a new one: describe it in the sheet's source_* columns)")
    p.add_argument(
        "--new-study",
        action="store_true",
        help="a study sheet for a trial not yet in the package (needs --source and --condition)",
    )
    p.add_argument("--condition", help="the new trial's condition (sepsis, covid19)")
    p.add_argument("--out", help="file to write (default: standard output)")
    p.add_argument("--package", help=PATH_HELP)

    p = command("ingest", "check a filled sheet and write it into the tables, all or nothing (then validate)")
    p.add_argument("sheet", help="the sheet that rhil7 template wrote, filled in")
    p.add_argument("--package", help=PATH_HELP)
    p.add_argument(
        "--format", choices=["text", "json", "github"], default="text", help="how problems are printed (default: text)"
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="ingest into a staged copy of the package and write nothing: exit 1 with the problems on "
        "the sheet's rows, else say what ingesting would change (the pull-request check runs it)",
    )

    p = command("quality", "Great Expectations data-quality report of the tables, written to build/quality/")
    p.add_argument("path", nargs="?", help=PATH_HELP)
    p.add_argument("--out", help="output directory (default: build/quality/ of the package); never a symbolic link")

    p = command("docs", "regenerate docs/data-dictionary.md from the Table Schemas")
    p.add_argument("path", nargs="?", help=PATH_HELP)
    p.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if docs/data-dictionary.md is out of date"
    )

    p = command("site", "write the website (static HTML, with a SQL console running DuckDB-WASM) from the release")
    p.add_argument("path", nargs="?", help=PATH_HELP)
    p.add_argument("--out", help="the site's folder (default: build/site of the package); never a symbolic link")
    p.add_argument(
        "--duckdb-wasm",
        metavar="DIR",
        help="dist/ folder of the npm package @duckdb/duckdb-wasm "
        "(default: node_modules/@duckdb/duckdb-wasm/dist; `npm ci`)",
    )
    p.add_argument(
        "--release",
        metavar="ZIP",
        help="the release archive to show (what the release workflow "
        "publishes); default: a snapshot of the package as it is",
    )

    p = command("explain", "say what a problem code means and how to fix it (no code: list every code)")
    p.add_argument("code", nargs="?", help="a problem code, as `rhil7 validate` prints it in brackets")
    return parser


def _package_dir(path):
    try:
        return find_package_dir(path)
    except PackageNotFound as exc:
        raise UsageError(str(exc)) from None


def cmd_validate(args) -> int:
    from rhil7.validators.canonical import canonical_descriptor
    from rhil7.validators.run import validate_package

    package_dir = _package_dir(args.path)
    limits = Limits(
        max_table_bytes=args.max_bytes or DEFAULT_LIMITS.max_table_bytes,
        max_table_rows=args.max_rows or DEFAULT_LIMITS.max_table_rows,
    )
    try:
        canonical = canonical_descriptor(args.canonical) if args.canonical else None
        problems = validate_package(package_dir, limits, canonical)
    except UnreadableInput as exc:
        print(f"rhil7 validate: {terminal(exc)}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(RENDERERS[args.format](problems, str(package_dir)))
    return EXIT_INVALID if problems else EXIT_OK


def _build_out(args):
    """--out, else $RHIL7_BUILD (the command line's way to send outputs elsewhere), else the package's build/."""
    return args.out or os.environ.get("RHIL7_BUILD") or None


def cmd_build(args) -> int:
    from .build import BuildRefused, build_database

    package_dir = _package_dir(args.path)
    try:
        result = build_database(package_dir, _build_out(args), progress=lambda m: print(m, file=sys.stderr))
    except BuildRefused as exc:
        print(f"rhil7 build: {terminal(exc)}", file=sys.stderr)
        return EXIT_INVALID
    print(f"built {result.database} ({result.tables} tables, {result.views} views)")
    return EXIT_OK


def cmd_query(args) -> int:
    from .fingerprint import StaleDatabase, require_fresh

    if bool(args.sql) == bool(args.file):
        raise UsageError("give either SQL text or --file F.sql")
    if args.file:
        # deferred: the safe reader pulls numpy in, paid only when a file is read (every start imports cli.py)
        from .core.database import MAX_SQL_BYTES
        from .core.safe_reader import read_text

        try:  # the safe reader: a contributed queries/examples/*.sql may be a link to a secret, a FIFO or /dev/zero
            sql = read_text(Path(args.file).parent, Path(args.file).name, MAX_SQL_BYTES, links_allowed=True)
        except (OSError, UnreadableInput) as exc:
            raise UsageError(f"cannot read {args.file}: {exc}") from None
    else:
        sql = args.sql
    try:
        if args.database:
            database = Path(args.database)
        else:  # the package's own database: answer only if it was built from the files as they are now
            package_dir = _query_package_dir()
            database = Path(os.environ.get("RHIL7_BUILD") or package_dir / "build") / "rhil7.duckdb"
            if database.is_file():
                require_fresh(database, package_dir)
        limits = QueryLimits(args.max_rows, args.timeout, args.memory_limit)
        text = render_results(run_queries(database, sql, limits), args.format, max(args.width, 0))
    except (QueryError, StaleDatabase) as exc:
        print(f"rhil7 query: {terminal(exc)}", file=sys.stderr)
        return EXIT_INVALID
    sys.stdout.write(text)
    return EXIT_OK


def _query_package_dir() -> Path:
    """The package whose database `rhil7 query` reads: query takes no directory, so say what it does take."""
    try:
        return find_package_dir(None)
    except PackageNotFound:
        raise UsageError(
            "no datapackage.json in the working directory or its parents: run `rhil7 query` inside "
            "the package, set RHIL7_PACKAGE to its directory, or give --database FILE"
        ) from None


def cmd_reproduce(args) -> int:
    from rhil7.analysis.presentation import reproduction_json, reproduction_text

    from .reproduce import ReproduceRefused, reproduce

    package_dir = _package_dir(args.path)
    try:
        outcome = reproduce(
            package_dir,
            plots=not args.no_plots,
            progress=lambda m: print(m, file=sys.stderr),
            out=_build_out(args),
            plan_file=args.plan,
            model=args.model,
        )
    except ReproduceRefused as exc:
        print(f"rhil7 reproduce: {terminal(exc)}", file=sys.stderr)
        return EXIT_INVALID
    sys.stdout.write(reproduction_json(outcome.rows) if args.format == "json" else reproduction_text(outcome.rows))
    if args.format == "text":
        print(f"\nreport: {outcome.report_path}")
    return EXIT_OK


def cmd_audit(args) -> int:
    from rhil7.analysis.audit import audit_published
    from rhil7.analysis.presentation import audit_json, audit_text

    from .loading import read_tables

    package_dir = _package_dir(args.path)
    try:
        tables = read_tables(package_dir, ["published_results"])
    except UnreadableInput as exc:
        print(f"rhil7 audit: {terminal(exc)}", file=sys.stderr)
        return EXIT_USAGE
    checks = audit_published(tables["published_results"])
    sys.stdout.write(audit_json(checks) if args.format == "json" else audit_text(checks))
    return EXIT_OK


def cmd_release(args) -> int:
    from .release import ReleaseRefused, make_release

    package_dir = _package_dir(args.path)
    try:
        archive = make_release(
            package_dir,
            output_dir(package_dir, args.out, "dist"),
            progress=lambda m: print(m, file=sys.stderr),
            mode=args.mode,
            repository_url=args.repository_url,
        )
    except ReleaseRefused as exc:  # one line per file that disagrees: each through the terminal sink
        print(
            "\n".join(
                f"{'rhil7 release: ' if i == 0 else ''}{terminal(line)}" for i, line in enumerate(str(exc).splitlines())
            ),
            file=sys.stderr,
        )
        return EXIT_INVALID
    print(archive)
    return EXIT_OK


def cmd_diff(args) -> int:
    from .diff import DiffError, diff_packages, render_diff

    try:
        result = diff_packages(args.old, args.new)
    except DiffError as exc:
        raise UsageError(str(exc)) from None
    sys.stdout.write(render_diff(result, args.format))
    return EXIT_OK


def cmd_quality(args) -> int:
    from rhil7.validators.quality_report import write_quality_report

    package_dir = _package_dir(args.path)
    entries = ("quality.json", "gx_results.json")
    try:
        out = output_dir(package_dir, args.out, "build/quality", entries=entries)
        with output_lock(out):
            staging = staging_dir(out)
            try:
                report, _ = write_quality_report(package_dir, staging)
                publish(staging, out, entries)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        path = out / "quality.json"
    except UnreadableInput as exc:
        print(f"rhil7 quality: {terminal(exc)}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(report.text())
    print(f"report: {path}")
    return EXIT_OK if report.success else EXIT_INVALID


class TemplateRefused(Exception):
    """The package does not validate: a sheet is never written from a package the gate refuses."""


def cmd_template(args) -> int:
    from .gate import require_valid
    from .sheet import SheetError, render_sheet, template_rows
    from .study_sheet import study_template

    package_dir = _package_dir(args.package)
    try:
        # the sheet is built from the package's descriptor and tables: only from what the gate accepted
        require_valid(package_dir, TemplateRefused)
    except TemplateRefused as exc:
        print(f"rhil7 template: {exc}", file=sys.stderr)
        return EXIT_INVALID
    try:
        if args.new_study:
            if not (args.source and args.condition):
                raise UsageError("--new-study needs --source SOURCE_ID and --condition CONDITION")
            columns, rows = study_template(package_dir, args.study_id, args.source, args.condition)
        else:
            columns, rows = template_rows(package_dir, args.study_id, args.source)
    except SheetError as exc:
        raise UsageError(str(exc)) from None
    text = render_sheet(columns, rows)
    if args.out:
        write_file(args.out, text.encode("utf-8"))  # atomic, and never through a committed symbolic link
        print(f"wrote {args.out} ({len(rows)} rows)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_ingest(args) -> int:
    from .ingest import ingest_sheet

    sheet = Path(args.sheet)
    if not sheet.is_file():
        raise UsageError(f"no sheet at {sheet}")
    package_dir = _package_dir(args.package)
    try:
        if args.check:
            result = _check_sheet(package_dir, sheet, args.sheet)
        else:
            result = ingest_sheet(package_dir, sheet, args.sheet)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"cannot read {args.sheet} as a UTF-8 CSV file: {exc}") from None
    if result.problems:
        sys.stdout.write(RENDERERS[args.format](result.problems, args.sheet))
        print("nothing was written", file=sys.stderr)
        return EXIT_INVALID
    if args.check:
        return _report_checked_sheet(result, args.sheet, args.format)
    for table, counts in result.rows.items():
        print(f"{table}: {counts['added']} row(s) added, {counts['changed']} changed")
    for study, outcome, timepoint, old, new in result.coverage:
        print(f"coverage: {study} {outcome} {timepoint}: {old} -> {new}")
    print(
        f"wrote {', '.join(result.written)}; the package is VALID"
        if result.written
        else "nothing to write: the sheet's rows are already in the package"
    )
    return EXIT_OK


def _check_sheet(package_dir: Path, sheet: Path, name: str):
    """The sheet ingested into a staged copy of the package (ingest's own staging: the descriptor and its tables
    through the safe reader, no link followed), so that nothing of the package is written."""
    from .ingest import ingest_sheet
    from .sheet_staging import stage_package

    with tempfile.TemporaryDirectory(prefix="rhil7-ingest-check-") as tmp:
        stage_package(package_dir, Path(tmp))
        return ingest_sheet(Path(tmp), sheet, name)


def _report_checked_sheet(result, name: str, fmt: str) -> int:
    if not result.written:
        print(
            f"{terminal(name)}: valid; ingesting it would change nothing (its filled rows are already in the "
            "package, or no row is filled)"
        )
        return EXIT_OK
    message = (
        f"The sheet is valid, but its rows are not in tables/ yet: run `rhil7 ingest {name}` and commit "
        f"{', '.join(result.written)} with it."
    )
    if fmt == "github":
        print(f"::warning file={github_property(name)},title=sheet-not-ingested::{github_data(message)}")
    elif fmt == "json":
        print(json.dumps({"sheet": name, "valid": True, "would_write": result.written}, ensure_ascii=True))
    else:
        print(f"{terminal(name)}: {terminal(message)} (checked only: nothing was written)")
    return EXIT_OK


def cmd_docs(args) -> int:
    from .dictionary import DICTIONARY_PATH, is_up_to_date, write_dictionary

    package_dir = _package_dir(args.path)
    if args.check:
        if is_up_to_date(package_dir):
            print(f"{package_dir / DICTIONARY_PATH} is up to date")
            return EXIT_OK
        print(f"rhil7 docs: {package_dir / DICTIONARY_PATH} is out of date; run `rhil7 docs`", file=sys.stderr)
        return EXIT_INVALID
    target = output_dir(package_dir, None, str(Path(DICTIONARY_PATH).parent), entries=(Path(DICTIONARY_PATH).name,))
    print(write_dictionary(package_dir, target / Path(DICTIONARY_PATH).name))
    return EXIT_OK


def cmd_site(args) -> int:
    from .site.build import MissingDuckDBWasm, SiteRefused, build_site

    package_dir = _package_dir(args.path)
    try:
        site = build_site(
            package_dir, args.out, args.duckdb_wasm, progress=lambda m: print(m, file=sys.stderr), release=args.release
        )
    except MissingDuckDBWasm as exc:
        print(f"rhil7 site: {terminal(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except SiteRefused as exc:
        print(f"rhil7 site: {terminal(exc)}", file=sys.stderr)
        return EXIT_INVALID
    print(site / "index.html")
    return EXIT_OK


def cmd_explain(args) -> int:
    if args.code is None:
        print("".join(f"{kind.code}: {kind.title}\n" for kind in CATALOGUE.values()), end="")
        return EXIT_OK
    if args.code not in CATALOGUE:
        raise UsageError(f"no problem code {terminal(args.code)!r}; `rhil7 explain` lists them all")
    print(explain(args.code), end="")
    return EXIT_OK


COMMANDS = {
    "docs": cmd_docs,
    "validate": cmd_validate,
    "build": cmd_build,
    "query": cmd_query,
    "reproduce": cmd_reproduce,
    "audit": cmd_audit,
    "release": cmd_release,
    "diff": cmd_diff,
    "quality": cmd_quality,
    "template": cmd_template,
    "ingest": cmd_ingest,
    "site": cmd_site,
    "explain": cmd_explain,
}


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"rhil7 {args.command}: {terminal(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except UnsafeOutput as exc:
        print(f"rhil7 {args.command}: {terminal(exc)}", file=sys.stderr)
        return EXIT_INVALID
    except UnreadableInput as exc:  # a package (or a file it names) the safe reader refuses to read
        print(f"rhil7 {args.command}: {terminal(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except ModuleNotFoundError as exc:  # an optional dependency of this command is not installed
        extra = OPTIONAL_MODULES.get((exc.name or "").split(".")[0])
        if extra is None:
            return _internal_error(args.command, exc)
        print(
            f"rhil7 {args.command}: needs the optional dependency {exc.name}: "
            f"pip install 'rhil7-lymphopenia[{extra}]' (or make, which installs every extra)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # the machine's, not the package's: a read-only or full disk, a missing permission
        where = f" {terminal(exc.filename)}" if exc.filename else ""
        print(
            f"rhil7 {args.command}: cannot read or write{where}: {exc.strerror or exc} (an environment problem, "
            "not a problem of the package; nothing was changed)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except Exception as exc:  # a bug, not bad input: still no traceback for the user, but say so plainly
        return _internal_error(args.command, exc)


def _internal_error(command: str, exc: Exception) -> int:
    print(
        f"rhil7 {command}: internal error: {type(exc).__name__}: {terminal(exc)} "
        "(please report it with the command you ran; set RHIL7_DEBUG=1 for the traceback)",
        file=sys.stderr,
    )
    if os.environ.get("RHIL7_DEBUG"):
        raise exc
    return 3


if __name__ == "__main__":
    sys.exit(main())
