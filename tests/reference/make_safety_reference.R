# Reference values for synthesis.incidence.pool_incidence (the Safety page's per-term pooling).
#
# Run from the repository root:
#   Rscript tests/reference/make_safety_reference.R
# Writes tests/reference/metafor_safety.json. Tests read only the JSON.
#
# Sets: this project's adverse-event sets (data/studies.yaml, pooled rows of the Safety page:
# hand-foot syndrome grade 3-4 k = 3, hypertension grade 3-4 k = 2, hypertension any grade k = 2),
# a set with zero-event studies and a few random sets (seeded).
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

num <- function(x) if (is.null(x)) NA_real_ else as.numeric(x)

sets <- list(
  hfs_g34 = list(xi = c(2, 3, 2), ni = c(31, 37, 16)),          # N5, S5 (PPE), S3
  htn_g34_k2 = list(xi = c(2, 3), ni = c(31, 16)),              # N5, S3
  htn_any_k2 = list(xi = c(25, 11), ni = c(54, 37)),            # S13, S16
  zero_event = list(xi = c(0, 2, 5, 1, 0), ni = c(12, 30, 41, 15, 9))
)
set.seed(20261206)
for (i in 1:4) {
  k <- sample(3:9, 1)
  ni <- sample(8:80, k, replace = TRUE)
  p <- plogis(rnorm(k, qlogis(runif(1, 0.03, 0.5)), runif(1, 0, 1.2)))
  sets[[paste0("random_", i)]] <- list(xi = rbinom(k, ni, p), ni = ni)
}

one <- function(d) {
  g <- tryCatch({
    f <- suppressWarnings(rma.glmm(measure = "PLO", xi = d$xi, ni = d$ni, method = "ML"))
    list(ok = TRUE, b = num(f$b), ci_lb = num(f$ci.lb), ci_ub = num(f$ci.ub), tau2 = num(f$tau2),
         QE_Wld = num(f$QE.Wld), QE_LRT = num(f$QE.LRT))
  }, error = function(e) list(ok = FALSE, error = conditionMessage(e)))
  dat <- escalc(measure = "PLO", xi = d$xi, ni = d$ni)
  iv <- rma(yi, vi, data = dat, method = "REML", test = "adhoc")
  dft <- escalc(measure = "PFT", xi = d$xi, ni = d$ni)
  ft <- rma(yi, vi, data = dft, method = "REML")
  hm <- 1 / mean(1 / d$ni)
  ftb <- transf.ipft(c(ft$b, ft$ci.lb, ft$ci.ub), hm)
  list(xi = d$xi, ni = d$ni, glmm = g,
       iv_hksj = list(b = num(iv$b), ci_lb = num(iv$ci.lb), ci_ub = num(iv$ci.ub), tau2 = num(iv$tau2)),
       ft = list(est = ftb[1], ci_lb = ftb[2], ci_ub = ftb[3], tau2 = num(ft$tau2)))
}

out <- list(
  versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                  lme4 = as.character(packageVersion("lme4"))),
  sets = lapply(sets, one)
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/reference/metafor_safety.json")
