"""Forest plots in RevMan's layout: per-arm columns (events/total; mean, SD, n), weights, each study's estimate
and CI as text and as a square with its line, subgroup subtotals and the test for subgroup differences in the
combined figures, the pooled diamond, the prediction interval, heterogeneity and overall-effect tests, and
"Favours" labels under a labelled axis (ratio scale 0.1 ... 10; the mean difference in its unit), placed by the
outcome's direction of benefit (rhil7.core.vocabulary: a shorter stay and fewer deaths favour the arm that has
them, a higher lymphocyte count likewise). Studies whose means were converted from medians, or whose cells got 0.5
added, are marked; a plot of fewer trials than the published comparison says it is partial.

Plotting never computes: it draws a Comparison that pooling already fitted (estimates, intervals, weights, tests).
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no screen here, and plots are files
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.lines  # noqa: E402
import matplotlib.ticker  # noqa: E402
import matplotlib.transforms  # noqa: E402

from rhil7.core.vocabulary import (  # noqa: E402
    ALL_TRIALS,
    CONTROL_LABEL,
    FIXED_EFFECT_MODELS,
    INTERVENTION_LABEL,
    MODELS,
    SUBGROUP_LABELS,
    favours_labels,
    outcome_words,
)

from .pooling import I2_FROM_Q  # noqa: E402
from .presentation import format_p  # noqa: E402

SVG_HASH_SALT = "rhil7"
UNIT_LABELS = {"10^9/L": "\u00d710\u2079/L", "days": "days"}
MODEL_WORDS = {m.code: m.words for m in MODELS}
# Marks after a study's name, each explained under the plot.
CONVERTED_MARK, CORRECTED_MARK = "\u2020", "\u2021"
CONVERTED_NOTE = f"{CONVERTED_MARK} mean and SD converted from the reported median (method in the report)"
CORRECTED_NOTE = f"{CORRECTED_MARK} a zero cell: 0.5 added to every cell of the study (its own RR and IV weights)"
PARTIAL_COLOUR = "#c00000"
NOT_ESTIMABLE = "Not estimable: every study of this subgroup was left out (see 'Not pooled' below)"
# in the registry's order: sepsis, COVID-19, all trials
SUBGROUP_COLOURS = dict(zip(SUBGROUP_LABELS, ("#1f4e79", "#7f6000", "#c00000"), strict=True))
RATIO_TICKS = [0.1, 0.2, 0.5, 1, 2, 5, 10]
WIDE_RATIO_TICKS = [0.01, 0.1, 1, 10, 100]
ROW_IN, LINE_IN, FONT = 0.24, 0.19, 8.5
INK, SQUARE, DIAMOND = "#222222", "#1f4e79", "#111111"


def title_words(row: dict) -> str:
    """'Absolute lymphocyte count at 3 weeks: COVID-19'; a stay's own period is not repeated."""
    return f"{outcome_words(row['outcome'], row['timepoint'])}: {SUBGROUP_LABELS.get(row['subgroup'], row['subgroup'])}"


def _p(p: float) -> str:
    return format_p(p)


def study_label(study) -> str:
    """The study's name with its marks: converted from a median, 0.5 added to its cells."""
    methods = [study.detail.get(arm, {}).get("method", "") for arm in ("intervention", "control")]
    marks = (CONVERTED_MARK if any("converted" in m for m in methods) else "") + (
        CORRECTED_MARK if study.detail.get("continuity_corrected") else ""
    )
    return study.label + (f" {marks}" if marks else "")


def partial_words(comparison) -> str | None:
    """A plot of fewer trials than the published comparison says so (None when every trial is in)."""
    if not comparison.missing:
        return None
    k, wanted = len(comparison.inputs), len(comparison.inputs) + len(comparison.missing)
    return (
        f"Partial: {k} of {wanted} trial inputs are in the package; not the published comparison "
        f"({len(comparison.missing)} missing, see the report)"
    )


def _num(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}".replace("-", "\u2212")


