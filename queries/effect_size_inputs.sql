-- effect_size_inputs: one row per study x outcome x analysis time point with both arms reported (the comparison),
-- whether it is pooled or not. effect_sizes and pooled read from it; a comparison left out says why here.
-- The rules are those of the Python analysis (analysis/derive.py, analysis/effect_sizes.py), with the analysis
-- plan's defaults:
-- * one statistic per arm: mean_sd, else mean_se, else median_iqr_range, median_iqr, median_range (statistic_rank);
--   ties by the smallest row_id. An arm whose statistic's columns are not all filled (statistic_incomplete, both
--   macros generated from rhil7.core.vocabulary.STATISTIC_COLUMNS and STATISTIC_PREFERENCE) is left out.
--   The arm's n is the row's n, else the arm's n_analysed, else its n_randomized.
-- * SD = SE x sqrt(n); medians converted by Wan 2014 (the plan's default conversion; a plan row asking for
--   another method is computed by rhil7 reproduce only), not for n < 5 and not when the Shi 2023 skewness test
--   is significant (metafor conv.fivenum's safeguards).
-- * cells/uL and cells/mm3 are divided by 1000 to give 10^9/L.
-- * zero cells: a study with a zero cell gets 0.5 added to each of its four cells; a study with no events (or
--   only events) in both arms carries no information on the RR scale and is excluded.
-- normal_quantile(p): the standard normal quantile by Wichura's algorithm AS 241 (PPND16, as R's qnorm; about 16
-- significant digits), for Wan 2014's xi(n) and eta(n). DuckDB has no inverse normal of its own.
-- Columns:
--   study_id
--   outcome
--   timepoint: the meta-analysis time point (the rows' analysis_timepoint)
--   subgroup: the trial's condition, sepsis or covid19
--   measure: MD (mean difference) or RR (risk ratio)
--   intervention_row_id: the intervention arm's row used (outcomes_continuous or outcomes_dichotomous)
--   control_row_id: the control arm's row used
--   intervention_statistic: the statistic of the intervention arm's row (MD)
--   control_statistic: the statistic of the control arm's row (MD)
--   intervention_mean: the intervention arm's mean used, in the analysis unit (10^9/L for cell counts, days for
--     stays), reported or converted (see derivation)
--   intervention_sd: the intervention arm's SD used, in the analysis unit
--   control_mean: the control arm's mean used, in the analysis unit
--   control_sd: the control arm's SD used, in the analysis unit
--   intervention_events: events in the intervention arm as reported (RR)
--   control_events: events in the control arm as reported (RR)
--   n_intervention: participants of the intervention arm (MD: the row's n, else the arm's n_analysed, else its
--     n_randomized; RR: the row's total)
--   n_control: participants of the control arm, as n_intervention
--   derivation: how the arms' mean and SD (or counts) were obtained
--   yi: the effect size (MD, or log RR); NULL when excluded
--   vi: the sampling variance of yi; NULL when excluded
--   continuity_corrected: true when 0.5 was added to every cell (a zero cell)
--   excluded: NULL when the comparison is pooled, else the reason it is not
CREATE OR REPLACE MACRO normal_quantile_central(q, r) AS
    q * (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r
        + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
        + 133.14166789178437745) * r + 3.387132872796366608)
      / (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r
        + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r
        + 42.313330701600911252) * r + 1.0);
CREATE OR REPLACE MACRO normal_quantile_near(r) AS
    (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
        + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
        + 4.6303378461565452959) * r + 1.42343711074968357734)
      / (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r
        + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r
        + 2.05319162663775882187) * r + 1.0);
CREATE OR REPLACE MACRO normal_quantile_far(r) AS
    (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r
        + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r
        + 5.4637849111641143699) * r + 6.6579046435011037772)
      / (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
        + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
        + 0.59983220655588793769) * r + 1.0);
CREATE OR REPLACE MACRO normal_quantile_tail(r) AS
    CASE WHEN r <= 5 THEN normal_quantile_near(r - 1.6) ELSE normal_quantile_far(r - 5) END;
CREATE OR REPLACE MACRO normal_quantile(p) AS CASE
    WHEN abs(p - 0.5) <= 0.425 THEN normal_quantile_central(p - 0.5, 0.180625 - (p - 0.5) * (p - 0.5))
    ELSE sign(p - 0.5) * normal_quantile_tail(sqrt(-ln(least(p, 1 - p))))
    END;
