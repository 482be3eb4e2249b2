-- Randomized and analysed participants per arm, and each trial's total as the trial reports it.
SELECT a.study_id, a.arm_role, a.label, a.n_randomized, a.n_analysed, s.n_randomized AS trial_total
FROM arms AS a
JOIN studies AS s USING (study_id)
ORDER BY a.study_id, a.arm_role DESC;
