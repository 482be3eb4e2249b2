-- effect_sizes: one row per study x outcome x analysis time point that is pooled (the comparison).
-- Columns: study_id, outcome, timepoint (the analysis_timepoint), subgroup (sepsis | covid19), measure (MD | RR),
-- yi (MD in 10^9/L for cell counts or days for stays; log RR), vi (its variance),
-- n_intervention, n_control, continuity_corrected.
-- The rules (one statistic per arm, SE to SD, Wan 2014 median conversion with metafor's safeguards, units, zero
-- cells) are those of the Python analysis; they are written once, in effect_size_inputs, which also lists the
-- comparisons left out and why (column excluded).
CREATE OR REPLACE VIEW effect_sizes AS
SELECT study_id, outcome, timepoint, subgroup, measure, yi, vi, n_intervention, n_control, continuity_corrected
FROM effect_size_inputs
WHERE excluded IS NULL;
