-- study_provenance: one row per filled cell of studies (trial x field), with where its value was read.
-- Columns:
--   study_id
--   condition: the trial's condition, sepsis or covid19 (from studies; the meta-analysis subgroup)
--   field
--   source_id
--   location
--   snippet
--   method
--   note
CREATE OR REPLACE VIEW study_provenance AS
SELECT p.study_id, s.condition, p.field, p.source_id, p.location, p.snippet, p.method, p.note
FROM raw.study_provenance AS p
JOIN raw.studies AS s USING (study_id);