def _heterogeneity(fit) -> str:
    if fit.k < 2:
        return "Heterogeneity: not applicable (one study)"
    tau = f"Tau\u00b2 = {fit.tau2:.2f}; " if fit.model not in FIXED_EFFECT_MODELS else ""
    i2_from = "" if fit.model in I2_FROM_Q else " (from Tau\u00b2)"
    return (
        f"Heterogeneity: {tau}Chi\u00b2 = {fit.q:.2f}, df = {fit.q_df} ({_p(fit.q_p)}); "
        f"I\u00b2 = {100 * fit.i2:.0f}%{i2_from}"
    )


def _overall(fit) -> str:
    stat = "t" if fit.t_df else "Z"
    return f"Test for overall effect: {stat} = {abs(fit.z):.2f} ({_p(fit.p)})"


def _rows(comparison) -> list[dict]:
    """What to draw, top to bottom: subgroup headings, studies, subtotals, the total, the prediction interval."""
    rows = []
    if comparison.subgroups:
        order = list(SUBGROUP_LABELS)
        names = [*comparison.subgroups, *comparison.inestimable_subgroups]
        for name in sorted(names, key=lambda n: order.index(n) if n in order else len(order)):
            rows.append({"kind": "heading", "label": SUBGROUP_LABELS.get(name, name)})
            fit = comparison.subgroups.get(name)
            if fit is None:  # every study of the condition left out: said, not silently missing
                rows += [{"kind": "note", "label": NOT_ESTIMABLE}, {"kind": "gap"}]
                continue
            rows += [{"kind": "study", "study": s} for s in comparison.inputs if s.subgroup == name]
            rows.append(
                {
                    "kind": "subtotal",
                    "fit": fit,
                    "label": "Subtotal (95% CI)",
                    "studies": [s for s in comparison.inputs if s.subgroup == name],
                }
            )
            rows.append({"kind": "note", "label": _heterogeneity(fit)})
            rows.append({"kind": "note", "label": _overall(fit)})
            rows.append({"kind": "gap"})
    else:
        rows += [{"kind": "study", "study": s} for s in comparison.inputs]
    return rows


