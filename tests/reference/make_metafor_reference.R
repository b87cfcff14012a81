# Reference values for synthesis.meta.pool_proportions from R metafor.
#
# Run from the repository root:
#   Rscript tests/reference/make_metafor_reference.R
# Writes tests/reference/metafor_reference.json (tests read only the JSON; R is not needed to test).
#
# For every dataset x transform (PLO/PFT/PAS/PR/PLN) x estimator (EE/DL/REML/PM/ML/HE/SJ/EB)
# x test (z/t/knha/adhoc) it stores escalc yi/vi, the rma estimate, SE, CI, prediction intervals
# (predict default, pi.type="t", pi.type="riley", and a z interval built from the same SE),
# back-transformed values, tau^2 with its Q-profile CI (confint), I^2 (tau^2-based and Q-based),
# H^2, Q, Q p-value and weights. Tight numerical controls are used so that differences reflect
# definitions, not convergence: rma control threshold 1e-10, maxiter 1000, tol 1e-12 (uniroot for
# PM and the ll0check) and confint control tol 1e-12.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

CONTROL <- list(threshold = 1e-10, maxiter = 1000, tol = 1e-12)
CONFINT_CONTROL <- list(tol = 1e-12)

transforms <- c(logit = "PLO", "freeman-tukey" = "PFT", arcsine = "PAS", raw = "PR", log = "PLN")
methods <- c(CE = "EE", DL = "DL", REML = "REML", PM = "PM", ML = "ML", HE = "HE", SJ = "SJ", EB = "EB")
tests <- c(z = "z", t = "t", hksj = "knha", "hksj-adhoc" = "adhoc")

pritz <- dat.pritz1997
debruin <- dat.debruin2009

datasets <- list(
  pritz1997 = list(xi = pritz$xi, ni = pritz$ni, note = "metadat dat.pritz1997 (k = 14; two 100 % studies)"),
  debruin2009 = list(xi = debruin$xi, ni = debruin$ni, note = "metadat dat.debruin2009 (k = 13)"),
  metaprop_4_1 = list(xi = 4:1, ni = 10 * 1:4, note = "meta help: metaprop(4:1, 10*1:4)"),
  miller1978 = list(xi = c(3, 6, 10, 1), ni = c(11, 17, 21, 6), note = "Miller (1978) FT example"),
  miller1978_b = list(xi = c(0, 4, 9, 16, 20), ni = c(10, 10, 15, 20, 20),
                      note = "second case of metafor test_analysis_example_miller1978.r (0/n and n/n)"),
  debruin_k1 = list(xi = debruin$xi[1], ni = debruin$ni[1], note = "debruin2009 row 1 (k = 1)"),
  debruin_k2 = list(xi = debruin$xi[1:2], ni = debruin$ni[1:2], note = "debruin2009 rows 1-2 (k = 2)"),
  debruin_k3 = list(xi = debruin$xi[1:3], ni = debruin$ni[1:3], note = "debruin2009 rows 1-3 (k = 3)"),
  debruin_k5 = list(xi = debruin$xi[1:5], ni = debruin$ni[1:5], note = "debruin2009 rows 1-5 (k = 5)"),
  zero_and_full = list(xi = c(0, 12, 3, 8, 0), ni = c(15, 12, 20, 16, 9),
                       note = "constructed: two 0/n studies and one n/n study"),
  project_orr = list(
    xi = c(35, 10, 2, 2, 16, 7, 9, 6, 6, 9, 9, 11, 8, 9, 13),
    ni = c(56, 59, 10, 33, 37, 27, 43, 33, 6, 21, 26, 54, 30, 37, 49),
    labels = c("S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10", "S12", "S13", "S15", "S16", "S14"),
    note = "apatinib sarcoma ORR, whole-cohort headline counts (S2, S4 at week 12)"),
  project_orr_s4_final = list(
    xi = c(35, 10, 2, 0, 16, 7, 9, 6, 6, 9, 9, 11, 8, 9, 13),
    ni = c(56, 59, 10, 33, 37, 27, 43, 33, 6, 21, 26, 54, 30, 37, 49),
    labels = c("S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10", "S12", "S13", "S15", "S16", "S14"),
    note = "apatinib sarcoma ORR with S4 final ORR 0/33"),
  project_dcr = list(
    xi = c(46, 51, 8, 26, 18, 6, 17, 22, 45, 27, 30, 39),
    ni = c(56, 59, 10, 33, 27, 6, 21, 26, 54, 30, 37, 49),
    labels = c("S1", "S2", "S3", "S4", "S6", "S9", "S10", "S12", "S13", "S15", "S16", "S14"),
    note = "apatinib sarcoma DCR, whole-cohort headline counts")
)

