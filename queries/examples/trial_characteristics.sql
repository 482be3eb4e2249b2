-- The trials at a glance: condition, size, route, dose, schedule and lymphopenia threshold.
SELECT study_id, condition, n_randomized, route, dose, schedule, lymphopenia_threshold, registry_ids
FROM studies
ORDER BY year;
