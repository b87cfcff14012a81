# Reference values for synthesis.survival.pool_log_medians (metafor) and the parametric
# reconstructions (survival::survreg parametrisation check is not needed: closed forms).
#
# Run from the repository root:  Rscript tests/reference/make_survival_reference.R
# Writes tests/reference/survival_reference.json. Tests read only the JSON.
#
# Data: median PFS / OS (months) with intervals published by the included studies (sources cited in data/studies.yaml).
#   PFS: S4 7.89 (4.56-11.21, 95% CI), S5 4.50 (3.47-6.27, kind not stated),
#        S6 3.5 (2.5-4.8, 95% CI), S12 6.0 (2.42-9.58), S14 4.0 (2.6-5.4)
#   OS:  S1 9.9 (7.6-12.2, 95% CI), S4 17.61 (10.85-24.37), S5 9.87 (7.97-18.93),
#        S6 9.5 (7.8-10.5), S12 19.3 (7.31-31.29)
#   pfs2: S4 and S6 only; homog: S5, S6, S14 PFS (tau2 estimate at the boundary 0)
# yi = log(median), sei = (log(hi) - log(lo)) / (2 * qnorm(0.975)).
suppressPackageStartupMessages(library(metafor))

sets <- list(
  pfs = data.frame(label = c("S4", "S5", "S6", "S12", "S14"),
                   m = c(7.89, 4.50, 3.5, 6.0, 4.0),
                   lo = c(4.56, 3.47, 2.5, 2.42, 2.6),
                   hi = c(11.21, 6.27, 4.8, 9.58, 5.4)),
  os = data.frame(label = c("S1", "S4", "S5", "S6", "S12"),
                  m = c(9.9, 17.61, 9.87, 9.5, 19.3),
                  lo = c(7.6, 10.85, 7.97, 7.8, 7.31),
                  hi = c(12.2, 24.37, 18.93, 10.5, 31.29)),
  # k = 2 with clear heterogeneity (the only two stated 95% CIs for PFS)
  pfs2 = data.frame(label = c("S4", "S6"), m = c(7.89, 3.5), lo = c(4.56, 2.5),
                    hi = c(11.21, 4.8)),
  # homogeneous set: REML and DL truncate tau2 at 0
  homog = data.frame(label = c("S5", "S6", "S14"), m = c(4.5, 3.5, 4.0),
                     lo = c(3.47, 2.5, 2.6), hi = c(6.27, 4.8, 5.4))
)

