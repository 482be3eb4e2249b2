"""Pooling: inverse-variance fixed effect, random effects (DerSimonian-Laird, REML,
Hartung-Knapp), Mantel-Haenszel risk ratio, and heterogeneity statistics.

Pure functions over numpy arrays; each returns a ``Pooled`` result and never prints.
Formulas:
- Fixed effect: w = 1/v, mu = sum(w y)/sum(w), se = sqrt(1/sum(w)).
- Q = sum(w (y - mu_FE)^2), df = k - 1, I^2 = max(0, (Q - df)/Q) (Higgins & Thompson 2002).
- DerSimonian & Laird (1986): tau^2 = max(0, (Q - df) / (sum w - sum w^2 / sum w)).
- REML: Fisher scoring on the restricted likelihood (Viechtbauer 2005, Stat Med 24; metafor's rma
  method="REML"), started at the DL value, tau^2 truncated at 0.
- Hartung & Knapp (2001) / Sidik & Jonkman (2002): se^2 = sum(w*(y-mu)^2)/((k-1) sum w*), with a t
  distribution on k-1 df (metafor test="knha", without the truncation of the scaling factor at 1).
- Mantel-Haenszel RR with the Greenland & Robins (1985) variance of log RR (Cochrane Handbook 10.4.1;
  RevMan 5 methods), continuity correction 0.5 only for studies with a zero cell.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

Z975 = stats.norm.ppf(0.975)


@dataclass(frozen=True)
class Pooled:
    model: str  # "FE", "DL", "REML", "DL-HK", "REML-HK", "MH"
    estimate: float  # on the analysis scale (log for RR)
    se: float
    ci_low: float
    ci_high: float
    z: float
    p: float
    k: int
    tau2: float
    q: float
    q_df: int
    q_p: float
    i2: float
    weights: np.ndarray = field(repr=False)  # relative weights (sum 1) of the included studies


def heterogeneity(yi: np.ndarray, vi: np.ndarray, around: float | None = None) -> tuple[float, int, float, float]:
    """Cochran's Q about the inverse-variance estimate, or about ``around`` (the MH estimate, as RevMan does)."""
    w = 1 / vi
    mu = np.sum(w * yi) / np.sum(w) if around is None else around
    q = float(np.sum(w * (yi - mu) ** 2))
    df = len(yi) - 1
    q_p = float(stats.chi2.sf(q, df)) if df > 0 else float("nan")
    i2 = max(0.0, (q - df) / q) if q > 0 else 0.0
    return q, df, q_p, i2


def _clean(yi, vi):
    yi, vi = np.asarray(yi, dtype=float), np.asarray(vi, dtype=float)
    keep = np.isfinite(yi) & np.isfinite(vi) & (vi > 0)
    if not keep.any():
        raise ValueError("no study with a finite effect and a positive variance")
    return yi[keep], vi[keep]


def i2_from_tau2(vi: np.ndarray, tau2: float) -> float:
    """I^2 = tau^2 / (tau^2 + s^2), s^2 the 'typical' within-study variance (Higgins & Thompson 2002, eq. 9;
    metafor's definition for every tau^2 estimator; equal to (Q - df)/Q under DerSimonian-Laird)."""
    w = 1 / vi
    k = len(vi)
    s2 = (k - 1) * np.sum(w) / (np.sum(w) ** 2 - np.sum(w**2)) if k > 1 else 0.0
    return float(tau2 / (tau2 + s2)) if tau2 + s2 > 0 else 0.0


def _result(model, mu, se, yi, vi, tau2, w, t_df=None) -> Pooled:
    q, df, q_p, i2 = heterogeneity(yi, vi, around=mu if model == "MH" else None)
    if model not in ("FE", "MH"):
        i2 = i2_from_tau2(vi, tau2)
    crit = stats.t.ppf(0.975, t_df) if t_df else Z975
    z = mu / se
    p = float(2 * (stats.t.sf(abs(z), t_df) if t_df else stats.norm.sf(abs(z))))
    return Pooled(model, float(mu), float(se), float(mu - crit * se), float(mu + crit * se), float(z), p,
                  len(yi), float(tau2), q, df, q_p, float(i2), w / w.sum())


def fixed_effect(yi, vi) -> Pooled:
    yi, vi = _clean(yi, vi)
    w = 1 / vi
    mu = np.sum(w * yi) / np.sum(w)
    return _result("FE", mu, np.sqrt(1 / np.sum(w)), yi, vi, 0.0, w)


def tau2_dersimonian_laird(yi, vi) -> float:
    yi, vi = _clean(yi, vi)
    w = 1 / vi
    q, df, _, _ = heterogeneity(yi, vi)
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    return float(max(0.0, (q - df) / c)) if c > 0 else 0.0


