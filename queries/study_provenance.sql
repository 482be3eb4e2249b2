-- study_provenance: one row per filled cell of studies (trial x field), with where its value was read.
-- Columns: study_id, condition, field (a column of studies), source_id, location, snippet (verbatim), method, note.
CREATE OR REPLACE VIEW study_provenance AS
SELECT p.study_id, s.condition, p.field, p.source_id, p.location, p.snippet, p.method, p.note
FROM raw.study_provenance AS p
JOIN raw.studies AS s USING (study_id);