def forest_plot(comparison, row: dict, model: str, out_stem: Path) -> list[Path]:
    """Write out_stem.png and out_stem.svg (RevMan's layout); returns the paths."""
    measure = row["measure"]
    ratio = measure == "RR"
    tr = math.exp if ratio else (lambda x: x)
    fit = comparison.fits[model]
    weights = dict(zip([s.study_id for s in comparison.inputs], fit.weights, strict=True))
    body = _rows(comparison)
    body.append({"kind": "total", "fit": fit, "label": "Total (95% CI)", "studies": comparison.inputs})
    if fit.pi_low is not None:
        body.append({"kind": "prediction", "fit": fit})
    unit = UNIT_LABELS.get(str(comparison.plan.get("target_unit", "")), str(comparison.plan.get("target_unit", "")))
    arm_columns = ["Events", "Total"] if ratio else ["Mean", "SD", "Total"]

    footer = []
    if ratio:
        events = [sum(s.detail[arm]["events"] for s in comparison.inputs) for arm in ("intervention", "control")]
        footer.append(f"Total events: {events[0]} ({INTERVENTION_LABEL}), {events[1]} ({CONTROL_LABEL})")
    footer += [_heterogeneity(fit), _overall(fit)]
    if comparison.subgroup_test is not None:
        t = comparison.subgroup_test
        i2 = max(0.0, (t.q_between - t.df) / t.q_between) if t.q_between > 0 else 0.0
        footer.append(
            f"Test for subgroup differences: Chi\u00b2 = {t.q_between:.2f}, df = {t.df} ({_p(t.p)}), "
            f"I\u00b2 = {100 * i2:.0f}%"
        )
    if fit.pi_low is not None:
        footer.append("Prediction interval: estimate \u00b1 t(0.975, k \u2212 1) \u00d7 \u221a(SE\u00b2 + Tau\u00b2)")
    if fit.model not in I2_FROM_Q and fit.k > 1:
        footer.append(
            "I\u00b2 = Tau\u00b2 / (Tau\u00b2 + s\u00b2), s\u00b2 the typical within-study variance "
            "(metafor); not (Chi\u00b2 \u2212 df) / Chi\u00b2"
        )
    footer += list(fit.notes)
    labels = [study_label(s) for s in comparison.inputs]
    if any(CONVERTED_MARK in label for label in labels):
        footer.append(CONVERTED_NOTE)
    if any(CORRECTED_MARK in label for label in labels):
        footer.append(CORRECTED_NOTE)
    footer += [f"Not pooled: {e}" for e in comparison.excluded]
    partial = partial_words(comparison)

    # geometry, in inches: text columns on the left, the graph on the right
    label_w = 2.5
    col_w = 0.55
    arm_w = col_w * len(arm_columns)
    x_arm1 = label_w + 0.2
    x_arm2 = x_arm1 + arm_w + 0.25
    x_weight = x_arm2 + arm_w + 0.55
    x_effect = x_weight + 2.0  # room for the longest model words, "IV, Random (REML, HK), 95% CI"
    graph_left, graph_w = x_effect + 0.25, 3.2
    width = graph_left + graph_w + 0.3
    header_in, axis_in = 0.75 + (0.2 if partial else 0.0), 0.75
    table_in = ROW_IN * (len(body) + 0.6)
    footer_in = LINE_IN * len(footer) + 0.15
    height = 0.45 + header_in + table_in + axis_in + footer_in
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes([graph_left / width, (axis_in + footer_in) / height, graph_w / width, table_in / height])
    ax.set_ylim(-len(body) - 0.1, 0.5)
    text_at = matplotlib.transforms.blended_transform_factory(fig.dpi_scale_trans, ax.transData)

    def text(x, y, s, **kw):
        kw.setdefault("fontsize", FONT)
        kw.setdefault("va", "center")
        ax.text(x, y, s, transform=text_at, clip_on=False, color=INK, **kw)

    # title and column headers
    fig.text(0.15 / width, 1 - 0.12 / height, title_words(row), fontsize=11, weight="bold", va="top")
    if partial:
        fig.text(0.15 / width, 1 - 0.36 / height, partial, fontsize=FONT, va="top", color=PARTIAL_COLOUR, weight="bold")
    top = 1.45
    text(0.15, top, "Study or subgroup", weight="bold")
    for x, name in ((x_arm1, INTERVENTION_LABEL), (x_arm2, CONTROL_LABEL.capitalize())):
        text(x + arm_w / 2, top + 0.95, name, weight="bold", ha="center")
        for i, column in enumerate(arm_columns):
            text(x + col_w * (i + 1), top, column, weight="bold", ha="right")
    text(x_weight, top, "Weight", weight="bold", ha="right")
    effect_name = ("Risk ratio" if ratio else "Mean difference") + f"\n{MODEL_WORDS.get(model, model)}, 95% CI"
    text(x_effect, top + 0.45, effect_name, weight="bold", ha="right", linespacing=1.1)
    above_graph = matplotlib.transforms.blended_transform_factory(ax.transAxes, ax.transData)
    ax.text(
        0.5,
        top + 0.45,
        effect_name,
        transform=above_graph,
        ha="center",
        va="center",
        fontsize=FONT,
        weight="bold",
        clip_on=False,
        linespacing=1.1,
    )
    header_y = ax.transData.transform((1, 0.55))[1] / fig.dpi / height  # just above the first row
    fig.add_artist(matplotlib.lines.Line2D([0.1 / width, 1 - 0.1 / width], [header_y, header_y], color=INK, lw=0.6))

    centres = [tr(it["study"].yi) for it in body if it["kind"] == "study"] + [
        tr(it["fit"].estimate) for it in body if it["kind"] in ("subtotal", "total")
    ]
    spans = [tr(s.ci_low) for s in comparison.inputs] + [tr(s.ci_high) for s in comparison.inputs]
    limits = _ratio_limits(centres) if ratio else _difference_limits(centres + spans)

    def segment(lo, hi, y, **kw):
        """An interval line, ending in an arrow where it leaves the axis (as RevMan draws it)."""
        ax.plot([max(lo, limits[0]), min(hi, limits[1])], [y, y], **kw)
        if lo < limits[0]:
            ax.plot(limits[0], y, marker="<", color=kw.get("color", INK), markersize=4, clip_on=False)
        if hi > limits[1]:
            ax.plot(limits[1], y, marker=">", color=kw.get("color", INK), markersize=4, clip_on=False)

    for i, item in enumerate(body):
        y = -i
        kind = item["kind"]
        if kind == "heading":
            text(0.15, y, item["label"], weight="bold")
        elif kind == "note":
            text(0.3, y, item["label"], fontsize=FONT - 1)
        elif kind == "study":
            s = item["study"]
            text(0.3 if comparison.subgroups else 0.15, y, study_label(s))
            for x, arm in ((x_arm1, "intervention"), (x_arm2, "control")):
                d = s.detail[arm]
                values = (
                    [str(d["events"]), str(d["total"])] if ratio else [_num(d["mean"]), _num(d["sd"]), f"{d['n']:.0f}"]
                )
                for j, v in enumerate(values):
                    text(x + col_w * (j + 1), y, v, ha="right")
            w = weights.get(s.study_id, 0.0)
            text(x_weight, y, f"{100 * w:.1f}%", ha="right")
            est, lo, hi = tr(s.yi), tr(s.ci_low), tr(s.ci_high)
            text(x_effect, y, f"{_num(est)} [{_num(lo)}, {_num(hi)}]", ha="right")
            segment(lo, hi, y, color=INK, lw=1)
            ax.plot(est, y, marker="s", color=SQUARE, markersize=3 + 11 * math.sqrt(w), linestyle="none")
        elif kind in ("subtotal", "total"):
            f = item["fit"]
            bold = "bold" if kind == "total" else "normal"
            text(0.15, y, item["label"], weight="bold")
            if ratio:
                for x, arm in ((x_arm1, "intervention"), (x_arm2, "control")):
                    total = sum(s.detail[arm]["total"] for s in item["studies"])
                    text(x + col_w * 2, y, str(total), ha="right", weight=bold)
            else:
                for x, arm in ((x_arm1, "intervention"), (x_arm2, "control")):
                    total = sum(s.detail[arm]["n"] for s in item["studies"])
                    text(x + col_w * 3, y, f"{total:.0f}", ha="right", weight=bold)
            share = sum(weights.get(s.study_id, 0.0) for s in item["studies"])
            text(x_weight, y, f"{100 * share:.1f}%", ha="right", weight=bold)
            est, lo, hi = tr(f.estimate), tr(f.ci_low), tr(f.ci_high)
            text(x_effect, y, f"{_num(est)} [{_num(lo)}, {_num(hi)}]", ha="right", weight=bold)
            ax.fill([lo, est, hi, est], [y, y + 0.32, y, y - 0.32], color=DIAMOND if kind == "total" else "#555555")
        elif kind == "prediction":
            f = item["fit"]
            lo, hi = tr(f.pi_low), tr(f.pi_high)
            text(0.15, y, "95% prediction interval")
            text(x_effect, y, f"[{_num(lo)}, {_num(hi)}]", ha="right")
            segment(lo, hi, y, color="#c00000", lw=2.2, solid_capstyle="butt")

    null = 1.0 if ratio else 0.0
    ax.axvline(null, color=INK, lw=0.8)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_yticks([])
    ax.tick_params(axis="x", labelsize=FONT)
    if ratio:
        _log_axis(ax, RATIO_TICKS if limits == (0.1, 10) else WIDE_RATIO_TICKS)
        ax.set_xlim(*limits)
    else:
        ax.set_xlim(*limits)
        ax.set_xticks(_difference_ticks(limits))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:g}".replace("-", "\u2212")))
        ax.set_xlabel(f"Mean difference, {unit}" if unit else "Mean difference", fontsize=FONT)
    favours = matplotlib.transforms.offset_copy(ax.transAxes, fig=fig, y=-(0.42 if ratio else 0.58), units="inches")
    left, right = favours_labels(row["outcome"])
    ax.text(0.25, 0, left, transform=favours, ha="center", va="top", fontsize=FONT, style="italic")
    ax.text(0.75, 0, right, transform=favours, ha="center", va="top", fontsize=FONT, style="italic")
    for i, line in enumerate(footer):
        fig.text(0.15 / width, (footer_in - 0.1 - LINE_IN * i) / height, line, fontsize=FONT, va="top", color=INK)
    return save_figure(fig, out_stem)


