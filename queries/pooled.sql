-- pooled: one row per outcome x time point x subgroup (sepsis, covid19, all) x model (FE, DL, REML; for risk ratios
-- also MH and MH-DL), for every outcome and time point that coverage lists or that has a comparison, with the coverage
-- that rhil7 reproduce judges a target by: a row whose complete is false pools only the trials in the package
-- (k_missing trials are not), and rhil7 reproduce calls its target not_computable.
-- Trials: every trial of the subgroup; each is pooled, excluded (a comparison left out: no events in either arm,
-- a median that cannot be converted, no positive variance; the reason is in effect_size_inputs), not_reported (its
-- coverage row says so), or missing (coverage not_reachable, no coverage row, or extracted with an arm's row
-- missing). k + k_excluded + k_missing = k_expected.
-- FE: inverse-variance fixed effect. DL: DerSimonian-Laird random effects (tau2 = max(0, (Q - df) / C),
-- C = sum(w) - sum(w^2) / sum(w)). Q = sum(w (yi - FE)^2); I2 = max(0, (Q - df) / Q).
-- REML: tau2 maximises the restricted log-likelihood over [0, inf) (Viechtbauer 2005; metafor rma method="REML"),
-- ll(tau2) = -1/2 [sum log(vi + tau2) + log sum w + sum w (yi - mu)^2], w = 1 / (vi + tau2), mu = sum(w yi) / sum(w):
-- ll on tau2 = 0 and on 91 points from 1e-6 to 1e3 times max(var(yi), mean(vi)) (a factor 10^0.1 apart), then 64
-- bisections of the score (Viechtbauer's (y'PPy - tr P) / 2) between the best point's two neighbours, and the
-- root kept only where its likelihood is higher than at tau2 = 0 (the boundary wins a tie, and wherever the score
-- is negative all the way down to 0), as rhil7 reproduce does; the yi are centred on the FE estimate first (tau2
-- does not change, the sums lose no digits). Then inverse-variance pooling with weights 1 / (vi + tau2);
-- I2 = tau2 / (tau2 + s2), s2 = (k - 1) / C the typical within-study variance (Higgins & Thompson 2002).
-- MH: Mantel-Haenszel risk ratio ("M-H, Fixed"), Greenland-Robins variance, 0.5 added to every cell of a study
-- with a zero cell inside the MH sums too (the plan's default zero_cells = add_0.5, RevMan's; the other convention
-- is computed by rhil7 reproduce only); Q about the MH estimate. MH-DL: RevMan's "M-H, Random": tau2 as DL but
-- from Q about the MH estimate, then inverse-variance pooling with weights 1 / (vi + tau2) (Deeks & Higgins 2010).
-- One study: Q = 0, tau2 = 0, I2 = 0 and every model gives the study's own estimate and interval.
-- 95% CI = estimate +/- z975() x se. Prediction interval (DL, MH-DL, k >= 3): estimate +/- t975(k - 1)
-- sqrt(se^2 + tau2), as rhil7 reproduce, R meta and RevMan (z975 and t975: macros generated from
-- rhil7.core.vocabulary). Hartung-Knapp is computed by rhil7 reproduce only.
-- Columns:
--   outcome: outcome code (as in coverage)
--   timepoint: meta-analysis time point (coverage's timepoint, the rows' analysis_timepoint)
--   measure: MD (mean difference) or RR (risk ratio), by the outcome
--   subgroup: sepsis, covid19 (the trials of that condition) or all (every trial)
--   model: FE, DL, REML, MH or MH-DL (see above)
--   k: studies pooled
--   k_excluded: trials with a comparison left out of pooling (the reason is in effect_size_inputs.excluded)
--   k_expected: trials of the subgroup expected to contribute (every trial whose coverage is not not_reported)
--   k_not_reported: trials whose coverage row says the outcome was not reported at this time point
--   k_missing: trials whose data are not in the package (not_reachable, no coverage row, or an arm's row missing)
--   complete: true when k_missing = 0 (what rhil7 reproduce requires before it judges a target)
--   missing_studies: the missing trials with the reason, e.g. daix2023 (not_reachable); NULL when complete
--   estimate: pooled estimate on the measure's scale (RR exponentiated); NULL when k = 0
--   ci_low: lower bound of the 95% confidence interval, measure's scale
--   ci_high: upper bound of the 95% confidence interval, measure's scale
--   pi_low: lower bound of the 95% prediction interval (DL, REML and MH-DL, k >= 3), measure's scale
--   pi_high: upper bound of the 95% prediction interval (DL, REML and MH-DL, k >= 3), measure's scale
--   yi_pooled: pooled estimate on the analysis scale (MD, or log RR)
--   se: standard error of yi_pooled
--   tau2: between-study variance tau^2 (0 for FE and MH; DL, REML or MH-DL's), analysis scale
--   q: Cochran's Q about the model family's fixed-effect estimate
--   i2: I^2, a proportion between 0 and 1: max(0, (Q - df) / Q), for REML tau2 / (tau2 + s2) (see above)
CREATE OR REPLACE VIEW pooled AS
WITH comparisons AS (
    -- every comparison, in its trial's subgroup and again in 'all'
    SELECT study_id, outcome, timepoint, measure, subgroup, yi, vi, excluded, intervention_events, control_events,
           n_intervention, n_control, continuity_corrected
    FROM effect_size_inputs
    UNION ALL
    SELECT study_id, outcome, timepoint, measure, 'all', yi, vi, excluded, intervention_events, control_events,
           n_intervention, n_control, continuity_corrected
    FROM effect_size_inputs
),
input AS (
    SELECT * FROM comparisons WHERE excluded IS NULL
),
trials AS (
    -- every trial of every subgroup, for each outcome and time point that coverage lists or a comparison has
    SELECT o.outcome, o.timepoint, g.subgroup, g.study_id
    FROM (SELECT outcome, timepoint FROM coverage UNION SELECT outcome, timepoint FROM effect_size_inputs) AS o
    CROSS JOIN (SELECT study_id, condition AS subgroup FROM studies UNION ALL SELECT study_id, 'all' FROM studies) AS g
),
states AS (
    SELECT t.outcome, t.timepoint, t.subgroup, t.study_id,
           CASE WHEN e.study_id IS NOT NULL AND e.excluded IS NULL THEN 'pooled'
                WHEN e.study_id IS NOT NULL THEN 'excluded'
                WHEN c.status = 'not_reported' THEN 'not_reported'
                ELSE 'missing' END AS state,
           t.study_id || ' (' || CASE c.status WHEN 'extracted' THEN 'an arm''s row is missing'
                                               ELSE coalesce(c.status, 'no coverage row') END || ')' AS why_missing
    FROM trials AS t
    LEFT JOIN effect_size_inputs AS e USING (study_id, outcome, timepoint)
    LEFT JOIN coverage AS c USING (study_id, outcome, timepoint)
),
coverage_of AS (
    SELECT outcome, timepoint, subgroup,
           count(*) FILTER (WHERE state <> 'not_reported') AS k_expected,
           count(*) FILTER (WHERE state = 'not_reported') AS k_not_reported,
           count(*) FILTER (WHERE state = 'missing') AS k_missing,
           count(*) FILTER (WHERE state = 'excluded') AS k_excluded,
           string_agg(why_missing, '; ' ORDER BY study_id) FILTER (WHERE state = 'missing') AS missing_studies
    FROM states
    GROUP BY ALL
),
wanted AS (
    -- every model of every outcome x time point x subgroup, computed or not
    SELECT cv.*, outcome_measure(cv.outcome) AS measure, m.model
    FROM coverage_of AS cv
    JOIN (VALUES ('FE', NULL), ('DL', NULL), ('REML', NULL), ('MH', 'RR'), ('MH-DL', 'RR')) AS m(model, only_for)
      ON m.only_for IS NULL OR m.only_for = outcome_measure(cv.outcome)
),
sums AS (
    SELECT outcome, timepoint, measure, subgroup, count(*) AS k,
           sum(1 / vi) AS sw, sum(yi / vi) AS swy, sum(1 / (vi * vi)) AS sw2
    FROM input
    GROUP BY ALL
),
fixed AS (
    SELECT *, swy / sw AS fe, sw - sw2 / sw AS c FROM sums
),
mh_studies AS (
    SELECT outcome, timepoint, measure, subgroup, yi, vi,
           intervention_events::DOUBLE + CASE WHEN continuity_corrected THEN 0.5 ELSE 0.0 END::DOUBLE AS a,
           control_events::DOUBLE + CASE WHEN continuity_corrected THEN 0.5 ELSE 0.0 END::DOUBLE AS c,
           n_intervention::DOUBLE + CASE WHEN continuity_corrected THEN 1.0 ELSE 0.0 END::DOUBLE AS n1,
           n_control::DOUBLE + CASE WHEN continuity_corrected THEN 1.0 ELSE 0.0 END::DOUBLE AS n2
    FROM input
    WHERE measure = 'RR'
),
mh_sums AS (
    SELECT outcome, timepoint, measure, subgroup,
           sum(a * n2 / (n1 + n2)) AS sr, sum(c * n1 / (n1 + n2)) AS ss,
           sum((n1 * n2 * (a + c) - a * c * (n1 + n2)) / ((n1 + n2) * (n1 + n2))) AS sp
    FROM mh_studies
    GROUP BY ALL
),
mh AS (
    SELECT m.outcome, m.timepoint, m.measure, m.subgroup, f.k, f.c,
           CASE WHEN f.k = 1 THEN f.fe ELSE ln(m.sr / m.ss) END AS mh,
           CASE WHEN f.k = 1 THEN sqrt(1 / f.sw) ELSE sqrt(m.sp / (m.sr * m.ss)) END AS mh_se
    FROM mh_sums AS m
    JOIN fixed AS f USING (outcome, timepoint, measure, subgroup)
),
centres AS (
    -- the fixed-effect estimate of each family: inverse variance (FE, then DL) or Mantel-Haenszel (MH, then MH-DL)
    SELECT outcome, timepoint, measure, subgroup, 'IV' AS family, k, c, fe AS centre, sqrt(1 / sw) AS centre_se
    FROM fixed
    UNION ALL
    SELECT outcome, timepoint, measure, subgroup, 'MH', k, c, mh, mh_se FROM mh
),
het AS (
    -- Q about the family's own estimate, in a second pass (no cancellation of large sums)
    SELECT ce.outcome, ce.timepoint, ce.measure, ce.subgroup, ce.family, ce.k, ce.c, ce.centre, ce.centre_se,
           sum((i.yi - ce.centre) * (i.yi - ce.centre) / i.vi) AS q_sum
    FROM centres AS ce
    JOIN input AS i USING (outcome, timepoint, measure, subgroup)
    GROUP BY ALL
),
tau AS (
    SELECT *,
           CASE WHEN k > 1 THEN q_sum ELSE 0 END AS q,
           CASE WHEN k > 1 AND c > 0 THEN greatest(0, (q_sum - (k - 1)) / c) ELSE 0 END AS tau2,
           CASE WHEN k > 1 AND q_sum > 0 THEN greatest(0, (q_sum - (k - 1)) / q_sum) ELSE 0 END AS i2
    FROM het
),
reml_input AS (
    -- the studies of every comparison pooling two or more, yi centred on the FE estimate
    SELECT i.outcome, i.timepoint, i.measure, i.subgroup, i.yi - f.fe AS y, i.vi AS v
    FROM input AS i
    JOIN fixed AS f USING (outcome, timepoint, measure, subgroup)
    WHERE f.k > 1
),
reml_grid AS (
    -- j = 0: the boundary tau2 = 0; j = 1 .. 91: 1e-6 .. 1e3 times the scale of the data
    SELECT s.outcome, s.timepoint, s.measure, s.subgroup, g.j,
           CASE WHEN g.j = 0 THEN 0::DOUBLE ELSE s.scale * pow(10.0, (g.j - 61) / 10.0) END AS tau2
    FROM (SELECT outcome, timepoint, measure, subgroup, greatest(var_samp(y), avg(v)) AS scale
          FROM reml_input GROUP BY ALL) AS s
    CROSS JOIN range(0, 92) AS g(j)
),
reml_grid_ll AS (
    SELECT g.outcome, g.timepoint, g.measure, g.subgroup, g.j,
           -(sum(ln(i.v + g.tau2)) + ln(sum(1 / (i.v + g.tau2))) + sum(i.y * i.y / (i.v + g.tau2))
             - sum(i.y / (i.v + g.tau2)) * sum(i.y / (i.v + g.tau2)) / sum(1 / (i.v + g.tau2))) / 2 AS ll
    FROM reml_grid AS g
    JOIN reml_input AS i USING (outcome, timepoint, measure, subgroup)
    GROUP BY ALL
),
reml_bracket AS (
    -- the neighbours of the grid's best point (the boundary and the first point when the boundary is best)
    SELECT b.outcome, b.timepoint, b.measure, b.subgroup, low.tau2 AS lo, high.tau2 AS hi
    FROM (SELECT outcome, timepoint, measure, subgroup, arg_max(j, ll) AS j FROM reml_grid_ll GROUP BY ALL) AS b
    JOIN reml_grid AS low ON (low.outcome, low.timepoint, low.measure, low.subgroup, low.j)
                           = (b.outcome, b.timepoint, b.measure, b.subgroup, greatest(b.j - 1, 0))
    JOIN reml_grid AS high ON (high.outcome, high.timepoint, high.measure, high.subgroup, high.j)
                            = (b.outcome, b.timepoint, b.measure, b.subgroup, least(b.j + 1, 91))
),
reml_bisection AS (
    -- the score's root, its bracket halved 64 times: the root is above the midpoint where the score is positive
    -- (a recursive CTE of its own: under a top-level WITH RECURSIVE, DuckDB types every UNION ALL by its first
    -- branch, and the 0.0 of FE's tau2 would round every tau2 to one decimal)
    WITH RECURSIVE halving(outcome, timepoint, measure, subgroup, step, lo, hi) AS (
        SELECT outcome, timepoint, measure, subgroup, 0 AS step, lo, hi FROM reml_bracket
        UNION ALL
        SELECT outcome, timepoint, measure, subgroup, step + 1,
               CASE WHEN score > 0 THEN mid ELSE lo END, CASE WHEN score > 0 THEN hi ELSE mid END
        FROM (
            -- 2 x score = sum w^2 (y - mu)^2 - (sum w - sum w^2 / sum w), expanded into sums over the studies
            SELECT outcome, timepoint, measure, subgroup, step, lo, hi, mid,
                   sw2y2 - 2 * swy / sw * sw2y + (swy / sw) * (swy / sw) * sw2 - sw + sw2 / sw AS score
            FROM (
                SELECT r.outcome, r.timepoint, r.measure, r.subgroup, r.step, r.lo, r.hi, (r.lo + r.hi) / 2 AS mid,
                       sum(1 / (i.v + (r.lo + r.hi) / 2)) AS sw,
                       sum(i.y / (i.v + (r.lo + r.hi) / 2)) AS swy,
                       sum(1 / ((i.v + (r.lo + r.hi) / 2) * (i.v + (r.lo + r.hi) / 2))) AS sw2,
                       sum(i.y / ((i.v + (r.lo + r.hi) / 2) * (i.v + (r.lo + r.hi) / 2))) AS sw2y,
                       sum(i.y * i.y / ((i.v + (r.lo + r.hi) / 2) * (i.v + (r.lo + r.hi) / 2))) AS sw2y2
                FROM halving AS r
                JOIN reml_input AS i USING (outcome, timepoint, measure, subgroup)
                WHERE r.step < 64
                GROUP BY r.outcome, r.timepoint, r.measure, r.subgroup, r.step, r.lo, r.hi
            ) AS sums
        ) AS scored
    )
    SELECT * FROM halving
),
reml_candidates AS (
    -- the root against the boundary: the restricted log-likelihood at each
    SELECT c.outcome, c.timepoint, c.measure, c.subgroup, c.lo, c.tau2,
           -(sum(ln(i.v + c.tau2)) + ln(sum(1 / (i.v + c.tau2))) + sum(i.y * i.y / (i.v + c.tau2))
             - sum(i.y / (i.v + c.tau2)) * sum(i.y / (i.v + c.tau2)) / sum(1 / (i.v + c.tau2))) / 2 AS ll,
           -(sum(ln(i.v)) + ln(sum(1 / i.v)) + sum(i.y * i.y / i.v)
             - sum(i.y / i.v) * sum(i.y / i.v) / sum(1 / i.v)) / 2 AS ll_at_0
    FROM (SELECT outcome, timepoint, measure, subgroup, lo, (lo + hi) / 2 AS tau2
          FROM reml_bisection WHERE step = 64) AS c
    JOIN reml_input AS i USING (outcome, timepoint, measure, subgroup)
    GROUP BY ALL
),
reml AS (
    SELECT t.outcome, t.timepoint, t.measure, t.subgroup, 'REML' AS family, t.k, t.q,
           CASE WHEN r.lo > 0 AND r.ll > r.ll_at_0 THEN r.tau2 ELSE 0::DOUBLE END AS tau2, t.c
    FROM tau AS t
    LEFT JOIN reml_candidates AS r USING (outcome, timepoint, measure, subgroup)
    WHERE t.family = 'IV'
),
random_tau AS (
    -- tau2 of every random-effects model: DL (family IV), MH-DL (family MH), REML
    SELECT outcome, timepoint, measure, subgroup, family, k, q, tau2, i2 FROM tau
    UNION ALL
    SELECT outcome, timepoint, measure, subgroup, family, k, q, tau2,
           CASE WHEN k > 1 AND c > 0 THEN tau2 / (tau2 + (k - 1) / c) ELSE 0::DOUBLE END
    FROM reml
),
random AS (
    SELECT t.outcome, t.timepoint, t.measure, t.subgroup, t.family,
           sum(i.yi / (i.vi + t.tau2)) / sum(1 / (i.vi + t.tau2)) AS est,
           sqrt(1 / sum(1 / (i.vi + t.tau2))) AS est_se
    FROM random_tau AS t
    JOIN input AS i USING (outcome, timepoint, measure, subgroup)
    GROUP BY ALL
),
models AS (
    SELECT outcome, timepoint, measure, subgroup, CASE family WHEN 'IV' THEN 'FE' ELSE 'MH' END AS model, k,
           centre AS yi_pooled, centre_se AS se, 0.0 AS tau2, q, i2, NULL::DOUBLE AS pi_half
    FROM tau
    UNION ALL
    SELECT t.outcome, t.timepoint, t.measure, t.subgroup,
           CASE t.family WHEN 'IV' THEN 'DL' WHEN 'MH' THEN 'MH-DL' ELSE 'REML' END, t.k,
           r.est, r.est_se, t.tau2, t.q, t.i2, CASE WHEN t.k >= 3 THEN t975(t.k - 1) * sqrt(r.est_se * r.est_se + t.tau2) END
    FROM random_tau AS t
    JOIN random AS r USING (outcome, timepoint, measure, subgroup, family)
)
SELECT w.outcome, w.timepoint, w.measure, w.subgroup, w.model, coalesce(m.k, 0) AS k, w.k_excluded, w.k_expected,
       w.k_not_reported, w.k_missing, w.k_missing = 0 AS complete, w.missing_studies,
       CASE WHEN m.measure = 'RR' THEN exp(m.yi_pooled) ELSE m.yi_pooled END AS estimate,
       CASE WHEN m.measure = 'RR' THEN exp(m.yi_pooled - z975() * m.se)
            ELSE m.yi_pooled - z975() * m.se END AS ci_low,
       CASE WHEN m.measure = 'RR' THEN exp(m.yi_pooled + z975() * m.se)
            ELSE m.yi_pooled + z975() * m.se END AS ci_high,
       CASE WHEN m.measure = 'RR' THEN exp(m.yi_pooled - m.pi_half) ELSE m.yi_pooled - m.pi_half END AS pi_low,
       CASE WHEN m.measure = 'RR' THEN exp(m.yi_pooled + m.pi_half) ELSE m.yi_pooled + m.pi_half END AS pi_high,
       m.yi_pooled, m.se, m.tau2, m.q, m.i2
FROM wanted AS w
LEFT JOIN models AS m USING (outcome, timepoint, subgroup, model);
