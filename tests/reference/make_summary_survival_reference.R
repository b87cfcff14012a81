# Reference values for synthesis.summary_survival.summary_survival_curve (Combescure, Foucher &
# Jackson 2014) from metaSurvival 0.1.0's msurv on its own exampleData (Cabibbo et al.'s
# meta-analysis of untreated hepatocellular carcinoma: 27 studies, survival read from the curves
# every month for six months then every three months, with numbers at risk).
#
# metaSurvival is not a Debian package: fetch its source (GitHub shubhrampandey/metaSurvival)
# and point to it:
#   METASURVIVAL_SRC=/path/to/metaSurvival Rscript tests/reference/make_summary_survival_reference.R
# Only R/msurv.R and data/exampleData.rda are read; nothing of theirs is kept in this repository
# except the example data's numbers (summary_survival_inputs.json). R 4.2.2, mvtnorm.
suppressPackageStartupMessages({ library(jsonlite); library(mvtnorm) })
src <- Sys.getenv("METASURVIVAL_SRC")
stopifnot(nzchar(src))
source(file.path(src, "R", "msurv.R"))
load(file.path(src, "data", "exampleData.rda"))
d <- exampleData
writeLines(toJSON(list(
  "_about" = paste("metaSurvival 0.1.0 exampleData (Cabibbo et al.): Study, Time (months),",
                   "Survival (proportion), NbRisk; numbers only."),
  study = d$Study, time = d$Time, survival = d$Survival, n_risk = d$NbRisk),
  digits = NA, auto_unbox = TRUE), "tests/reference/summary_survival_inputs.json")

run <- function(confidence, correction) {
  set.seed(20140301)
  r <- msurv(study = d$Study, time = d$Time, n.risk = d$NbRisk, surv.rate = d$Survival,
             confidence = confidence, correctionFlag = correction)
  fx <- r$summary.fixed
  rn <- r$summary.random
  list(confidence = confidence, correction = correction,
       time = unname(fx[, 1]),
       fixed = list(survival = unname(fx[, 2]), ci_low = unname(fx[, 3]), ci_high = unname(fx[, 4]),
                    n_risk = unname(fx[, 5])),
       random = list(survival = unname(rn[, 2]), ci_low = unname(rn[, 3]), ci_high = unname(rn[, 4])),
       median_fixed = unname(r$median.fixed), median_random = unname(r$median.random),
       mean_fixed = unname(r$mean.fixed), mean_random = unname(r$mean.random),
       heterogeneity = unname(r$heterogeneity))
}
out <- list(
  greenwood = run("Greenwood", TRUE),
  montecarlo = run("MonteCarlo", TRUE),
  greenwood_uncorrected = run("Greenwood", FALSE),
  "_meta" = list(R = R.version.string, mvtnorm = as.character(packageVersion("mvtnorm")),
                 metaSurvival = "0.1.0", seed = 20140301))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null"),
           "tests/reference/summary_survival_reference.json")
cat("wrote tests/reference/summary_survival_reference.json\n")
