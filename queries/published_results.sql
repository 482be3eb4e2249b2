-- published_results: the abstract's pooled figures as data; one row per figure (or statement without a figure).
-- Named like the table and the file (tables/published_results.csv); the view published is its deprecated alias.
-- Columns: every column of tables/published_results.csv (target_id, outcome, subgroup, timepoint, measure,
-- estimate, ci_low, ci_high, p_value, p_text, decimals, finding, source_id, snippet; their meanings are the Table
-- Schema's, in datapackage.json and docs/data-dictionary.md).
CREATE OR REPLACE VIEW published_results AS
SELECT * FROM raw.published_results;
