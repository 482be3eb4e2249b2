-- Which trials report CD4+ counts at 3 weeks, and for those that are not in the package, why not.
SELECT study_id, condition, status, detail
FROM coverage
WHERE outcome = 'cd4' AND timepoint = 'week3'
ORDER BY study_id;
