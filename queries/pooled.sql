-- pooled: one row per outcome x time point x subgroup (sepsis, covid19, all) x model (FE, DL).
-- Columns: outcome, timepoint, measure, subgroup, model, k, estimate, ci_low, ci_high (on the measure's
-- scale: RR exponentiated), yi_pooled, se (analysis scale: log RR), tau2, q, i2.
-- FE: inverse-variance fixed effect. DL: DerSimonian-Laird random effects (tau2 = max(0, (Q - df) / C),
-- C = sum(w) - sum(w^2) / sum(w)). I2 = max(0, (Q - df) / Q). 95% CI = estimate +/- 1.959964 x se.
CREATE OR REPLACE VIEW pooled AS
WITH input AS (
    SELECT outcome, timepoint, measure, subgroup, yi, vi FROM effect_sizes
    UNION ALL
    SELECT outcome, timepoint, measure, 'all' AS subgroup, yi, vi FROM effect_sizes
),
sums AS (
    SELECT outcome, timepoint, measure, subgroup, count(*) AS k,
           sum(1 / vi) AS sw, sum(yi / vi) AS swy, sum(yi * yi / vi) AS swyy, sum(1 / (vi * vi)) AS sw2
    FROM input
    GROUP BY ALL
),
het AS (
    SELECT *, swy / sw AS fe, greatest(swyy - swy * swy / sw, 0) AS q, sw - sw2 / sw AS c
    FROM sums
),
tau AS (
    SELECT *, CASE WHEN c > 0 THEN greatest(0, (q - (k - 1)) / c) ELSE 0 END AS tau2 FROM het
),
random AS (
    SELECT t.outcome, t.timepoint, t.measure, t.subgroup,
           sum(i.yi / (i.vi + t.tau2)) / sum(1 / (i.vi + t.tau2)) AS dl,
           sqrt(1 / sum(1 / (i.vi + t.tau2))) AS dl_se
    FROM tau AS t
    JOIN input AS i USING (outcome, timepoint, measure, subgroup)
    GROUP BY ALL
),
models AS (
    SELECT t.outcome, t.timepoint, t.measure, t.subgroup, 'FE' AS model, t.k, t.fe AS yi_pooled,
           sqrt(1 / t.sw) AS se, 0.0 AS tau2, t.q,
           CASE WHEN t.q > 0 THEN greatest(0, (t.q - (t.k - 1)) / t.q) ELSE 0 END AS i2
    FROM tau AS t
    UNION ALL
    SELECT t.outcome, t.timepoint, t.measure, t.subgroup, 'DL' AS model, t.k, r.dl, r.dl_se, t.tau2, t.q,
           CASE WHEN t.q > 0 THEN greatest(0, (t.q - (t.k - 1)) / t.q) ELSE 0 END
    FROM tau AS t
    JOIN random AS r USING (outcome, timepoint, measure, subgroup)
)
SELECT outcome, timepoint, measure, subgroup, model, k,
       CASE WHEN measure = 'RR' THEN exp(yi_pooled) ELSE yi_pooled END AS estimate,
       CASE WHEN measure = 'RR' THEN exp(yi_pooled - 1.959963984540054 * se) ELSE yi_pooled - 1.959963984540054 * se END AS ci_low,
       CASE WHEN measure = 'RR' THEN exp(yi_pooled + 1.959963984540054 * se) ELSE yi_pooled + 1.959963984540054 * se END AS ci_high,
       yi_pooled, se, tau2, q, i2
FROM models;
