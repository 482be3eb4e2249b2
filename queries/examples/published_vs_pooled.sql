-- The abstract's figures next to the DerSimonian-Laird pooled estimates from the package (empty where no data).
SELECT p.target_id, p.measure, p.estimate AS published, p.ci_low AS published_low, p.ci_high AS published_high,
       q.k, q.estimate AS pooled, q.ci_low AS pooled_low, q.ci_high AS pooled_high
FROM published AS p
LEFT JOIN pooled AS q
  ON q.outcome = p.outcome AND q.timepoint = p.timepoint AND q.subgroup = p.subgroup AND q.model = 'DL'
ORDER BY p.target_id;
