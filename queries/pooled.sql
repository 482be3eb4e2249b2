-- pooled: one row per outcome x time point x subgroup (sepsis, covid19, all) x model (FE, DL; for risk ratios also
-- MH and MH-DL).
-- Columns: outcome, timepoint, measure, subgroup, model, k (studies pooled), k_excluded (comparisons present but
-- left out, listed with the reason in effect_size_inputs), estimate, ci_low, ci_high, pi_low, pi_high (on the
-- measure's scale: RR exponentiated), yi_pooled, se (analysis scale: log RR), tau2, q, i2.
-- FE: inverse-variance fixed effect. DL: DerSimonian-Laird random effects (tau2 = max(0, (Q - df) / C),
-- C = sum(w) - sum(w^2) / sum(w)). Q = sum(w (yi - FE)^2); I2 = max(0, (Q - df) / Q).
-- MH: Mantel-Haenszel risk ratio ("M-H, Fixed"), Greenland-Robins variance, 0.5 added to every cell of a study
-- with a zero cell inside the MH sums too (the plan's default zero_cells = add_0.5, RevMan's; the other convention
-- is computed by rhil7 reproduce only); Q about the MH estimate. MH-DL: RevMan's "M-H, Random": tau2 as DL but
-- from Q about the MH estimate, then inverse-variance pooling with weights 1 / (vi + tau2) (Deeks & Higgins 2010).
-- One study: Q = 0, tau2 = 0, I2 = 0 and every model gives the study's own estimate and interval.
-- 95% CI = estimate +/- 1.959964 x se. Prediction interval (DL, MH-DL, k >= 3): estimate +/- t(0.975, k - 1)
-- sqrt(se^2 + tau2), as rhil7 reproduce, R meta and RevMan; the t quantiles are listed below for k up to 101
-- (scipy.stats.t.ppf, checked by the tests). REML and Hartung-Knapp are computed by rhil7 reproduce only.
CREATE OR REPLACE VIEW pooled AS
WITH t_quantile(df, t975) AS (
    VALUES
        (2, 4.302652729749462), (3, 3.1824463052837078), (4, 2.7764451051977934), (5, 2.5705818356363146),
        (6, 2.4469118511449786), (7, 2.364624251592784), (8, 2.306004135204166), (9, 2.262157162798205),
        (10, 2.228138851986274), (11, 2.200985160091639), (12, 2.1788128296672284), (13, 2.1603686564627913),
        (14, 2.144786687917804), (15, 2.131449545559776), (16, 2.1199052992212546), (17, 2.1098155778333156),
        (18, 2.1009220402410382), (19, 2.0930240544083087), (20, 2.085963447265864), (21, 2.0796138447276795),
        (22, 2.0738730679040254), (23, 2.0686576104190486), (24, 2.0638985616280245), (25, 2.0595385527532972),
        (26, 2.0555294386428735), (27, 2.0518305164802846), (28, 2.0484071417952454), (29, 2.045229642132703),
        (30, 2.0422724563012378), (31, 2.039513446396408), (32, 2.0369333434601016), (33, 2.0345152974493383),
        (34, 2.0322445093177186), (35, 2.030107928250343), (36, 2.0280940009804502), (37, 2.0261924630291093),
        (38, 2.0243941639119694), (39, 2.022690920036761), (40, 2.021075390306273), (41, 2.019540970441376),
        (42, 2.0180817028184443), (43, 2.016692199227824), (44, 2.0153675744437636), (45, 2.014103388880846),
        (46, 2.012895598919429), (47, 2.0117405137297655), (48, 2.010634757624232), (49, 2.0095752371292392),
        (50, 2.008559112100761), (51, 2.007583770315836), (52, 2.006646805061688), (53, 2.0057459953178687),
        (54, 2.0048792881880564), (55, 2.0040447832891455), (56, 2.003240718847872), (57, 2.002465459291007),
        (58, 2.0017174841452356), (59, 2.000995378088267), (60, 2.0002978220142604), (61, 1.999623584994939),
        (62, 1.9989715170333788), (63, 1.998340542520741), (64, 1.997729654317693), (65, 1.9971379083920038),
        (66, 1.9965644189523117), (67, 1.996008354025296), (68, 1.9954689314298435), (69, 1.9949454151072374),
        (70, 1.994437111771186), (71, 1.9939433678456255), (72, 1.9934635666618719), (73, 1.992997125889855),
        (74, 1.992543495180932), (75, 1.9921021540022417), (76, 1.9916726096446642), (77, 1.9912543953883846),
        (78, 1.9908470688116906), (79, 1.9904502102301285), (80, 1.990063421254446), (81, 1.9896863234569029),
        (82, 1.989318557136572), (83, 1.9889597801751624), (84, 1.9886096669757083), (85, 1.9882679074772216),
        (86, 1.98793420623902), (87, 1.9876082815890708), (88, 1.9872898648311692), (89, 1.986978699506281),
        (90, 1.9866745407037683), (91, 1.9863771544186177), (92, 1.98608631695113), (93, 1.9858018143458227),
        (94, 1.985523441866604), (95, 1.9852510035054978), (96, 1.984984311522457), (97, 1.9847231860139845),
        (98, 1.9844674545084815), (99, 1.9842169515864174), (100, 1.9839715185235518)
),
input AS (
    SELECT outcome, timepoint, measure, subgroup, yi, vi FROM effect_sizes
    UNION ALL
    SELECT outcome, timepoint, measure, 'all' AS subgroup, yi, vi FROM effect_sizes
),
excluded AS (
    SELECT outcome, timepoint, measure, subgroup, count(*) AS k_excluded
    FROM (SELECT outcome, timepoint, measure, subgroup FROM effect_size_inputs WHERE excluded IS NOT NULL
          UNION ALL
          SELECT outcome, timepoint, measure, 'all' FROM effect_size_inputs WHERE excluded IS NOT NULL)
    GROUP BY ALL
),
sums AS (
    SELECT outcome, timepoint, measure, subgroup, count(*) AS k,
           sum(1 / vi) AS sw, sum(yi / vi) AS swy, sum(1 / (vi * vi)) AS sw2
    FROM input
    GROUP BY ALL
),
fixed AS (
    SELECT *, swy / sw AS fe, sw - sw2 / sw AS c FROM sums
),
mh_input AS (
    SELECT outcome, timepoint, measure, subgroup, yi, vi,
           intervention_events::DOUBLE + CASE WHEN continuity_corrected THEN 0.5 ELSE 0.0 END::DOUBLE AS a,
           control_events::DOUBLE + CASE WHEN continuity_corrected THEN 0.5 ELSE 0.0 END::DOUBLE AS c,
           n_intervention::DOUBLE + CASE WHEN continuity_corrected THEN 1.0 ELSE 0.0 END::DOUBLE AS n1,
           n_control::DOUBLE + CASE WHEN continuity_corrected THEN 1.0 ELSE 0.0 END::DOUBLE AS n2
    FROM effect_size_inputs
    WHERE measure = 'RR' AND excluded IS NULL
),
mh_studies AS (
    SELECT * FROM mh_input
    UNION ALL
    SELECT outcome, timepoint, measure, 'all', yi, vi, a, c, n1, n2 FROM mh_input
),
mh_sums AS (
    SELECT outcome, timepoint, measure, subgroup,
           sum(a * n2 / (n1 + n2)) AS sr, sum(c * n1 / (n1 + n2)) AS ss,
           sum((n1 * n2 * (a + c) - a * c * (n1 + n2)) / ((n1 + n2) * (n1 + n2))) AS sp
    FROM mh_studies
    GROUP BY ALL
),
mh AS (
    SELECT m.outcome, m.timepoint, m.measure, m.subgroup, f.k, f.c,
           CASE WHEN f.k = 1 THEN f.fe ELSE ln(m.sr / m.ss) END AS mh,
           CASE WHEN f.k = 1 THEN sqrt(1 / f.sw) ELSE sqrt(m.sp / (m.sr * m.ss)) END AS mh_se
    FROM mh_sums AS m
    JOIN fixed AS f USING (outcome, timepoint, measure, subgroup)
),
centres AS (
    -- the fixed-effect estimate of each family: inverse variance (FE, then DL) or Mantel-Haenszel (MH, then MH-DL)
    SELECT outcome, timepoint, measure, subgroup, 'IV' AS family, k, c, fe AS centre, sqrt(1 / sw) AS centre_se
    FROM fixed
    UNION ALL
    SELECT outcome, timepoint, measure, subgroup, 'MH', k, c, mh, mh_se FROM mh
),
het AS (
    -- Q about the family's own estimate, in a second pass (no cancellation of large sums)
    SELECT ce.outcome, ce.timepoint, ce.measure, ce.subgroup, ce.family, ce.k, ce.c, ce.centre, ce.centre_se,
           sum((i.yi - ce.centre) * (i.yi - ce.centre) / i.vi) AS q_sum
    FROM centres AS ce
    JOIN input AS i USING (outcome, timepoint, measure, subgroup)
    GROUP BY ALL
),
tau AS (
    SELECT *,
           CASE WHEN k > 1 THEN q_sum ELSE 0 END AS q,
           CASE WHEN k > 1 AND c > 0 THEN greatest(0, (q_sum - (k - 1)) / c) ELSE 0 END AS tau2,
           CASE WHEN k > 1 AND q_sum > 0 THEN greatest(0, (q_sum - (k - 1)) / q_sum) ELSE 0 END AS i2
    FROM het
),
random AS (
    SELECT t.outcome, t.timepoint, t.measure, t.subgroup, t.family,
           sum(i.yi / (i.vi + t.tau2)) / sum(1 / (i.vi + t.tau2)) AS est,
           sqrt(1 / sum(1 / (i.vi + t.tau2))) AS est_se
    FROM tau AS t
    JOIN input AS i USING (outcome, timepoint, measure, subgroup)
    GROUP BY ALL
),
models AS (
    SELECT outcome, timepoint, measure, subgroup, CASE family WHEN 'IV' THEN 'FE' ELSE 'MH' END AS model, k,
           centre AS yi_pooled, centre_se AS se, 0.0 AS tau2, q, i2, NULL::DOUBLE AS pi_half
    FROM tau
    UNION ALL
    SELECT t.outcome, t.timepoint, t.measure, t.subgroup, CASE t.family WHEN 'IV' THEN 'DL' ELSE 'MH-DL' END, t.k,
           r.est, r.est_se, t.tau2, t.q, t.i2, CASE WHEN t.k >= 3 THEN q.t975 * sqrt(r.est_se * r.est_se + t.tau2) END
    FROM tau AS t
    JOIN random AS r USING (outcome, timepoint, measure, subgroup, family)
    LEFT JOIN t_quantile AS q ON q.df = t.k - 1
)
SELECT m.outcome, m.timepoint, m.measure, m.subgroup, m.model, m.k, coalesce(x.k_excluded, 0) AS k_excluded,
       CASE WHEN m.measure = 'RR' THEN exp(m.yi_pooled) ELSE m.yi_pooled END AS estimate,
       CASE WHEN m.measure = 'RR' THEN exp(m.yi_pooled - z975() * m.se)
            ELSE m.yi_pooled - z975() * m.se END AS ci_low,
       CASE WHEN m.measure = 'RR' THEN exp(m.yi_pooled + z975() * m.se)
            ELSE m.yi_pooled + z975() * m.se END AS ci_high,
       CASE WHEN m.measure = 'RR' THEN exp(m.yi_pooled - m.pi_half) ELSE m.yi_pooled - m.pi_half END AS pi_low,
       CASE WHEN m.measure = 'RR' THEN exp(m.yi_pooled + m.pi_half) ELSE m.yi_pooled + m.pi_half END AS pi_high,
       m.yi_pooled, m.se, m.tau2, m.q, m.i2
FROM models AS m
LEFT JOIN excluded AS x USING (outcome, timepoint, measure, subgroup);
