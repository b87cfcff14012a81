# Reference values for synthesis.design.bayes, computed by the R packages themselves.
#
# Packages (pure-R parts sourced from their public source repositories at pinned commits; the
# Stan model of RBesT is not used):
#   RBesT 1.8-2   github.com/cran/RBesT    ae5db627e3304f854fc4067f9c03cf2f36db1792
#   ph2bye 0.1.4  github.com/cran/ph2bye   2ac59329c74a5325379870526a9c8e68f913f186 (C++ via Rcpp::sourceCpp)
#   BOP2FE 1.0.3  github.com/belayb/BOP2FE a208063b0e2de4d77c3544481bc99b7d24b24b05
# plus Debian's R with checkmate, assertthat, matrixStats, abind, Formula, mvtnorm, Rcpp, jsonlite.
#
# Usage (directories of the unpacked sources given by environment variables):
#   RBEST_DIR=... PH2BYE_DIR=... BOP2FE_DIR=... Rscript tests/reference/make_bayes_design_reference.R
# writes tests/reference/bayes_design_reference.json.  MAP priors: RBesT's gMAP needs Stan, so
# the MAP prior is checked against an independent quadrature written below (fine logit grid,
# Gaussian kernel), and RBesT's own EM (mixfit) is fitted to quantiles of that prior.
suppressMessages({
  library(checkmate); library(assertthat); library(matrixStats); library(abind)
  library(Formula); library(mvtnorm); library(jsonlite); library(Rcpp)
})
rb <- Sys.getenv("RBEST_DIR"); pb <- Sys.getenv("PH2BYE_DIR"); bf <- Sys.getenv("BOP2FE_DIR")
skip <- c("stanmodels.R", "gMAP.R", "predict_gMAP.R", "plot_gMAP.R", "zzz.R", "forest_plot.R",
          "mixplot.R", "EM_plot.R", "mixstanvar.R", "RBesT-package.R")
for (f in list.files(file.path(rb, "R"), pattern = "\\.R$", full.names = TRUE))
  if (!(basename(f) %in% skip)) sys.source(f, envir = globalenv())
sourceCpp(file.path(pb, "src", "ph2bye.cpp"))
PredP <- function(x, n, nmax, a, b, p0, theta_t) PredPCpp(x, n, nmax, a, b, p0, theta_t)
pd_src <- readLines(file.path(pb, "R", "predp.R"))
eval(parse(text = pd_src[!grepl("^#'", pd_src)]))  # PredP.design (PredP redefined above)
PredP <- function(x, n, nmax, a, b, p0, theta_t) PredPCpp(x, n, nmax, a, b, p0, theta_t)
for (f in c("utils.R", "binary_endpoint.R")) sys.source(file.path(bf, "R", f), envir = globalenv())

out <- list()
mixes <- list(
  single = list(w = 1, a = 11, b = 32),
  robust = list(w = c(0.8, 0.2), a = c(11, 1), b = c(32, 1)),
  three = list(w = c(0.5, 0.3, 0.2), a = c(4, 20, 2), b = c(12, 40, 2)),
  bimodal = list(w = c(0.6, 0.4), a = c(3, 30), b = c(20, 20))
)
mk <- function(m) do.call(mixbeta, lapply(seq_along(m$w), function(i) c(m$w[i], m$a[i], m$b[i])))
out$mixtures <- lapply(names(mixes), function(nm) {
  m <- mk(mixes[[nm]]); s <- summary(m, probs = c(0.025, 0.5, 0.975))
  list(name = nm, w = mixes[[nm]]$w, a = mixes[[nm]]$a, b = mixes[[nm]]$b,
       mean = unname(s["mean"]), sd = unname(s["sd"]),
       q = qmix(m, c(0.025, 0.5, 0.975)),
       cdf_x = c(0.1, 0.3, 0.5), cdf = pmix(m, c(0.1, 0.3, 0.5)),
       pdf = dmix(m, c(0.1, 0.3, 0.5)),
       ess_elir = ess(m, "elir"), ess_moment = ess(m, "moment"),
       ess_morita = suppressWarnings(ess(m, "morita")))
})
out$robustify <- lapply(list(c(0.2, 0.5, 1), c(0.5, 0.5, 1), c(0.2, 0.3, 1), c(0.1, 0.4, 3)), function(v) {
  r <- suppressMessages(robustify(mk(mixes$single), weight = v[1], mean = v[2], n = v[3]))
  list(weight = v[1], mean = v[2], n = v[3], w = unname(r[1, ]), a = unname(r[2, ]), b = unname(r[3, ]),
       ess_elir = if (all(r[2:3, ] >= 1)) ess(r, "elir") else NA, ess_moment = ess(r, "moment"))
})
out$ess_vs_weight <- lapply(c(0, 0.1, 0.2, 0.5, 0.8), function(w) {
  r <- suppressMessages(robustify(mk(mixes$single), weight = w, mean = 0.5))
  list(weight = w, ess_elir = ess(r, "elir"))
})
out$postmix <- lapply(list(list("robust", 3, 10), list("three", 12, 40), list("bimodal", 0, 5)), function(v) {
  p <- postmix(mk(mixes[[v[[1]]]]), r = v[[2]], n = v[[3]])
  list(prior = v[[1]], r = v[[2]], n = v[[3]], w = unname(p[1, ]), a = unname(p[2, ]), b = unname(p[3, ]))
})
# decision rule: success if Pr(theta > p0) > c
out$decision <- lapply(list(list("robust", 40, 0.2, 0.95), list("single", 30, 0.25, 0.9),
                            list("three", 25, 0.3, 0.8), list("bimodal", 50, 0.35, 0.975)), function(v) {
  pr <- mk(mixes[[v[[1]]]]); dec <- decision1S(v[[4]], v[[3]], lower.tail = FALSE)
  crit <- decision1S_boundary(pr, v[[2]], dec)
  th <- c(0.1, 0.2, 0.3, 0.4, 0.5)
  list(prior = v[[1]], n = v[[2]], p0 = v[[3]], c = v[[4]], crit = crit, theta = th,
       oc = oc1S(pr, v[[2]], dec)(th),
       pos_design = list(w = 1, a = 8, b = 16), pos = pos1S(pr, v[[2]], dec)(mixbeta(c(1, 8, 16))))
})
# predictive probability (ph2bye PredP: success if Pr >= theta_t within machine eps)
pp_cases <- list(c(16, 23, 40, 0.6, 0.4, 0.6, 0.9), c(5, 17, 37, 0.2, 0.8, 0.2, 0.9),
                 c(3, 10, 40, 1, 1, 0.2, 0.95), c(10, 30, 40, 0.5, 0.5, 0.3, 0.85),
                 c(0, 0, 20, 1, 1, 0.2, 0.9))
