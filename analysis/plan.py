"""The analysis plan (``analysis/plan.csv``): read from the package being analysed, checked, and overridable.

The plan is read from ``<package>/analysis/plan.csv`` when the package has one (a checkout: an edit takes
effect on the next run, no reinstall), else from the copy installed with rhil7. A row the engine cannot
honour is refused with the file, target, column, what is allowed and what was found (``PlanError``).
"""

from __future__ import annotations

import io
import os
from importlib import resources
from pathlib import Path

import pandas as pd

from rhil7.core.safe_reader import UnreadableInput, checked_stat, read_bytes

from rhil7.core.vocabulary import MODELS

from .conversions import METHODS as CONVERSIONS
from .derive import DEFAULT_SKEWED_MEDIANS, SKEWED_MEDIANS
from .pooling import DEFAULT_ZERO_CELLS, ZERO_CELL_CONVENTIONS
from .units import TO_TARGET

COLUMNS = [
    "measure",
    "model",
    "tau2_estimator",
    "adjustment",
    "pooling",
    "target_unit",
    "conversion",
    "zero_cells",
    "skewed_medians",
    "claim",
    "rationale",
]
# What the abstract says about a target without a figure: an effect in words, its absence, or nothing at all.
CLAIMS = {
    "none": "the abstract gives neither a figure nor a claim: nothing published to compare with",
    "no_effect": "the abstract states no effect, without a figure",
    "effect": "the abstract states an effect, without a figure",
}
# Empty optional cells take these values (older plans without the newer columns keep working).
DEFAULTS = {
    "tau2_estimator": "DL",
    "adjustment": "none",
    "pooling": "IV",
    "zero_cells": DEFAULT_ZERO_CELLS,
    "skewed_medians": DEFAULT_SKEWED_MEDIANS,
    "conversion": "wan2014",
    "claim": "none",
    "rationale": "",
}


def _settings(column: str) -> list[str]:
    """The values of a plan column that some model of the registry sets (in the registry's order)."""
    return list(dict.fromkeys(m.plan_settings()[column] for m in MODELS if column in m.plan_settings()))


ALLOWED = {
    "measure": ["MD", "RR"],
    **{c: _settings(c) for c in ("model", "tau2_estimator", "adjustment", "pooling")},
    "model": sorted(_settings("model"), reverse=True),  # random first: the usual choice, named first
    "conversion": sorted(CONVERSIONS),
    "zero_cells": sorted(ZERO_CELL_CONVENTIONS),
    "skewed_medians": sorted(SKEWED_MEDIANS),
    "claim": list(CLAIMS),
}
# --model CODE: the plan columns each model code sets (rhil7.core.vocabulary.MODELS; MH codes fall back to IV for
# MD targets, as RevMan does)
MODEL_CODES = {m.code: m.plan_settings() for m in MODELS}


MAX_PLAN_BYTES = 1024 * 1024


class PlanError(ValueError):
    """A plan the engine cannot honour; the message names the file, the target, the column and the values."""


def installed_plan_path() -> Path:
    return Path(str(resources.files("rhil7.analysis").joinpath("plan.csv")))


def plan_path(package_dir: Path | None) -> Path:
    """``<package>/analysis/plan.csv`` when present (the checkout being analysed), else the installed plan."""
    if package_dir is not None:
        candidate = Path(package_dir) / "analysis" / "plan.csv"
        if os.path.lexists(candidate):
            # the package's own file: a link (to a secret, whose first line an error would echo), a named pipe
            # or a device is refused by the safe reader (UnreadableInput), never followed
            checked_stat(package_dir, "analysis/plan.csv", MAX_PLAN_BYTES)
            return candidate
    return installed_plan_path()


