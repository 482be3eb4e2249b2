# Reference values for REML at the boundary tau2 = 0, Hartung-Knapp with one study, Q's p-value at k = 1 and
# metafor's double-zero conventions (issue 25). Run from the repository root:
#
#     Rscript tests/reference/reml_boundary.R > tests/reference/reml_boundary.csv
#
# It also writes the input counts it uses, reml_boundary_inputs.csv, next to itself.
#
# Printed with R 4.2.2, metafor 3.8-1 and metadat 1.2-0 (Debian packages r-cran-metafor, r-cran-metadat).
# Output: one line per number, "item,quantity,value", 15 significant digits; tests/test_pooling_reference.py
# reads it, so the test suite needs no R. Estimates are log risk ratios.
#
# REML fits use control = list(threshold = 1e-10): metafor's default stops Fisher scoring when tau2 changes by
# less than 1e-5, which on collins1985a_other leaves tau2 = 7.5e-6 where the restricted likelihood is highest at
# 0 (it reports both, so the tests can show the difference). ll_* is the restricted log-likelihood as metafor
# computes it (logLik of a REML fit); ll_at_0 is that of the same model with tau2 fixed at 0.
suppressPackageStartupMessages({library(metafor); library(metadat)})

out <- function(item, quantity, value) cat(sprintf("%s,%s,%.15g\n", item, quantity, value))
fit_out <- function(item, res) {
  out(item, "k", res$k)
  out(item, "estimate", as.numeric(coef(res)[1]))
  out(item, "se", res$se[1])
  out(item, "ci_low", res$ci.lb[1])
  out(item, "ci_high", res$ci.ub[1])
  out(item, "tau2", ifelse(is.null(res$tau2), 0, res$tau2))
  out(item, "q", res$QE)
  out(item, "q_p", res$QEp)
  out(item, "i2", ifelse(is.null(res$I2) || is.na(res$I2), 0, res$I2 / 100))
  out(item, "p", res$pval[1])
}
TIGHT <- list(threshold = 1e-10, maxiter = 1000)

# The data sets: log risk ratios of two-arm trials (ai/n1i events/total in the first arm, ci/n2i in the second)
issue25 <- data.frame(study = 1:4, ai = c(13, 11, 14, 1), n1i = c(122, 172, 90, 24),
                      ci = c(22, 1, 3, 24), n2i = c(191, 149, 21, 164))
y <- dat.yusuf1985
co <- dat.collins1985a
sets <- list(
  issue25 = issue25,
  hine1989 = data.frame(study = dat.hine1989$study, ai = dat.hine1989$ai, n1i = dat.hine1989$n1i,
                        ci = dat.hine1989$ci, n2i = dat.hine1989$n2i),
  yusuf1985_6 = with(y[y$table == "6", ], data.frame(study = id, ai, n1i, ci, n2i)),
  yusuf1985_9 = with(y[y$table == "9", ], data.frame(study = id, ai, n1i, ci, n2i)),
  yusuf1985_11 = with(y[y$table == "11", ], data.frame(study = id, ai, n1i, ci, n2i)),
  collins1985a_other = with(co, data.frame(study = id, ai = o.xti, n1i = nti, ci = o.xci, n2i = nci)),
  egger2001 = with(dat.egger2001, data.frame(study = id, ai, n1i, ci, n2i))
)
sets <- lapply(sets, function(s) s[complete.cases(s), ])  # trials without counts for the outcome
inputs <- do.call(rbind, lapply(names(sets), function(n) cbind(dataset = n, sets[[n]])))
write.csv(inputs, "tests/reference/reml_boundary_inputs.csv", row.names = FALSE, quote = FALSE)

cat("item,quantity,value\n")
for (n in names(sets)) {
  es <- escalc("RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = sets[[n]], drop00 = TRUE)
  es <- es[!is.na(es$yi), ]
  reml <- rma(yi, vi, data = es, method = "REML", control = TIGHT)
  fit_out(paste0(n, "_REML"), reml)
  out(paste0(n, "_REML"), "ll", as.numeric(logLik(reml)))
  out(paste0(n, "_REML"), "ll_at_0", as.numeric(logLik(rma(yi, vi, data = es, method = "REML", tau2 = 0))))
  default <- suppressWarnings(rma(yi, vi, data = es, method = "REML"))
  out(paste0(n, "_REML_default_control"), "tau2", default$tau2)
  fit_out(paste0(n, "_REML_HK"), rma(yi, vi, data = es, method = "REML", test = "knha", control = TIGHT))
  fit_out(paste0(n, "_DL"), rma(yi, vi, data = es, method = "DL"))
}

## Hartung-Knapp with one study: metafor sets test = "z" (warning "Setting argument test="z" since k=1"),
## and Q on 0 df has p = 1.
one <- escalc("RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = issue25[1, ])
fit_out("single_DL_HK", suppressWarnings(rma(yi, vi, data = one, method = "DL", test = "knha")))
fit_out("single_FE", rma(yi, vi, data = one, method = "FE"))

## Double-zero studies: escalc's default keeps them (0.5 added to every cell); drop00 = TRUE leaves them out,
## as the engine and RevMan do (dat.nielweise2007, Yucel 2004 has no event in either arm).
nw <- dat.nielweise2007
fit_out("nielweise_DL_drop00", rma(yi, vi, method = "DL",
                                   data = escalc("RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = nw, drop00 = TRUE)))
fit_out("nielweise_DL_keep00", rma(yi, vi, method = "DL",
                                   data = escalc("RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = nw)))

## Fisher scoring that cycles: on these ten studies (random numbers, not a published data set) plain Fisher scoring
## alternates between 0 and 1.046 for ever (metafor: "Fisher scoring algorithm did not converge"); with step
## halving (stepadj = 0.5) it reaches the maximum. The values are written to reml_cycle.csv for the test.
cycle <- data.frame(
  yi = c(-0.5316014313868197, -1.1940531480180563, -0.179665949677771, 0.82223093462016539, -0.79517985982181294,
         -2.6953574421174413, 0.57643924637891797, -1.6000891608258372, 0.26836867050531421, 3.2420621009406778),
  vi = c(1.9993874155048057, 6.7747351453682247, 6.7792436000821397, 0.69673287388140581, 4.3887393057291026,
         5.969613108756012, 2.7699192868530429, 0.60171717939437297, 3.5269303212440075, 7.8005810420644828))
write.csv(format(cycle, digits = 17), "tests/reference/reml_cycle.csv", row.names = FALSE, quote = FALSE)
fit_out("fisher_cycle_REML", rma(yi, vi, data = cycle, method = "REML",
                                 control = list(threshold = 1e-10, maxiter = 1000, stepadj = 0.5)))
out("fisher_cycle_REML", "default_converges", !inherits(try(rma(yi, vi, data = cycle, method = "REML"),
                                                            silent = TRUE), "try-error"))