def _ratio_limits(centres) -> tuple[float, float]:
    """0.1 to 10 (ticks 0.1, 0.2, 0.5, 1, 2, 5, 10, as RevMan and metafor label them) unless an estimate itself
    lies outside; then 0.01 to 100."""
    finite = [v for v in centres if v > 0 and math.isfinite(v)]
    return (0.1, 10) if all(0.1 <= v <= 10 for v in finite) else (0.01, 100)


def _difference_limits(values) -> tuple[float, float]:
    """Symmetric about 0, as RevMan draws it, out to a round number."""
    reach = max([abs(v) for v in values if math.isfinite(v)] or [1.0])
    ticks = matplotlib.ticker.MaxNLocator(nbins=4, symmetric=True, steps=[1, 2, 2.5, 5, 10]).tick_values(-reach, reach)
    limit = float(max(abs(ticks[0]), abs(ticks[-1])))
    return -limit, limit


def _difference_ticks(limits) -> list[float]:
    ticks = matplotlib.ticker.MaxNLocator(nbins=4, symmetric=True, steps=[1, 2, 2.5, 5, 10]).tick_values(*limits)
    return [float(t) for t in ticks if abs(t) <= limits[1] + 1e-12]


def published_figures_plot(published, out_stem: Path) -> list[Path]:
    """The abstract's pooled figures side by side, MD and RR panels: what the reproduction aims at."""
    figures = published.dropna(subset=["estimate"])
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.9 + 0.32 * max(3, len(figures))))
    for ax, measure in zip(axes, ("MD", "RR"), strict=True):
        part = figures[figures["measure"] == measure].reset_index(drop=True)
        ys = list(range(len(part), 0, -1))
        for y, r in zip(ys, part.itertuples(), strict=True):
            colour = SUBGROUP_COLOURS.get(r.subgroup, INK)
            ax.plot([r.ci_low, r.ci_high], [y, y], color=colour)
            ax.plot(r.estimate, y, marker="D" if r.subgroup == ALL_TRIALS else "s", color=colour)
        ax.set_yticks(ys)
        ax.set_yticklabels(
            [
                title_words(dict(outcome=r.outcome, timepoint=r.timepoint, subgroup=r.subgroup))
                for r in part.itertuples()
            ],
            fontsize=8,
        )
        ax.axvline(1.0 if measure == "RR" else 0.0, color="grey", lw=0.8)
        if measure == "RR":
            _log_axis(ax, RATIO_TICKS)
            ax.set_xlim(0.1, 10)
        ax.set_xlabel(
            "Risk ratio (95% CI)" if measure == "RR" else "Mean difference, \u00d710\u2079/L (95% CI)", fontsize=9
        )
    fig.suptitle("Pooled figures published in the abstract (targets of the reproduction)", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, out_stem)


def _log_axis(ax, ticks=None) -> None:
    """Ratio axis on a log scale, labelled 0.5, 1, 2 rather than in powers of ten."""
    ax.set_xscale("log")
    if ticks:
        ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:g}"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())


def save_figure(fig, out_stem: Path) -> list[Path]:
    """PNG for the report, SVG for print; the figure is closed (plots are files, not windows).

    Byte-identical for the same figure: no date in the SVG and a fixed salt for its element ids, so two
    reproductions (and two releases) of the same data give the same files."""
    out_stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    with plt.rc_context({"svg.hashsalt": SVG_HASH_SALT}):
        for ext, metadata in (("png", None), ("svg", {"Date": None})):
            path = out_stem.with_suffix(f".{ext}")
            fig.savefig(path, dpi=130, metadata=metadata)
            paths.append(path)
    plt.close(fig)
    return paths
