"""The coverage picture: trials as rows, outcome x time point as columns, each cell coloured by its status.

``coverage_matrix`` computes the cells from the coverage table (a pure function, tested against
``coverage.csv``); ``coverage_figure`` only draws a matrix. Each drawn cell carries the SVG id
``cell.<study_id>.<outcome>.<timepoint>.<status>``, so the data behind the figure can be read back from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rhil7.core.vocabulary import OUTCOME_LABELS, timepoint_order

STATUS_LABELS = {"extracted": "extracted", "not_reported": "not reported", "not_reachable": "not reachable"}
# Okabe-Ito colours (readable with colour-vision deficiencies); each cell is also labelled in words.
STATUS_COLOURS = {"extracted": "#009E73", "not_reported": "#BBBBBB", "not_reachable": "#D55E00"}
STATUS_TEXT_COLOURS = {"extracted": "white", "not_reported": "black", "not_reachable": "white"}


@dataclass(frozen=True)
class CoverageMatrix:
    trials: list[str]  # rows, top to bottom
    columns: list[tuple[str, str]]  # (outcome, timepoint), left to right
    cells: dict[tuple[str, str, str], str]  # (study_id, outcome, timepoint) -> status; absent: not planned
    counts: dict[str, int]  # status -> number of cells


def coverage_matrix(coverage, outcome_order: list[str] | None = None) -> CoverageMatrix:
    """The cells of the coverage table: one per (trial, outcome, time point) row, keyed and ordered.

    Outcomes follow ``outcome_order`` (the others after it, alphabetically), time points run in time
    (baseline, days/weeks/months, stays, end of study). A (trial, outcome, time point) given twice is an error.
    """
    cells: dict[tuple[str, str, str], str] = {}
    for row in coverage[["study_id", "outcome", "timepoint", "status"]].itertuples(index=False):
        key = (str(row.study_id), str(row.outcome), str(row.timepoint))
        if key in cells:
            raise ValueError(f"coverage lists {key} twice")
        cells[key] = str(row.status)
    order = list(outcome_order or [])

    def rank(outcome):
        return (order.index(outcome), "") if outcome in order else (len(order), outcome)

    columns = sorted({(o, t) for _, o, t in cells}, key=lambda c: (rank(c[0]), timepoint_order(c[1])))
    counts = dict.fromkeys(STATUS_LABELS, 0)
    for status in cells.values():
        counts[status] = counts.get(status, 0) + 1
    return CoverageMatrix(sorted({s for s, _, _ in cells}), columns, cells, counts)


def coverage_figure(matrix: CoverageMatrix, out_stem: Path, outcome_labels: dict[str, str] | None = None) -> list[Path]:
    """Draw the matrix; write out_stem.png and out_stem.svg and return their paths."""
    import matplotlib  # deferred: matplotlib is heavy, and only `rhil7 reproduce` with plots draws

    matplotlib.use("Agg")  # no screen here, and plots are files
    # (deferred with matplotlib, after the backend is chosen)
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Rectangle

    from .forest import save_figure  # deferred with matplotlib (forest imports it)

    labels = outcome_labels or {}
    n_rows, n_cols = len(matrix.trials), len(matrix.columns)
    cell_w, cell_h, left, right, top, bottom = 1.0, 0.5, 1.7, 1.4, 1.6, 0.7  # inches; right: the last slanted label
    width, height = left + right + cell_w * max(n_cols, 1), top + bottom + cell_h * max(n_rows, 1)
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes(
        (left / width, bottom / height, cell_w * max(n_cols, 1) / width, cell_h * max(n_rows, 1) / height)
    )
    for i, trial in enumerate(matrix.trials):
        for j, (outcome, timepoint) in enumerate(matrix.columns):
            status = matrix.cells.get((trial, outcome, timepoint))
            y = n_rows - 1 - i
            if status is None:
                ax.add_patch(Rectangle((j, y), 1, 1, facecolor="white", edgecolor="#DDDDDD", lw=1))
                ax.text(j + 0.5, y + 0.5, "-", ha="center", va="center", fontsize=7, color="#999999")
                continue
            patch = Rectangle((j, y), 1, 1, facecolor=STATUS_COLOURS.get(status, "#FFFFFF"), edgecolor="white", lw=2)
            patch.set_gid(f"cell.{trial}.{outcome}.{timepoint}.{status}")
            ax.add_patch(patch)
            ax.text(
                j + 0.5,
                y + 0.5,
                STATUS_LABELS.get(status, status).replace(" ", "\n"),
                ha="center",
                va="center",
                fontsize=6.5,
                color=STATUS_TEXT_COLOURS.get(status, "black"),
            )
    ax.set_xlim(0, max(n_cols, 1))
    ax.set_ylim(0, max(n_rows, 1))
    ax.set_xticks([j + 0.5 for j in range(n_cols)])
    ax.set_xticklabels(
        [f"{labels.get(o, o)}\n{t.replace('_', ' ')}" for o, t in matrix.columns],
        fontsize=7,
        rotation=35,
        ha="left",
        rotation_mode="anchor",
    )
    ax.xaxis.tick_top()
    ax.set_yticks([n_rows - 1 - i + 0.5 for i in range(n_rows)])
    ax.set_yticklabels(matrix.trials, fontsize=8)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    legend = [
        Patch(facecolor=STATUS_COLOURS[s], label=f"{STATUS_LABELS[s]} ({matrix.counts.get(s, 0)})")
        for s in STATUS_LABELS
    ]
    legend.append(Patch(facecolor="white", edgecolor="#DDDDDD", label="- not pooled for this trial"))
    fig.legend(
        handles=legend, loc="lower center", ncol=len(legend), fontsize=7, frameon=False, bbox_to_anchor=(0.5, 0.02)
    )
    fig.text(
        0.01,
        1 - 0.15 / height,
        "Extraction coverage: trial x outcome x time point (tables/coverage.csv)",
        fontsize=9,
        va="top",
        weight="bold",
    )
    return save_figure(fig, Path(out_stem))


def draw_coverage(coverage, report_dir: Path) -> str:
    """report_dir/coverage.png and .svg from the coverage table; returns the PNG's name inside report_dir."""
    coverage_figure(coverage_matrix(coverage, list(OUTCOME_LABELS)), Path(report_dir) / "coverage", OUTCOME_LABELS)
    return "coverage.png"
