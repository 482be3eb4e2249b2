"""Presentation: the reproduction table (text, JSON), the audit, and the Markdown report. Computes nothing."""

from __future__ import annotations

import json
import math

from rhil7.core.sinks import markdown, terminal
from rhil7.core.vocabulary import CONTROL_LABEL, INTERVENTION_LABEL, OUTCOME_BY_CODE, favours_intervention

from .reproduction import INESTIMABLE

REQUIRED_KEYS = [
    "target_id",
    "outcome",
    "subgroup",
    "timepoint",
    "measure",
    "published_estimate",
    "published_ci_low",
    "published_ci_high",
    "estimate",
    "ci_low",
    "ci_high",
    "k",
    "model",
    "status",
    "note",
]
# also in the JSON: heterogeneity, the prediction interval, and the studies pooled and left out (with the reason)
EXTRA_KEYS = ["tau2", "i2", "q", "pi_low", "pi_high", "studies", "excluded", "k_excluded"]
# The conventions a fitted figure depends on, as footnotes under its table (docs/analysis.md has each with its
# metafor call).
FOOTNOTES = {
    "i2_tau": "I\u00b2 for DL, REML and their Hartung-Knapp versions is tau\u00b2 / (tau\u00b2 + s\u00b2), s\u00b2 the "
    "typical within-study variance (metafor's I2); for FE, MH and MH-DL it is (Q - df) / Q.",
    "q_one": "Q on 0 df (one study) has p = 1, as metafor's QEp.",
    "hk": 'Hartung-Knapp: t on k - 1 df, the scaling factor not truncated at 1 (metafor test="knha"); with one '
    'study, the z test (metafor sets test="z" when k = 1).',
    "double_zero": "A study with no events (or only events) in both arms is left out of every model (metafor "
    "escalc(drop00=TRUE), rma.mh's default; RevMan).",
    "zero_cell": "0.5 added to every cell of a study with a zero cell for its own log RR (metafor escalc's default "
    'add=1/2, to="only0").',
}


