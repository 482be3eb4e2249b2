-- studies: one row per trial.
-- Columns: every column of tables/studies.csv (study_id, short_citation, title, year, doi, pmid, pmcid,
-- registry_ids, condition, design, countries, intervention, dose, route, schedule, control,
-- lymphopenia_threshold, follow_up, follow_up_days, n_randomized, funding, identification, source_id; their
-- meanings are the Table Schema's, in datapackage.json and docs/data-dictionary.md).
CREATE OR REPLACE VIEW studies AS
SELECT * FROM raw.studies;