out$predprob <- lapply(pp_cases, function(v) list(x = v[1], n = v[2], nmax = v[3], a = v[4], b = v[5],
  p0 = v[6], theta_t = v[7], pp = PredP(v[1], v[2], v[3], v[4], v[5], v[6], v[7])))
out$pp_design <- lapply(list(list("futility", 40, 0.2, 0.8, 0.2, 0.9, 0.05),
                             list("efficacy", 40, 0.2, 0.8, 0.2, 0.9, 0.95),
                             list("futility", 30, 1, 1, 0.3, 0.85, 0.1)), function(v) {
  b <- PredP.design(v[[1]], nmax = v[[2]], a = v[[3]], b = v[[4]], p0 = v[[5]], theta_t = v[[6]], theta = v[[7]])
  list(type = v[[1]], nmax = v[[2]], a = v[[3]], b = v[[4]], p0 = v[[5]], theta_t = v[[6]], theta = v[[7]],
       bound = ifelse(is.na(b$bound), -99, b$bound))
})
# exact OC of a multi-look design (independent dynamic programming written here)
exact_oc <- function(cum, fut, eff, p) {
  dist <- 1; prev <- 0; ef <- 0; fu <- 0; en <- 0; rej <- 0; K <- length(cum)
  for (k in seq_len(K)) {
    m <- cum[k] - prev; prev <- cum[k]
    new <- rep(0, length(dist) + m)
    for (x in seq_along(dist)) new[x:(x + m)] <- new[x:(x + m)] + dist[x] * dbinom(0:m, m, p)
    dist <- new; xs <- seq_along(dist) - 1
    if (k == K) { rej <- rej + sum(dist[xs >= eff[k]]); en <- en + cum[k] * sum(dist); break }
    sf <- xs <= fut[k]; se <- !sf & xs >= eff[k]
    fu <- fu + sum(dist[sf]); ef <- ef + sum(dist[se]); rej <- rej + sum(dist[se])
    en <- en + cum[k] * (sum(dist[sf]) + sum(dist[se])); dist[sf | se] <- 0
  }
  c(reject = rej, early_futility = fu, early_efficacy = ef, expected_n = en)
}
# BOP2-FE boundaries (get_boundary_binary) and OCs: BOP2FE's simulation and the exact DP above
set.seed(20261206)
NSIM <- 20000
bop <- list(list(0.2, 0.4, c(10, 10, 10, 10), 0.95, 1.0, 1.0, "power"),
            list(0.2, 0.4, c(10, 5, 5), 0.9, 0.8, 1.5, "power"),
            list(0.3, 0.5, c(15, 15, 10), 0.92, 1.2, NULL, "OF"),
            list(0.25, 0.45, c(20, 10, 10, 10), 0.85, 0.5, 2.0, "power"))