backtransf <- function(measure) {
  switch(measure,
         PLO = transf.ilogit, PFT = transf.ipft.hm, PAS = transf.iarcsin,
         PR = function(x, ...) x, PLN = exp)
}

num <- function(x) {
  x <- as.numeric(x)
  if (length(x) == 0) return(NA_real_)
  x
}

one_fit <- function(dname, d, tname, measure, mname, mmethod, cname, test) {
  out <- list(dataset = dname, transform = tname, method = mname, ci_method = cname,
              metafor_measure = measure, metafor_method = mmethod, metafor_test = test)
  dat <- escalc(measure = measure, xi = d$xi, ni = d$ni)
  bt <- backtransf(measure)
  targs <- list(ni = d$ni)
  warns <- character(0)
  res <- tryCatch(
    withCallingHandlers(
      rma(yi, vi, data = dat, method = mmethod, test = test, control = CONTROL),
      warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") }),
    error = function(e) e)
  if (inherits(res, "error")) {
    out$error <- conditionMessage(res)
    return(out)
  }
  out$warnings <- warns
  k <- res$k
  out$k <- k
  out$estimate_t <- num(res$beta)
  out$se_t <- num(res$se)
  out$ci_t <- c(res$ci.lb, res$ci.ub)
  out$statistic <- num(res$zval)
  out$pvalue <- num(res$pval)
  out$df <- if (test == "z") NA_real_ else num(res$ddf)
  out$tau2 <- num(res$tau2)
  out$s2w <- num(res$s2w)
  out$Q <- num(res$QE)
  out$Q_pvalue <- num(res$QEp)
  out$I2 <- num(res$I2)
  out$H2 <- num(res$H2)
  out$I2_Q <- if (k > 1) max(0, 100 * (res$QE - (k - 1)) / res$QE) else NA_real_
  out$weights <- num(weights(res))
  quiet <- function(expr) suppressWarnings(tryCatch(expr, error = function(e) NULL))
  p_def <- quiet(predict(res))
  p_t <- quiet(predict(res, pi.type = "t"))
  p_riley <- quiet(predict(res, pi.type = "riley"))
  if (!is.null(p_def)) out$pi_t <- num(c(p_def$pi.lb, p_def$pi.ub))
  if (!is.null(p_t)) out$pi_t_tk1 <- num(c(p_t$pi.lb, p_t$pi.ub))
  if (!is.null(p_riley)) out$pi_t_riley <- num(c(p_riley$pi.lb, p_riley$pi.ub))
  zcrit <- qnorm(0.975)
  out$pi_t_z <- num(c(res$beta - zcrit * sqrt(res$se^2 + res$tau2),
                      res$beta + zcrit * sqrt(res$se^2 + res$tau2)))
  pb <- quiet(if (measure == "PFT") predict(res, transf = bt, targs = targs) else predict(res, transf = bt))
  if (!is.null(pb)) {
    out$estimate <- num(pb$pred)
    out$ci <- num(c(pb$ci.lb, pb$ci.ub))
    if (!is.null(pb$pi.lb)) out$pi <- num(c(pb$pi.lb, pb$pi.ub))
  }
  if (measure == "PFT") out$n_harmonic <- 1 / mean(1 / d$ni)
  if (k > 1 && mmethod != "EE") {
    ci <- quiet(confint(res, control = CONFINT_CONTROL))
    if (!is.null(ci)) {
      r <- ci$random
      out$tau2_ci <- num(r["tau^2", c("ci.lb", "ci.ub")])
      out$I2_ci <- num(r["I^2(%)", c("ci.lb", "ci.ub")])
      out$H2_ci <- num(r["H^2", c("ci.lb", "ci.ub")])
    }
  }
  out
}

fits <- list()
escalc_out <- list()
for (dname in names(datasets)) {
  d <- datasets[[dname]]
  escalc_out[[dname]] <- list()
  for (tname in names(transforms)) {
    measure <- transforms[[tname]]
    dat <- escalc(measure = measure, xi = d$xi, ni = d$ni)
    escalc_out[[dname]][[tname]] <- list(yi = num(dat$yi), vi = num(dat$vi))
    for (mname in names(methods)) for (cname in names(tests)) {
      fits[[length(fits) + 1]] <- one_fit(dname, d, tname, measure, mname, methods[[mname]],
                                          cname, tests[[cname]])
    }
  }
}

# metafor's default numerical controls, to show that the default Fisher scoring is reproduced too
default_control <- list()
for (dname in c("pritz1997", "debruin2009", "metaprop_4_1", "project_orr", "project_dcr")) {
  d <- datasets[[dname]]
  for (mm in c("REML", "ML", "EB", "DL")) {
    dat <- escalc(measure = "PLO", xi = d$xi, ni = d$ni)
    res <- rma(yi, vi, data = dat, method = mm)
    default_control[[length(default_control) + 1]] <- list(
      dataset = dname, transform = "logit", method = mm, tau2 = num(res$tau2),
      estimate_t = num(res$beta), se_t = num(res$se))
  }
}

# a non-default level (90 %): CI, PI (default and Riley) and Q-profile interval
level90 <- list()
for (dname in c("pritz1997", "project_orr", "project_dcr")) {
  d <- datasets[[dname]]
  for (tname in c("logit", "freeman-tukey")) for (mname in c("REML", "DL", "PM")) {
    for (cname in c("z", "hksj")) {
      measure <- transforms[[tname]]
      dat <- escalc(measure = measure, xi = d$xi, ni = d$ni)
      res <- rma(yi, vi, data = dat, method = methods[[mname]], test = tests[[cname]],
                 level = 90, control = CONTROL)
      p_def <- predict(res)
      p_riley <- predict(res, pi.type = "riley")
      ci <- confint(res, control = CONFINT_CONTROL)$random
      level90[[length(level90) + 1]] <- list(
        dataset = dname, transform = tname, method = mname, ci_method = cname, level = 0.9,
        estimate_t = num(res$beta), se_t = num(res$se), ci_t = c(res$ci.lb, res$ci.ub),
        pi_t = num(c(p_def$pi.lb, p_def$pi.ub)), pi_t_riley = num(c(p_riley$pi.lb, p_riley$pi.ub)),
        tau2 = num(res$tau2), tau2_ci = num(ci["tau^2", c("ci.lb", "ci.ub")]))
    }
  }
}

# per-study intervals (base R): Clopper-Pearson = binom.test, Wilson = prop.test(correct = FALSE)
sci_sets <- list(
  newcombe = list(xi = c(81, 15, 0, 1), ni = c(263, 148, 20, 29)),
  project_orr = datasets$project_orr[c("xi", "ni")],
  extremes = list(xi = c(0, 5, 7, 1), ni = c(5, 5, 9, 1))
)
study_ci <- list()
for (sname in names(sci_sets)) {
  s <- sci_sets[[sname]]
  cp <- t(mapply(function(x, n) binom.test(x, n)$conf.int, s$xi, s$ni))
  ws <- t(mapply(function(x, n) suppressWarnings(prop.test(x, n, correct = FALSE)$conf.int), s$xi, s$ni))
  cp90 <- t(mapply(function(x, n) binom.test(x, n, conf.level = 0.9)$conf.int, s$xi, s$ni))
  study_ci[[sname]] <- list(xi = s$xi, ni = s$ni,
                            cp_low = cp[, 1], cp_high = cp[, 2],
                            wilson_low = ws[, 1], wilson_high = ws[, 2],
                            cp90_low = cp90[, 1], cp90_high = cp90[, 2])
}

out <- list(
  generated_by = "tests/reference/make_metafor_reference.R",
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  jsonlite_version = as.character(packageVersion("jsonlite")),
  level = 0.95,
  rma_control = CONTROL,
  confint_control = CONFINT_CONTROL,
  transforms = as.list(transforms),
  methods = as.list(methods),
  tests = as.list(tests),
  datasets = datasets,
  escalc = escalc_out,
  fits = fits,
  default_control = default_control,
  level90 = level90,
  study_ci = study_ci
)
write_json(out, "tests/reference/metafor_reference.json", auto_unbox = TRUE, digits = NA,
           na = "null", pretty = FALSE)
n_err <- sum(vapply(fits, function(f) !is.null(f$error), logical(1)))
cat(sprintf("wrote %d fits (%d errors) to tests/reference/metafor_reference.json\n", length(fits), n_err))
