-- arms: one row per randomized arm, with its trial's condition.
-- Columns:
--   arm_id
--   study_id
--   condition: the trial's condition, sepsis or covid19 (from studies; the meta-analysis subgroup)
--   arm_role
--   label
--   n_randomized
--   n_analysed
--   source_id
--   location
--   snippet
--   method
--   note
CREATE OR REPLACE VIEW arms AS
SELECT a.arm_id, a.study_id, s.condition, a.arm_role, a.label, a.n_randomized, a.n_analysed,
       a.source_id, a.location, a.snippet, a.method, a.note
FROM raw.arms AS a
JOIN raw.studies AS s USING (study_id);
