# Reference values for synthesis.km_reconstruction.reconstruct_ipd (Guyot 2012, modified iKM as
# IPDfromKM 0.1.10 implements it) and the Kaplan-Meier summaries drawn from the reconstructed data.
#
# IPDfromKM and reconstructKM are not Debian packages: fetch their sources (CRAN mirrors on GitHub,
# cran/IPDfromKM and ryanrsun/reconstructKM) into two folders and point to them:
#
#   IPDFROMKM_SRC=/path/to/IPDfromKM RECONSTRUCTKM_SRC=/path/to/reconstructKM \
#     Rscript tests/reference/make_km_reconstruction_reference.R
#
# Only the packages' R files are source()d (preprocess.R and getIPD.R; format_raw_tabs.R and
# KM_reconstruct.R); nothing of theirs is kept in this repository. With EXPORT_INPUTS=1 the script
# first rewrites tests/reference/km_reconstruction_inputs.json from the packages' own example data
# (IPDfromKM data/Radiationdata.rda; reconstructKM data/pembro_clicks.RData, ...): numbers only.
# Tests read only the two JSON files; R is not needed to run them.
#
# R 4.2.2, survival 3.5-3, dplyr 1.0.10, jsonlite.
suppressPackageStartupMessages({
  library(dplyr)
  library(survival)
  library(jsonlite)
})
ipd_src <- Sys.getenv("IPDFROMKM_SRC")
rkm_src <- Sys.getenv("RECONSTRUCTKM_SRC")
stopifnot(nzchar(ipd_src), nzchar(rkm_src))
inputs_path <- "tests/reference/km_reconstruction_inputs.json"

if (Sys.getenv("EXPORT_INPUTS") == "1") {
  load(file.path(ipd_src, "data", "Radiationdata.rda"))
  for (f in c("pembro_clicks", "pembro_NAR", "pbo_clicks", "pbo_NAR"))
    load(file.path(rkm_src, "data", paste0(f, ".RData")))
  old <- fromJSON(inputs_path)
  out <- list(
    "_about" = old[["_about"]],
    radiation = list(radio = list(time = Radiationdata$radio$V1, survival = Radiationdata$radio$V2),
                     radioplus = list(time = Radiationdata$radioplus$V1,
                                      survival = Radiationdata$radioplus$V2),
                     trisk = Radiationdata$trisk, nrisk_radio = Radiationdata$nrisk.radio,
                     nrisk_radioplus = Radiationdata$nrisk.radioplus),
    keynote189 = list(pembro = list(time = pembro_clicks$time, survival = pembro_clicks$survival),
                      pbo = list(time = pbo_clicks$time, survival = pbo_clicks$survival),
                      pembro_nar = list(time = pembro_NAR$time, nar = pembro_NAR$NAR),
                      pbo_nar = list(time = pbo_NAR$time, nar = pbo_NAR$NAR)))
  writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), inputs_path)
}

source(file.path(ipd_src, "R", "preprocess.R"))
source(file.path(ipd_src, "R", "getIPD.R"))
source(file.path(rkm_src, "R", "format_raw_tabs.R"))
source(file.path(rkm_src, "R", "KM_reconstruct.R"))
`%>%` <- dplyr::`%>%`

inp <- fromJSON(inputs_path)
MILESTONES <- c(3, 6, 12, 24)

# Kaplan-Meier summaries of one reconstructed arm: log-log Greenwood intervals (lifelines' only
# kind, survfit conf.type = "log-log"), median and its interval, milestones, RMST.
km_summary <- function(time, status, tau) {
  fit <- survfit(Surv(time, status) ~ 1, conf.type = "log-log")
  q <- quantile(fit, probs = 0.5)
  s <- summary(fit, times = MILESTONES, extend = TRUE)
  rm <- summary(fit, rmean = tau)$table
  list(n = length(time), events = sum(status),
       median = unname(q$quantile), median_lower = unname(q$lower), median_upper = unname(q$upper),
       milestones = MILESTONES, surv = s$surv, lower = s$lower, upper = s$upper, std_err = s$std.err,
       rmst_tau = tau, rmst = unname(rm["rmean"]), rmst_se = unname(rm["se(rmean)"]))
}

two_arms <- function(t1, s1, t2, s2) {
  d <- data.frame(time = c(t1, t2), status = c(s1, s2), arm = rep(c(1, 0), c(length(t1), length(t2))))
  lr <- survdiff(Surv(time, status) ~ arm, data = d)
  cx <- coxph(Surv(time, status) ~ arm, data = d, ties = "efron")
  ci <- exp(confint(cx))
  list(logrank_chisq = unname(lr$chisq), logrank_p = pchisq(lr$chisq, 1, lower.tail = FALSE),
       hr = unname(exp(coef(cx))), hr_lower = unname(ci[1]), hr_upper = unname(ci[2]),
       hr_p = unname(summary(cx)$coefficients[, "Pr(>|z|)"]))
}

