-- provenance: one row per value of the package with the snippet behind it: each filled field of studies (its
-- study_provenance row), the numbers of arms (n_randomized, n_analysed), of outcomes_continuous (n and the
-- statistic's values) and of outcomes_dichotomous (events, total). Every snippet behind a trial is one WHERE:
-- SELECT * FROM provenance WHERE study_id = 'daix2023'.
-- Columns:
--   table_name: the table that holds the value (studies, arms, outcomes_continuous, outcomes_dichotomous)
--   row_key: the value's row in that table (study_id, arm_id or row_id)
--   study_id: the trial
--   condition: the trial's condition, sepsis or covid19 (from studies; the meta-analysis subgroup)
--   arm_id: the arm the value belongs to (NULL for a field of studies)
--   field: the column that holds the value
--   value: the value as text, as stored
--   source_id: the source the value was read from (key into sources)
--   location: where in the source (section, table, figure)
--   snippet: the source's words or numbers the value was read from, verbatim
--   method: how the value was obtained from the snippet
--   note: the extractor's note on the row
CREATE OR REPLACE VIEW provenance AS
WITH study_values AS (
    UNPIVOT (SELECT study_id, COLUMNS(* EXCLUDE (study_id))::VARCHAR FROM raw.studies)
    ON COLUMNS(* EXCLUDE (study_id)) INTO NAME field VALUE value
),
arm_values AS (
    UNPIVOT (SELECT arm_id, n_randomized::VARCHAR AS n_randomized, n_analysed::VARCHAR AS n_analysed FROM raw.arms)
    ON n_randomized, n_analysed INTO NAME field VALUE value
),
continuous_values AS (
    UNPIVOT (SELECT row_id, n::VARCHAR AS n, mean::VARCHAR AS mean, sd::VARCHAR AS sd, se::VARCHAR AS se,
                    median::VARCHAR AS median, q1::VARCHAR AS q1, q3::VARCHAR AS q3, min::VARCHAR AS min,
                    max::VARCHAR AS max
             FROM raw.outcomes_continuous)
    ON n, mean, sd, se, median, q1, q3, min, max INTO NAME field VALUE value
),
dichotomous_values AS (
    UNPIVOT (SELECT row_id, events::VARCHAR AS events, total::VARCHAR AS total FROM raw.outcomes_dichotomous)
    ON events, total INTO NAME field VALUE value
)
SELECT 'studies' AS table_name, p.study_id AS row_key, p.study_id, s.condition, NULL::VARCHAR AS arm_id, p.field,
       v.value, p.source_id, p.location, p.snippet, p.method, p.note
FROM raw.study_provenance AS p
JOIN raw.studies AS s USING (study_id)
LEFT JOIN study_values AS v USING (study_id, field)
UNION ALL
SELECT 'arms', a.arm_id, a.study_id, s.condition, a.arm_id, v.field, v.value, a.source_id, a.location, a.snippet,
       a.method, a.note
FROM arm_values AS v
JOIN raw.arms AS a USING (arm_id)
JOIN raw.studies AS s USING (study_id)
UNION ALL
SELECT 'outcomes_continuous', o.row_id, o.study_id, s.condition, o.arm_id, v.field, v.value, o.source_id, o.location,
       o.snippet, o.method, o.note
FROM continuous_values AS v
JOIN raw.outcomes_continuous AS o USING (row_id)
JOIN raw.studies AS s ON s.study_id = o.study_id
UNION ALL
SELECT 'outcomes_dichotomous', o.row_id, o.study_id, s.condition, o.arm_id, v.field, v.value, o.source_id, o.location,
       o.snippet, o.method, o.note
FROM dichotomous_values AS v
JOIN raw.outcomes_dichotomous AS o USING (row_id)
JOIN raw.studies AS s ON s.study_id = o.study_id;
