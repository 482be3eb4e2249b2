-- sources: one row per source document read during extraction.
-- Columns: source_id, study_id, kind, title, url, doi, accessed, reach, note.
CREATE OR REPLACE VIEW sources AS
SELECT * FROM raw.sources;
