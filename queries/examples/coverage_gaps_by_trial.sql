-- What is still wanted: per trial, how many (outcome, time point) cells are extracted, not reported or not reachable.
SELECT study_id, condition,
       count(*) FILTER (WHERE status = 'extracted') AS extracted,
       count(*) FILTER (WHERE status = 'not_reported') AS not_reported,
       count(*) FILTER (WHERE status = 'not_reachable') AS not_reachable,
       any_value(wanted_source) AS where_to_look
FROM coverage
GROUP BY study_id, condition
ORDER BY study_id;
