"""Synthetic rhIL-7 data packages at any scale, optionally with a known list of planted faults.

    python benchmarks/generate.py --out /tmp/pkg --studies 10000 \
        --continuous-rows 1000000 --dichotomous-rows 100000 --seed 1 [--faults 10]

The package uses this repository's datapackage.json, copied byte for byte, and is valid by
construction (every rule of validators/ holds): two arms per study that add up to the study's
n_randomized, outcome rows for both arms of each (outcome, time point), values as trials report
them (ALC in cells/uL, cells/mm3 or 10^9/L; CD4/CD8 in cells/uL; stays in days; mean/SD,
mean/SE, median/IQR, median/range), every number written into its verbatim-style snippet with
the same digits, time points within follow-up, a study_provenance row for every filled study
characteristic, and a coverage row for every (study, outcome, meta-analysis time point) that has
rows (``extracted``) or that a published target could pool (``not_reachable``/``not_reported``).
The published_results rows are the repository's own (the targets), pointing at source ma2026.

Everything is vectorized (numpy / pandas); one seed gives the same bytes on every run.
With ``--faults N`` N faults are planted, cycling through FAULT_KINDS (structural first, then
semantic), each in its own row, and listed in ``faults.json`` next to datapackage.json as
(code, file, row, field) with row = the CSV record number, header = 1 (frictionless' numbering).
The data are synthetic benchmark data, not trial data.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DESCRIPTOR = ROOT / "datapackage.json"
PUBLISHED = ROOT / "tables" / "published_results.csv"

# --------------------------------------------------------------------------------------- faults

# The fault names used in faults.json, in planting order (structural first).
FAULT_KINDS = (
    "type-error",  # outcomes_continuous.n = "twelve"
    "missing-required",  # outcomes_dichotomous.location = ""
    "duplicate-primary-key",  # outcomes_continuous.row_id = the row_id of an earlier row
    "orphan-foreign-key",  # outcomes_dichotomous.arm_id = an arm that does not exist
    "unknown-enum",  # outcomes_continuous.method = "photograph"
    "events-above-total",  # outcomes_dichotomous.events = total + k (snippet rewritten to match)
    "sd-not-positive",  # outcomes_continuous.sd = 0 in a mean_sd row (snippet rewritten)
    "q1-above-median",  # outcomes_continuous.q1 between median and q3 (snippet rewritten)
    "number-not-in-snippet",  # outcomes_continuous.mean changed, snippet left as it was
    "arms-do-not-add-up",  # studies.n_randomized = sum of the arms + 1 (provenance snippet rewritten)
)
STRUCTURAL = {"type-error", "missing-required", "duplicate-primary-key", "orphan-foreign-key", "unknown-enum"}

# What `rhil7 validate --format json` and `frictionless validate --json` call each fault
# (None: frictionless checks the Table Schema only, it cannot see the fault).
RHIL7_CODES = {
    "type-error": "type-error",
    "missing-required": "constraint-error",
    "duplicate-primary-key": "primary-key",
    "orphan-foreign-key": "foreign-key",
    "unknown-enum": "constraint-error",
    "events-above-total": "events-above-total",
    "sd-not-positive": "sd-not-positive",
    "q1-above-median": "quartiles-out-of-order",
    "number-not-in-snippet": "number-not-in-snippet",
    "arms-do-not-add-up": "arms-do-not-add-up",
}
FRICTIONLESS_CODES = {k: (v if k in STRUCTURAL else None) for k, v in RHIL7_CODES.items()}


@dataclass
class Fault:
    code: str  # one of FAULT_KINDS
    file: str  # path inside the package, as the validators report it
    row: int  # CSV record number, header = 1
    field: str
    before: str
    after: str


# --------------------------------------------------------------------------------------- helpers

CONT_COLUMNS = [
    "row_id",
    "study_id",
    "arm_id",
    "outcome",
    "timepoint",
    "timepoint_reported",
    "analysis_timepoint",
    "statistic",
    "n",
    "mean",
    "sd",
    "se",
    "median",
    "q1",
    "q3",
    "min",
    "max",
    "unit",
    "source_id",
    "location",
    "snippet",
    "method",
    "note",
]
VALUE_FIELDS = ["mean", "sd", "se", "median", "q1", "q3", "min", "max"]
STATISTICS = ["mean_sd", "mean_se", "median_iqr", "median_range", "median_iqr_range"]
STAT_FIELDS = {
    "mean_sd": ("mean", "sd"),
    "mean_se": ("mean", "se"),
    "median_iqr": ("median", "q1", "q3"),
    "median_range": ("median", "min", "max"),
    "median_iqr_range": ("median", "q1", "q3", "min", "max"),
}
OUTCOME_LABEL = {
    "alc": "ALC",
    "cd4": "CD4+ T cells",
    "cd8": "CD8+ T cells",
    "icu_los": "ICU stay",
    "hospital_los": "Hospital stay",
    "mortality": "Deaths",
    "secondary_infection": "Patients with a secondary infection",
    "sae": "Patients with a serious adverse event",
}
MAX_DAY = 90  # outcome time points are day0..day90 ...
MIN_FOLLOW_UP = 90  # ... and every study follows its patients up for at least 90 days
ANALYSIS_DAY = {14: "week2", 21: "week3", 28: "week4", 30: "day30"}


def _s(values) -> pd.Series:
    return pd.Series(np.asarray(values), dtype=object) if not isinstance(values, pd.Series) else values


def fmt_ticks(ticks: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    """Integers in units of 10^-decimals -> fixed-point strings ("0.90", "812", "12.5"), vectorized."""
    ticks = np.asarray(ticks, dtype=np.int64)
    decimals = np.asarray(decimals, dtype=np.int64)
    out = np.empty(len(ticks), dtype=object)
    for d in np.unique(decimals):
        m = decimals == d
        t = ticks[m]
        if d == 0:
            out[m] = t.astype(str).astype(object)
        else:
            whole = (t // 10**d).astype(str).astype(object)
            frac = pd.Series((t % 10**d).astype(str)).str.zfill(int(d)).to_numpy(dtype=object)
            out[m] = whole + "." + frac
    return out


def _arm_word(arm_ids: pd.Series) -> pd.Series:
    return pd.Series(
        np.where(arm_ids.str.endswith("_il7").to_numpy(dtype=bool), "CYT107", "placebo"),
        index=arm_ids.index,
        dtype=object,
    )


def continuous_snippet(df: pd.DataFrame) -> pd.Series:
    """The snippet of each continuous row, built from its own (string) cells."""
    stat = df["statistic"]
    text = pd.Series("", index=df.index, dtype=object)
    templates = {
        "mean_sd": lambda d: "mean " + d["mean"] + " (SD " + d["sd"] + ")",
        "mean_se": lambda d: "mean " + d["mean"] + " (SE " + d["se"] + ")",
        "median_iqr": lambda d: "median " + d["median"] + " (IQR " + d["q1"] + " to " + d["q3"] + ")",
        "median_range": lambda d: "median " + d["median"] + " (range " + d["min"] + " to " + d["max"] + ")",
        "median_iqr_range": lambda d: (
            "median "
            + d["median"]
            + " (IQR "
            + d["q1"]
            + " to "
            + d["q3"]
            + "; range "
            + d["min"]
            + " to "
            + d["max"]
            + ")"
        ),
    }
    for name, template in templates.items():
        m = (stat == name).to_numpy()
        if m.any():
            text[m] = template(df.loc[m])
    label = df["outcome"].map(OUTCOME_LABEL)
    return (
        label
        + " at "
        + df["timepoint_reported"]
        + ", "
        + _arm_word(df["arm_id"])
        + " (n = "
        + df["n"]
        + "): "
        + text
        + " "
        + df["unit"]
    )


def dichotomous_snippet(df: pd.DataFrame) -> pd.Series:
    return (
        df["outcome"].map(OUTCOME_LABEL)
        + " by "
        + df["timepoint_reported"]
        + ": "
        + _arm_word(df["arm_id"])
        + " "
        + df["events"]
        + " of "
        + df["total"]
        + " patients"
    )


def arm_snippet(df: pd.DataFrame) -> pd.Series:
    return (
        df["n_randomized"]
        + " patients were randomized to "
        + df["label"]
        + " and "
        + df["n_analysed"]
        + " of them were analysed"
    )


def n_randomized_snippet(n: pd.Series, n1: pd.Series, n2: pd.Series) -> pd.Series:
    return "A total of " + n + " patients were randomized (" + n1 + " to CYT107 and " + n2 + " to placebo)."


def _distribute(total_pairs: int, studies: int, capacity: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Study index and slot index of each pair of rows (one row per arm), spread evenly over the studies."""
    counts = np.full(studies, total_pairs // studies, dtype=np.int64)
    counts[: total_pairs % studies] += 1
    if counts.max(initial=0) > capacity:
        raise SystemExit(
            f"{what}: {counts.max()} (outcome, time point) pairs per study, more than the {capacity} "
            f"distinct ones available; use more --studies"
        )
    study = np.repeat(np.arange(studies), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return study, np.arange(total_pairs) - starts


# --------------------------------------------------------------------------------------- tables


def build_tables(studies: int, continuous_rows: int, dichotomous_rows: int, seed: int) -> dict[str, pd.DataFrame]:
    """Every table of a valid package, as frames of strings ("" = empty cell), in CSV column order."""
    if studies < 1:
        raise SystemExit("--studies must be at least 1")
    rng = np.random.default_rng(seed)
    S = studies
    width = max(5, len(str(S - 1)))
    idx = np.arange(S)
    sid = pd.Series([f"trial{i:0{width}d}" for i in idx], dtype=object)
    source = sid + "_pub"

    # ---- studies
    covid = rng.random(S) < 0.4
    condition = np.where(covid, "covid19", "sepsis")
    year = np.where(covid, rng.integers(2020, 2027, S), rng.integers(2000, 2027, S))
    n_total = rng.integers(20, 401, S)
    ratio = rng.choice([1, 2, 3], S, p=[0.7, 0.2, 0.1])
    n1 = np.maximum(1, np.rint(n_total * ratio / (ratio + 1)).astype(np.int64))
    n1 = np.minimum(n1, n_total - 1)
    n2 = n_total - n1
    follow_up = rng.integers(MIN_FOLLOW_UP, 366, S)
    route = rng.choice(["intramuscular", "intravenous", "subcutaneous"], S, p=[0.6, 0.3, 0.1])
    dose = rng.choice(["3 ug/kg", "10 ug/kg", "20 ug/kg"], S, p=[0.2, 0.7, 0.1])
    countries = rng.choice(
        ["France", "France; United States", "United Kingdom", "United States", "Brazil", "Germany; Netherlands"], S
    )
    nct = pd.Series([f"NCT{90000000 + i:08d}" for i in idx], dtype=object)
    cond_words = np.where(
        covid, "critically ill patients with COVID-19 and lymphopenia", "patients with septic shock and lymphopenia"
    )
    design = "prospective, randomized, double-blind, placebo-controlled trial"
    schedule = rng.choice(["twice a week for 3 weeks", "twice a week for 2 weeks", "once a week for 4 weeks"], S)
    n_total_s, n1_s, n2_s = (_s(a.astype(str).astype(object)) for a in (n_total, n1, n2))
    fu_s = _s(follow_up.astype(str).astype(object))
    studies_df = pd.DataFrame(
        {
            "study_id": sid,
            "short_citation": "Synthetic author "
            + _s(idx.astype(str).astype(object))
            + " et al. Benchmark J "
            + _s(year.astype(str).astype(object)),
            "title": "Interleukin-7 for "
            + _s(cond_words)
            + ": synthetic benchmark trial "
            + _s(idx.astype(str).astype(object)),
            "year": year.astype(str),
            "doi": "10.5555/rhil7.bench." + _s(idx.astype(str).astype(object)),
            "pmid": _s((40000000 + idx).astype(str).astype(object)),
            "pmcid": "PMC" + _s((9000000 + idx).astype(str).astype(object)),
            "registry_ids": nct,
            "condition": condition,
            "design": design,
            "countries": countries,
            "intervention": "CYT107 (recombinant human IL-7)",
            "dose": dose,
            "route": route,
            "schedule": schedule,
            "control": "placebo",
            "lymphopenia_threshold": "",
            "follow_up": "",
            "follow_up_days": fu_s,
            "n_randomized": n_total_s,
            "funding": "",
            "identification": "Synthetic benchmark trial (generated, not real data)",
            "source_id": source,
        }
    )

    # ---- study_provenance: one row per filled characteristic of studies_have_provenance's list
    prov_snippets = {
        "registry_ids": "The trial was registered at ClinicalTrials.gov (" + nct + ").",
        "design": "We conducted a " + design + " in " + _s(cond_words) + ".",
        "countries": "Patients were enrolled at sites in " + _s(countries) + ".",
        "intervention": _s(
            np.full(S, "Patients received CYT107, a recombinant human interleukin-7, or placebo.", dtype=object)
        ),
        "dose": "CYT107 was given at " + _s(dose) + ".",
        "route": "CYT107 was given by the " + _s(route) + " route.",
        "schedule": "CYT107 or placebo was given " + _s(schedule) + ".",
        "control": _s(np.full(S, "The control arm received a matching placebo.", dtype=object)),
        "follow_up_days": "Patients were followed up for " + fu_s + " days after randomization.",
        "n_randomized": n_randomized_snippet(n_total_s, n1_s, n2_s),
    }
    prov_parts = []
    for order, (field, snippet) in enumerate(prov_snippets.items()):
        prov_parts.append(
            pd.DataFrame(
                {
                    "study_id": sid,
                    "field": field,
                    "source_id": source,
                    "location": "Abstract, Methods",
                    "snippet": snippet,
                    "method": "text",
                    "note": "",
                    "_s": idx,
                    "_o": order,
                }
            )
        )
    provenance = pd.concat(prov_parts, ignore_index=True).sort_values(["_s", "_o"], kind="stable")
    provenance = provenance.drop(columns=["_s", "_o"]).reset_index(drop=True)

    # ---- arms: intervention then control, per study
    arm_study = np.repeat(idx, 2)
    is_il7 = np.tile([True, False], S)
    arm_n = np.where(is_il7, n1[arm_study], n2[arm_study])
    arm_analysed = np.maximum(0, arm_n - rng.integers(0, 3, 2 * S))
    arm_id = sid[arm_study].reset_index(drop=True) + np.where(is_il7, "_il7", "_placebo")
    arms = pd.DataFrame(
        {
            "arm_id": arm_id,
            "study_id": sid[arm_study].to_numpy(),
            "arm_role": np.where(is_il7, "intervention", "control"),
            "label": np.where(is_il7, "CYT107", "placebo"),
            "n_randomized": arm_n.astype(str),
            "n_analysed": arm_analysed.astype(str),
            "source_id": source[arm_study].to_numpy(),
            "location": "Figure 1 (CONSORT diagram)",
            "snippet": "",
            "method": "figure",
            "note": "",
        }
    )
    arms["snippet"] = arm_snippet(arms)

    # ---- continuous: pairs of rows (intervention, control) on the same (outcome, time point) slot
    slots = [
        ("alc", 21),
        ("icu_los", None),
        ("alc", 28),
        ("cd4", 21),
        ("hospital_los", None),
        ("cd8", 14),
        ("alc", 30),
        ("alc", 0),
        ("cd4", 0),
        ("cd8", 0),
        ("alc", 14),
        ("alc", 7),
        ("cd4", 7),
        ("cd8", 7),
        ("cd4", 28),
        ("cd8", 28),
        ("cd8", 21),
        ("cd4", 14),
        ("cd4", 30),
        ("cd8", 30),
    ]
    seen = set(slots)
    slots += [(o, d) for d in range(MAX_DAY + 1) for o in ("alc", "cd4", "cd8") if (o, d) not in seen]
    slot_outcome = np.array([o for o, _ in slots], dtype=object)
    slot_day = np.array([-1 if d is None else d for _, d in slots])
    slot_tp = np.array(
        [
            {"icu_los": "icu_stay", "hospital_los": "hospital_stay"}[o]
            if d is None
            else ("baseline" if d == 0 else f"day{d}")
            for o, d in slots
        ],
        dtype=object,
    )
    slot_reported = np.array(
        [
            {"icu_los": "ICU discharge", "hospital_los": "hospital discharge"}[o]
            if d is None
            else ("baseline" if d == 0 else f"day {d}")
            for o, d in slots
        ],
        dtype=object,
    )
    slot_analysis = np.array(
        [tp if d is None else ANALYSIS_DAY.get(d, "") for (o, d), tp in zip(slots, slot_tp)], dtype=object
    )

    study_stat = rng.choice(STATISTICS, S, p=[0.45, 0.1, 0.3, 0.05, 0.1])
    study_stat[: min(S, len(STATISTICS))] = STATISTICS[: min(S, len(STATISTICS))]  # every statistic occurs
    alc_unit = rng.choice(["10^9/L", "cells/uL", "cells/mm3"], S, p=[0.4, 0.4, 0.2])
    cell_unit = np.where(alc_unit == "10^9/L", "cells/uL", alc_unit)

    pairs, lone = divmod(continuous_rows, 2)
    p_study, p_slot = _distribute(pairs + lone, S, len(slots), "continuous rows")
    # each pair gives two rows; a lone last row (odd count) keeps only its intervention row
    r_study = np.repeat(p_study, 2)
    r_slot = np.repeat(p_slot, 2)
    r_il7 = np.tile([True, False], len(p_study))
    if lone:
        r_study, r_slot, r_il7 = r_study[:-1], r_slot[:-1], r_il7[:-1]
    C = len(r_study)
    outcome = slot_outcome[r_slot]
    day = slot_day[r_slot]
    is_los = day < 0
    is_alc = outcome == "alc"
    unit = np.where(is_los, "days", np.where(is_alc, alc_unit[r_study], cell_unit[r_study]))
    decimals = np.where(is_los, 1, np.where(unit == "10^9/L", 2, 0))
    base = np.select(
        [outcome == "alc", outcome == "cd4", outcome == "cd8", outcome == "icu_los"], [900.0, 380.0, 220.0, 12.0], 22.0
    )
    boost = np.where(r_il7 & (day >= 7), rng.uniform(1.3, 2.5, C), 1.0)
    centre = base * boost * rng.lognormal(0.0, 0.25, C)
    centre = np.where(unit == "10^9/L", centre / 1000.0, centre)
    scale = 10.0**decimals
    mid = np.maximum(20, np.rint(centre * scale)).astype(np.int64)
    sd = np.maximum(1, np.rint(mid * rng.uniform(0.3, 0.7, C))).astype(np.int64)
    arm_n_rows = arm_n[2 * r_study + (~r_il7)]
    n = np.maximum(1, arm_n_rows - rng.integers(0, np.maximum(1, arm_n_rows // 5) + 1))
    se = np.maximum(1, np.rint(sd / np.sqrt(n))).astype(np.int64)
    q1 = np.clip(np.rint(mid * rng.uniform(0.55, 0.85, C)).astype(np.int64), 1, mid - 1)
    q3 = np.maximum(np.rint(mid * rng.uniform(1.2, 1.6, C)).astype(np.int64), mid + 1)
    lo = np.clip(np.rint(q1 * rng.uniform(0.3, 0.9, C)).astype(np.int64), 0, q1)
    hi = np.maximum(np.rint(q3 * rng.uniform(1.2, 2.0, C)).astype(np.int64), q3)
    statistic = study_stat[r_study]
    values = {"mean": mid, "sd": sd, "se": se, "median": mid, "q1": q1, "q3": q3, "min": lo, "max": hi}
    cont = {}
    arm_of_row = arm_id.to_numpy(dtype=object)[2 * r_study + (~r_il7)]
    tp = slot_tp[r_slot]
    cont["row_id"] = arm_of_row + "_" + outcome + "_" + tp
    cont["study_id"] = sid.to_numpy(dtype=object)[r_study]
    cont["arm_id"] = arm_of_row
    cont["outcome"] = outcome
    cont["timepoint"] = tp
    cont["timepoint_reported"] = slot_reported[r_slot]
    analysis = slot_analysis[r_slot].copy()
    if lone:
        analysis[-1] = ""  # its control row is missing, so it feeds no pooled figure
    cont["analysis_timepoint"] = analysis
    cont["statistic"] = statistic
    cont["n"] = n.astype(str).astype(object)
    for field in VALUE_FIELDS:
        used = np.isin(statistic, [s for s, f in STAT_FIELDS.items() if field in f])
        column = np.full(C, "", dtype=object)
        if used.any():
            column[used] = fmt_ticks(values[field][used], decimals[used])
        cont[field] = column
    cont["unit"] = unit
    cont["source_id"] = source.to_numpy(dtype=object)[r_study]
    cont["location"] = "Table 2"
    cont["snippet"] = ""
    cont["method"] = "table"
    cont["note"] = ""
    continuous = pd.DataFrame(cont, columns=CONT_COLUMNS)
    continuous["snippet"] = continuous_snippet(continuous)

    # ---- dichotomous
    dslots = [
        ("mortality", None),
        ("secondary_infection", None),
        ("sae", None),
        ("mortality", 28),
        ("mortality", 90),
        ("secondary_infection", 28),
        ("sae", 28),
    ]
    dseen = set(dslots)
    dslots += [
        (o, d)
        for d in range(1, MAX_DAY + 1)
        for o in ("mortality", "secondary_infection", "sae")
        if (o, d) not in dseen
    ]
    d_outcome = np.array([o for o, _ in dslots], dtype=object)
    d_tp = np.array(["end_of_study" if d is None else f"day{d}" for _, d in dslots], dtype=object)
    d_reported = np.array(["end of study" if d is None else f"day {d}" for _, d in dslots], dtype=object)
    d_analysis = np.array(["end_of_study" if d is None else "" for _, d in dslots], dtype=object)
    dpairs, dlone = divmod(dichotomous_rows, 2)
    q_study, q_slot = _distribute(dpairs + dlone, S, len(dslots), "dichotomous rows")
    s_study, s_slot = np.repeat(q_study, 2), np.repeat(q_slot, 2)
    s_il7 = np.tile([True, False], len(q_study))
    if dlone:
        s_study, s_slot, s_il7 = s_study[:-1], s_slot[:-1], s_il7[:-1]
    D = len(s_study)
    d_arm = arm_id.to_numpy(dtype=object)[2 * s_study + (~s_il7)]
    d_arm_n = arm_n[2 * s_study + (~s_il7)]
    total = np.maximum(1, d_arm_n - rng.integers(0, 3, D))
    risk = np.select([d_outcome[s_slot] == "mortality", d_outcome[s_slot] == "secondary_infection"], [0.3, 0.35], 0.4)
    risk = np.where(s_il7, risk * 0.8, risk)
    events = rng.binomial(total, risk)
    danalysis = d_analysis[s_slot].copy()
    if dlone:
        danalysis[-1] = ""
    dich = pd.DataFrame(
        {
            "row_id": d_arm + "_" + d_outcome[s_slot] + "_" + d_tp[s_slot],
            "study_id": sid.to_numpy(dtype=object)[s_study],
            "arm_id": d_arm,
            "outcome": d_outcome[s_slot],
            "timepoint": d_tp[s_slot],
            "timepoint_reported": d_reported[s_slot],
            "analysis_timepoint": danalysis,
            "events": events.astype(str).astype(object),
            "total": total.astype(str).astype(object),
            "source_id": source.to_numpy(dtype=object)[s_study],
            "location": "Table 3",
            "snippet": "",
            "method": "table",
            "note": "",
        }
    )
    dich["snippet"] = dichotomous_snippet(dich)

    # ---- published results: the repository's targets
    published = pd.read_csv(PUBLISHED, dtype=str, keep_default_na=False)

    # ---- coverage: extracted cells (both arms have rows) + every cell a target could pool
    extracted = pd.concat(
        [
            continuous.loc[continuous["analysis_timepoint"] != "", ["study_id", "outcome", "analysis_timepoint"]],
            dich.loc[dich["analysis_timepoint"] != "", ["study_id", "outcome", "analysis_timepoint"]],
        ]
    )
    extracted = extracted.rename(columns={"analysis_timepoint": "timepoint"}).drop_duplicates()
    extracted["status"] = "extracted"
    targets = published[["outcome", "subgroup", "timepoint"]].drop_duplicates()
    wanted = []
    for cond in ("sepsis", "covid19"):
        cells = targets.loc[targets["subgroup"].isin([cond, "all"]), ["outcome", "timepoint"]].drop_duplicates()
        ids = sid[condition == cond]
        wanted.append(
            pd.DataFrame(
                {
                    "study_id": np.repeat(ids.to_numpy(dtype=object), len(cells)),
                    "outcome": np.tile(cells["outcome"].to_numpy(dtype=object), len(ids)),
                    "timepoint": np.tile(cells["timepoint"].to_numpy(dtype=object), len(ids)),
                }
            )
        )
    wanted = pd.concat(wanted, ignore_index=True)
    merged = wanted.merge(extracted, on=["study_id", "outcome", "timepoint"], how="left")
    gaps = merged.loc[merged["status"].isna(), ["study_id", "outcome", "timepoint"]].copy()
    gaps["status"] = np.where(rng.random(len(gaps)) < 0.7, "not_reachable", "not_reported")
    coverage = pd.concat([extracted, gaps], ignore_index=True).sort_values(["study_id", "outcome", "timepoint"])
    table = np.where(
        coverage["outcome"].isin(["mortality", "secondary_infection", "sae"]),
        "outcomes_dichotomous",
        "outcomes_continuous",
    )
    coverage["detail"] = np.select(
        [coverage["status"] == "extracted", coverage["status"] == "not_reachable"],
        [
            "Rows for both arms in " + _s(table) + " (source tables).",
            _s(
                np.full(
                    len(coverage),
                    "Searched the abstract and the registry record; the arm-level numbers are in "
                    "the full text, which was not readable.",
                    dtype=object,
                )
            ),
        ],
        "The trial did not report this outcome at this time point.",
    )
    coverage["wanted_source"] = np.where(coverage["status"] == "not_reachable", "Full text: results tables", "")
    coverage = coverage[["study_id", "outcome", "timepoint", "status", "detail", "wanted_source"]].reset_index(
        drop=True
    )

    # ---- sources: the meta-analysis + one publication per study
    sources = pd.DataFrame(
        {
            "source_id": source,
            "study_id": sid,
            "kind": "publication",
            "title": "Synthetic benchmark trial "
            + _s(idx.astype(str).astype(object))
            + " of interleukin-7 in "
            + _s(cond_words)
            + " (generated, not a real publication)",
            "url": "https://example.org/rhil7-benchmark/" + sid,
            "doi": "10.5555/rhil7.bench." + _s(idx.astype(str).astype(object)),
            "accessed": "2026-11-27",
            "reach": "full",
            "note": "Synthetic benchmark data.",
        }
    )
    meta = pd.DataFrame(
        [
            {
                "source_id": "ma2026",
                "study_id": "",
                "kind": "meta_analysis",
                "title": "Recombinant human interleukin-7 for patients with infection-associated lymphopenia: "
                "a systematic review and meta-analysis. Respiratory Medicine (2026). PMID 42055480",
                "url": "https://pubmed.ncbi.nlm.nih.gov/42055480/",
                "doi": "",
                "accessed": "2026-11-27",
                "reach": "abstract",
                "note": "The targets of published_results.",
            }
        ]
    )
    sources = pd.concat([meta, sources], ignore_index=True)

    open_questions = pd.DataFrame(
        [
            {
                "question_id": "synthetic_package",
                "question": "Is this package real trial data?",
                "status": "settled",
                "answer": "No: it is generated by benchmarks/generate.py for benchmarking and validator tests.",
                "evidence": "benchmarks/generate.py",
                "searched": "Nothing (generated data).",
                "next_step": "",
            }
        ]
    )

    return {
        "sources": sources,
        "studies": studies_df,
        "study_provenance": provenance,
        "arms": arms,
        "outcomes_continuous": continuous,
        "outcomes_dichotomous": dich,
        "coverage": coverage,
        "published_results": published,
        "open_questions": open_questions,
    }


# --------------------------------------------------------------------------------------- faults


def _path(table: str) -> str:
    return f"tables/{table}.csv"


def plant_faults(tables: dict[str, pd.DataFrame], count: int, seed: int) -> tuple[dict[str, pd.DataFrame], list[Fault]]:
    """A copy of ``tables`` with ``count`` faults, each in a row of its own; the list of the faults."""
    rng = np.random.default_rng([seed, 8])
    out = {name: frame for name, frame in tables.items()}
    copied: set[str] = set()
    used: dict[str, set[int]] = {}
    faults: list[Fault] = []

    def frame(name):
        if name not in copied:
            out[name] = out[name].copy()
            copied.add(name)
        return out[name]

    def pick(name, eligible=None):
        df = out[name]
        mask = np.ones(len(df), dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
        taken = used.setdefault(name, set())
        candidates = np.flatnonzero(mask)
        candidates = candidates[~np.isin(candidates, list(taken))]
        if len(candidates) == 0:
            raise SystemExit(f"no row of {name} left for another fault; generate more rows or fewer --faults")
        i = int(rng.choice(candidates))
        taken.add(i)
        return i

    def record(code, name, i, field, before, after):
        faults.append(Fault(code, _path(name), i + 2, field, str(before), str(after)))

    def plant(kind, name, field, after):
        """One cell of a fresh row replaced (``after`` may be a function of the old value)."""
        df = frame(name)
        i = pick(name)
        before = df.at[i, field]
        value = after(before) if callable(after) else after
        df.at[i, field] = value
        record(kind, name, i, field, before, value)

    for k in range(count):
        kind = FAULT_KINDS[k % len(FAULT_KINDS)]
        if kind == "type-error":
            plant(kind, "outcomes_continuous", "n", "twelve")
        elif kind == "missing-required":
            plant(kind, "outcomes_dichotomous", "location", "")
        elif kind == "duplicate-primary-key":
            df = frame("outcomes_continuous")
            eligible = np.arange(len(df)) > 0
            i = pick("outcomes_continuous", eligible)
            taken = used["outcomes_continuous"]
            sources = [j for j in range(i) if j not in taken]
            if not sources:
                raise SystemExit("no earlier row to duplicate")
            j = int(rng.choice(sources))
            taken.add(j)  # the original keeps its key and stays fault-free
            before = df.at[i, "row_id"]
            df.at[i, "row_id"] = df.at[j, "row_id"]
            record(kind, "outcomes_continuous", i, "row_id", before, df.at[j, "row_id"])
        elif kind == "orphan-foreign-key":
            plant(kind, "outcomes_dichotomous", "arm_id", lambda before: before + "_typo")
        elif kind == "unknown-enum":
            plant(kind, "outcomes_continuous", "method", "photograph")
        elif kind == "events-above-total":
            df = frame("outcomes_dichotomous")
            i = pick("outcomes_dichotomous")
            before = df.at[i, "events"]
            after = str(int(df.at[i, "total"]) + int(rng.integers(1, 4)))
            df.at[i, "events"] = after
            df.loc[[i], "snippet"] = dichotomous_snippet(df.loc[[i]])
            record(kind, "outcomes_dichotomous", i, "events", before, after)
        elif kind == "sd-not-positive":
            df = frame("outcomes_continuous")
            i = pick("outcomes_continuous", df["statistic"] == "mean_sd")
            before = df.at[i, "sd"]
            df.at[i, "sd"] = "0"
            df.loc[[i], "snippet"] = continuous_snippet(df.loc[[i]])
            record(kind, "outcomes_continuous", i, "sd", before, "0")
        elif kind == "q1-above-median":
            df = frame("outcomes_continuous")
            rows = df.loc[(df["statistic"] == "median_iqr").to_numpy(), ["median", "q3"]]
            dec = rows["median"].str.split(".").str[1].str.len().fillna(0).astype(int)
            gap = np.rint((rows["q3"].astype(float) - rows["median"].astype(float)) * 10.0**dec).astype(int)
            eligible = np.zeros(len(df), dtype=bool)
            eligible[rows.index[(gap >= 2).to_numpy()]] = True
            i = pick("outcomes_continuous", eligible)
            d = int(dec[i])
            ticks = int(round(float(df.at[i, "median"]) * 10**d)) + int(gap[i] // 2)
            after = fmt_ticks(np.array([ticks]), np.array([d]))[0]
            before = df.at[i, "q1"]
            df.at[i, "q1"] = after
            df.loc[[i], "snippet"] = continuous_snippet(df.loc[[i]])
            record(kind, "outcomes_continuous", i, "q1", before, after)
        elif kind == "number-not-in-snippet":
            df = frame("outcomes_continuous")
            i = pick("outcomes_continuous", df["statistic"].isin(["mean_sd", "mean_se"]))
            before = df.at[i, "mean"]
            after = f"{float(before) + 0.123:.3f}"  # snippets never carry three decimals
            df.at[i, "mean"] = after
            record(kind, "outcomes_continuous", i, "mean", before, after)
        elif kind == "arms-do-not-add-up":
            df = frame("studies")
            i = pick("studies")
            before = df.at[i, "n_randomized"]
            after = str(int(before) + 1)
            df.at[i, "n_randomized"] = after
            prov = frame("study_provenance")
            j = prov.index[(prov["study_id"] == df.at[i, "study_id"]) & (prov["field"] == "n_randomized")][0]
            arms = out["arms"]
            n1, n2 = arms.loc[arms["study_id"] == df.at[i, "study_id"], "n_randomized"].tolist()
            prov.loc[[j], "snippet"] = n_randomized_snippet(
                pd.Series([after], index=[j]), pd.Series([n1], index=[j]), pd.Series([n2], index=[j])
            )
            record(kind, "studies", i, "n_randomized", before, after)
    return out, faults


# --------------------------------------------------------------------------------------- writing


def write_package(tables: dict[str, pd.DataFrame], out: Path, faults: list[Fault] | None = None) -> Path:
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    (out / "tables").mkdir(parents=True)
    shutil.copyfile(DESCRIPTOR, out / "datapackage.json")
    descriptor = json.loads(DESCRIPTOR.read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        frame = tables[resource["name"]]
        names = [f["name"] for f in resource["schema"]["fields"]]
        assert list(frame.columns) == names, (resource["name"], list(frame.columns))
        frame.to_csv(out / resource["path"], index=False, lineterminator="\n", encoding="utf-8")
    if faults is not None:
        (out / "faults.json").write_text(
            json.dumps({"faults": [asdict(f) for f in faults]}, indent=2) + "\n", encoding="utf-8"
        )
    return out


def generate(
    out: Path, studies: int, continuous_rows: int, dichotomous_rows: int, seed: int = 1, faults: int = 0
) -> list[Fault]:
    tables = build_tables(studies, continuous_rows, dichotomous_rows, seed)
    planted: list[Fault] = []
    if faults:
        tables, planted = plant_faults(tables, faults, seed)
    write_package(tables, out, planted if faults else None)
    return planted


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="package directory to (re)create")
    parser.add_argument("--studies", type=int, default=100)
    parser.add_argument("--continuous-rows", type=int, default=10_000)
    parser.add_argument("--dichotomous-rows", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", type=int, default=0, help="plant this many faults (listed in faults.json)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    planted = generate(
        Path(args.out), args.studies, args.continuous_rows, args.dichotomous_rows, args.seed, args.faults
    )
    print(
        f"wrote {args.out} in {time.perf_counter() - start:.1f} s"
        + (f" with {len(planted)} planted faults (faults.json)" if args.faults else ""),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
