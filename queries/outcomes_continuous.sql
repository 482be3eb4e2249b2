-- outcomes_continuous: one row per arm x outcome x time point, values as reported (effect_size_inputs converts them).
-- Columns:
--   row_id
--   study_id
--   condition: the trial's condition, sepsis or covid19 (from studies; the meta-analysis subgroup)
--   arm_id
--   arm_role: intervention or control (from arms)
--   outcome
--   timepoint
--   timepoint_reported
--   analysis_timepoint
--   statistic
--   n
--   mean
--   sd
--   se
--   median
--   q1
--   q3
--   min
--   max
--   unit
--   source_id
--   location
--   snippet
--   method
--   note
CREATE OR REPLACE VIEW outcomes_continuous AS
SELECT o.row_id, o.study_id, s.condition, o.arm_id, a.arm_role, o.outcome, o.timepoint, o.timepoint_reported,
       o.analysis_timepoint, o.statistic, o.n, o.mean, o.sd, o.se, o.median, o.q1, o.q3, o.min, o.max, o.unit,
       o.source_id, o.location, o.snippet, o.method, o.note
FROM raw.outcomes_continuous AS o
JOIN raw.arms AS a USING (arm_id)
JOIN raw.studies AS s ON s.study_id = o.study_id;
