# Reference values for the pooling engine on sparse data, RevMan's "M-H, Random", prediction intervals and
# the test for subgroup differences. Run from the repository root:
#
#     Rscript tests/reference/sparse_and_subgroups.R > tests/reference/sparse_and_subgroups.csv
#
# It also writes the two input tables it uses, nielweise2007.csv and bcg_alloc.csv, next to itself.
#
# Printed with R 4.2.2, metafor 3.8-1 and metadat 1.2-0 (Debian packages r-cran-metafor, r-cran-metadat).
# Output: one line per number, "item,quantity,value", 15 significant digits; tests/test_sparse_reference.py
# reads it, so the test suite needs no R. Estimates are on the analysis scale (log RR for RR, MD in the
# data's unit); ci_* are the 95% bounds on that scale.
suppressPackageStartupMessages(library(metafor))

out <- function(item, quantity, value) cat(sprintf("%s,%s,%.15g\n", item, quantity, value))
fit_out <- function(item, res) {
  out(item, "k", res$k)
  out(item, "estimate", as.numeric(coef(res)[1]))
  out(item, "se", res$se[1])
  out(item, "ci_low", res$ci.lb[1])
  out(item, "ci_high", res$ci.ub[1])
  out(item, "tau2", ifelse(is.null(res$tau2), 0, res$tau2))
  out(item, "q", res$QE)
  out(item, "i2", ifelse(is.null(res$I2) || is.na(res$I2), 0, res$I2 / 100))
}
cat("item,quantity,value\n")
# The input data, as metadat ships them, for the tests (which read these files, not R).
write.csv(dat.nielweise2007[, c("study", "author", "year", "ai", "n1i", "ci", "n2i")],
          "tests/reference/nielweise2007.csv", row.names = FALSE, quote = FALSE)
write.csv(dat.bcg[, c("trial", "author", "year", "tpos", "tneg", "cpos", "cneg", "alloc")],
          "tests/reference/bcg_alloc.csv", row.names = FALSE, quote = FALSE)

## 1. A single study. metafor fits k = 1 with tau2 = 0 and returns the study's own estimate and interval.
one_md <- escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
                 data = dat.normand1999[1, ])
