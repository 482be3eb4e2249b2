-- All mortality data: deaths out of total per arm and time frame, with the source location.
SELECT study_id, condition, arm_role, timepoint_reported, events, total, round(events / total, 3) AS risk, location
FROM outcomes_dichotomous
WHERE outcome = 'mortality'
ORDER BY study_id, timepoint, arm_role;