CREATE OR REPLACE VIEW effect_size_inputs AS
WITH ranked AS (
    SELECT o.*, coalesce(o.n, a.n_analysed, a.n_randomized)::DOUBLE AS n_used,
           unit_factor(o.unit) AS unit_factor,
           row_number() OVER (PARTITION BY o.study_id, o.outcome, o.analysis_timepoint, o.arm_role
                              ORDER BY statistic_rank(o.statistic), o.row_id) AS preference
    FROM outcomes_continuous AS o
    JOIN arms AS a USING (arm_id)
    WHERE o.analysis_timepoint IS NOT NULL
),
shaped AS (
    SELECT *,
           CASE WHEN statistic IN ('mean_sd', 'mean_se') THEN NULL
                WHEN q1 IS NOT NULL AND q3 IS NOT NULL AND min IS NOT NULL AND max IS NOT NULL THEN 'S2'
                WHEN min IS NOT NULL AND max IS NOT NULL THEN 'S1'
                WHEN q1 IS NOT NULL AND q3 IS NOT NULL THEN 'S3' END AS scenario,
           2 * normal_quantile((n_used - 0.375) / (n_used + 0.25)) AS xi,
           2 * normal_quantile((0.75 * n_used - 0.125) / (n_used + 0.25)) AS eta,
           CASE WHEN max > min THEN abs(min + max - 2 * median) / (max - min) ELSE 0 END AS skew_range,
           CASE WHEN q3 > q1 THEN abs(q1 + q3 - 2 * median) / (q3 - q1) ELSE 0 END AS skew_iqr
    FROM ranked
    WHERE preference = 1
),
arm_values AS (
    SELECT study_id, condition, outcome, analysis_timepoint AS timepoint, arm_role, row_id, statistic, n_used AS n,
           unit_factor * CASE
               WHEN statistic IN ('mean_sd', 'mean_se') THEN mean
               WHEN scenario = 'S1' THEN (min + 2 * median + max) / 4
               WHEN scenario = 'S2' THEN (min + 2 * q1 + 2 * median + 2 * q3 + max) / 8
               WHEN scenario = 'S3' THEN (q1 + median + q3) / 3 END AS mean,
           unit_factor * CASE
               WHEN statistic = 'mean_sd' THEN sd
               WHEN statistic = 'mean_se' THEN se * sqrt(n_used)
               WHEN scenario = 'S1' THEN (max - min) / xi
               WHEN scenario = 'S2' THEN (max - min) / (2 * xi) + (q3 - q1) / (2 * eta)
               WHEN scenario = 'S3' THEN (q3 - q1) / eta END AS sd,
           CASE WHEN statistic = 'mean_sd' THEN 'reported mean and SD'
                WHEN statistic = 'mean_se' THEN 'SD = SE x sqrt(n)'
                ELSE 'converted from ' || statistic || ' by wan2014' END AS derivation,
           CASE
               WHEN n_used IS NULL THEN row_id || ': no n'
               WHEN statistic_incomplete(statistic, mean, sd, se, median, q1, q3, min, max) OR
                    (statistic NOT IN ('mean_sd', 'mean_se') AND scenario IS NULL) THEN row_id || ': incomplete inputs'
               WHEN statistic IN ('mean_sd', 'mean_se') THEN NULL
               WHEN n_used < 5 THEN row_id || ': n below 5, too few to convert a median'
               WHEN (scenario = 'S1' AND skew_range >= 1 / ln(n_used + 9) + 2.5 / (n_used + 1))
                 OR (scenario = 'S3' AND skew_iqr >= 2.65 / sqrt(n_used) - 6 / (n_used * n_used))
                 OR (scenario = 'S2' AND greatest(2.65 * ln(0.6 * n_used) / sqrt(n_used) * skew_range, skew_iqr)
                                         >= 3 / sqrt(n_used) - 40 / (n_used * n_used * n_used))
                   THEN row_id || ': skewed (Shi 2023 test), median not converted'
           END AS problem
    FROM shaped
),
md AS (
    SELECT t.study_id, t.outcome, t.timepoint, t.condition AS subgroup, 'MD' AS measure,
           t.row_id AS intervention_row_id, c.row_id AS control_row_id,
           t.statistic AS intervention_statistic, c.statistic AS control_statistic,
           t.mean AS intervention_mean, t.sd AS intervention_sd, c.mean AS control_mean, c.sd AS control_sd,
           NULL::BIGINT AS intervention_events, NULL::BIGINT AS control_events,
           t.n AS n_intervention, c.n AS n_control,
           'intervention: ' || t.derivation || '; control: ' || c.derivation AS derivation,
           t.mean - c.mean AS yi,
           t.sd * t.sd / t.n + c.sd * c.sd / c.n AS vi,
           FALSE AS continuity_corrected,
           coalesce(t.problem, c.problem) AS problem
    FROM arm_values AS t
    JOIN arm_values AS c USING (study_id, outcome, timepoint)
    WHERE t.arm_role = 'intervention' AND c.arm_role = 'control'
),
counts AS (
    SELECT t.study_id, t.outcome, t.analysis_timepoint AS timepoint, t.condition AS subgroup,
           t.row_id AS intervention_row_id, c.row_id AS control_row_id,
           t.events AS intervention_events, c.events AS control_events,
           t.events::DOUBLE AS a, (t.total - t.events)::DOUBLE AS b,
           c.events::DOUBLE AS c, (c.total - c.events)::DOUBLE AS d,
           t.total::DOUBLE AS n_intervention, c.total::DOUBLE AS n_control
    FROM (SELECT *, row_number() OVER (PARTITION BY study_id, outcome, analysis_timepoint, arm_role ORDER BY row_id) AS pick
          FROM outcomes_dichotomous) AS t
    JOIN (SELECT *, row_number() OVER (PARTITION BY study_id, outcome, analysis_timepoint, arm_role ORDER BY row_id) AS pick
          FROM outcomes_dichotomous) AS c USING (study_id, outcome, analysis_timepoint)
    WHERE t.analysis_timepoint IS NOT NULL AND t.arm_role = 'intervention' AND c.arm_role = 'control'
      AND t.pick = 1 AND c.pick = 1
),
corrected AS (
    SELECT *,
           (a = 0 AND c = 0) OR (b = 0 AND d = 0) AS double_zero,
           CASE WHEN (a = 0 AND c = 0) OR (b = 0 AND d = 0) THEN 0.0
                WHEN a = 0 OR b = 0 OR c = 0 OR d = 0 THEN 0.5 ELSE 0.0 END AS cc
    FROM counts
),
rr AS (
    SELECT study_id, outcome, timepoint, subgroup, 'RR' AS measure, intervention_row_id, control_row_id,
           NULL AS intervention_statistic, NULL AS control_statistic,
           NULL::DOUBLE AS intervention_mean, NULL::DOUBLE AS intervention_sd,
           NULL::DOUBLE AS control_mean, NULL::DOUBLE AS control_sd,
           intervention_events, control_events, n_intervention, n_control,
           CASE WHEN cc > 0 THEN '0.5 added to every cell (a zero cell)' ELSE 'events as reported' END AS derivation,
           CASE WHEN double_zero THEN NULL
                ELSE ln(((a + cc) / (a + b + 2 * cc)) / ((c + cc) / (c + d + 2 * cc))) END AS yi,
           CASE WHEN double_zero THEN NULL
                ELSE 1 / (a + cc) - 1 / (a + b + 2 * cc) + 1 / (c + cc) - 1 / (c + d + 2 * cc) END AS vi,
           cc > 0 AS continuity_corrected,
           CASE WHEN double_zero THEN 'no events (or only events) in both arms: no information on the RR scale' END
               AS problem
    FROM corrected
),
comparisons AS (
    SELECT * FROM md
    UNION ALL
    SELECT * FROM rr
)
SELECT study_id, outcome, timepoint, subgroup, measure, intervention_row_id, control_row_id,
       intervention_statistic, control_statistic, intervention_mean, intervention_sd, control_mean, control_sd,
       intervention_events, control_events, n_intervention, n_control, derivation,
       CASE WHEN problem IS NULL THEN yi END AS yi,
       CASE WHEN problem IS NULL THEN vi END AS vi,
       continuity_corrected,
       CASE WHEN problem IS NOT NULL THEN problem
            WHEN NOT (isfinite(yi) AND isfinite(vi) AND vi > 0) THEN 'no finite effect with a positive variance'
       END AS excluded
FROM comparisons;
