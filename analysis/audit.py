"""Check each published pooled figure on its own, as a careful reader would (works without trial data).

Every check takes the published numbers at face value and allows for their rounding: a value
printed with d decimals stands for anything within +/- 0.5 x 10^-d. A figure a check cannot judge (a ratio's CI
bound at or below 0, a p-value written as words) is flagged by that check with the reason, never an exception:
``published_results.csv`` is contributed data. The checks compute; presentation.py prints them (escaped).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd
from scipy import stats

from rhil7.core.vocabulary import Z_975 as Z975

SIGNIFICANT_WORDS = ("significantly increased", "significantly reduce", "reduced the risk")
NULL_WORDS = ("did not significantly", "failed to", "did not", "no effect")


@dataclass(frozen=True)
class Check:
    target_id: str
    check: str
    passed: bool
    detail: str

    def __post_init__(self):
        object.__setattr__(self, "passed", bool(self.passed))  # numpy booleans do not serialise to JSON

    def as_dict(self) -> dict:
        return asdict(self)


def _scale(value: float, measure: str) -> float:
    return math.log(value) if measure == "RR" else value


def _half(decimals: int) -> float:
    return 0.5 * 10 ** (-decimals)


def estimate_inside_ci(t) -> Check:
    ok = t.ci_low <= t.estimate <= t.ci_high
    return Check(t.target_id, "estimate inside its CI", ok, f"{t.ci_low} <= {t.estimate} <= {t.ci_high}")


def ci_symmetric(t) -> Check:
    """Symmetric on the analysis scale (log for RR) for some true values within the published rounding."""
    h = _half(int(t.decimals))
    lo = (t.ci_low - h, t.ci_low + h)
    hi = (t.ci_high - h, t.ci_high + h)
    if t.measure == "RR":
        centre = (math.sqrt(max(lo[0], 1e-12) * hi[0]), math.sqrt(lo[1] * hi[1]))
        scale = "log scale (centre = sqrt(low x high))"
        exact = math.sqrt(t.ci_low * t.ci_high)
    else:
        centre = ((lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2)
        scale = "raw scale (centre = (low + high) / 2)"
        exact = (t.ci_low + t.ci_high) / 2
    ok = centre[0] <= t.estimate + h and t.estimate - h <= centre[1]
    return Check(
        t.target_id,
        "CI symmetric about the estimate",
        ok,
        f"{scale}: CI centre {exact:.4f} (possible {centre[0]:.4f} to {centre[1]:.4f}) vs estimate {t.estimate}",
    )


def implied_p(t) -> tuple[float, float, float]:
    se = (_scale(t.ci_high, t.measure) - _scale(t.ci_low, t.measure)) / (2 * Z975)
    z = _scale(t.estimate, t.measure) / se
    return se, z, 2 * stats.norm.sf(abs(z))


def p_consistent(t) -> Check | None:
    if pd.isna(t.p_text) and pd.isna(t.p_value):
        return None
    se, z, p = implied_p(t)
    if not pd.isna(t.p_value):
        ok = math.isclose(p, float(t.p_value), rel_tol=0.25, abs_tol=5e-4)
        claim = f"p = {t.p_value}"
    else:
        text = str(t.p_text).replace(" ", "")
        bound = float(text.lstrip("<>=≤≥"))
        ok = p < bound if text.startswith("<") else p > bound
        claim = f"p {t.p_text}"
    return Check(
        t.target_id,
        "stated p consistent with the CI",
        ok,
        f"SE from CI {se:.4f}, z = {z:.2f}, implied p = {p:.2g}; abstract: {claim}",
    )


def significance_matches_words(t) -> Check:
    null = 0.0 if t.measure == "MD" else 1.0
    excludes = not (t.ci_low <= null <= t.ci_high)
    finding = str(t.finding).lower()
    claims_null = any(w in finding for w in NULL_WORDS)
    claims_effect = not claims_null and any(w in finding for w in SIGNIFICANT_WORDS)
    ok = (excludes and claims_effect) or (not excludes and claims_null) or not (claims_null or claims_effect)
    return Check(
        t.target_id,
        "wording matches the CI",
        ok,
        f"CI {'excludes' if excludes else 'includes'} {null:g}; abstract: '{t.finding}'",
    )


def combined_within_subgroups(published: pd.DataFrame) -> list[Check]:
    checks = []
    figures = published.dropna(subset=["estimate"])
    for _, combined in figures[figures["subgroup"] == "all"].iterrows():
        parts = figures[
            (figures["subgroup"] != "all")
            & (figures["outcome"] == combined["outcome"])
            & (figures["timepoint"] == combined["timepoint"])
        ]
        name = "combined estimate within the range of its subgroups"
        if len(parts) < 2:
            have = ", ".join(parts["subgroup"]) or "none"
            checks.append(
                Check(
                    combined["target_id"],
                    name,
                    True,
                    f"not checkable: the abstract gives a subgroup figure only for {have} at this time point",
                )
            )
            continue
        lo, hi = parts["estimate"].min(), parts["estimate"].max()
        ok = lo <= combined["estimate"] <= hi
        se = [(_scale(r.ci_high, r.measure) - _scale(r.ci_low, r.measure)) / (2 * Z975) for r in parts.itertuples()]
        w = [1 / s**2 for s in se]
        fe = sum(wi * _scale(r.estimate, r.measure) for wi, r in zip(w, parts.itertuples())) / sum(w)
        fe_se = math.sqrt(1 / sum(w))
        back = (lambda x: math.exp(x)) if combined["measure"] == "RR" else (lambda x: x)
        checks.append(
            Check(
                combined["target_id"],
                name,
                ok,
                f"combined {combined['estimate']} vs subgroups {lo} to {hi}; inverse-variance combination of "
                f"the subgroup figures: {back(fe):.2f} [{back(fe - Z975 * fe_se):.2f}, {back(fe + Z975 * fe_se):.2f}]",
            )
        )
    return checks


CHECK_NAMES = {
    estimate_inside_ci: "estimate inside its CI",
    ci_symmetric: "CI symmetric about the estimate",
    significance_matches_words: "wording matches the CI",
    p_consistent: "stated p consistent with the CI",
}


def _judged(check, t) -> Check | None:
    """The check of figure ``t``, or a flag naming why the figure cannot be judged (math on an impossible value)."""
    try:
        return check(t)
    except (ValueError, ZeroDivisionError, TypeError, OverflowError) as exc:
        return Check(t.target_id, CHECK_NAMES[check], False, f"not checkable: {type(exc).__name__}: {exc}")


def audit_published(published: pd.DataFrame) -> list[Check]:
    checks: list[Check] = []
    for t in published.itertuples(index=False):
        if pd.isna(t.estimate):
            checks.append(Check(t.target_id, "figure given", True, f"no figure in the abstract: '{t.finding}'"))
            continue
        checks += [c for c in (_judged(check, t) for check in CHECK_NAMES) if c is not None]
    try:
        return checks + combined_within_subgroups(published)
    except (ValueError, ZeroDivisionError, TypeError, OverflowError) as exc:
        return checks + [
            Check(
                "all",
                "combined estimate within the range of its subgroups",
                False,
                f"not checkable: {type(exc).__name__}: {exc}",
            )
        ]