def read_plan(path: Path | None = None) -> pd.DataFrame:
    path = installed_plan_path() if path is None else Path(path)
    try:
        # a regular file within bounds (the safe reader): a --plan naming a FIFO or /dev/zero never hangs
        data = read_bytes(path.parent, path.name, MAX_PLAN_BYTES, links_allowed=True)
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError, UnreadableInput) as exc:
        raise PlanError(f"{path}: cannot read the analysis plan ({exc})") from None
    missing = [c for c in ["target_id", "measure", "model"] if c not in frame.columns]
    if missing:
        raise PlanError(
            f"{path}: column(s) {', '.join(missing)} missing (expected {', '.join(['target_id'] + COLUMNS)})"
        )
    for column in COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    duplicated = frame["target_id"][frame["target_id"].duplicated()].tolist()
    if duplicated:
        raise PlanError(f"{path}: target_id {duplicated[0]!r} appears more than once")
    frame = frame.set_index("target_id")
    frame.attrs["path"] = str(path)
    return normalise(frame)


def load_plan(package_dir: Path | None, plan_file: Path | None = None, model: str | None = None) -> pd.DataFrame:
    """The plan a run uses: ``plan_file``, else the package's own, else the installed one; ``model`` overrides."""
    plan = read_plan(Path(plan_file) if plan_file is not None else plan_path(package_dir))
    return with_model(plan, model) if model else plan


def normalise(plan: pd.DataFrame) -> pd.DataFrame:
    """Fill empty optional cells with their defaults and refuse what the engine cannot honour."""
    plan = plan.copy()
    for column in COLUMNS:
        if column not in plan.columns:
            plan[column] = ""
    for column, default in DEFAULTS.items():
        plan[column] = plan[column].fillna("").astype(str).str.strip().replace("", default)
    check(plan)
    return plan


def _where(plan: pd.DataFrame, target: str, column: str) -> str:
    return f"{plan.attrs.get('path', 'analysis plan')}: target {target!r}, column {column!r}"


def check(plan: pd.DataFrame) -> None:
    for target, row in plan.iterrows():
        for column, allowed in ALLOWED.items():
            if row[column] not in allowed:
                raise PlanError(
                    f"{_where(plan, target, column)}: expected one of {', '.join(allowed)}, found {row[column]!r}"
                )
        if row["pooling"] == "MH" and row["measure"] != "RR":
            raise PlanError(
                f"{_where(plan, target, 'pooling')}: Mantel-Haenszel pooling is for risk ratios; "
                f"found MH for a {row['measure']} target (use IV)"
            )
        not_dl = row["tau2_estimator"] != "DL" or row["adjustment"] != "none"
        if row["pooling"] == "MH" and row["model"] == "random" and not_dl:
            raise PlanError(
                f"{_where(plan, target, 'tau2_estimator')}: the M-H random-effects model (RevMan) uses "
                f"DerSimonian-Laird without adjustment; found {row['tau2_estimator']} with adjustment "
                f"{row['adjustment']!r}"
            )
        if row["measure"] == "MD" and not any(unit == row["target_unit"] for _, unit in TO_TARGET):
            raise PlanError(
                f"{_where(plan, target, 'target_unit')}: expected one of "
                f"{', '.join(sorted({u for _, u in TO_TARGET}))}, found {row['target_unit']!r}"
            )


def model_code(row: pd.Series) -> str:
    """The model code (rhil7.core.vocabulary.MODELS) of a checked plan row: the first whose settings it has."""
    for model in MODELS:
        if all(row.get(column) == value for column, value in model.plan_settings().items()):
            return model.code
    raise PlanError(
        f"no model has the settings model={row.get('model')!r}, pooling={row.get('pooling')!r}, "
        f"tau2_estimator={row.get('tau2_estimator')!r}, adjustment={row.get('adjustment')!r}"
    )


def with_model(plan: pd.DataFrame, code: str) -> pd.DataFrame:
    """Every target refitted with one model (``rhil7 reproduce --model``); MH codes give IV for MD targets."""
    if code not in MODEL_CODES:
        raise PlanError(f"--model: expected one of {', '.join(MODEL_CODES)}, found {code!r}")
    plan = plan.copy()
    for target, row in plan.iterrows():
        settings = dict(MODEL_CODES[code])
        if row["measure"] == "MD" and settings["pooling"] == "MH":
            settings.update(pooling="IV", tau2_estimator="DL", adjustment="none")
        for column, value in settings.items():
            plan.loc[target, column] = value
    plan.attrs.update(model_override=code)
    check(plan)
    return plan