out$bop2fe <- lapply(bop, function(v) {
  H0 <- v[[1]]; n <- v[[3]]; cum <- cumsum(n)
  # BOP2FE iterates over seq(eta): a single eta >= 2 must be passed as a vector (first row used)
  eta <- if (is.null(v[[6]])) NULL else rep(v[[6]], 2)
  bd <- get_boundary_binary(H0, H0, 1 - H0, n, v[[4]], v[[5]], eta, method = v[[7]])
  bd$cnf <- bd$cnf[1, ]; bd$cns <- bd$cns[1, ]
  fb <- bd$cnf; sb <- bd$cns
  f <- as.numeric(fb[1, paste0("f", seq_along(n))]); s <- as.numeric(sb[1, paste0("s", seq_along(n))])
  res <- list(H0 = H0, H1 = v[[2]], n = n, lambda = v[[4]], gamma = v[[5]],
              eta = if (is.null(v[[6]])) NA else v[[6]], method = v[[7]], futility = f, efficacy = s)
  for (p in c(H0, v[[2]])) {
    sim <- get_oc_binary(p, n, NSIM, fb, sb, seed = 20261206)
    ex <- exact_oc(cum, f, s, p)
    res[[paste0("sim_", p)]] <- list(reject = sim$rejectnull_mean, early_futility = sim$earlystopfuti_mean,
                                     early_efficacy = sim$earlystopsupe_mean, expected_n = sim$ss_mean, nsim = NSIM)
    res[[paste0("exact_", p)]] <- as.list(ex)
  }
  res
})
# MAP prior: independent quadrature (binomial-normal, HalfNormal(tau_scale) on tau, N(0, mu_sd^2) on mu)
map_quad <- function(r, n, tau_scale, mu_sd) {
  h <- 0.005; th <- seq(-9, 7, by = h)
  L <- sapply(seq_along(r), function(i) dbinom(r[i], n[i], plogis(th)))
  mu <- seq(-5, 3, by = 0.02); nt <- 300; tau <- (seq_len(nt) - 0.5) * 6 * tau_scale / nt
  kern <- function(j) outer(mu, th, function(m, t) dnorm(t, m, tau[j])) * h
  lp <- matrix(0, length(mu), nt)
  for (j in seq_len(nt)) lp[, j] <- colSums(t(log(kern(j) %*% L))) +
    dnorm(mu, 0, mu_sd, log = TRUE) + log(2 * dnorm(tau[j], 0, tau_scale))
  w <- exp(lp - max(lp)); w <- w / sum(w)
  dens <- rep(0, length(th))  # predictive density of the new study's logit (times h)
  for (j in seq_len(nt)) dens <- dens + as.vector(crossprod(kern(j), w[, j]))
  dens <- dens / sum(dens)
  cdf <- cumsum(dens)
  m1 <- sum(plogis(th) * dens); m2 <- sum(plogis(th)^2 * dens)
  quant <- function(pr) plogis(approx(cdf - dens / 2, th, xout = pr, ties = "ordered")$y)
  list(mean = m1, sd = sqrt(m2 - m1^2), q = quant(c(0.025, 0.5, 0.975)), quant = quant)
}
AS <- list(r = c(23, 12, 19, 9, 39, 6, 9, 10), n = c(107, 44, 51, 39, 139, 20, 78, 35))
synthetic3 <- list(r = c(9, 3, 10), n = c(40, 38, 45))  # synthetic counts: a pool of 3 small studies
out$map <- lapply(list(list("AS", AS, 1, 2), list("AS", AS, 0.5, 2), list("synthetic3", synthetic3, 1, 2)), function(v) {
  mq <- map_quad(v[[2]]$r, v[[2]]$n, v[[3]], v[[4]])
  xs <- mq$quant((seq_len(4000) - 0.5) / 4000)
  fit <- suppressWarnings(automixfit(xs, Nc = 1:4, type = "beta", constrain_gt1 = TRUE))
  list(data = v[[1]], r = v[[2]]$r, n = v[[2]]$n, tau_scale = v[[3]], mu_sd = v[[4]], mean = mq$mean,
       sd = mq$sd, q = mq$q, rbest_mixfit_ess_elir = ess(fit, "elir"), rbest_mixfit_ess_moment = ess(fit, "moment"),
       rbest_mixfit = list(w = unname(fit[1, ]), a = unname(fit[2, ]), b = unname(fit[3, ])))
})
out$provenance <- list(RBesT = "1.8-2 cran/RBesT@ae5db627e3304f854fc4067f9c03cf2f36db1792",
                       ph2bye = "cran/ph2bye@2ac59329c74a5325379870526a9c8e68f913f186",
                       BOP2FE = "1.0.3 belayb/BOP2FE@a208063b0e2de4d77c3544481bc99b7d24b24b05",
                       R = R.version.string)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "tests/reference/bayes_design_reference.json")
cat("written\n")