def tau2_reml(yi, vi, tol: float = 1e-10, max_iter: int = 500) -> float:
    """REML tau^2 by Fisher scoring (Viechtbauer 2005), from the DL start, truncated at 0.

    With W = diag(1/(v+tau^2)) and P = W - W11'W/1'W1: score = (y'PPy - tr P)/2,
    information = tr(PP)/2; Py = W(y - mu), so everything reduces to sums over studies.
    """
    yi, vi = _clean(yi, vi)
    if len(yi) < 2:
        return 0.0  # one study carries no information on between-study variance
    tau2 = tau2_dersimonian_laird(yi, vi)
    for _ in range(max_iter):
        w = 1 / (vi + tau2)
        w_sum = np.sum(w)
        mu = np.sum(w * yi) / w_sum
        py = w * (yi - mu)
        trace_p = w_sum - np.sum(w**2) / w_sum
        trace_pp = np.sum(w**2) - 2 * np.sum(w**3) / w_sum + (np.sum(w**2) / w_sum) ** 2
        step = (np.sum(py**2) - trace_p) / trace_pp
        new = max(0.0, tau2 + step)
        if abs(new - tau2) < tol:
            return float(new)
        tau2 = new
    return float(tau2)


def random_effects(yi, vi, method: str = "DL", hartung_knapp: bool = False) -> Pooled:
    yi, vi = _clean(yi, vi)
    tau2 = {"DL": tau2_dersimonian_laird, "REML": tau2_reml}[method](yi, vi)
    w = 1 / (vi + tau2)
    mu = np.sum(w * yi) / np.sum(w)
    if hartung_knapp and len(yi) > 1:
        se = np.sqrt(np.sum(w * (yi - mu) ** 2) / ((len(yi) - 1) * np.sum(w)))
        return _result(f"{method}-HK", mu, se, yi, vi, tau2, w, t_df=len(yi) - 1)
    return _result(method, mu, np.sqrt(1 / np.sum(w)), yi, vi, tau2, w)


def mantel_haenszel_rr(a, n1, c, n2, cc: float = 0.5) -> Pooled:
    """Mantel-Haenszel pooled log risk ratio, Greenland-Robins variance; Q and I^2 from the study log RRs."""
    from .effect_sizes import log_risk_ratio

    a, n1, c, n2 = (np.asarray(x, dtype=float) for x in (a, n1, c, n2))
    es = log_risk_ratio(a, n1, c, n2, cc)
    keep = es.included
    a, n1, c, n2 = a[keep], n1[keep], c[keep], n2[keep]
    zero = es.corrected[keep]
    add = np.where(zero, cc, 0.0)
    a, c = a + add, c + add
    n1, n2 = n1 + 2 * add, n2 + 2 * add
    n = n1 + n2
    r = a * n2 / n
    s = c * n1 / n
    rr = np.sum(r) / np.sum(s)
    p_term = (n1 * n2 * (a + c) - a * c * n) / n**2
    var = np.sum(p_term) / (np.sum(r) * np.sum(s))
    mu, se = np.log(rr), np.sqrt(var)
    yi, vi = es.yi[keep], es.vi[keep]
    return _result("MH", mu, se, yi, vi, 0.0, s / np.sum(s))


@dataclass(frozen=True)
class SubgroupTest:
    q_between: float
    df: int
    p: float


def subgroup_difference(estimates, ses) -> SubgroupTest:
    """Test for subgroup differences: Cochran's Q across the subgroup pooled estimates (Borenstein 2009, ch. 19;
    RevMan's 'Test for subgroup differences'), chi-square on G - 1 df."""
    estimates, ses = np.asarray(estimates, dtype=float), np.asarray(ses, dtype=float)
    w = 1 / ses**2
    mu = np.sum(w * estimates) / np.sum(w)
    q = float(np.sum(w * (estimates - mu) ** 2))
    df = len(estimates) - 1
    return SubgroupTest(q, df, float(stats.chi2.sf(q, df)) if df > 0 else float("nan"))


def pool_many(group_ids, yi, vi) -> dict[str, np.ndarray]:
    """Fixed-effect and DerSimonian-Laird pooling of many comparisons at once (grouped sums, no Python loop).

    Returns arrays indexed by the sorted unique group ids: k, fe, fe_se, q, tau2, dl, dl_se.
    """
    groups, idx = np.unique(np.asarray(group_ids), return_inverse=True)
    yi, vi = np.asarray(yi, dtype=float), np.asarray(vi, dtype=float)
    w = 1 / vi
    sum_w = np.bincount(idx, w)
    sum_wy = np.bincount(idx, w * yi)
    sum_wyy = np.bincount(idx, w * yi * yi)
    sum_w2 = np.bincount(idx, w * w)
    k = np.bincount(idx)
    fe = sum_wy / sum_w
    q = np.maximum(sum_wyy - sum_wy**2 / sum_w, 0.0)
    c = sum_w - sum_w2 / sum_w
    with np.errstate(divide="ignore", invalid="ignore"):
        tau2 = np.where(c > 0, np.maximum(0.0, (q - (k - 1)) / c), 0.0)
    wr = 1 / (vi + tau2[idx])
    sum_wr = np.bincount(idx, wr)
    dl = np.bincount(idx, wr * yi) / sum_wr
    return {"group": groups, "k": k, "fe": fe, "fe_se": np.sqrt(1 / sum_w), "q": q, "tau2": tau2,
            "dl": dl, "dl_se": np.sqrt(1 / sum_wr)}