fit_out("single_md_FE", rma(yi, vi, data = one_md, method = "FE"))
fit_out("single_md_DL", rma(yi, vi, data = one_md, method = "DL"))
fit_out("single_md_REML", rma(yi, vi, data = one_md, method = "REML"))
one_rr <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg[1, ])
fit_out("single_rr_DL", rma(yi, vi, data = one_rr, method = "DL"))
fit_out("single_rr_MH", rma.mh(ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg[1, ], measure = "RR"))
# a single study with a zero cell (Bach 1996 of dat.nielweise2007): 0.5 added to each cell
one_zero <- escalc("RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.nielweise2007[1, ])
fit_out("single_zero_rr_DL", rma(yi, vi, data = one_zero, method = "DL"))

## 2. Zero cells: dat.nielweise2007 (18 trials of anti-infective catheters, catheter-related bloodstream
## infection; five trials with one zero cell, Yucel 2004 with no event in either arm).
d <- dat.nielweise2007
# metafor's default: 0.5 only for the study log RRs (Q, forest plot), MH sums on the counts as reported;
# double-zero studies dropped.
fit_out("nielweise_MH_uncorrected", rma.mh(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d, measure = "RR"))
# RevMan 5 / R meta: 0.5 added to every cell of a single-zero study inside the MH sums as well.
fit_out("nielweise_MH_add", rma.mh(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d, measure = "RR",
                                   add = c(1/2, 1/2), to = c("only0", "only0"), drop00 = c(TRUE, TRUE)))
# inverse-variance pooling of the study log RRs (0.5 added to single-zero studies, double zero dropped)
nw <- escalc("RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d, drop00 = TRUE)
fit_out("nielweise_FE", rma(yi, vi, data = nw, method = "FE"))
fit_out("nielweise_DL", rma(yi, vi, data = nw, method = "DL"))

## 3. RevMan's "M-H, Random" (Deeks & Higgins, Statistical algorithms in Review Manager 5, 2010):
## a HAND COMPUTATION in R following that document, not a metafor function. tau2 is DerSimonian-Laird with
## Q computed about the Mantel-Haenszel estimate using the inverse-variance weights of the study log RRs;
## the pooled log RR is the inverse-variance random-effects mean with weights 1/(v_i + tau2).
mh_random <- function(item, mh, es) {
  es <- es[!is.na(es$yi), ]
  w <- 1 / es$vi
  q <- sum(w * (es$yi - as.numeric(coef(mh)))^2)
  df <- nrow(es) - 1
  tau2 <- max(0, (q - df) / (sum(w) - sum(w^2) / sum(w)))
  wr <- 1 / (es$vi + tau2)
  est <- sum(wr * es$yi) / sum(wr)
  se <- sqrt(1 / sum(wr))
  out(item, "k", nrow(es))
  out(item, "estimate", est)
  out(item, "se", se)
  out(item, "ci_low", est - qnorm(0.975) * se)
  out(item, "ci_high", est + qnorm(0.975) * se)
  out(item, "tau2", tau2)
  out(item, "q", q)
  out(item, "i2", max(0, (q - df) / q))
}
bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
mh_random("bcg_MH_random", rma.mh(ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg, measure = "RR"), bcg)
mh_random("nielweise_MH_random_add",
          rma.mh(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d, measure = "RR",
                 add = c(1/2, 1/2), to = c("only0", "only0"), drop00 = c(TRUE, TRUE)), nw)
mh_random("nielweise_MH_random_uncorrected", rma.mh(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d, measure = "RR"), nw)

## 4. Prediction intervals on dat.bcg (log RR). metafor's predict(): with the default test="z" the interval
## is mu +/- z(0.975) sqrt(se^2 + tau2); with test="t" it is mu +/- t(0.975, k-1) sqrt(se^2 + tau2), the
## method of R meta (>= 7) and of RevMan since 2025, which the engine uses by default.
for (method in c("DL", "REML")) {
  pz <- predict(rma(yi, vi, data = bcg, method = method))
  pt <- predict(rma(yi, vi, data = bcg, method = method, test = "t"))
  out(paste0("bcg_PI_", method), "pi_low_z", pz$pi.lb)
  out(paste0("bcg_PI_", method), "pi_high_z", pz$pi.ub)
  out(paste0("bcg_PI_", method), "pi_low_t", pt$pi.lb)
  out(paste0("bcg_PI_", method), "pi_high_t", pt$pi.ub)
}

## 5. Test for subgroup differences on dat.bcg, subgroups by allocation method (alloc: random, alternate,
## systematic). As RevMan: a separate fit per subgroup (each with its own tau2), then Cochran's Q of the
## subgroup estimates, chi-square on G - 1 df = a fixed-effect rma() on the subgroup estimates.
for (method in c("FE", "DL")) {
  fits <- lapply(split(bcg, bcg$alloc), function(g) rma(yi, vi, data = g, method = method))
  for (g in names(fits)) fit_out(paste0("bcg_alloc_", g, "_", method), fits[[g]])
  between <- rma(sapply(fits, function(f) as.numeric(coef(f))), sei = sapply(fits, function(f) f$se), method = "FE")
  out(paste0("bcg_subgroups_", method), "q_between", between$QE)
  out(paste0("bcg_subgroups_", method), "df", between$k - 1)
  out(paste0("bcg_subgroups_", method), "p", between$QEp)
}
# For comparison only (the engine does not compute it): the meta-regression test with one common tau2.
mr <- rma(yi, vi, mods = ~ alloc, data = bcg, method = "DL")
out("bcg_alloc_metaregression_DL", "qm", mr$QM)
out("bcg_alloc_metaregression_DL", "df", mr$QMdf[1])

