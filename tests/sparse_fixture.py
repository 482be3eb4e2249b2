"""A SYNTHETIC fixture package (not rhIL-7 data, numbers made up for the tests) in this project's schema, holding
what first contributions bring: a single study for a target (k = 1), a study with no deaths in either arm (double
zero), a study with a zero cell, an arm reported two ways (a mean/SD row and a mean/SE row), arms reported as
medians (one convertible, one with n < 5), and a combined figure stated in words only. Its own
``analysis/plan.csv`` travels with it (the plan is read from the package being analysed)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from rhil7.analysis import plan

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "synthetic_fixture"
PLAN_COLUMNS = ["target_id", *plan.COLUMNS]  # the analysis plan's own columns, never a copy

# study: condition, n per arm (intervention, control)
STUDIES = {
    "syn_a": ("sepsis", 20, 20),
    "syn_b": ("sepsis", 15, 15),
    "syn_c": ("sepsis", 12, 13),
    "syn_d": ("covid19", 40, 41),
    "syn_e": ("covid19", 4, 4),
}
DEATHS = {"syn_a": (3, 6), "syn_b": (0, 0), "syn_c": (0, 4), "syn_d": (5, 9)}  # syn_e: not reported
# ALC at week 3, cells/uL: (statistic, values) per arm; syn_a's intervention arm has two rows
ALC = {
    ("syn_a", "intervention"): [("mean_sd", dict(mean=1450, sd=520)), ("mean_se", dict(mean=1450, se=116))],
    ("syn_a", "control"): [("mean_sd", dict(mean=900, sd=410))],
    ("syn_b", "intervention"): [("median_iqr", dict(median=1200, q1=900, q3=1500))],
    ("syn_b", "control"): [("median_iqr", dict(median=800, q1=600, q3=1050))],
    ("syn_c", "intervention"): [("mean_sd", dict(mean=2300, sd=600))],
    ("syn_c", "control"): [("mean_sd", dict(mean=1000, sd=450))],
    ("syn_d", "intervention"): [("mean_sd", dict(mean=1700, sd=700))],
    ("syn_d", "control"): [("mean_sd", dict(mean=1100, sd=500))],
    ("syn_e", "intervention"): [("median_range", dict(median=1500, min=1000, max=2100))],
    ("syn_e", "control"): [("median_range", dict(median=1000, min=700, max=1400))],
}
TARGETS = [  # target_id, outcome, subgroup, timepoint, measure, published figure (made up) or None (words only)
    ("sepsis_mortality", "mortality", "sepsis", "end_of_study", "RR", (0.5, 0.2, 1.2)),
    ("covid19_mortality", "mortality", "covid19", "end_of_study", "RR", (0.6, 0.2, 1.6)),
    ("all_mortality", "mortality", "all", "end_of_study", "RR", None),
    ("sepsis_alc_week3", "alc", "sepsis", "week3", "MD", (0.4, 0.2, 0.6)),
    ("covid19_alc_week3", "alc", "covid19", "week3", "MD", (0.6, 0.3, 0.9)),
    ("all_alc_week3", "alc", "all", "week3", "MD", (0.5, 0.3, 0.7)),
]


def _fields(descriptor: dict) -> dict[str, list[str]]:
    return {r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in descriptor["resources"]}


def _write(path: Path, fields: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _snippet(*values) -> str:
    return "synthetic " + " ".join(str(v) for v in values)


def write_plan(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(path, PLAN_COLUMNS, rows)


def default_plan() -> list[dict]:
    return [
        dict(
            target_id=t,
            measure=m,
            model="random",
            tau2_estimator="DL",
            adjustment="none",
            pooling="IV",
            target_unit="10^9/L" if m == "MD" else "",
            conversion="wan2014" if m == "MD" else "",
            zero_cells="add_0.5",
            skewed_medians="exclude",
            rationale="synthetic fixture",
            claim="no_effect" if figure is None else "",
        )  # words only: "no effect" (analysis/plan.py CLAIMS)
        for t, _, _, _, m, figure in TARGETS
    ]


def build_sparse_package(target: Path) -> Path:
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    fields = _fields(descriptor)
    (target / "tables").mkdir(parents=True)
    (target / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    sources = [
        dict(
            source_id=SOURCE,
            kind="review",
            title="Synthetic test fixture (made-up numbers, not rhIL-7 data)",
            url="https://example.org/synthetic-fixture",
            accessed="2026-11-30",
            reach="full",
        )
    ]
    studies, arms, cont, dich, coverage = [], [], [], [], []
    for sid, (condition, n1, n2) in STUDIES.items():
        studies.append(
            dict(
                study_id=sid,
                short_citation=f"Synthetic {sid[-1].upper()}",
                title=f"Synthetic study {sid}",
                year=2026,
                condition=condition,
                identification="synthetic test fixture",
                source_id=SOURCE,
            )
        )
        for role, n in (("intervention", n1), ("control", n2)):
            arms.append(
                dict(
                    arm_id=f"{sid}_{role}",
                    study_id=sid,
                    arm_role=role,
                    label=role,
                    n_randomized=n,
                    source_id=SOURCE,
                    location="fixture",
                    snippet=_snippet(role, n),
                    method="table",
                )
            )
        if sid in DEATHS:
            for role, events, n in (("intervention", DEATHS[sid][0], n1), ("control", DEATHS[sid][1], n2)):
                dich.append(
                    dict(
                        row_id=f"{sid}_{role}_death",
                        study_id=sid,
                        arm_id=f"{sid}_{role}",
                        outcome="mortality",
                        timepoint="end_of_study",
                        timepoint_reported="end of study",
                        analysis_timepoint="end_of_study",
                        events=events,
                        total=n,
                        source_id=SOURCE,
                        location="fixture",
                        snippet=_snippet(role, events, n),
                        method="table",
                    )
                )  # one snippet an arm
            coverage.append(
                dict(
                    study_id=sid,
                    outcome="mortality",
                    timepoint="end_of_study",
                    status="extracted",
                    detail="rows *_death",
                )
            )
        else:
            coverage.append(
                dict(
                    study_id=sid,
                    outcome="mortality",
                    timepoint="end_of_study",
                    status="not_reported",
                    detail="synthetic: not reported",
                )
            )
        for role, n in (("intervention", n1), ("control", n2)):
            for i, (statistic, values) in enumerate(ALC[(sid, role)]):
                cont.append(
                    dict(
                        row_id=f"{sid}_{role}_alc{i}",
                        study_id=sid,
                        arm_id=f"{sid}_{role}",
                        outcome="alc",
                        timepoint="week3",
                        timepoint_reported="day 21",
                        analysis_timepoint="week3",
                        statistic=statistic,
                        n=n,
                        unit="cells/uL",
                        source_id=SOURCE,
                        location="fixture",
                        snippet=_snippet(n, *values.values()),
                        method="table",
                        **values,
                    )
                )
        coverage.append(dict(study_id=sid, outcome="alc", timepoint="week3", status="extracted", detail="rows *_alc*"))
    published = []
    for target_id, outcome, subgroup, timepoint, measure, figure in TARGETS:
        est, low, high = figure or (None, None, None)
        published.append(
            dict(
                target_id=target_id,
                outcome=outcome,
                subgroup=subgroup,
                timepoint=timepoint,
                measure=measure,
                estimate=est,
                ci_low=low,
                ci_high=high,
                decimals=2,
                finding="no effect" if figure is None else "synthetic figure",
                source_id=SOURCE,
                snippet=_snippet(*(figure or ("no effect",))),
            )
        )
    tables = {
        "sources": sources,
        "studies": studies,
        "study_provenance": [],
        "arms": arms,
        "outcomes_continuous": cont,
        "outcomes_dichotomous": dich,
        "coverage": coverage,
        "published_results": published,
        "open_questions": [],
    }
    for name, rows in tables.items():
        _write(target / "tables" / f"{name}.csv", fields[name], rows)
    write_plan(target / "analysis" / "plan.csv", default_plan())
    return target