# The reconstructed survival at each preprocessed point, unrounded (IPDfromKM rounds to 3 decimals
# before its accuracy figures, and its "max_abserror" is the largest signed difference).
accuracy_unrounded <- function(est) {
  fit <- survfit(Surv(est$IPD$time, est$IPD$status) ~ 1)
  pts <- est$Points
  sf <- stepfun(fit$time, c(1, fit$surv))
  diff <- sf(pts$time) - pts$surv
  list(rmse = sqrt(sum(diff^2) / (length(diff) - 1)), mean_abs = mean(abs(diff)),
       max_abs = max(abs(diff)), ks_d = unname(suppressWarnings(ks.test(sf(pts$time), pts$surv))$statistic))
}

ipdfromkm_case <- function(dat, trisk = NULL, nrisk = NULL, totalpts = NULL, maxy = 100,
                           tot_events = NULL, tau) {
  pre <- preprocess(dat = dat, trisk = trisk, nrisk = nrisk, totalpts = totalpts, maxy = maxy)
  est <- getIPD(prep = pre, armID = 0, tot.events = tot_events)
  ipd <- est$IPD
  list(
    input = list(trisk = trisk, nrisk = nrisk, totalpts = totalpts, maxy = maxy, tot_events = tot_events),
    preprocessed = list(time = pre$preprocessdat$time, surv = pre$preprocessdat$surv,
                        interval = pre$preprocessdat$interval),
    riskmat = as.list(est$riskmat),
    endpts = est$endpts,
    ipd = list(time = ipd$time, status = ipd$status),
    points = list(time = est$Points$time, surv = est$Points$surv, estsurv = est$Points$estsurv,
                  risk = est$Points$risk, censor = est$Points$censor, event = est$Points$event),
    precision = as.list(est$precision),
    kstest = as.list(est$kstest),
    accuracy_unrounded = accuracy_unrounded(est),
    km = km_summary(ipd$time, ipd$status, tau))
}

rad <- inp$radiation
radio <- data.frame(rad$radio$time, rad$radio$survival)
radioplus <- data.frame(rad$radioplus$time, rad$radioplus$survival)
out <- list()
out$radio_nrisk <- ipdfromkm_case(radio, rad$trisk, rad$nrisk_radio, tau = 50)
out$radioplus_nrisk <- ipdfromkm_case(radioplus, rad$trisk, rad$nrisk_radioplus, tau = 50)
out$radio_total <- ipdfromkm_case(radio, totalpts = 213, tau = 50)
# total events given: the number of events of the numbers-at-risk reconstruction (exercises the path)
out$radio_nrisk_events <- ipdfromkm_case(radio, rad$trisk, rad$nrisk_radio,
                                         tot_events = out$radio_nrisk$km$events, tau = 50)
out$radio_total_events <- ipdfromkm_case(radio, totalpts = 213,
                                         tot_events = out$radio_nrisk$km$events, tau = 50)
out$radiation_two_arms <- two_arms(out$radioplus_nrisk$ipd$time, out$radioplus_nrisk$ipd$status,
                                   out$radio_nrisk$ipd$time, out$radio_nrisk$ipd$status)

kn <- inp$keynote189
for (arm in c("pembro", "pbo")) {
  clicks <- data.frame(kn[[arm]]$time, kn[[arm]]$survival)
  nar <- kn[[paste0(arm, "_nar")]]
  out[[paste0("keynote189_", arm)]] <- ipdfromkm_case(clicks, nar$time, nar$nar, maxy = 1, tau = 18)
  # reconstructKM's own implementation of Guyot's algorithm on the same clicks
  tabs <- format_raw_tabs(raw_NAR = data.frame(time = nar$time, NAR = nar$nar),
                          raw_surv = data.frame(time = kn[[arm]]$time, survival = kn[[arm]]$survival))
  rec <- KM_reconstruct(aug_NAR = tabs$aug_NAR, aug_surv = tabs$aug_surv)
  out[[paste0("reconstructkm_", arm)]] <- list(
    ipd = list(time = rec$IPD_time, status = rec$IPD_event),
    km = km_summary(rec$IPD_time, rec$IPD_event, tau = 18))
}
out$keynote189_two_arms <- two_arms(out$keynote189_pembro$ipd$time, out$keynote189_pembro$ipd$status,
                                    out$keynote189_pbo$ipd$time, out$keynote189_pbo$ipd$status)
out$reconstructkm_two_arms <- two_arms(out$reconstructkm_pembro$ipd$time, out$reconstructkm_pembro$ipd$status,
                                       out$reconstructkm_pbo$ipd$time, out$reconstructkm_pbo$ipd$status)
# R's median convention on exact data: S = 0.5 over a stretch gives its middle
q20 <- quantile(survfit(Surv(1:20, rep(1, 20)) ~ 1, conf.type = "log-log"), 0.5)
q10 <- quantile(survfit(Surv(c(1:6, rep(6, 4)), c(rep(1, 6), rep(0, 4))) ~ 1, conf.type = "log-log"), 0.5)
out$median_convention <- list(
  twenty_events = unname(c(q20$quantile, q20$lower, q20$upper)),
  six_of_ten = unname(c(q10$quantile, q10$lower, q10$upper)))
out[["_meta"]] <- list(R = R.version.string, survival = as.character(packageVersion("survival")),
                       dplyr = as.character(packageVersion("dplyr")),
                       IPDfromKM = "0.1.10", reconstructKM = "0.3.0")
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null"),
           "tests/reference/km_reconstruction_reference.json")
cat("wrote tests/reference/km_reconstruction_reference.json\n")
