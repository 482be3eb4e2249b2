"""The rhil7 command line: argument parsing and rendering only; the work lives in importable functions.

Exit codes: 0 success (valid), 1 invalid package / failed query, 2 usage or unreadable input, 3 internal error.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
# Arrow's default allocator (mimalloc) is slowest on first use of fresh memory, which is all a one-shot
# command does: reading a 200 MB table cold took about 1.0 s with it and 0.75 s with the system allocator
# (jemalloc: the same, but not in every wheel). Only this process is concerned; a user's own setting wins.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")


class UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rhil7", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="validate a data package (this repository's by default)")
    p.add_argument("path", nargs="?", help="package directory (default: the nearest datapackage.json upward)")
    p.add_argument("--format", choices=["text", "json", "github"], default="text")
    p.add_argument("--max-bytes", type=int, help="largest table file accepted, in bytes")
    p.add_argument("--max-rows", type=int, help="most rows accepted per table")

    p = sub.add_parser("build", help="validate, then load the tables into build/rhil7.duckdb with the views and Parquet copies")
    p.add_argument("path", nargs="?")

    p = sub.add_parser("query", help="run read-only SQL against build/rhil7.duckdb")
    p.add_argument("sql", nargs="?", help="SQL text")
    p.add_argument("--file", help="a .sql file to run instead")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--database", help="database file (default: build/rhil7.duckdb of the package)")

    p = sub.add_parser("reproduce", help="validate, build, recompute every pooled figure of the abstract, write build/report/")
    p.add_argument("path", nargs="?")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--no-plots", action="store_true", help="skip the forest plots")

    p = sub.add_parser("audit", help="check the published pooled figures for internal consistency")
    p.add_argument("path", nargs="?")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p = sub.add_parser("release", help="write dist/rhil7-lymphopenia-<version>.zip (deterministic, checksummed)")
    p.add_argument("path", nargs="?")
    p.add_argument("--out", help="output directory (default: dist/ of the package)")

    p = sub.add_parser("diff", help="rows added, removed and changed between two package versions, and moved pooled estimates")
    p.add_argument("old", help="package directory or git revision of this repository")
    p.add_argument("new", help="package directory or git revision of this repository")
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = sub.add_parser("template", help="write the extraction sheet of a trial: one row per arm, outcome and time point still missing")
    p.add_argument("study_id")
    p.add_argument("--source", help="source_id to fill in (a new one: fill its source_* columns in the sheet)")
    p.add_argument("--new-study", action="store_true",
                   help="a study sheet for a trial not yet in the package (needs --source and --condition)")
    p.add_argument("--condition", help="the new trial's condition (sepsis, covid19)")
    p.add_argument("--out", help="file to write (default: standard output)")
    p.add_argument("--package", help="package directory (default: the nearest datapackage.json upward)")

    p = sub.add_parser("ingest", help="check a filled extraction sheet and write it into the tables (all or nothing)")
    p.add_argument("sheet")
    p.add_argument("--package", help="package directory (default: the nearest datapackage.json upward)")
    p.add_argument("--format", choices=["text", "json", "github"], default="text")

    p = sub.add_parser("quality", help="Great Expectations data-quality report of the tables, written to build/quality/")
    p.add_argument("path", nargs="?")
    p.add_argument("--out", help="output directory (default: build/quality/ of the package)")
    return parser


def _package_dir(path):
    from .paths import PackageNotFound, find_package_dir

    try:
        return find_package_dir(path)
    except PackageNotFound as exc:
        raise UsageError(str(exc)) from None


def cmd_validate(args) -> int:
    from rhil7.validators.limits import DEFAULT_LIMITS, Limits
    from rhil7.validators.problems import RENDERERS
    from rhil7.validators.run import validate_package
    from rhil7.validators.untrusted import UnreadableInput

    package_dir = _package_dir(args.path)
    limits = Limits(max_table_bytes=args.max_bytes or DEFAULT_LIMITS.max_table_bytes,
                    max_table_rows=args.max_rows or DEFAULT_LIMITS.max_table_rows)
    try:
        problems = validate_package(package_dir, limits)
    except UnreadableInput as exc:
        print(f"rhil7 validate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(RENDERERS[args.format](problems, str(package_dir)))
    return EXIT_INVALID if problems else EXIT_OK


def cmd_build(args) -> int:
    from .build import BuildRefused, build_database

    package_dir = _package_dir(args.path)
    try:
        result = build_database(package_dir, progress=lambda m: print(m, file=sys.stderr))
    except BuildRefused as exc:
        print(f"rhil7 build: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print(f"built {result.database} ({result.tables} tables, {result.views} views)")
    return EXIT_OK


def cmd_query(args) -> int:
    from .query import QueryError, render_results, run_queries

    if bool(args.sql) == bool(args.file):
        raise UsageError("give either SQL text or --file F.sql")
    if args.file:
        try:
            sql = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {args.file}: {exc}") from None
    else:
        sql = args.sql
    database = Path(args.database) if args.database else None
    if database is None:
        from .paths import build_dir

        database = build_dir(_package_dir(None)) / "rhil7.duckdb"
    try:
        text = render_results(run_queries(database, sql), args.format)
    except QueryError as exc:
        print(f"rhil7 query: {exc}", file=sys.stderr)
        return EXIT_INVALID
    sys.stdout.write(text)
    return EXIT_OK


def cmd_reproduce(args) -> int:
    from .reproduce import ReproduceRefused, reproduce

    package_dir = _package_dir(args.path)
    try:
        outcome = reproduce(package_dir, plots=not args.no_plots, progress=lambda m: print(m, file=sys.stderr))
    except ReproduceRefused as exc:
        print(f"rhil7 reproduce: {exc}", file=sys.stderr)
        return EXIT_INVALID
    from rhil7.analysis.presentation import reproduction_json, reproduction_text

    sys.stdout.write(reproduction_json(outcome.rows) if args.format == "json" else reproduction_text(outcome.rows))
    if args.format == "text":
        print(f"\nreport: {outcome.report_path}")
    return EXIT_OK


def cmd_audit(args) -> int:
    from rhil7.analysis.audit import audit_published
    from rhil7.analysis.presentation import audit_json, audit_text

    from .loading import read_tables

    package_dir = _package_dir(args.path)
    tables = read_tables(package_dir, ["published_results"])
    checks = audit_published(tables["published_results"])
    sys.stdout.write(audit_json(checks) if args.format == "json" else audit_text(checks))
    return EXIT_OK


def cmd_release(args) -> int:
    from .release import ReleaseRefused, make_release

    package_dir = _package_dir(args.path)
    try:
        archive = make_release(package_dir, Path(args.out) if args.out else None,
                               progress=lambda m: print(m, file=sys.stderr))
    except ReleaseRefused as exc:
        print(f"rhil7 release: {exc}", file=sys.stderr)
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
    # imported here only: Great Expectations is slow to import and must stay out of `rhil7 validate`
    from rhil7.validators.quality_report import write_quality_report
    from rhil7.validators.untrusted import UnreadableInput

    from .paths import build_dir

    package_dir = _package_dir(args.path)
    try:
        report, path = write_quality_report(package_dir, Path(args.out) if args.out else build_dir(package_dir) / "quality")
    except UnreadableInput as exc:
        print(f"rhil7 quality: {exc}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(report.text())
    print(f"report: {path}")
    return EXIT_OK if report.success else EXIT_INVALID


def cmd_template(args) -> int:
    from .sheet import SheetError, render_sheet, template_rows
    from .study_sheet import study_template

    try:
        if args.new_study:
            if not (args.source and args.condition):
                raise UsageError("--new-study needs --source SOURCE_ID and --condition CONDITION")
            columns, rows = study_template(_package_dir(args.package), args.study_id, args.source, args.condition)
        else:
            columns, rows = template_rows(_package_dir(args.package), args.study_id, args.source)
    except SheetError as exc:
        raise UsageError(str(exc)) from None
    text = render_sheet(columns, rows)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out} ({len(rows)} rows)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_ingest(args) -> int:
    import csv

    from rhil7.validators.problems import RENDERERS

    from .ingest import ingest_sheet

    sheet = Path(args.sheet)
    if not sheet.is_file():
        raise UsageError(f"no sheet at {sheet}")
    package_dir = _package_dir(args.package)
    try:
        result = ingest_sheet(package_dir, sheet, args.sheet)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"cannot read {args.sheet} as a UTF-8 CSV file: {exc}") from None
    if result.problems:
        sys.stdout.write(RENDERERS[args.format](result.problems, args.sheet))
        print("nothing was written", file=sys.stderr)
        return EXIT_INVALID
    for table, counts in result.rows.items():
        print(f"{table}: {counts['added']} row(s) added, {counts['changed']} changed")
    for study, outcome, timepoint, old, new in result.coverage:
        print(f"coverage: {study} {outcome} {timepoint}: {old} -> {new}")
    print(f"wrote {', '.join(result.written)}; the package is VALID" if result.written
          else "nothing to write: the sheet's rows are already in the package")
    return EXIT_OK


COMMANDS = {"validate": cmd_validate, "build": cmd_build, "query": cmd_query, "reproduce": cmd_reproduce,
            "audit": cmd_audit, "release": cmd_release, "diff": cmd_diff, "quality": cmd_quality,
            "template": cmd_template, "ingest": cmd_ingest}


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"rhil7 {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug, not bad input: still no traceback for the user, but say so plainly
        print(f"rhil7 {args.command}: internal error: {type(exc).__name__}: {exc} "
              "(please report it with the command you ran; set RHIL7_DEBUG=1 for the traceback)", file=sys.stderr)
        if os.environ.get("RHIL7_DEBUG"):
            raise
        return 3


if __name__ == "__main__":
    sys.exit(main())
