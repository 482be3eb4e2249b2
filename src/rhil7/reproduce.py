"""rhil7 reproduce: validate, build, recompute every target, write build/report/ (report + forest plots)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .core.paths import output_dir, output_lock, publish, staging_dir
from .gate import ValidatedPackage, require_valid


class ReproduceRefused(Exception):
    pass


@dataclass
class ReproduceOutcome:
    rows: list[dict]
    comparisons: list
    checks: list
    report_path: Path


def reproduce(
    package: ValidatedPackage | Path,
    plots: bool = True,
    progress: Callable[[str], None] = lambda m: None,
    out: Path | None = None,
    plan_file: Path | None = None,
    model: str | None = None,
) -> ReproduceOutcome:
    """Validate, read the package once, build the database into ``out`` (default build/), recompute, report.

    ``package``: a package directory (validated here), or a ValidatedPackage (its tables, never read again); an
    invalid package is refused (ReproduceRefused). The plan is ``plan_file``, else the package's own
    ``analysis/plan.csv``, else the installed one; ``model`` refits every target with one model code (a sensitivity
    analysis without editing the plan).
    """
    from rhil7.analysis.audit import audit_published
    from rhil7.analysis.plan import PlanError, load_plan
    from rhil7.analysis.reproduction import reproduce_all

    from .build import BuildRefused, build_database

    package = require_valid(package, ReproduceRefused, progress)
    target = output_dir(package.root, out, "build", entries=("report",))
    try:
        plan = load_plan(package.root, plan_file, model)
    except PlanError as exc:
        raise ReproduceRefused(str(exc)) from None
    try:
        build_database(package, target, progress=progress)
    except BuildRefused as exc:
        raise ReproduceRefused(str(exc)) from None
    tables = package.tables
    progress(f"recomputing the pooled figures (plan: {plan.attrs.get('path')})")
    try:
        rows, comparisons = reproduce_all(tables, plan)
    except PlanError as exc:
        raise ReproduceRefused(str(exc)) from None
    checks = audit_published(tables["published_results"])
    with output_lock(target):
        _write_report(target, rows, comparisons, checks, tables, plots, progress)
    return ReproduceOutcome(rows, comparisons, checks, target / "report" / "report.md")


def _write_report(target: Path, rows, comparisons, checks, tables, plots: bool, progress) -> None:
    """report/ written whole into a staging directory, then switched in with one rename (hold output_lock)."""
    from rhil7.analysis.presentation import report_markdown, reproduction_json
    from rhil7.analysis.reproduction import subgroup_tests

    staging = staging_dir(target)
    report = staging / "report"
    report.mkdir()
    try:
        plot_paths: dict[str, str] = {}
        published_plot = coverage_plot = None
        if plots:
            from rhil7.analysis.forest import forest_plot, published_figures_plot

            progress("drawing forest plots")
            for row, comp in zip(rows, comparisons):
                if comp.fits:
                    model = row["model"] if row["model"] in comp.fits else "FE"
                    forest_plot(comp, row, model, report / "forest" / row["target_id"])
                    plot_paths[row["target_id"]] = f"forest/{row['target_id']}.png"
            published_figures_plot(tables["published_results"], report / "published_figures")
            published_plot = "published_figures.png"
            from rhil7.analysis.coverage_figure import draw_coverage

            coverage_plot = draw_coverage(tables["coverage"], report)
        else:
            _keep_earlier_plots(target / "report", report)
        text = report_markdown(
            rows,
            comparisons,
            checks,
            tables["coverage"],
            tables["sources"],
            plot_paths,
            published_plot,
            subgroup_tests(rows, comparisons),
            coverage_plot,
        )
        (report / "report.md").write_text(text, encoding="utf-8")
        (report / "reproduction.json").write_text(reproduction_json(rows), encoding="utf-8")
        publish(staging, target, ("report",))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


PLOT_SUFFIXES = (".png", ".svg")


def _keep_earlier_plots(earlier: Path, report: Path) -> None:
    """--no-plots: the plots of an earlier run are copied into the new report/ (which replaces the old one whole),
    so they are not deleted; regular files only, never through a link. The new report.md does not link them."""
    if earlier.is_symlink() or not earlier.is_dir():
        return
    for folder in (earlier, earlier / "forest"):
        if folder.is_symlink() or not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix in PLOT_SUFFIXES and path.is_file() and not path.is_symlink():
                destination = report / path.relative_to(earlier)
                destination.parent.mkdir(exist_ok=True)
                shutil.copyfile(path, destination)
