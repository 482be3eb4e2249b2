-- coverage: one row per trial x outcome x meta-analysis time point: extracted, not_reported or not_reachable.
-- Columns:
--   study_id
--   condition: the trial's condition, sepsis or covid19 (from studies; the meta-analysis subgroup)
--   outcome
--   timepoint
--   status
--   detail
--   wanted_source
CREATE OR REPLACE VIEW coverage AS
SELECT c.study_id, s.condition, c.outcome, c.timepoint, c.status, c.detail, c.wanted_source
FROM raw.coverage AS c
JOIN raw.studies AS s USING (study_id);
