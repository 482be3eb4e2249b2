-- sources: one row per source document read during extraction.
-- Columns: every column of tables/sources.csv (source_id, study_id, kind, title, url, doi, accessed, reach, note;
-- their meanings are the Table Schema's, in datapackage.json and docs/data-dictionary.md).
CREATE OR REPLACE VIEW sources AS
SELECT * FROM raw.sources;
