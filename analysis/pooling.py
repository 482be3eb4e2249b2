"""Pooling: inverse-variance fixed effect, random effects (DerSimonian-Laird, REML, Hartung-Knapp),
Mantel-Haenszel risk ratio (fixed, and RevMan's "M-H, Random"), heterogeneity, prediction intervals and
the test for subgroup differences.

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
  Deeks & Higgins, Statistical algorithms in Review Manager 5, 2010). Zero cells: see ``ZERO_CELL_CONVENTIONS``.
- "M-H, Random" (Deeks & Higgins 2010, section on random effects): Q about the MH estimate with the
  inverse-variance weights of the study log RRs, tau^2 = max(0, (Q - df)/(sum w - sum w^2/sum w)), then
  inverse-variance pooling of the study log RRs with weights 1/(v + tau^2).
- Prediction interval (Higgins, Thompson & Spiegelhalter 2009; R meta >= 7 and RevMan since 2025 use k - 1
  df): mu +/- t(0.975, k-1) sqrt(se^2 + tau^2), for random-effects models with k >= 3 (with fewer studies
  tau^2 is not estimated in any useful sense). ``prediction_interval(..., dist="z")`` gives metafor's default
  predict() (normal quantile), ``dist="t"`` equals metafor's predict() on a fit with test="t".
- k = 1: Q = 0 on 0 df, tau^2 = 0, I^2 = 0 and every model returns the study's own estimate and interval.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from rhil7.core.vocabulary import Z_975 as Z975

MIN_K_PREDICTION = 3
# Zero-cell conventions for Mantel-Haenszel pooling (plan column ``zero_cells``). Both add 0.5 to every cell of a
# study with a single zero cell when computing that study's own log RR (for the forest plot, Q, and inverse-variance
# pooling; metafor escalc's add=1/2, to="only0"), and both leave out studies without events (or with only events)
# in both arms. They differ inside the MH sums:
ZERO_CELL_CONVENTIONS = {
    "add_0.5": "0.5 added to every cell of a single-zero study inside the MH sums too "
               "(RevMan 5, R meta's default; metafor rma.mh add=c(1/2,1/2), to=c('only0','only0'))",
    "mh_uncorrected": "MH sums on the counts as reported (metafor rma.mh's default, add=c(1/2,0), to=c('only0','none'))",
}
DEFAULT_ZERO_CELLS = "add_0.5"  # the meta-analysis was most likely run in RevMan, which corrects inside MH
MODEL_LABELS = {"FE": "IV, Fixed", "DL": "IV, Random (DerSimonian-Laird)", "REML": "IV, Random (REML)",
                "DL-HK": "IV, Random (DL, Hartung-Knapp)", "REML-HK": "IV, Random (REML, Hartung-Knapp)",
                "MH": "M-H, Fixed", "MH-DL": "M-H, Random"}


@dataclass(frozen=True)
class Pooled:
    model: str  # "FE", "DL", "REML", "DL-HK", "REML-HK", "MH", "MH-DL" (labels in MODEL_LABELS)
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
    pi_low: float | None = None  # 95% prediction interval (random-effects models, k >= 3)
    pi_high: float | None = None
    t_df: int | None = None  # degrees of freedom of the t test (Hartung-Knapp), None for z


def heterogeneity(yi: np.ndarray, vi: np.ndarray, around: float | None = None) -> tuple[float, int, float, float]:
    """Cochran's Q about the inverse-variance estimate, or about ``around`` (the MH estimate, as RevMan does).

    One study: Q = 0 on 0 df (its p undefined) and I^2 = 0, whatever rounding would leave in y - mu."""
    yi, vi = np.asarray(yi, dtype=float), np.asarray(vi, dtype=float)
    df = len(yi) - 1
    if df == 0:
        return 0.0, 0, float("nan"), 0.0
    w = 1 / vi
    mu = np.sum(w * yi) / np.sum(w) if around is None else around
    q = float(np.sum(w * (yi - mu) ** 2))
    q_p = float(stats.chi2.sf(q, df))
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


def prediction_interval(estimate: float, se: float, tau2: float, k: int, dist: str = "t") -> tuple[float, float] | None:
    """95% prediction interval mu +/- crit sqrt(se^2 + tau^2); crit is t(0.975, k-1) (``dist="t"``, R meta,
    RevMan 2025) or the normal quantile (``dist="z"``, metafor's predict() default). None when k < 3."""
    if k < MIN_K_PREDICTION:
        return None
    crit = stats.t.ppf(0.975, k - 1) if dist == "t" else Z975
    half = crit * np.sqrt(se**2 + tau2)
    return float(estimate - half), float(estimate + half)


def _result(model, mu, se, yi, vi, tau2, w, t_df=None, q_around=None) -> Pooled:
    q, df, q_p, i2 = heterogeneity(yi, vi, around=q_around)
    if model not in ("FE", "MH", "MH-DL"):
        i2 = i2_from_tau2(vi, tau2)
    crit = stats.t.ppf(0.975, t_df) if t_df else Z975
    z = mu / se
    p = float(2 * (stats.t.sf(abs(z), t_df) if t_df else stats.norm.sf(abs(z))))
    pi = None if model in ("FE", "MH") else prediction_interval(mu, se, tau2, len(yi))
    return Pooled(model, float(mu), float(se), float(mu - crit * se), float(mu + crit * se), float(z), p,
                  len(yi), float(tau2), q, df, q_p, float(i2), w / w.sum(),
                  None if pi is None else pi[0], None if pi is None else pi[1], t_df)


def fixed_effect(yi, vi) -> Pooled:
    yi, vi = _clean(yi, vi)
    w = 1 / vi
    mu = np.sum(w * yi) / np.sum(w)
    return _result("FE", mu, np.sqrt(1 / np.sum(w)), yi, vi, 0.0, w)


def _tau2_dl_about(yi, vi, around: float | None) -> float:
    if len(yi) < 2:
        return 0.0  # one study carries no information on between-study variance
    w = 1 / vi
    q, df, _, _ = heterogeneity(yi, vi, around)
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    return float(max(0.0, (q - df) / c)) if c > 0 else 0.0


def tau2_dersimonian_laird(yi, vi) -> float:
    yi, vi = _clean(yi, vi)
    return _tau2_dl_about(yi, vi, None)


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
    mu = np.sum(w * yi) / np.sum(w) if len(yi) > 1 else yi[0]  # k = 1: the study itself, bit for bit
    if hartung_knapp:
        if len(yi) < 2:
            raise ValueError("the Hartung-Knapp adjustment needs at least two studies")
        se = np.sqrt(np.sum(w * (yi - mu) ** 2) / ((len(yi) - 1) * np.sum(w)))
        return _result(f"{method}-HK", mu, se, yi, vi, tau2, w, t_df=len(yi) - 1)
    return _result(method, mu, np.sqrt(1 / np.sum(w)), yi, vi, tau2, w)


def _mh_inputs(a, n1, c, n2, zero_cells: str):
    from .effect_sizes import log_risk_ratio

    if zero_cells not in ZERO_CELL_CONVENTIONS:
        raise ValueError(f"unknown zero-cell convention {zero_cells!r}; expected one of {sorted(ZERO_CELL_CONVENTIONS)}")
    a, n1, c, n2 = (np.atleast_1d(np.asarray(x, dtype=float)) for x in (a, n1, c, n2))
    es = log_risk_ratio(a, n1, c, n2)
    keep = es.included
    if not keep.any():
        raise ValueError("no study with events in at least one arm")
    a, n1, c, n2 = a[keep], n1[keep], c[keep], n2[keep]
    add = np.where(es.corrected[keep], 0.5, 0.0) if zero_cells == "add_0.5" else np.zeros(len(a))
    a, c = a + add, c + add
    n1, n2 = n1 + 2 * add, n2 + 2 * add
    return a, n1, c, n2, es.yi[keep], es.vi[keep]


def _mh_log_rr(a, n1, c, n2):
    n = n1 + n2
    r = a * n2 / n
    s = c * n1 / n
    if np.sum(r) == 0 or np.sum(s) == 0:
        raise ValueError("the Mantel-Haenszel risk ratio is not defined: no events in one arm of every study "
                         "(use zero_cells=add_0.5)")
    p_term = (n1 * n2 * (a + c) - a * c * n) / n**2
    var = np.sum(p_term) / (np.sum(r) * np.sum(s))
    return float(np.log(np.sum(r) / np.sum(s))), float(np.sqrt(var)), s


def mantel_haenszel_rr(a, n1, c, n2, zero_cells: str = DEFAULT_ZERO_CELLS) -> Pooled:
    """Mantel-Haenszel pooled log risk ratio ("M-H, Fixed"), Greenland-Robins variance.

    Q and I^2 are computed from the study log RRs about the MH estimate (RevMan; metafor rma.mh). Studies
    without events (or with only events) in both arms are left out (metafor drop00, RevMan)."""
    a, n1, c, n2, yi, vi = _mh_inputs(a, n1, c, n2, zero_cells)
    mu, se, s = _mh_log_rr(a, n1, c, n2)
    if len(yi) == 1:
        mu, se = float(yi[0]), float(np.sqrt(vi[0]))  # one study: its own log RR and interval, as in RevMan
    return _result("MH", mu, se, yi, vi, 0.0, s, q_around=mu)


def mantel_haenszel_random(a, n1, c, n2, zero_cells: str = DEFAULT_ZERO_CELLS) -> Pooled:
    """RevMan's "M-H, Random" (Deeks & Higgins 2010): DerSimonian-Laird tau^2 from Q computed about the MH
    estimate with inverse-variance weights, then inverse-variance random-effects pooling of the study log RRs.
    I^2 = (Q - df)/Q with that Q."""
    a, n1, c, n2, yi, vi = _mh_inputs(a, n1, c, n2, zero_cells)
    mh = _mh_log_rr(a, n1, c, n2)[0] if len(yi) > 1 else float(yi[0])
    tau2 = _tau2_dl_about(yi, vi, mh)
    w = 1 / (vi + tau2)
    mu = np.sum(w * yi) / np.sum(w) if len(yi) > 1 else yi[0]
    return _result("MH-DL", mu, np.sqrt(1 / np.sum(w)), yi, vi, tau2, w, q_around=mh)


@dataclass(frozen=True)
class SubgroupTest:
    q_between: float
    df: int
    p: float


def subgroup_difference(estimates, ses) -> SubgroupTest:
    """Test for subgroup differences: Cochran's Q across the subgroup pooled estimates, each from its own fit
    (its own tau^2), chi-square on G - 1 df (Borenstein 2009, ch. 19; RevMan's 'Test for subgroup
    differences'; metafor: rma(estimates, sei=ses, method="FE") on the separate fits)."""
    estimates, ses = np.asarray(estimates, dtype=float), np.asarray(ses, dtype=float)
    w = 1 / ses**2
    mu = np.sum(w * estimates) / np.sum(w)
    q = float(np.sum(w * (estimates - mu) ** 2))
    df = len(estimates) - 1
    return SubgroupTest(q, df, float(stats.chi2.sf(q, df)) if df > 0 else float("nan"))
