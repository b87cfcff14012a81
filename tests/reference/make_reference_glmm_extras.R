# Reference values for synthesis.glmm, subgroups, metareg, sensitivity and bias.
#
# Run from the repository root:
#   Rscript tests/reference/make_reference_glmm_extras.R
# Writes tests/reference/metafor_glmm_extras.json. Tests read only the JSON.
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

num <- function(x) if (is.null(x)) NA_real_ else as.numeric(x)

datasets <- list(
  pritz1997 = list(
    xi = c(16, 10, 4, 43, 10, 25, 13, 12, 22, 4, 5, 18, 58, 6),
    ni = c(17, 12, 8, 58, 10, 42, 14, 12, 41, 5, 6, 23, 68, 10)),
  debruin2009 = list(
    xi = c(11, 24, 179, 82, 60, 11, 99, 9, 88, 17, 26, 23, 40),
    ni = c(29, 33, 326, 240, 110, 29, 244, 17, 215, 26, 138, 55, 54)),
  debruin_k3 = list(xi = c(11, 24, 179), ni = c(29, 33, 326)),
  debruin_k5 = list(xi = c(11, 24, 179, 82, 60), ni = c(29, 33, 326, 240, 110)),
  metaprop_k4 = list(xi = c(4, 3, 2, 1), ni = c(10, 20, 30, 40)),
  nielweise_control = list(
    xi = c(3, 3, 9, 7, 6, 4, 3, 2, 19, 2, 7, 1, 5, 11, 0, 1, 3, 1),
    ni = c(117, 35, 195, 136, 157, 139, 177, 39, 103, 122, 64, 58, 175, 180, 105, 262, 362, 69)),
  apatinib_orr = list(
    xi = c(35, 10, 2, 2, 16, 7, 9, 6, 6, 9, 9, 11, 8, 9, 13),
    ni = c(56, 59, 10, 33, 37, 27, 43, 33, 6, 21, 26, 54, 30, 37, 49)),
  apatinib_dcr = list(
    xi = c(46, 51, 8, 26, 18, 6, 17, 22, 45, 27, 30, 39),
    ni = c(56, 59, 10, 33, 27, 6, 21, 26, 54, 30, 37, 49)),
  k2 = list(xi = c(3, 12), ni = c(20, 25)),
  k1 = list(xi = c(7), ni = c(25)),
  zeros = list(xi = c(0, 2, 5, 1, 0), ni = c(12, 30, 41, 15, 9)),
  alln = list(xi = c(10, 8, 19, 14), ni = c(10, 9, 20, 14))
)

glmm_one <- function(d, test) {
  out <- tryCatch({
    fit <- suppressWarnings(rma.glmm(measure = "PLO", xi = d$xi, ni = d$ni, method = "ML", test = test))
    pr <- predict(fit)
    list(ok = TRUE, b = num(fit$b), se = num(fit$se), ci_lb = num(fit$ci.lb), ci_ub = num(fit$ci.ub),
         zval = num(fit$zval), pval = num(fit$pval),
         pi_lb = num(pr$pi.lb), pi_ub = num(pr$pi.ub),
         tau2 = num(fit$tau2), I2 = num(fit$I2), H2 = num(fit$H2),
         QE_Wld = num(fit$QE.Wld), QEp_Wld = num(fit$QEp.Wld),
         QE_LRT = num(fit$QE.LRT), QEp_LRT = num(fit$QEp.LRT), QE_df = num(fit$QE.df))
  }, error = function(e) list(ok = FALSE, error = conditionMessage(e)))
  out
}

glmm_ce <- function(d) {
  tryCatch({
    fit <- suppressWarnings(rma.glmm(measure = "PLO", xi = d$xi, ni = d$ni, method = "EE"))
    list(ok = TRUE, b = num(fit$b), se = num(fit$se), ci_lb = num(fit$ci.lb), ci_ub = num(fit$ci.ub),
         zval = num(fit$zval), pval = num(fit$pval),
         QE_Wld = num(fit$QE.Wld), QE_LRT = num(fit$QE.LRT))
  }, error = function(e) list(ok = FALSE, error = conditionMessage(e)))
}

glmm <- list()
for (nm in names(datasets)) {
  d <- datasets[[nm]]
  glmm[[nm]] <- list(xi = d$xi, ni = d$ni, z = glmm_one(d, "z"), t = glmm_one(d, "t"), ce = glmm_ce(d))
}

# ---- subgroups (debruin2009 by ethnicity) -----------------------------------------------
eth <- c("other", "caucasian", "caucasian", "other", "caucasian", "other", "caucasian",
         "caucasian", "other", "caucasian", "other", "other", "other")
scq <- c(21.00, 22.67, 15.07, 3.67, 8.60, 27.80, 4.80, 12.07, 20.00, 7.47, 7.80, 10.47, 22.80)
db <- escalc(measure = "PLO", xi = datasets$debruin2009$xi, ni = datasets$debruin2009$ni)
dbr <- escalc(measure = "PR", xi = datasets$debruin2009$xi, ni = datasets$debruin2009$ni)

