-- effect_sizes: one row per study x outcome x analysis time point that is pooled (the comparison).
-- The rules (one statistic per arm, SE to SD, Wan 2014 median conversion with metafor's safeguards, units, zero
-- cells) are those of the Python analysis; they are written once, in effect_size_inputs, which also lists the
-- comparisons left out and why (column excluded).
-- Columns:
--   study_id
--   outcome
--   timepoint: the meta-analysis time point (the rows' analysis_timepoint)
--   subgroup: the trial's condition, sepsis or covid19
--   measure: MD (mean difference) or RR (risk ratio)
--   yi: the effect size: MD in 10^9/L for cell counts or days for stays; log RR
--   vi: the sampling variance of yi
--   n_intervention: participants of the intervention arm in the comparison
--   n_control: participants of the control arm in the comparison
--   continuity_corrected: true when 0.5 was added to every cell (a zero cell)
CREATE OR REPLACE VIEW effect_sizes AS
SELECT study_id, outcome, timepoint, subgroup, measure, yi, vi, n_intervention, n_control, continuity_corrected
FROM effect_size_inputs
WHERE excluded IS NULL;
