-- Every snippet behind one trial's values: trial characteristics, arm sizes and outcome numbers, with the source
-- and the place in it each was read from.
SELECT table_name, row_key, field, value, source_id, location, snippet
FROM provenance
WHERE study_id = 'daix2023'
ORDER BY table_name, row_key, field;
