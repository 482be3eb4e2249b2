-- The abstract's figures next to the DerSimonian-Laird pooled estimates from the package, with the coverage that
-- decides whether the comparison holds: complete = false means trials are missing (missing_studies says which),
-- and rhil7 reproduce calls the target not_computable; the pooled columns are empty where nothing is pooled.
SELECT p.target_id, p.measure, p.estimate AS published, p.ci_low AS published_low, p.ci_high AS published_high,
       q.k, q.k_missing, q.complete, q.estimate AS pooled, q.ci_low AS pooled_low, q.ci_high AS pooled_high,
       q.missing_studies
FROM published_results AS p
LEFT JOIN pooled AS q
  ON q.outcome = p.outcome AND q.timepoint = p.timepoint AND q.subgroup = p.subgroup AND q.model = 'DL'
ORDER BY p.target_id;
