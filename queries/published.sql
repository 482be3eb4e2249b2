-- published: the abstract's pooled figures as data; one row per figure (or statement without a figure).
-- Columns: target_id, outcome, subgroup (sepsis | covid19 | all), timepoint, measure (MD | RR),
-- estimate, ci_low, ci_high, p_value, p_text, decimals, finding, source_id, snippet.
CREATE OR REPLACE VIEW published AS
SELECT * FROM raw.published_results;