sub_one <- function(dat, grp, test) {
  res <- list()
  ests <- c(); ses <- c()
  for (g in unique(grp)) {
    f <- rma(yi, vi, data = dat, subset = grp == g, method = "REML", test = test)
    res[[g]] <- list(b = num(f$b), se = num(f$se), ci_lb = num(f$ci.lb), ci_ub = num(f$ci.ub), tau2 = num(f$tau2), k = f$k)
    ests <- c(ests, num(f$b)); ses <- c(ses, num(f$se))
  }
  qb <- rma(ests, sei = ses, method = "FE")
  common <- rma(yi, vi, mods = ~ factor(grp), data = dat, method = "REML", test = test)
  list(groups = res, order = unique(grp), Qb_separate = num(qb$QE), Qbp_separate = num(qb$QEp),
       QM_common = num(common$QM), QMp_common = num(common$QMp), QMdf_common = num(common$QMdf),
       tau2_common = num(common$tau2))
}
subgroups <- list(debruin_eth_z = sub_one(db, eth, "z"), debruin_eth_knha = sub_one(db, eth, "knha"))

# ---- meta-regression ----------------------------------------------------------------------
mr_one <- function(dat, test, mods) {
  f <- rma(yi, vi, mods = mods, data = dat, method = "REML", test = test)
  list(coef = num(f$b), se = num(f$se), zval = num(f$zval), pval = num(f$pval),
       ci_lb = num(f$ci.lb), ci_ub = num(f$ci.ub), tau2 = num(f$tau2),
       QE = num(f$QE), QEp = num(f$QEp), QE_df = f$k - f$p, QM = num(f$QM), QMp = num(f$QMp),
       QMdf = num(f$QMdf), R2 = num(f$R2), I2 = num(f$I2), names = rownames(f$b))
}
ethf <- factor(eth, levels = c("caucasian", "other"))
metareg <- list(
  debruin_pr_z = mr_one(dbr, "z", ~ scq + ethf),
  debruin_plo_z = mr_one(db, "z", ~ scq + ethf),
  debruin_plo_knha = mr_one(db, "knha", ~ scq + ethf),
  debruin_plo_scq_z = mr_one(db, "z", ~ scq),
  scq = scq, ethnicity = eth)

# ---- sensitivity (pritz1997, PLO REML) ------------------------------------------------------
pz <- escalc(measure = "PLO", xi = datasets$pritz1997$xi, ni = datasets$pritz1997$ni)
fz <- rma(yi, vi, data = pz, method = "REML")
l1 <- leave1out(fz)
cu <- cumul(fz, order = seq_len(nrow(pz)))
cu_rev <- cumul(fz, order = rev(seq_len(nrow(pz))))
inf <- influence(fz)
bj <- baujat(fz)
dev.off()
tab <- function(x) lapply(as.data.frame(x), num)
sensitivity <- list(
  leave1out = tab(l1), cumul = tab(cu), cumul_rev = tab(cu_rev),
  influence = tab(inf$inf), dfbs = tab(inf$dfbs),
  baujat = list(x = num(bj$x), y = num(bj$y)))
fzk <- rma(yi, vi, data = pz, method = "REML", test = "knha")
sensitivity$leave1out_knha <- tab(leave1out(fzk))

# ---- small-study tests ----------------------------------------------------------------------
rt <- regtest(fz)
rk <- ranktest(fz)
rt_fe <- regtest(fz, model = "lm")
bias <- list(
  regtest = list(zval = num(rt$zval), pval = num(rt$pval), est = num(rt$est)),
  regtest_lm = list(zval = num(rt_fe$zval), pval = num(rt_fe$pval), dfs = num(rt_fe$dfs),
                    b = num(rt_fe$fit$b), se = num(rt_fe$fit$se)),
  ranktest = list(tau = num(rk$tau), pval = num(rk$pval)))
for (nm in c("debruin2009", "apatinib_orr", "metaprop_k4")) {
  d <- datasets[[nm]]
  e <- escalc(measure = "PLO", xi = d$xi, ni = d$ni)
  f <- rma(yi, vi, data = e, method = "REML")
  r1 <- regtest(f); r2 <- ranktest(f); r3 <- regtest(f, model = "lm")
  bias[[nm]] <- list(regtest_z = num(r1$zval), regtest_p = num(r1$pval),
                     ranktest_tau = num(r2$tau), ranktest_p = num(r2$pval),
                     lm_t = num(r3$zval), lm_p = num(r3$pval), lm_df = num(r3$dfs))
}

out <- list(
  versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                  lme4 = as.character(packageVersion("lme4")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  glmm = glmm, subgroups = subgroups, metareg = metareg, sensitivity = sensitivity, bias = bias)
writeLines(toJSON(out, digits = I(15), auto_unbox = TRUE, na = "null", pretty = TRUE),
           "tests/reference/metafor_glmm_extras.json")
cat("ok\n")
