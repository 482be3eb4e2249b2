"""rhil7 reproduce: validate, build, recompute every target, write build/report/ (report + forest plots)."""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .paths import build_dir


class ReproduceRefused(Exception):
    pass


@dataclass
class ReproduceOutcome:
    rows: list[dict]
    comparisons: list
    checks: list
    report_path: Path


def reproduce(package_dir: Path, plots: bool = True, progress: Callable[[str], None] = lambda m: None,
              validate: bool = True) -> ReproduceOutcome:
    """validate=False only for callers that have just validated the same package (rhil7 release)."""
    from rhil7.analysis.audit import audit_published
    from rhil7.analysis.presentation import report_markdown
    from rhil7.analysis.reproduction import reproduce_all, subgroup_tests

    from .build import BuildRefused, build_database
    from .loading import read_tables

    try:
        build_database(package_dir, progress=progress, validate=validate)
    except BuildRefused as exc:
        raise ReproduceRefused(str(exc)) from None
    tables = read_tables(package_dir)
    progress("recomputing the pooled figures")
    rows, comparisons = reproduce_all(tables)
    checks = audit_published(tables["published_results"])
    out = build_dir(Path(package_dir))
    staging = Path(tempfile.mkdtemp(prefix=".report-", dir=out))
    staging.chmod(0o755)  # mkdtemp's private mode would carry over to build/report
    try:
        plot_paths: dict[str, str] = {}
        published_plot = coverage_plot = None
        if plots:
            from rhil7.analysis.forest import forest_plot, published_figures_plot

            progress("drawing forest plots")
            for row, comp in zip(rows, comparisons):
                if comp.fits:
                    model = row["model"] if row["model"] in comp.fits else "FE"
                    forest_plot(comp, row, model, staging / "forest" / row["target_id"])
                    plot_paths[row["target_id"]] = f"forest/{row['target_id']}.png"
            published_figures_plot(tables["published_results"], staging / "published_figures")
            published_plot = "published_figures.png"
            from rhil7.analysis.coverage_figure import draw_coverage
            coverage_plot = draw_coverage(tables["coverage"], staging)
        text = report_markdown(rows, comparisons, checks, tables["coverage"], tables["sources"], plot_paths, published_plot,
                               subgroup_tests(rows, comparisons), coverage_plot)
        (staging / "report.md").write_text(text, encoding="utf-8")
        from rhil7.analysis.presentation import reproduction_json

        (staging / "reproduction.json").write_text(reproduction_json(rows), encoding="utf-8")
        final = out / "report"
        old = out / ".report-old"
        if old.exists():
            shutil.rmtree(old)
        if final.exists():
            os.replace(final, old)
        os.replace(staging, final)
        if old.exists():
            shutil.rmtree(old)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return ReproduceOutcome(rows, comparisons, checks, out / "report" / "report.md")
