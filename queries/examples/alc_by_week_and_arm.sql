-- Absolute lymphocyte count by trial, arm and time point, as reported (one row per arm x time point).
SELECT study_id, condition, arm_role, timepoint, timepoint_reported, statistic, n, mean, sd, median, q1, q3, unit
FROM outcomes_continuous
WHERE outcome = 'alc'
ORDER BY study_id, timepoint, arm_role;
