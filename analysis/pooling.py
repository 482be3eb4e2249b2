"""Pooling: inverse-variance fixed effect, random effects (DerSimonian-Laird, REML, Hartung-Knapp),
Mantel-Haenszel risk ratio (fixed, and RevMan's "M-H, Random"), heterogeneity, prediction intervals and
the test for subgroup differences.

Pure functions over numpy arrays; each returns a ``Pooled`` result and never prints.
Formulas:
- Fixed effect: w = 1/v, mu = sum(w y)/sum(w), se = sqrt(1/sum(w)).
- Q = sum(w (y - mu_FE)^2), df = k - 1, I^2 = max(0, (Q - df)/Q) (Higgins & Thompson 2002).
- DerSimonian & Laird (1986): tau^2 = max(0, (Q - df) / (sum w - sum w^2 / sum w)).
- REML: the maximum of the restricted log-likelihood over [0, inf) (Viechtbauer 2005, Stat Med 24; metafor's
  rma method="REML"): Fisher scoring (steps halved until the likelihood climbs) from the DL value and from the
  best point of a grid, each compared with the boundary tau^2 = 0, the highest likelihood kept, an interior
  maximum polished to the score's root; a fit at the boundary says so (``Pooled.notes``).
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
- k = 1: Q = 0 on 0 df with p = 1 (metafor), tau^2 = 0, I^2 = 0 and every model returns the study's own estimate
  and interval; Hartung-Knapp falls back to the z test, as metafor does (test="z" when k = 1).
- Invalid input: a study with a non-finite yi or vi, or vi <= 0, raises ValueError naming its index (metafor stops
  too); which studies carry no information (double zero) is decided before pooling (effect_sizes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, stats

from rhil7.core.vocabulary import FIXED_EFFECT_MODELS, MODEL_BY_CODE, MODELS, Z_975 as Z975

from .effect_sizes import log_risk_ratio

MIN_K_PREDICTION = 3
# Zero-cell conventions for Mantel-Haenszel pooling (plan column ``zero_cells``). Both add 0.5 to every cell of a
# study with a single zero cell when computing that study's own log RR (for the forest plot, Q, and inverse-variance
# pooling; metafor escalc's add=1/2, to="only0"), and both leave out studies without events (or with only events)
# in both arms. They differ inside the MH sums:
ZERO_CELL_CONVENTIONS = {
    "add_0.5": "0.5 added to every cell of a single-zero study inside the MH sums too "
    "(RevMan 5, R meta's default; metafor rma.mh add=c(1/2,1/2), to=c('only0','only0'))",
    "mh_uncorrected": "MH sums on the counts as reported "
    "(metafor rma.mh's default, add=c(1/2,0), to=c('only0','none'))",
}
DEFAULT_ZERO_CELLS = "add_0.5"  # the meta-analysis was most likely run in RevMan, which corrects inside MH
MODEL_LABELS = {m.code: m.label for m in MODELS}
# I^2 = (Q - df)/Q for these (Higgins & Thompson 2002 on Cochran's Q; RevMan); tau^2/(tau^2 + s^2) for the others.
I2_FROM_Q = tuple(m.code for m in MODELS if m.i2_from_q)
REML_AT_BOUNDARY = "REML tau\u00b2 at the boundary 0: the restricted likelihood is highest there"
HK_ONE_STUDY = 'Hartung-Knapp needs two studies: with one, the z test (metafor: test="z" when k = 1)'


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
    notes: tuple[str, ...] = ()  # what the reader of the numbers must know (REML at the boundary, HK with k = 1)


def heterogeneity(yi: np.ndarray, vi: np.ndarray, around: float | None = None) -> tuple[float, int, float, float]:
    """Cochran's Q about the inverse-variance estimate, or about ``around`` (the MH estimate, as RevMan does).

    One study: Q = 0 on 0 df with p = 1 (metafor's QEp) and I^2 = 0, whatever rounding would leave in y - mu."""
    yi, vi = np.asarray(yi, dtype=float), np.asarray(vi, dtype=float)
    df = len(yi) - 1
    if df == 0:
        return 0.0, 0, 1.0, 0.0
    w = 1 / vi
    mu = np.sum(w * yi) / np.sum(w) if around is None else around
    q = float(np.sum(w * (yi - mu) ** 2))
    q_p = float(stats.chi2.sf(q, df))
    i2 = max(0.0, (q - df) / q) if q > 0 else 0.0
    return q, df, q_p, i2


def _checked(yi, vi) -> tuple[np.ndarray, np.ndarray]:
    """yi and vi as arrays; ValueError naming the studies (0-based index) with a non-finite yi or vi or vi <= 0.

    metafor's rma stops on them too ("Division by zero when computing the inverse variance weights"); leaving
    them out silently would pool fewer studies than the caller gave, with weights that no longer line up."""
    yi, vi = np.atleast_1d(np.asarray(yi, dtype=float)), np.atleast_1d(np.asarray(vi, dtype=float))
    if yi.shape != vi.shape:
        raise ValueError(f"yi and vi differ in length ({len(yi)} and {len(vi)})")
    if len(yi) == 0:
        raise ValueError("no study to pool")
    bad = np.flatnonzero(~np.isfinite(yi) | ~np.isfinite(vi) | ~(vi > 0))
    if len(bad):
        which = ", ".join(f"study {i} (yi = {yi[i]:g}, vi = {vi[i]:g})" for i in bad[:5])
        raise ValueError(
            f"{which}: every study needs a finite effect and a positive finite sampling variance; "
            "leave out a study without information before pooling"
        )
    return yi, vi


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


def _result(model, mu, se, yi, vi, tau2, w, t_df=None, q_around=None, notes=()) -> Pooled:
    q, df, q_p, i2 = heterogeneity(yi, vi, around=q_around)
    if model not in I2_FROM_Q:
        i2 = i2_from_tau2(vi, tau2)
    crit = stats.t.ppf(0.975, t_df) if t_df else Z975
    z = mu / se
    p = float(2 * (stats.t.sf(abs(z), t_df) if t_df else stats.norm.sf(abs(z))))
    pi = None if model in FIXED_EFFECT_MODELS else prediction_interval(mu, se, tau2, len(yi))
    return Pooled(
        model,
        float(mu),
        float(se),
        float(mu - crit * se),
        float(mu + crit * se),
        float(z),
        p,
        len(yi),
        float(tau2),
        q,
        df,
        q_p,
        float(i2),
        w / w.sum(),
        None if pi is None else pi[0],
        None if pi is None else pi[1],
        t_df,
        tuple(notes),
    )


def fixed_effect(yi, vi) -> Pooled:
    yi, vi = _checked(yi, vi)
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
    yi, vi = _checked(yi, vi)
    return _tau2_dl_about(yi, vi, None)


def restricted_log_likelihood(yi, vi, tau2: float) -> float:
    """The restricted (REML) log-likelihood of the random-effects model at tau^2, as metafor's logLik() of a REML
    fit (Viechtbauer 2005, eq. 8; metafor's constant 1/2 log|X'X| = 1/2 log k included):
    -(k-1)/2 log 2pi + 1/2 log k - 1/2 sum log(v+tau^2) - 1/2 log sum w - 1/2 sum w (y - mu)^2, w = 1/(v+tau^2)."""
    yi, vi = np.asarray(yi, dtype=float), np.asarray(vi, dtype=float)
    w = 1 / (vi + tau2)
    mu = np.sum(w * yi) / np.sum(w)
    k = len(yi)
    return float(
        -(k - 1) / 2 * np.log(2 * np.pi)
        + np.log(k) / 2
        - np.sum(np.log(vi + tau2)) / 2
        - np.log(np.sum(w)) / 2
        - np.sum(w * (yi - mu) ** 2) / 2
    )


def _reml_score(yi, vi, tau2: float) -> float:
    """The derivative of the restricted log-likelihood in tau^2: (y'PPy - tr P)/2 (Viechtbauer 2005)."""
    w = 1 / (vi + tau2)
    w_sum = np.sum(w)
    py = w * (yi - np.sum(w * yi) / w_sum)
    return float((np.sum(py**2) - (w_sum - np.sum(w**2) / w_sum)) / 2)


def _polish(yi, vi, tau2: float) -> float:
    """The root of the score next to an interior maximum, by Brent's method: the likelihood is too flat there for
    comparing likelihoods to place tau^2 closer than about 1e-8 relative, the score is not."""
    low, high = tau2 * (1 - 1e-4), tau2 * (1 + 1e-4)
    if not _reml_score(yi, vi, low) > 0 > _reml_score(yi, vi, high):
        return tau2
    return float(optimize.brentq(lambda t: _reml_score(yi, vi, t), low, high, xtol=1e-15))


def _fisher_scoring(yi, vi, start: float, tol: float, max_iter: int) -> float:
    """Fisher scoring on the restricted likelihood from ``start``, each step truncated at 0 and halved until the
    likelihood does not fall (Viechtbauer 2005; metafor's control stepadj). Without the halving the iteration can
    cycle for ever between two values (0 and 1.05 on a random data set of 10 studies, where metafor's own Fisher
    scoring does not converge either); with it every step climbs, so it ends at a local maximum.

    With W = diag(1/(v+tau^2)) and P = W - W11'W/1'W1: score = (y'PPy - tr P)/2, information = tr(PP)/2;
    Py = W(y - mu), so everything reduces to sums over studies."""
    tau2 = start
    current = restricted_log_likelihood(yi, vi, tau2)
    for _ in range(max_iter):
        w = 1 / (vi + tau2)
        w_sum = np.sum(w)
        py = w * (yi - np.sum(w * yi) / w_sum)
        trace_p = w_sum - np.sum(w**2) / w_sum
        trace_pp = np.sum(w**2) - 2 * np.sum(w**3) / w_sum + (np.sum(w**2) / w_sum) ** 2
        step = (np.sum(py**2) - trace_p) / trace_pp
        for _ in range(60):  # halve until the likelihood does not fall (a climb, however small)
            new = max(0.0, tau2 + step)
            candidate = restricted_log_likelihood(yi, vi, new)
            if candidate >= current:
                break
            step /= 2
        if abs(new - tau2) < tol * max(1.0, tau2):  # relative for a large tau^2 (days squared)
            return float(new)
        tau2, current = new, candidate
    return float(tau2)


def reml(yi, vi, tol: float = 1e-12, max_iter: int = 1000) -> tuple[float, bool]:
    """REML tau^2, the maximum of ``restricted_log_likelihood`` over [0, inf), and whether it is the boundary 0.

    Fisher scoring alone can stop at a local maximum (issue 25: started at the DL value it gives 0.2695 where the
    likelihood is highest at 0). So it runs from the DL value and from the best point of a log-spaced grid, and
    the boundary competes with both: the highest restricted likelihood wins (metafor 3.8 compares its Fisher
    result with tau^2 = 0 in the same way and warns "may have gotten stuck at a local maximum")."""
    yi, vi = _checked(yi, vi)
    if len(yi) < 2:
        return 0.0, True  # one study carries no information on between-study variance
    scale = max(float(np.var(yi, ddof=1)), float(np.mean(vi)))
    grid = scale * np.logspace(-4, 2, 25)
    best_on_grid = float(grid[np.argmax([restricted_log_likelihood(yi, vi, t) for t in grid])])
    starts = (_tau2_dl_about(yi, vi, None), best_on_grid)
    candidates = [0.0, *(_fisher_scoring(yi, vi, start, tol, max_iter) for start in starts)]
    tau2 = max(candidates, key=lambda t: (restricted_log_likelihood(yi, vi, t), -t))
    return (_polish(yi, vi, tau2), False) if tau2 > 0 else (0.0, True)


def tau2_reml(yi, vi, tol: float = 1e-12, max_iter: int = 1000) -> float:
    """REML tau^2 (see ``reml``)."""
    return reml(yi, vi, tol, max_iter)[0]


def random_effects(yi, vi, method: str = "DL", hartung_knapp: bool = False) -> Pooled:
    """Inverse-variance random effects with tau^2 by ``method`` ("DL" or "REML"), optionally Hartung-Knapp.

    Hartung-Knapp-Sidik-Jonkman: se^2 = sum w (y - mu)^2 / ((k - 1) sum w), t on k - 1 df, not truncated (metafor
    test="knha"); with one study there is nothing to scale, and the z test is used, as metafor does."""
    yi, vi = _checked(yi, vi)
    notes = []
    if method == "REML":
        tau2, boundary = reml(yi, vi)
        if boundary and len(yi) > 1:
            notes.append(REML_AT_BOUNDARY)
    elif method == "DL":
        tau2 = _tau2_dl_about(yi, vi, None)
    else:
        raise ValueError(f"unknown tau^2 estimator {method!r}; expected DL or REML")
    w = 1 / (vi + tau2)
    mu = np.sum(w * yi) / np.sum(w) if len(yi) > 1 else yi[0]  # k = 1: the study itself, bit for bit
    if not hartung_knapp:
        return _result(method, mu, np.sqrt(1 / np.sum(w)), yi, vi, tau2, w, notes=notes)
    if len(yi) < 2:
        return _result(f"{method}-HK", mu, np.sqrt(1 / np.sum(w)), yi, vi, tau2, w, notes=[*notes, HK_ONE_STUDY])
    se = np.sqrt(np.sum(w * (yi - mu) ** 2) / ((len(yi) - 1) * np.sum(w)))
    return _result(f"{method}-HK", mu, se, yi, vi, tau2, w, t_df=len(yi) - 1, notes=notes)


def _mh_inputs(a, n1, c, n2, zero_cells: str):
    if zero_cells not in ZERO_CELL_CONVENTIONS:
        raise ValueError(
            f"unknown zero-cell convention {zero_cells!r}; expected one of {sorted(ZERO_CELL_CONVENTIONS)}"
        )
    a, n1, c, n2 = (np.atleast_1d(np.asarray(x, dtype=float)) for x in (a, n1, c, n2))
    es = log_risk_ratio(a, n1, c, n2)
    keep = ~es.double_zero  # no information on the ratio scale: left out (metafor drop00, RevMan)
    if not keep.any():
        raise ValueError("no study with events in at least one arm")
    a, n1, c, n2 = a[keep], n1[keep], c[keep], n2[keep]
    _checked(es.yi[keep], es.vi[keep])  # counts that give no finite log RR (a negative count) stop here
    add = np.where(es.corrected[keep], 0.5, 0.0) if zero_cells == "add_0.5" else np.zeros(len(a))
    a, c = a + add, c + add
    n1, n2 = n1 + 2 * add, n2 + 2 * add
    return a, n1, c, n2, es.yi[keep], es.vi[keep]


def _mh_log_rr(a, n1, c, n2):
    n = n1 + n2
    r = a * n2 / n
    s = c * n1 / n
    if np.sum(r) == 0 or np.sum(s) == 0:
        raise ValueError(
            "the Mantel-Haenszel risk ratio is not defined: no events in one arm of every study "
            "(use zero_cells=add_0.5)"
        )
    p_term = (n1 * n2 * (a + c) - a * c * n) / n**2
    var = np.sum(p_term) / (np.sum(r) * np.sum(s))
    return float(np.log(np.sum(r) / np.sum(s))), float(np.sqrt(var)), s


def mantel_haenszel_rr(a, n1, c, n2, zero_cells: str = DEFAULT_ZERO_CELLS) -> Pooled:
    """Mantel-Haenszel pooled log risk ratio ("M-H, Fixed"), Greenland-Robins variance.

    Q and I^2 are computed from the study log RRs about the MH estimate (RevMan; metafor rma.mh). Studies
    without events (or with only events) in both arms are left out (metafor drop00, RevMan)."""
    a, n1, c, n2, yi, vi = _mh_inputs(a, n1, c, n2, zero_cells)
    if len(yi) == 1:  # one study: its own log RR and interval, as in RevMan (before the sums, which a zero cell
        return _result("MH", yi[0], np.sqrt(vi[0]), yi, vi, 0.0, np.ones(1))  # leaves undefined uncorrected)
    mu, se, s = _mh_log_rr(a, n1, c, n2)
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


def fit(code: str, yi, vi, counts=None, zero_cells: str = DEFAULT_ZERO_CELLS) -> Pooled:
    """One entry for every model of the registry (rhil7.core.vocabulary.MODELS), as metafor's rma(method=...):
    inverse-variance models pool (yi, vi); Mantel-Haenszel models pool ``counts`` (events and totals of the
    intervention, then of the control arm)."""
    model = MODEL_BY_CODE[code]
    if model.pooling == "MH":
        if counts is None:
            raise ValueError(f"the {code} model pools counts: give events and totals per arm")
        return (mantel_haenszel_rr if model.effects == "fixed" else mantel_haenszel_random)(*counts, zero_cells)
    if model.effects == "fixed":
        return fixed_effect(yi, vi)
    return random_effects(yi, vi, model.tau2_estimator, hartung_knapp=model.adjustment == "HK")


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