def format_p(p: float | None) -> str:
    """A p-value as printed everywhere: three significant digits ("P = 0.055", never "P = 0.05" for 0.055),
    "P < 0.001" below 0.001, "P = 1" for Q on 0 df (metafor), "P = -" when undefined."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "P = -"
    return "P < 0.001" if p < 0.001 else f"P = {p:.3g}"


def _p_cell(p: float | None) -> str:
    return format_p(p).removeprefix("P = ").replace("P ", "")


def _num(value, digits=2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"


def _figure(est, lo, hi, digits=2) -> str:
    if est is None or (isinstance(est, float) and math.isnan(est)):
        return "no figure"
    return f"{_num(est, digits)} [{_num(lo, digits)}, {_num(hi, digits)}]"


def _published(r: dict) -> str:
    return _figure(r["published_estimate"], r["published_ci_low"], r["published_ci_high"], r.get("decimals", 2))


def _ours(r: dict) -> str:
    return _figure(r["estimate"], r["ci_low"], r["ci_high"], r.get("decimals", 2))


def _interval(tr, f) -> str:
    return f"{tr(f.estimate):.3f} | [{tr(f.ci_low):.3f}, {tr(f.ci_high):.3f}]"


def reproduction_text(rows: list[dict]) -> str:
    header = ["target", "measure", "published", "ours", "k", "model", "status"]
    body = [
        [r["target_id"], r["measure"], _published(r), _ours(r), str(r["k"]), str(r["model"] or "-"), r["status"]]
        for r in rows
    ]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(header)]

    def fmt(cells):
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    lines = ["Reproduction of the pooled figures of the abstract", "", fmt(header), fmt(["-" * w for w in widths])]
    lines += [fmt(b) for b in body]
    counts = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    lines += ["", "status: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), "", "notes:"]
    lines += [f"  {r['target_id']}: {r['note']}" for r in rows if r["note"]]
    return "\n".join(terminal(line) for line in lines) + "\n"


def reproduction_json(rows: list[dict]) -> str:
    def clean(v):
        return None if isinstance(v, float) and math.isnan(v) else v

    return json.dumps([{k: clean(r.get(k)) for k in REQUIRED_KEYS + EXTRA_KEYS} for r in rows], indent=2) + "\n"


def audit_text(checks) -> str:
    lines = ["Audit of the published pooled figures (each checked on its own)", ""]
    for c in checks:
        lines.append(f"  [{'ok' if c.passed else 'FLAG'}] {c.target_id}: {c.check}: {c.detail}")
    flagged = sum(not c.passed for c in checks)
    lines += ["", f"{len(checks)} checks, {flagged} flagged"]
    return "\n".join(terminal(line) for line in lines) + "\n"


def audit_json(checks) -> str:
    return json.dumps([c.as_dict() for c in checks], indent=2, ensure_ascii=False) + "\n"


def direction_words(row: dict) -> str:
    """Which way is benefit for the outcome (the vocabulary's registry) and which arm our estimate favours."""
    outcome = OUTCOME_BY_CODE.get(row["outcome"])
    if outcome is None:
        return f"Direction of benefit: not known for {markdown(row['outcome'])}."
    said = f"Direction of benefit: for {outcome.label}, {outcome.better} is better"
    if row.get("estimate") is None:
        return said + "."
    favours = favours_intervention(row["outcome"], row["estimate"], row["measure"])
    arm = {True: INTERVENTION_LABEL, False: CONTROL_LABEL, None: "neither arm"}[favours]
    return f"{said}; our estimate ({markdown(row['model'])}) favours {arm}."


def footnotes(comp) -> list[str]:
    """The conventions the figure's numbers depend on, and what each fit says about itself (REML at the
    boundary, Hartung-Knapp with one study)."""
    fits = list(comp.fits.values())
    keys = ["i2_tau"]
    if any(f.k == 1 for f in fits):
        keys.append("q_one")
    if any(f.model.endswith("-HK") for f in fits):
        keys.append("hk")
    if any(INESTIMABLE in e for e in comp.excluded):
        keys.append("double_zero")
    if any(s.detail.get("continuity_corrected") for s in comp.inputs):
        keys.append("zero_cell")
    said = [f"{f.model}: {note}" for f in fits for note in f.notes]
    return [FOOTNOTES[k] for k in keys] + said


def report_markdown(
    rows,
    comparisons,
    checks,
    coverage,
    sources,
    plots: dict[str, str],
    published_plot: str | None,
    subgroup_tests: list[dict] | None = None,
    coverage_plot: str | None = None,
) -> str:
    """The reproduction report: verdicts, per-figure inputs linked to source rows, sensitivity, audit, gaps."""
    out = [
        "# Reproduction report: rhIL-7 for infection-associated lymphopenia (Respiratory Medicine 2026)",
        "",
        "Each pooled figure of the abstract, what the paper says, what this package's data give, and whether "
        "they agree.",
        "Status: `reproduced` (equal at the published precision, decimal half-up rounding), `close` (within 0.05), "
        "`differs` (with the likely reason), `consistent` (the abstract states an effect or its absence in words "
        "only, and our CI agrees), `nothing_published` (the abstract gives neither a figure nor a claim: nothing to "
        "compare with), `not_computable` (the missing inputs are named, or every study is inestimable).",
        "",
        "## Verdicts",
        "",
        "| target | measure | published | ours | k | model | status | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {markdown(r['target_id'])} | {markdown(r['measure'])} | "
            f"{_published(r)} | {_ours(r)} | {r['k']} | {markdown(r['model'] or '-')} | "
            f"{markdown(r['status'])} | {markdown(r['note'])} |"
        )
    if published_plot:
        out += ["", "## The published figures", "", f"![Published pooled figures]({published_plot})", ""]
    out += ["", "## Per figure: inputs and sensitivity", ""]
    for row, comp in zip(rows, comparisons, strict=True):
        out += [f"### {markdown(row['target_id'])}", ""]
        if comp.inputs:
            out += ["| study | arm | inputs | source row |", "|---|---|---|---|"]
            for s in comp.inputs:
                for arm in ("intervention", "control"):
                    d = s.detail[arm]
                    values = (
                        f"events {d['events']} / {d['total']}"
                        if "events" in d
                        else f"mean {d['mean']:.3f}, SD {d['sd']:.3f}, n {d['n']:.0f} ({d['method']})"
                    )
                    if d.get("skewness"):
                        values += f"; {d['skewness']['text']}"
                    out.append(
                        f"| {markdown(s.study_id)} | {arm} | {markdown(values)} | {markdown(d['row_id'], code=True)} |"
                    )
            out += [
                "",
                "| model | estimate | 95% CI | 95% prediction interval | tau2 | I2 | Q (df, p) |",
                "|---|---|---|---|---|---|---|",
            ]
            for name, f in comp.fits.items():
                tr = math.exp if row["measure"] == "RR" else (lambda x: x)
                pi = "-" if f.pi_low is None else f"[{tr(f.pi_low):.3f}, {tr(f.pi_high):.3f}]"
                out.append(
                    f"| {markdown(name)} | {_interval(tr, f)} | {pi} | {f.tau2:.4f} | "
                    f"{100 * f.i2:.1f}% | {f.q:.2f} ({f.q_df}, {_p_cell(f.q_p)}) |"
                )
            out += ["", direction_words(row), "", *(f"- {note}" for note in footnotes(comp))]
            if comp.subgroups:
                out += [
                    "",
                    f"Subgroups ({markdown(row['model'])}):",
                    "",
                    "| subgroup | k | estimate | 95% CI |",
                    "|---|---|---|---|",
                ]
                for name, f in comp.subgroups.items():
                    out.append(f"| {markdown(name)} | {f.k} | {_interval(tr, f)} |")
                out += [f"| {markdown(name)} | 0 | not estimable | - |" for name in comp.inestimable_subgroups]
                t = comp.subgroup_test
                if t is not None:
                    out += ["", f"Test for subgroup differences: Q = {t.q_between:.2f}, df = {t.df}, {format_p(t.p)}"]
            if comp.sensitivity:
                out += [
                    "",
                    "Median-to-mean conversion sensitivity (primary model):",
                    "",
                    "| conversion | estimate | 95% CI |",
                    "|---|---|---|",
                ]
                for name, f in comp.sensitivity.items():
                    tr = math.exp if row["measure"] == "RR" else (lambda x: x)
                    out.append(f"| {markdown(name)} | {_interval(tr, f)} |")
            if row["target_id"] in plots:
                out += ["", f"![Forest plot {markdown(row['target_id'])}]({markdown(plots[row['target_id']])})"]
        else:
            out.append("No study inputs in the package.")
        if comp.missing:
            out += ["", "Missing inputs:", ""] + [f"- {markdown(m)}" for m in comp.missing]
        if comp.excluded:
            out += ["", "Present but not pooled:", ""] + [f"- {markdown(m)}" for m in comp.excluded]
        out.append("")
    out += [
        "## Test for subgroup differences (sepsis vs COVID-19)",
        "",
        "Under every computed combined figure: each subgroup fitted on its own with the figure's model, "
        "Q between the subtotals on G - 1 df (RevMan).",
        "",
    ]
    if subgroup_tests:
        out += ["| figure | model | Q between | df | p |", "|---|---|---|---|---|"]
        out += [
            f"| {markdown(t.get('target_id', t['outcome'] + ' ' + t['timepoint']))} | "
            f"{markdown(t.get('model', '-'))} | {t['q_between']:.2f} | {t['df']} | {_p_cell(t['p'])} |"
            for t in subgroup_tests
        ]
    else:
        out.append("No combined figure has computed inputs from both subgroups yet.")
    out += [
        "",
        "## Audit of the published figures",
        "",
        "Each figure checked on its own, allowing for the published rounding.",
        "",
        "| target | check | result | detail |",
        "|---|---|---|---|",
    ]
    out += [
        f"| {markdown(c.target_id)} | {markdown(c.check)} | {'ok' if c.passed else '**flag**'} | {markdown(c.detail)} |"
        for c in checks
    ]
    out += ["", "## Coverage: what the package holds and what is still wanted", ""]
    if coverage_plot:
        out += [
            f"![Coverage: trials x outcome and time point, coloured by status]({coverage_plot})",
            "",
            f"(Also as SVG: `{coverage_plot.rsplit('.', 1)[0]}.svg`.)",
            "",
        ]
    out += ["| study | outcome | time point | status | detail |", "|---|---|---|---|---|"]
    for c in coverage.itertuples(index=False):
        out.append(
            f"| {markdown(c.study_id)} | {markdown(c.outcome)} | {markdown(c.timepoint)} | "
            f"{markdown(c.status)} | {markdown(c.detail)} |"
        )
    out += ["", "## Sources", ""]
    for s in sources.itertuples(index=False):
        out.append(
            f"- {markdown(s.source_id, code=True)}: {markdown(s.title)}. {markdown(s.url)} "
            f"(read {s.accessed:%Y-%m-%d}; {markdown(s.reach)})"
        )
    return "\n".join(out) + "\n"
