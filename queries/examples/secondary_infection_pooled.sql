-- Pooled risk ratio of patients with at least one secondary infection, by subgroup and model.
SELECT subgroup, model, k, round(estimate, 2) AS rr, round(ci_low, 2) AS ci_low, round(ci_high, 2) AS ci_high,
       round(tau2, 4) AS tau2, round(100 * i2, 1) AS i2_percent
FROM pooled
WHERE outcome = 'secondary_infection'
ORDER BY subgroup, model;
