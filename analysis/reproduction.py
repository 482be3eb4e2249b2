"""Recompute each pooled figure of the abstract from the package tables and judge the agreement.

Pipeline (metafor's three verbs): select inputs (coverage + outcome rows) -> effect sizes -> pooling ->
comparison with the published figure. Nothing here prints.

Statuses:
- ``reproduced``: the abstract gives a figure, and our estimate and both CI bounds, rounded half-up (decimal, not
  binary, rounding) at the published number of decimals, equal the published values;
- ``close``: every figure within 0.05 of the published one;
- ``differs``: with the likely reason (median conversion, time point, model) and the sensitivity analysis;
- ``consistent``: the abstract makes a verbal claim without a figure ("no effect on mortality"; the plan's
  ``claim`` column) and our CI agrees with it (includes no effect, or excludes it for a stated effect); when it
  does not, ``differs``;
- ``nothing_published``: the abstract gives neither a figure nor a claim (plan ``claim = none``): our estimate is
  shown, with nothing to compare it with;
- ``not_computable``: the package lacks inputs (the note names each missing study, outcome and time point), or
  every study present is inestimable on the ratio scale (no events, or only events, in both arms).

Which studies are pooled: every trial of the target's subgroup whose coverage row says ``extracted``; a trial
``not_reported`` is named in the note; a trial still missing (``not_reachable``, no row) makes the target
``not_computable``. A study that is present but carries no information (no events in either arm; an arm whose
median cannot be converted under the plan) is left out with a note and does not block the others. ``k`` is the
number of studies actually pooled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from rhil7.core.vocabulary import ALL_TRIALS, FIXED_EFFECT_MODELS, MODELS

from . import effect_sizes, pooling
from .conversions import METHODS as CONVERSIONS
from .derive import NotDerivable, arm_mean_sd, pick_row
from .plan import CLAIMS, PlanError, model_code, normalise, plan_path
from .plan import read_plan as _read_plan

PLAN_PATH = Path(__file__).with_name("plan.csv")
CLOSE_TOLERANCE = 0.05
STATUSES = ("reproduced", "close", "differs", "consistent", "nothing_published", "not_computable")
INESTIMABLE = "no events (or only events) in both arms, no information on the RR scale"

__all__ = ["PlanError", "read_plan", "reproduce_all", "subgroup_tests", "judge", "plan_path"]


def read_plan(path: Path | None = None) -> pd.DataFrame:
    return _read_plan(path)


@dataclass
class StudyInput:
    study_id: str
    label: str
    yi: float
    vi: float
    detail: dict  # arm-level inputs and their source rows
    subgroup: str = ""  # the trial's condition (sepsis, covid19)
    ci_low: float = float("nan")  # the study's own 95% interval, analysis scale
    ci_high: float = float("nan")

    def __post_init__(self):
        self.ci_low, self.ci_high = effect_sizes.confidence_interval(self.yi, self.vi)


@dataclass
class Comparison:
    target: pd.Series
    plan: pd.Series
    inputs: list[StudyInput] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # inputs that exist somewhere but are not in the package
    excluded: list[str] = field(default_factory=list)  # studies present but left out of pooling, with the reason
    excluded_conditions: list[str] = field(default_factory=list)  # the condition of each study left out, in order
    not_reported: list[str] = field(default_factory=list)  # trials that did not measure or report the outcome
    caveats: list[str] = field(default_factory=list)  # open questions that may change the comparison
    fits: dict[str, pooling.Pooled] = field(default_factory=dict)
    sensitivity: dict[str, pooling.Pooled] = field(default_factory=dict)
    subgroups: dict[str, pooling.Pooled] = field(default_factory=dict)  # subtotals of a combined figure
    subgroup_test: pooling.SubgroupTest | None = None
    inestimable_subgroups: list[str] = field(default_factory=list)  # conditions whose every study was left out

    def leave_out(self, reason: str, condition: str) -> None:
        self.excluded.append(reason)
        self.excluded_conditions.append(condition)


def _timepoint_label(code: str) -> str:
    return code.replace("_", " ")


def studies_for(subgroup: str, studies: pd.DataFrame) -> pd.DataFrame:
    return studies if subgroup == ALL_TRIALS else studies[studies["condition"] == subgroup]


def _arm_rows(
    frame: pd.DataFrame, arms: pd.DataFrame, study: str, outcome: str, timepoint: str
) -> dict[str, pd.Series]:
    rows = frame[
        (frame["study_id"] == study) & (frame["outcome"] == outcome) & (frame["analysis_timepoint"] == timepoint)
    ]
    roles = dict(zip(arms["arm_id"], arms["arm_role"], strict=True))
    rows = rows.assign(_role=rows["arm_id"].map(roles))
    picked = {}
    for role, group in rows.groupby("_role"):
        group = group.drop(columns="_role")
        picked[role] = pick_row(group) if "statistic" in group.columns else group.sort_values("row_id").iloc[0]
    return picked


def gather_inputs(
    target: pd.Series, plan: pd.Series, tables: dict[str, pd.DataFrame], conversion: str | None = None
) -> Comparison:
    comparison = Comparison(target, plan)
    studies, arms, coverage = tables["studies"], tables["arms"], tables["coverage"]
    outcome, timepoint, measure = target["outcome"], target["timepoint"], target["measure"]
    table = tables["outcomes_continuous" if measure == "MD" else "outcomes_dichotomous"]
    arm_n = dict(zip(arms["arm_id"], arms["n_analysed"].fillna(arms["n_randomized"]), strict=True))
    where = f"{outcome} {_timepoint_label(timepoint)}"
    for _, study in studies_for(target["subgroup"], studies).iterrows():
        sid = study["study_id"]
        cov = coverage[
            (coverage["study_id"] == sid) & (coverage["outcome"] == outcome) & (coverage["timepoint"] == timepoint)
        ]
        status = cov["status"].iloc[0] if len(cov) else "not in coverage"
        if status == "not_reported":
            comparison.not_reported.append(f"{sid} did not report {outcome} at {_timepoint_label(timepoint)}")
            continue
        if status != "extracted":
            comparison.missing.append(f"{sid} {where} ({status})")
            continue
        picked = _arm_rows(table, arms, sid, outcome, timepoint)
        if not {"intervention", "control"} <= picked.keys():
            comparison.missing.append(f"{sid} {where} (an arm's row is missing)")
            continue
        t, c = picked["intervention"], picked["control"]
        if measure == "MD":
            unit, method = plan["target_unit"], conversion or plan["conversion"]
            try:
                ti = arm_mean_sd(t, unit, method, arm_n.get(t["arm_id"]), plan["skewed_medians"])
                ci = arm_mean_sd(c, unit, method, arm_n.get(c["arm_id"]), plan["skewed_medians"])
            except NotDerivable as exc:
                comparison.leave_out(f"{sid} {where} left out: {exc}", str(study["condition"]))
                continue
            es = effect_sizes.mean_difference(ti["mean"], ti["sd"], ti["n"], ci["mean"], ci["sd"], ci["n"])
            detail = {"intervention": ti, "control": ci}
        else:
            es = effect_sizes.log_risk_ratio(t["events"], t["total"], c["events"], c["total"])
            detail = {
                "intervention": {"events": int(t["events"]), "total": int(t["total"]), "row_id": t["row_id"]},
                "control": {"events": int(c["events"]), "total": int(c["total"]), "row_id": c["row_id"]},
                "continuity_corrected": bool(es.corrected[0]),
            }
            if es.double_zero[0]:
                comparison.leave_out(f"{sid} {outcome} left out: {INESTIMABLE}", str(study["condition"]))
                continue
        if not es.included[0]:
            comparison.leave_out(
                f"{sid} {where} left out: no finite effect with a positive variance", str(study["condition"])
            )
            continue
        comparison.inputs.append(
            StudyInput(sid, study["short_citation"], float(es.yi[0]), float(es.vi[0]), detail, str(study["condition"]))
        )
    questions = tables.get("open_questions")
    if questions is not None:
        for q in questions[questions["status"] == "open"].itertuples(index=False):
            comparison.caveats.append(f"open question '{q.question_id}' is unresolved (tables/open_questions.csv)")
    return comparison


def _fits(inputs: list[StudyInput], measure: str, zero_cells: str) -> dict[str, pooling.Pooled]:
    """Every model of the registry that the measure admits (Mantel-Haenszel for risk ratios only)."""
    yi = np.array([s.yi for s in inputs])
    vi = np.array([s.vi for s in inputs])
    counts = None
    if measure == "RR":
        counts = [
            [s.detail[arm][key] for s in inputs] for arm in ("intervention", "control") for key in ("events", "total")
        ]
    fits = {}
    for model in MODELS:
        if model.pooling == "MH" and counts is None:
            continue
        try:
            fits[model.code] = pooling.fit(model.code, yi, vi, counts, zero_cells)
        except ValueError:  # MH without events in one arm of every study, counts as reported: undefined, IV is not
            if model.pooling != "MH":
                raise
    return fits


def fit(comparison: Comparison) -> Comparison:
    if not comparison.inputs:
        return comparison
    zero_cells = comparison.plan.get("zero_cells", pooling.DEFAULT_ZERO_CELLS) or pooling.DEFAULT_ZERO_CELLS
    comparison.fits = _fits(comparison.inputs, comparison.target["measure"], zero_cells)
    return comparison


def fit_subgroups(comparison: Comparison, model: str) -> Comparison:
    """Subtotals per condition of a combined figure, each its own fit with the primary model, and the test for
    subgroup differences across them (RevMan's layout of a combined analysis)."""
    if comparison.target["subgroup"] != ALL_TRIALS or not comparison.inputs:
        return comparison
    zero_cells = comparison.plan.get("zero_cells", pooling.DEFAULT_ZERO_CELLS) or pooling.DEFAULT_ZERO_CELLS
    for name in sorted({s.subgroup for s in comparison.inputs}):
        part = [s for s in comparison.inputs if s.subgroup == name]
        fits = _fits(part, comparison.target["measure"], zero_cells)
        comparison.subgroups[name] = fits.get(model, fits["FE"] if model in FIXED_EFFECT_MODELS else fits["DL"])
    comparison.inestimable_subgroups = [
        c for c in dict.fromkeys(comparison.excluded_conditions) if c not in comparison.subgroups
    ]
    if len(comparison.subgroups) > 1:
        fitted = list(comparison.subgroups.values())
        comparison.subgroup_test = pooling.subgroup_difference([f.estimate for f in fitted], [f.se for f in fitted])
    return comparison


def primary_model(plan: pd.Series) -> str:
    return model_code(plan)


def conversion_sensitivity(target: pd.Series, plan: pd.Series, tables, model: str) -> dict[str, pooling.Pooled]:
    """The primary model refitted with each median-to-mean conversion, when any arm was converted."""
    results = {}
    for name in CONVERSIONS:
        comp = fit(gather_inputs(target, plan, tables, conversion=name))
        if comp.fits and not comp.missing:
            results[name] = comp.fits.get(model, comp.fits["FE"])
    return results


def to_published_scale(value: float | None, measure: str) -> float | None:
    if value is None:
        return None
    return math.exp(value) if measure == "RR" else value


def round_half_up(value: float, decimals: int) -> Decimal:
    """Decimal half-up rounding of the value as printed with 12 significant digits: 1.325 -> 1.33 (Python's
    binary round gives 1.32, because 1.325 is stored as 1.32499999...)."""
    return Decimal(f"{value:.12g}").quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def judge(target: pd.Series, estimate: float, low: float, high: float) -> str:
    decimals = int(target["decimals"])
    published = [target["estimate"], target["ci_low"], target["ci_high"]]
    ours = [estimate, low, high]
    if any(pd.isna(p) for p in published):
        return "differs"
    pairs = list(zip(ours, published, strict=True))
    if all(round_half_up(o, decimals) == round_half_up(float(p), decimals) for o, p in pairs):
        return "reproduced"
    if all(abs(o - float(p)) <= CLOSE_TOLERANCE for o, p in pairs):
        return "close"
    return "differs"


def _differs_reason(comparison: Comparison, model: str, target: pd.Series) -> str:
    """The likely reason a computed figure differs: a model or a conversion that does reproduce it, if any."""
    hints = []
    methods = {s.detail["intervention"].get("method", "") for s in comparison.inputs} | {
        s.detail["control"].get("method", "") for s in comparison.inputs
    }
    if any("converted" in m for m in methods):
        hints.append("some arms were converted from medians (see the conversion sensitivity)")
    for name, other in comparison.fits.items():
        if name != model and not pd.isna(target["estimate"]):
            lo, hi = (to_published_scale(x, target["measure"]) for x in (other.ci_low, other.ci_high))
            if judge(target, to_published_scale(other.estimate, target["measure"]), lo, hi) == "reproduced":
                hints.append(f"the {name} model reproduces the published figure")
    for name, other in comparison.sensitivity.items():
        lo, hi = (to_published_scale(x, target["measure"]) for x in (other.ci_low, other.ci_high))
        if judge(target, to_published_scale(other.estimate, target["measure"]), lo, hi) == "reproduced":
            hints.append(f"the {name} median conversion reproduces the published figure")
    if not hints:
        hints.append("different inputs, time points or model than the authors used; see the sensitivity table")
    return "; ".join(hints)


def _empty_row(target_id, target, model=None) -> dict:
    return {
        "target_id": target_id,
        "outcome": target["outcome"],
        "subgroup": target["subgroup"],
        "timepoint": target["timepoint"],
        "measure": target["measure"],
        "published_estimate": None if pd.isna(target["estimate"]) else float(target["estimate"]),
        "published_ci_low": None if pd.isna(target["ci_low"]) else float(target["ci_low"]),
        "published_ci_high": None if pd.isna(target["ci_high"]) else float(target["ci_high"]),
        "estimate": None,
        "ci_low": None,
        "ci_high": None,
        "k": 0,
        "model": model,
        "tau2": None,
        "i2": None,
        "q": None,
        "pi_low": None,
        "pi_high": None,
        "status": "not_computable",
        "note": "",
        "decimals": int(target["decimals"]),
        "studies": [],
        "excluded": [],
        "k_excluded": 0,
    }


def _not_computable_note(comparison: Comparison) -> str:
    """Why there is no estimate: the inputs still missing, else studies present but inestimable, else none."""
    inputs = comparison.inputs
    if comparison.missing:
        note = "missing: " + "; ".join(comparison.missing)
        if inputs:
            note += (
                f" (the {len(inputs)} available stud{'y' if len(inputs) == 1 else 'ies'} alone would not be "
                "the published comparison)"
            )
    elif comparison.excluded:
        note = (
            f"inestimable: each of the {len(comparison.excluded)} stud"
            f"{'y' if len(comparison.excluded) == 1 else 'ies'} present was left out"
        )
    else:
        note = "missing: no study reports this outcome"
    return "; ".join([note, *comparison.excluded, *comparison.not_reported])


def _claim_status(claim: str, result: pooling.Pooled) -> tuple[str, str]:
    """The status and note of a target without a published figure, from what the abstract claims in words."""
    excludes_null = not (result.ci_low <= 0 <= result.ci_high)
    ours = "our CI " + ("excludes" if excludes_null else "includes") + " no effect"
    if claim == "none":
        return "nothing_published", f"{CLAIMS[claim]}; {ours}"
    agrees = excludes_null if claim == "effect" else not excludes_null
    return ("consistent" if agrees else "differs"), f"{CLAIMS[claim]}; {ours}"


def reproduce_target(target: pd.Series, plan: pd.Series, tables: dict[str, pd.DataFrame]) -> tuple[dict, Comparison]:
    comparison = fit(gather_inputs(target, plan, tables))
    measure = target["measure"]
    row = _empty_row(target.name, target, primary_model(plan))
    row.update(
        k=len(comparison.inputs),
        studies=[s.study_id for s in comparison.inputs],
        excluded=comparison.excluded,
        k_excluded=len(comparison.excluded),
    )
    caveats = "; ".join(comparison.caveats)
    if comparison.missing or not comparison.inputs:
        row["note"] = _not_computable_note(comparison) + (f". Caveat: {caveats}" if caveats else "")
        return row, comparison
    model = row["model"]
    if model not in comparison.fits:
        row["note"] = (
            f"the {model} model is not defined for these data (no events in one arm of every study with "
            "zero_cells = mh_uncorrected); the other models are in the report"
        )
        return row, comparison
    result = comparison.fits[model]
    fit_subgroups(comparison, model)
    converted = any(
        "converted" in s.detail[arm].get("method", "") for s in comparison.inputs for arm in ("intervention", "control")
    )
    if converted:
        comparison.sensitivity = conversion_sensitivity(target, plan, tables, model)
    row.update(
        estimate=to_published_scale(result.estimate, measure),
        ci_low=to_published_scale(result.ci_low, measure),
        ci_high=to_published_scale(result.ci_high, measure),
        tau2=result.tau2,
        i2=result.i2,
        q=result.q,
        pi_low=to_published_scale(result.pi_low, measure),
        pi_high=to_published_scale(result.pi_high, measure),
    )
    if row["published_estimate"] is None:
        row["status"], row["note"] = _claim_status(plan.get("claim") or "none", result)
    else:
        row["status"] = judge(target, row["estimate"], row["ci_low"], row["ci_high"])
        if row["status"] != "reproduced":
            row["note"] = _differs_reason(comparison, model, target)
    extras = [
        *result.notes,
        *comparison.excluded,
        *comparison.not_reported,
        *([f"caveat: {caveats}"] if caveats else []),
    ]
    if extras:
        row["note"] = "; ".join(filter(None, [row["note"], *extras]))
    return row, comparison


def reproduce_all(
    tables: dict[str, pd.DataFrame], plan: pd.DataFrame | None = None
) -> tuple[list[dict], list[Comparison]]:
    plan = read_plan() if plan is None else normalise(plan)
    published = tables["published_results"].set_index("target_id")
    rows, comparisons = [], []
    for target_id, target in published.iterrows():
        if target_id not in plan.index:
            row = _empty_row(target_id, target)
            row["note"] = "no analysis-plan row for this target (analysis/plan.csv)"
            rows.append(row)
            comparisons.append(Comparison(target, pd.Series(dtype=object)))  # keeps rows and comparisons aligned
            continue
        if plan.loc[target_id, "measure"] != target["measure"]:
            raise PlanError(
                f"{plan.attrs.get('path', 'analysis plan')}: target {target_id!r}, column 'measure': "
                f"expected {target['measure']} (tables/published_results.csv), "
                f"found {plan.loc[target_id, 'measure']}"
            )
        row, comparison = reproduce_target(target, plan.loc[target_id], tables)
        rows.append(row)
        comparisons.append(comparison)
    return rows, comparisons


def subgroup_tests(rows: list[dict], comparisons: list[Comparison]) -> list[dict]:
    """Test for subgroup differences (sepsis vs COVID-19) under every computed combined figure: each subgroup fitted
    on its own with the combined figure's model, Q between the subtotals on G - 1 df."""
    tests = []
    for r, c in zip(rows, comparisons, strict=True):
        if c.subgroup_test is not None:
            t = c.subgroup_test
            tests.append(
                {
                    "target_id": r["target_id"],
                    "outcome": r["outcome"],
                    "timepoint": r["timepoint"],
                    "model": r["model"],
                    "subgroups": list(c.subgroups),
                    "q_between": t.q_between,
                    "df": t.df,
                    "p": t.p,
                }
            )
    return tests
