# Reference values for findings.appraisal.rob_sensitivity (risk-of-bias-aware pooling) from metafor.
#
# Run from the repository root:
#   Rscript tests/reference/make_rob_subset_reference.R
# Writes tests/reference/rob_subset_reference.json (tests read only the JSON).
#
# Model: logit (PLO), REML, Knapp-Hartung (test = "knha"), PI on t(k-1) (Model(ci_method="hksj")).
# Scenario "shipped": the ORR counts and overall judgements / MINORS totals of the shipped data
# when this fixture was made (frozen here, so later data edits do not move the reference).
# Scenario "balanced": the same counts with a constructed judgement vector that leaves more
# studies in each group. For each: rma(..., subset = overall != "High"); one rma per overall
# level and Cochran's Q of the level estimates (rma(b, sei = se, method = "FE")); and
# rma(..., mods = ~ minors) (meta-regression on the MINORS total). metafor's default controls
# (REML stops when the change in tau^2 is <= 1e-5), as the engine's defaults.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})


xi <- c(9, 3, 10, 7, 6, 16, 9, 9, 6, 9, 11)
ni <- c(37, 6, 59, 27, 6, 37, 21, 43, 33, 26, 54)
scenarios <- list(
  shipped = list(
    overall = c("High", "High", "High", "High", "High", "Some concerns", "High", "Some concerns",
                "High", "High", "High"),
    minors = c(4, 6, 7, 4, 9, 6, 9, 10, 9, 7, 8)),
  balanced = list(
    overall = c("High", "Low", "Some concerns", "High", "Low", "Some concerns", "High",
                "Some concerns", "High", "Low", "Some concerns"),
    minors = c(5, 14, 10, 4, 15, 11, 6, 12, 7, 14, 9))
)

fit_out <- function(fit) {
  p <- predict(fit)
  list(k = fit$k, estimate = transf.ilogit(as.numeric(fit$b)), ci_low = transf.ilogit(fit$ci.lb),
       ci_high = transf.ilogit(fit$ci.ub), pi_low = transf.ilogit(p$pi.lb),
       pi_high = transf.ilogit(p$pi.ub), estimate_t = as.numeric(fit$b), se_t = fit$se,
       tau2 = fit$tau2, i2 = fit$I2)
}

out <- list(r_version = R.version.string, metafor_version = as.character(packageVersion("metafor")),
            xi = xi, ni = ni, scenarios = list())
for (name in names(scenarios)) {
  s <- scenarios[[name]]
  dat <- escalc(measure = "PLO", xi = xi, ni = ni)
  keep <- s$overall != "High"
  without <- rma(yi, vi, data = dat, method = "REML", test = "knha", subset = keep)
  levels <- unique(s$overall)
  groups <- lapply(levels, function(l) fit_out(rma(yi, vi, data = dat, method = "REML", test = "knha",
                                                    subset = s$overall == l)))
  names(groups) <- levels
  b <- sapply(groups, function(g) g$estimate_t)
  se <- sapply(groups, function(g) g$se_t)
  qb <- rma(b, sei = se, method = "FE")
  reg <- rma(yi, vi, mods = ~ s$minors, data = dat, method = "REML", test = "knha")
  out$scenarios[[name]] <- list(
    overall = s$overall, minors = s$minors,
    without_high = fit_out(without),
    groups = groups,
    q_between = qb$QE, q_between_df = qb$k - 1, q_between_p = qb$QEp,
    metareg = list(coef = as.numeric(reg$b), se = reg$se, pvalue = reg$pval, tau2 = reg$tau2,
                   qm = reg$QM, qm_p = reg$QMp)
  )
}
write_json(out, "tests/reference/rob_subset_reference.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
