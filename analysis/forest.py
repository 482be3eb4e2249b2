"""Forest plots in the RevMan/metafor style: studies with weights and CIs, pooled diamond, heterogeneity line,
favours-labels. Plotting never computes: it draws a Comparison that pooling already fitted."""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no screen here, and plots are files
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402,F401
import matplotlib.transforms  # noqa: E402,F401

OUTCOME_LABELS = {"alc": "Absolute lymphocyte count", "cd4": "CD4+ T cells", "cd8": "CD8+ T cells",
                  "icu_los": "ICU length of stay", "hospital_los": "Hospital length of stay", "mortality": "Mortality",
                  "secondary_infection": "Secondary infection", "sae": "Serious adverse events"}


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def forest_plot(comparison, row: dict, model: str, out_stem: Path) -> list[Path]:
    """Write out_stem.png and out_stem.svg; returns the paths."""
    measure = row["measure"]
    tr = math.exp if measure == "RR" else (lambda x: x)
    fit = comparison.fits[model]
    studies = comparison.inputs
    n = len(studies)
    top_in, bottom_in = 0.8, 1.5  # room for the title above and the axis, favours-labels and heterogeneity below
    fig_h = top_in + bottom_in + 0.4 * (n + 2)
    fig, ax = plt.subplots(figsize=(10, fig_h))
    ys = list(range(n, 0, -1))
    weights = fit.weights if len(fit.weights) == n else [1 / n] * n
    for y, s, w in zip(ys, studies, weights):
        se = math.sqrt(s.vi)
        lo, hi = tr(s.yi - 1.959964 * se), tr(s.yi + 1.959964 * se)
        ax.plot([lo, hi], [y, y], color="black", lw=1)
        ax.plot(tr(s.yi), y, marker="s", color="#1f4e79", markersize=4 + 14 * math.sqrt(w), linestyle="none")
        ax.text(1.02, y, f"{100 * w:5.1f}%   {tr(s.yi):.2f} [{lo:.2f}, {hi:.2f}]", transform=ax.get_yaxis_transform(),
                va="center", fontsize=8, family="monospace")
    est, lo, hi = tr(fit.estimate), tr(fit.ci_low), tr(fit.ci_high)
    ax.fill([lo, est, hi, est], [0, 0.25, 0, -0.25], color="#c00000")
    ax.text(1.02, 0, f"100.0%   {est:.2f} [{lo:.2f}, {hi:.2f}]", transform=ax.get_yaxis_transform(), va="center",
            fontsize=8, family="monospace", weight="bold")
    null = 1.0 if measure == "RR" else 0.0
    ax.axvline(null, color="grey", lw=0.8)
    if measure == "RR":
        _log_axis(ax)
    ax.set_yticks(ys + [0])
    ax.set_yticklabels([s.label for s in studies] + [f"Total ({model}, k = {n})"], fontsize=8)
    ax.set_ylim(-1.2, n + 0.8)
    ax.set_xlabel(("Risk ratio" if measure == "RR" else "Mean difference") + " (95% CI)", fontsize=9)
    ax.set_title(f"{OUTCOME_LABELS.get(row['outcome'], row['outcome'])}, {row['subgroup']}, {row['timepoint']}",
                 fontsize=10, pad=10)
    het = (f"Heterogeneity: tau\u00b2 = {fit.tau2:.3f}; Q = {fit.q:.2f}, df = {fit.q_df}"
           + (f" (p {_p(fit.q_p)})" if fit.q_df > 0 else "") + f"; I\u00b2 = {100 * fit.i2:.0f}%"
           + f"\nTest for overall effect: {'t' if '-HK' in model else 'Z'} = {abs(fit.z):.2f} (p {_p(fit.p)})")
    below = matplotlib.transforms.offset_copy(ax.transAxes, fig=fig, y=-0.62, units="inches")
    left, right = ("Favours rhIL-7", "Favours control") if measure == "RR" else ("Favours control", "Favours rhIL-7")
    ax.text(0.25, 0, left, transform=below, ha="center", fontsize=8, style="italic")
    ax.text(0.75, 0, right, transform=below, ha="center", fontsize=8, style="italic")
    lower = matplotlib.transforms.offset_copy(ax.transAxes, fig=fig, y=-0.85, units="inches")
    ax.text(-0.4, 0, het, transform=lower, fontsize=8, va="top")
    ax.text(1.02, n + 0.6, "Weight   Estimate [95% CI]", transform=ax.get_yaxis_transform(), fontsize=8,
            family="monospace", weight="bold")
    fig.subplots_adjust(left=0.3, right=0.62, bottom=bottom_in / fig_h, top=1 - top_in / fig_h)
    return _save(fig, out_stem)


def published_figures_plot(published, out_stem: Path) -> list[Path]:
    """The abstract's pooled figures side by side, MD and RR panels: what the reproduction aims at."""
    figures = published.dropna(subset=["estimate"])
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, measure in zip(axes, ("MD", "RR")):
        part = figures[figures["measure"] == measure].reset_index(drop=True)
        ys = list(range(len(part), 0, -1))
        for y, r in zip(ys, part.itertuples()):
            colour = {"sepsis": "#1f4e79", "covid19": "#7f6000", "all": "#c00000"}[r.subgroup]
            ax.plot([r.ci_low, r.ci_high], [y, y], color=colour)
            ax.plot(r.estimate, y, marker="D" if r.subgroup == "all" else "s", color=colour)
        ax.set_yticks(ys)
        ax.set_yticklabels([f"{OUTCOME_LABELS[r.outcome]}, {r.subgroup}, {r.timepoint}" for r in part.itertuples()], fontsize=8)
        ax.axvline(1.0 if measure == "RR" else 0.0, color="grey", lw=0.8)
        if measure == "RR":
            _log_axis(ax, [0.25, 0.5, 1, 2, 4])
        ax.set_xlabel("Risk ratio (95% CI)" if measure == "RR" else "Mean difference, 10^9/L (95% CI)", fontsize=9)
    fig.suptitle("Pooled figures published in the abstract (targets of the reproduction)", fontsize=10)
    fig.tight_layout()
    return _save(fig, out_stem)


def _log_axis(ax, ticks=None) -> None:
    """Ratio axis on a log scale, labelled 0.5, 1, 2 rather than in powers of ten."""
    ax.set_xscale("log")
    if ticks:
        ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:g}"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def _save(fig, out_stem: Path) -> list[Path]:
    """PNG for the report, SVG for print; the figure is closed (plots are files, not windows)."""
    out_stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext in ("png", "svg"):
        path = out_stem.with_suffix(f".{ext}")
        fig.savefig(path, dpi=130)
        paths.append(path)
    plt.close(fig)
    return paths
