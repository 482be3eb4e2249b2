-- effect_sizes: one row per study x outcome x analysis time point (the comparison), both arms present.
-- Columns: study_id, outcome, timepoint (the analysis_timepoint), subgroup (sepsis | covid19), measure (MD | RR),
-- yi (MD in 10^9/L for cell counts or days for stays; log RR), vi (its variance),
-- n_intervention, n_control, continuity_corrected.
-- Inputs: continuous rows that carry mean and SD, or mean and SE (SD = SE x sqrt(n)); rows reported as
-- medians are left to the Python analysis, which converts them by a labelled method.
-- Units: cells/uL and cells/mm3 are divided by 1000 to give 10^9/L.
-- Zero cells: a study with a zero cell gets 0.5 added to each of its four cells; a study with no events
-- (or only events) in both arms carries no information on the RR scale and is left out.
CREATE OR REPLACE VIEW effect_sizes AS
WITH arm_values AS (
    SELECT study_id, condition, outcome, analysis_timepoint AS timepoint, arm_role, n,
           mean * CASE WHEN unit IN ('cells/uL', 'cells/mm3') THEN 0.001 ELSE 1.0 END AS mean_h,
           CASE WHEN statistic = 'mean_sd' THEN sd ELSE se * sqrt(n) END
               * CASE WHEN unit IN ('cells/uL', 'cells/mm3') THEN 0.001 ELSE 1.0 END AS sd_h
    FROM outcomes_continuous
    WHERE analysis_timepoint IS NOT NULL AND statistic IN ('mean_sd', 'mean_se') AND n IS NOT NULL
),
md AS (
    SELECT t.study_id, t.outcome, t.timepoint, t.condition AS subgroup, 'MD' AS measure,
           t.mean_h - c.mean_h AS yi,
           t.sd_h * t.sd_h / t.n + c.sd_h * c.sd_h / c.n AS vi,
           t.n AS n_intervention, c.n AS n_control, FALSE AS continuity_corrected
    FROM arm_values AS t
    JOIN arm_values AS c USING (study_id, outcome, timepoint)
    WHERE t.arm_role = 'intervention' AND c.arm_role = 'control'
),
counts AS (
    SELECT t.study_id, t.outcome, t.analysis_timepoint AS timepoint, t.condition AS subgroup,
           t.events::DOUBLE AS a, (t.total - t.events)::DOUBLE AS b,
           c.events::DOUBLE AS c, (c.total - c.events)::DOUBLE AS d,
           t.total AS n_intervention, c.total AS n_control
    FROM outcomes_dichotomous AS t
    JOIN outcomes_dichotomous AS c USING (study_id, outcome, analysis_timepoint)
    WHERE t.analysis_timepoint IS NOT NULL AND t.arm_role = 'intervention' AND c.arm_role = 'control'
),
corrected AS (
    SELECT *, CASE WHEN a = 0 OR b = 0 OR c = 0 OR d = 0 THEN 0.5 ELSE 0.0 END AS cc
    FROM counts
    WHERE NOT ((a = 0 AND c = 0) OR (b = 0 AND d = 0))
),
rr AS (
    SELECT study_id, outcome, timepoint, subgroup, 'RR' AS measure,
           ln(((a + cc) / (a + b + 2 * cc)) / ((c + cc) / (c + d + 2 * cc))) AS yi,
           1 / (a + cc) - 1 / (a + b + 2 * cc) + 1 / (c + cc) - 1 / (c + d + 2 * cc) AS vi,
           n_intervention, n_control, cc > 0 AS continuity_corrected
    FROM corrected
)
SELECT * FROM md
UNION ALL
SELECT * FROM rr;
