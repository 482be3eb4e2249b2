-- published: DEPRECATED alias of published_results (the name of the table and the file), kept for one release
-- (0.2.x) and removed after it; query published_results.
-- Columns: every column of tables/published_results.csv (see published_results).
CREATE OR REPLACE VIEW published AS
SELECT * FROM published_results;
