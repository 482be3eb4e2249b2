-- outcomes_dichotomous: one row per arm x outcome x time frame, events out of total as reported.
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
--   events
--   total
--   source_id
--   location
--   snippet
--   method
--   note
CREATE OR REPLACE VIEW outcomes_dichotomous AS
SELECT o.row_id, o.study_id, s.condition, o.arm_id, a.arm_role, o.outcome, o.timepoint, o.timepoint_reported,
       o.analysis_timepoint, o.events, o.total, o.source_id, o.location, o.snippet, o.method, o.note
FROM raw.outcomes_dichotomous AS o
JOIN raw.arms AS a USING (arm_id)
JOIN raw.studies AS s ON s.study_id = o.study_id;