num <- function(x) formatC(x, digits = 15, format = "g")
out <- c()
for (nm in names(sets)) {
  d <- sets[[nm]]
  yi <- log(d$m)
  sei <- (log(d$hi) - log(d$lo)) / (2 * qnorm(0.975))
  for (method in c("REML", "DL", "EE")) {
    for (level in c(95, 90)) {
      fit <- rma(yi = yi, sei = sei, method = method, level = level, test = "z",
                 control = list(threshold = 1e-12, maxiter = 1000))
      p <- predict(fit, transf = exp)
      key <- sprintf("%s_%s_%d", nm, ifelse(method == "EE", "CE", method), level)
      pi_lo <- if (is.null(p$pi.lb)) NA else p$pi.lb
      pi_hi <- if (is.null(p$pi.ub)) NA else p$pi.ub
      fields <- c(
        sprintf('"labels": [%s]', paste0('"', d$label, '"', collapse = ", ")),
        sprintf('"medians": [%s]', paste(num(d$m), collapse = ", ")),
        sprintf('"ci_low": [%s]', paste(num(d$lo), collapse = ", ")),
        sprintf('"ci_high": [%s]', paste(num(d$hi), collapse = ", ")),
        sprintf('"method": "%s"', ifelse(method == "EE", "CE", method)),
        sprintf('"level": %s', num(level / 100)),
        sprintf('"estimate_log": %s', num(as.numeric(fit$b))),
        sprintf('"se_log": %s', num(fit$se)),
        sprintf('"estimate": %s', num(p$pred)),
        sprintf('"ci_low_pooled": %s', num(p$ci.lb)),
        sprintf('"ci_high_pooled": %s', num(p$ci.ub)),
        sprintf('"pi_low": %s', ifelse(is.na(pi_lo) || method == "EE", "null", num(pi_lo))),
        sprintf('"pi_high": %s', ifelse(is.na(pi_hi) || method == "EE", "null", num(pi_hi))),
        sprintf('"tau2": %s', num(fit$tau2)),
        sprintf('"i2": %s', num(fit$I2)),
        sprintf('"q": %s', num(fit$QE)),
        sprintf('"q_pvalue": %s', num(fit$QEp)),
        sprintf('"weights": [%s]', paste(num(weights(fit)), collapse = ", "))
      )
      out <- c(out, sprintf('  "%s": {\n    %s\n  }', key, paste(fields, collapse = ",\n    ")))
    }
  }
}
# Knapp-Hartung (knha = our "hksj") and its ad hoc variant (adhoc = "hksj-adhoc") with REML and
# Paule-Mandel, 95%: pool_log_medians passes these to synthesis.meta.pool_effects.
for (nm in names(sets)) {
  d <- sets[[nm]]
  yi <- log(d$m)
  sei <- (log(d$hi) - log(d$lo)) / (2 * qnorm(0.975))
  for (method in c("REML", "PM")) {
    for (test in c("knha", "adhoc")) {
      # tol: Paule-Mandel's uniroot tolerance (metafor's default eps^0.25 stops at ~1e-4)
      fit <- rma(yi = yi, sei = sei, method = method, test = test,
                 control = list(threshold = 1e-12, maxiter = 1000, tol = 1e-12))
      p <- predict(fit, transf = exp)
      key <- sprintf("%s_%s_%s_95", nm, method, test)
      fields <- c(
        sprintf('"labels": [%s]', paste0('"', d$label, '"', collapse = ", ")),
        sprintf('"medians": [%s]', paste(num(d$m), collapse = ", ")),
        sprintf('"ci_low": [%s]', paste(num(d$lo), collapse = ", ")),
        sprintf('"ci_high": [%s]', paste(num(d$hi), collapse = ", ")),
        sprintf('"method": "%s"', method),
        sprintf('"ci_method": "%s"', ifelse(test == "knha", "hksj", "hksj-adhoc")),
        sprintf('"level": %s', num(0.95)),
        sprintf('"estimate_log": %s', num(as.numeric(fit$b))),
        sprintf('"se_log": %s', num(fit$se)),
        sprintf('"estimate": %s', num(p$pred)),
        sprintf('"ci_low_pooled": %s', num(p$ci.lb)),
        sprintf('"ci_high_pooled": %s', num(p$ci.ub)),
        sprintf('"pi_low": %s', num(p$pi.lb)),
        sprintf('"pi_high": %s', num(p$pi.ub)),
        sprintf('"tau2": %s', num(fit$tau2)),
        sprintf('"i2": %s', num(fit$I2)),
        sprintf('"q": %s', num(fit$QE)),
        sprintf('"q_pvalue": %s', num(fit$QEp)),
        sprintf('"weights": [%s]', paste(num(weights(fit)), collapse = ", "))
      )
      out <- c(out, sprintf('  "%s": {\n    %s\n  }', key, paste(fields, collapse = ",\n    ")))
    }
  }
}
meta <- sprintf('  "_generated_by": "tests/reference/make_survival_reference.R; R %s, metafor %s"',
                paste(R.version$major, R.version$minor, sep = "."),
                as.character(packageVersion("metafor")))
writeLines(c("{", paste(c(meta, out), collapse = ",\n"), "}"),
           "tests/reference/survival_reference.json")
cat("wrote tests/reference/survival_reference.json\n")
