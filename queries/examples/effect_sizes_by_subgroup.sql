-- Study-level effect sizes by subgroup (MD in 10^9/L or days; RR back-transformed), with 95% CIs.
SELECT subgroup, outcome, timepoint, study_id, measure,
       CASE WHEN measure = 'RR' THEN exp(yi) ELSE yi END AS effect,
       CASE WHEN measure = 'RR' THEN exp(yi - 1.959964 * sqrt(vi)) ELSE yi - 1.959964 * sqrt(vi) END AS ci_low,
       CASE WHEN measure = 'RR' THEN exp(yi + 1.959964 * sqrt(vi)) ELSE yi + 1.959964 * sqrt(vi) END AS ci_high
FROM effect_sizes
ORDER BY subgroup, outcome, timepoint, study_id;
