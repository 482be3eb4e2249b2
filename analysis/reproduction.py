"""Recompute each pooled figure of the abstract from the package tables and judge the agreement.

Pipeline (metafor's three verbs): select inputs (coverage + outcome rows) ->
effect sizes -> pooling -> comparison with the published figure. Nothing here prints.

Status (issue 6): reproduced (estimate and both CI bounds equal the published values at the
published precision), close (every figure within 0.05 on the published scale), differs (with
the likely reason), not_computable (the missing inputs are named).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import effect_sizes, pooling
from .derive import arm_mean_sd

PLAN_PATH = Path(__file__).with_name("plan.csv")
CLOSE_TOLERANCE = 0.05


def read_plan(path: Path = PLAN_PATH) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False).set_index("target_id")


@dataclass
class StudyInput:
    study_id: str
    label: str
    yi: float
    vi: float
    detail: dict  # arm-level inputs and their source rows


@dataclass
class Comparison:
    target: pd.Series
    plan: pd.Series
    inputs: list[StudyInput] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # inputs that exist somewhere but are not in the package
    not_reported: list[str] = field(default_factory=list)  # trials that did not measure or report the outcome
    caveats: list[str] = field(default_factory=list)  # open questions that may change the comparison
    fits: dict[str, pooling.Pooled] = field(default_factory=dict)
    sensitivity: dict[str, pooling.Pooled] = field(default_factory=dict)


def _timepoint_label(code: str) -> str:
    return code.replace("_", " ")


def studies_for(subgroup: str, studies: pd.DataFrame) -> pd.DataFrame:
    return studies if subgroup == "all" else studies[studies["condition"] == subgroup]


def _arm_rows(frame: pd.DataFrame, arms: pd.DataFrame, study: str, outcome: str, timepoint: str) -> dict[str, pd.Series]:
    rows = frame[(frame["study_id"] == study) & (frame["outcome"] == outcome) & (frame["analysis_timepoint"] == timepoint)]
    roles = dict(zip(arms["arm_id"], arms["arm_role"]))
    picked = {}
    for _, row in rows.iterrows():
        picked.setdefault(roles.get(row["arm_id"]), row)
    return picked


def gather_inputs(target: pd.Series, plan: pd.Series, tables: dict[str, pd.DataFrame],
                  conversion: str | None = None) -> Comparison:
    comparison = Comparison(target, plan)
    studies, arms, coverage = tables["studies"], tables["arms"], tables["coverage"]
    outcome, timepoint, measure = target["outcome"], target["timepoint"], target["measure"]
    table = tables["outcomes_continuous" if measure == "MD" else "outcomes_dichotomous"]
    arm_n = dict(zip(arms["arm_id"], arms["n_analysed"].fillna(arms["n_randomized"])))
    for _, study in studies_for(target["subgroup"], studies).iterrows():
        sid = study["study_id"]
        cov = coverage[(coverage["study_id"] == sid) & (coverage["outcome"] == outcome) & (coverage["timepoint"] == timepoint)]
        status = cov["status"].iloc[0] if len(cov) else "not in coverage"
        if status == "not_reported":
            comparison.not_reported.append(f"{sid} did not report {outcome} at {_timepoint_label(timepoint)}")
            continue
        if status != "extracted":
            comparison.missing.append(f"{sid} {outcome} {_timepoint_label(timepoint)} ({status})")
            continue
        picked = _arm_rows(table, arms, sid, outcome, timepoint)
        if not {"intervention", "control"} <= picked.keys():
            comparison.missing.append(f"{sid} {outcome} {_timepoint_label(timepoint)} (an arm's row is missing)")
            continue
        t, c = picked["intervention"], picked["control"]
        if measure == "MD":
            try:
                ti = arm_mean_sd(t, plan["target_unit"], conversion or plan["conversion"], arm_n.get(t["arm_id"]))
                ci = arm_mean_sd(c, plan["target_unit"], conversion or plan["conversion"], arm_n.get(c["arm_id"]))
            except ValueError as exc:
                comparison.missing.append(f"{sid} {outcome} {_timepoint_label(timepoint)} ({exc})")
                continue
            es = effect_sizes.mean_difference(ti["mean"], ti["sd"], ti["n"], ci["mean"], ci["sd"], ci["n"])
            detail = {"intervention": ti, "control": ci}
        else:
            es = effect_sizes.log_risk_ratio(t["events"], t["total"], c["events"], c["total"])
            detail = {"intervention": {"events": int(t["events"]), "total": int(t["total"]), "row_id": t["row_id"]},
                      "control": {"events": int(c["events"]), "total": int(c["total"]), "row_id": c["row_id"]}}
            if not es.included[0]:
                comparison.missing.append(f"{sid} {outcome} (no events in either arm: no information on the RR scale)")
                continue
        comparison.inputs.append(StudyInput(sid, study["short_citation"], float(es.yi[0]), float(es.vi[0]), detail))
    questions = tables.get("open_questions")
    if questions is not None:
        for q in questions[questions["status"] == "open"].itertuples(index=False):
            comparison.caveats.append(f"open question '{q.question_id}' is unresolved (tables/open_questions.csv)")
    return comparison


def fit(comparison: Comparison) -> Comparison:
    if not comparison.inputs:
        return comparison
    yi = np.array([s.yi for s in comparison.inputs])
    vi = np.array([s.vi for s in comparison.inputs])
    fits = {"FE": pooling.fixed_effect(yi, vi), "DL": pooling.random_effects(yi, vi, "DL"),
            "REML": pooling.random_effects(yi, vi, "REML")}
    if len(yi) > 1:
        fits["DL-HK"] = pooling.random_effects(yi, vi, "DL", hartung_knapp=True)
        fits["REML-HK"] = pooling.random_effects(yi, vi, "REML", hartung_knapp=True)
    if comparison.target["measure"] == "RR":
        d = [s.detail for s in comparison.inputs]
        fits["MH"] = pooling.mantel_haenszel_rr([x["intervention"]["events"] for x in d],
                                                [x["intervention"]["total"] for x in d],
                                                [x["control"]["events"] for x in d],
                                                [x["control"]["total"] for x in d])
    comparison.fits = fits
    return comparison


def primary_model(plan: pd.Series) -> str:
    if plan["model"] == "fixed":
        return "MH" if plan["pooling"] == "MH" else "FE"
    hk = "-HK" if str(plan.get("adjustment", "")).upper() == "HK" else ""
    return (plan["tau2_estimator"] or "DL") + hk


def conversion_sensitivity(target: pd.Series, plan: pd.Series, tables, model: str) -> dict[str, pooling.Pooled]:
    """The primary model refitted with each median-to-mean conversion, when any arm was converted."""
    from .conversions import METHODS

    results = {}
    for name in METHODS:
        comp = fit(gather_inputs(target, plan, tables, conversion=name))
        if comp.fits and not comp.missing:
            results[name] = comp.fits.get(model, comp.fits["FE"])
    return results


def to_published_scale(value: float, measure: str) -> float:
    return math.exp(value) if measure == "RR" else value


def judge(target: pd.Series, estimate: float, low: float, high: float) -> str:
    decimals = int(target["decimals"])
    published = [target["estimate"], target["ci_low"], target["ci_high"]]
    ours = [estimate, low, high]
    if any(pd.isna(p) for p in published):
        return "differs"
    if all(round(o, decimals) == round(float(p), decimals) for o, p in zip(ours, published)):
        return "reproduced"
    if all(abs(o - float(p)) <= CLOSE_TOLERANCE for o, p in zip(ours, published)):
        return "close"
    return "differs"


def _differs_reason(comparison: Comparison, model: str, target: pd.Series) -> str:
    """The likely reason a computed figure differs: a model or a conversion that does reproduce it, if any."""
    hints = []
    methods = {s.detail["intervention"].get("method", "") for s in comparison.inputs} | \
              {s.detail["control"].get("method", "") for s in comparison.inputs}
    if any("converted" in m for m in methods):
        hints.append("some arms were converted from medians (see the conversion sensitivity)")
    for name, other in comparison.fits.items():
        if name != model and not pd.isna(target["estimate"]):
            lo, hi = to_published_scale(other.ci_low, target["measure"]), to_published_scale(other.ci_high, target["measure"])
            if judge(target, to_published_scale(other.estimate, target["measure"]), lo, hi) == "reproduced":
                hints.append(f"the {name} model reproduces the published figure")
    for name, other in comparison.sensitivity.items():
        lo, hi = to_published_scale(other.ci_low, target["measure"]), to_published_scale(other.ci_high, target["measure"])
        if judge(target, to_published_scale(other.estimate, target["measure"]), lo, hi) == "reproduced":
            hints.append(f"the {name} median conversion reproduces the published figure")
    if not hints:
        hints.append("different inputs, time points or model than the authors used; see the sensitivity table")
    return "; ".join(hints)


def reproduce_target(target: pd.Series, plan: pd.Series, tables: dict[str, pd.DataFrame]) -> tuple[dict, Comparison]:
    comparison = fit(gather_inputs(target, plan, tables))
    measure = target["measure"]
    row = {
        "target_id": target.name, "outcome": target["outcome"], "subgroup": target["subgroup"],
        "timepoint": target["timepoint"], "measure": measure,
        "published_estimate": None if pd.isna(target["estimate"]) else float(target["estimate"]),
        "published_ci_low": None if pd.isna(target["ci_low"]) else float(target["ci_low"]),
        "published_ci_high": None if pd.isna(target["ci_high"]) else float(target["ci_high"]),
        "estimate": None, "ci_low": None, "ci_high": None, "k": len(comparison.inputs),
        "model": primary_model(plan), "status": "not_computable", "note": "", "decimals": int(target["decimals"]),
        "studies": [s.study_id for s in comparison.inputs],
    }
    caveats = "; ".join(comparison.caveats)
    needed = comparison.missing
    if needed or not comparison.inputs:
        row["note"] = "missing: " + ("; ".join(needed) if needed else "no study reports this outcome")
        if comparison.inputs:
            row["note"] += f" (the {len(comparison.inputs)} available stud{'y' if len(comparison.inputs) == 1 else 'ies'} alone would not be the published comparison)"
        row["note"] += f". Caveat: {caveats}" if caveats else ""
        return row, comparison
    model = row["model"] if row["model"] in comparison.fits else "FE"
    result = comparison.fits[model]
    converted = any("converted" in s.detail[arm].get("method", "") for s in comparison.inputs for arm in ("intervention", "control"))
    if converted:
        comparison.sensitivity = conversion_sensitivity(target, plan, tables, model)
    row.update(estimate=to_published_scale(result.estimate, measure), ci_low=to_published_scale(result.ci_low, measure),
               ci_high=to_published_scale(result.ci_high, measure), model=model)
    if row["published_estimate"] is None:
        significant = not (result.ci_low <= 0 <= result.ci_high)
        row["status"] = "differs" if significant else "reproduced"
        row["note"] = ("the abstract states no effect without a figure; our CI " +
                       ("excludes" if significant else "includes") + " no effect")
    else:
        row["status"] = judge(target, row["estimate"], row["ci_low"], row["ci_high"])
        if row["status"] != "reproduced":
            row["note"] = _differs_reason(comparison, model, target)
    extras = comparison.not_reported + ([f"caveat: {caveats}"] if caveats else [])
    if extras:
        row["note"] = "; ".join(filter(None, [row["note"], *extras]))
    return row, comparison


def reproduce_all(tables: dict[str, pd.DataFrame], plan: pd.DataFrame | None = None) -> tuple[list[dict], list[Comparison]]:
    plan = read_plan() if plan is None else plan
    published = tables["published_results"].set_index("target_id")
    rows, comparisons = [], []
    for target_id, target in published.iterrows():
        if target_id not in plan.index:
            rows.append({"target_id": target_id, "outcome": target["outcome"], "subgroup": target["subgroup"],
                         "timepoint": target["timepoint"], "measure": target["measure"],
                         "published_estimate": target["estimate"], "published_ci_low": target["ci_low"],
                         "published_ci_high": target["ci_high"], "estimate": None, "ci_low": None, "ci_high": None,
                         "k": 0, "model": None, "status": "not_computable", "decimals": int(target["decimals"]),
                         "note": "no analysis-plan row for this target (analysis/plan.csv)", "studies": []})
            comparisons.append(Comparison(target, pd.Series(dtype=object)))  # keeps rows and comparisons aligned
            continue
        row, comparison = reproduce_target(target, plan.loc[target_id], tables)
        rows.append(row)
        comparisons.append(comparison)
    return rows, comparisons


def subgroup_tests(rows: list[dict], comparisons: list[Comparison]) -> list[dict]:
    """Test for subgroup differences (sepsis vs COVID-19) wherever both subgroup figures were computed."""
    fitted = {(r["outcome"], r["timepoint"], r["subgroup"]): c.fits.get(r["model"]) for r, c in zip(rows, comparisons)
              if r["status"] != "not_computable" and c.fits}
    tests = []
    for (outcome, timepoint, subgroup), fit_ in fitted.items():
        other = fitted.get((outcome, timepoint, "covid19"))
        if subgroup == "sepsis" and fit_ is not None and other is not None:
            result = pooling.subgroup_difference([fit_.estimate, other.estimate], [fit_.se, other.se])
            tests.append({"outcome": outcome, "timepoint": timepoint, "q_between": result.q_between, "df": result.df,
                          "p": result.p})
    return tests
