"""Benchmark: synthesis.reconstruct_ipd against R IPDfromKM ``preprocess`` + ``getIPD``; not a test.

Run from the repository root; the R column needs Rscript (with dplyr and survival) and the
IPDfromKM sources in the folder named by ``IPDFROMKM_SRC`` (see
``tests/reference/make_km_reconstruction_reference.R``):

    IPDFROMKM_SRC=/path/to/IPDfromKM .venv/bin/python bench/bench_km_reconstruction.py --repeat 30

Both sides reconstruct the seven reference cases (``tests/reference/km_reconstruction_inputs.json``)
in one fresh process each, after one untimed warm-up pass, timing ``--repeat`` passes one by one;
the median pass time is printed with the same-run ratio, and the total number of reconstructed
events of one pass as a check that both sides did the same work.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

INPUTS = ROOT / "tests" / "reference" / "km_reconstruction_inputs.json"

R_CODE = r"""
suppressPackageStartupMessages({library(dplyr); library(survival); library(jsonlite)})
src <- Sys.getenv("IPDFROMKM_SRC")
source(file.path(src, "R", "preprocess.R")); source(file.path(src, "R", "getIPD.R"))
inp <- fromJSON("%s"); rad <- inp$radiation; kn <- inp$keynote189
cases <- list(
  list(d = rad$radio, tr = rad$trisk, nr = rad$nrisk_radio, tot = NULL, ev = NULL, maxy = 100),
  list(d = rad$radioplus, tr = rad$trisk, nr = rad$nrisk_radioplus, tot = NULL, ev = NULL, maxy = 100),
  list(d = rad$radio, tr = NULL, nr = NULL, tot = 213, ev = NULL, maxy = 100),
  list(d = rad$radio, tr = rad$trisk, nr = rad$nrisk_radio, tot = NULL, ev = 134, maxy = 100),
  list(d = rad$radio, tr = NULL, nr = NULL, tot = 213, ev = 134, maxy = 100),
  list(d = kn$pembro, tr = kn$pembro_nar$time, nr = kn$pembro_nar$nar, tot = NULL, ev = NULL, maxy = 1),
  list(d = kn$pbo, tr = kn$pbo_nar$time, nr = kn$pbo_nar$nar, tot = NULL, ev = NULL, maxy = 1))
one <- function() {
  ev <- 0
  for (c in cases) {
    pre <- preprocess(dat = data.frame(c$d$time, c$d$survival), trisk = c$tr, nrisk = c$nr,
                      totalpts = c$tot, maxy = c$maxy)
    est <- getIPD(prep = pre, armID = 0, tot.events = c$ev)
    ev <- ev + sum(est$IPD$status)
  }
  ev
}
events <- one()
times <- numeric(%d)
for (i in seq_along(times)) { t0 <- proc.time()[["elapsed"]]; one(); times[i] <- proc.time()[["elapsed"]] - t0 }
cat(toJSON(list(median_s = median(times), events = events), auto_unbox = TRUE))
"""


def _cases():
    d = json.loads(INPUTS.read_text())
    rad, kn = d["radiation"], d["keynote189"]
    return [
        (rad["radio"], {"risk_times": rad["trisk"], "n_risk": rad["nrisk_radio"]}),
        (rad["radioplus"], {"risk_times": rad["trisk"], "n_risk": rad["nrisk_radioplus"]}),
        (rad["radio"], {"total": 213}),
        (rad["radio"], {"risk_times": rad["trisk"], "n_risk": rad["nrisk_radio"], "events": 134}),
        (rad["radio"], {"total": 213, "events": 134}),
        (kn["pembro"], {"risk_times": kn["pembro_nar"]["time"], "n_risk": kn["pembro_nar"]["nar"]}),
        (kn["pbo"], {"risk_times": kn["pbo_nar"]["time"], "n_risk": kn["pbo_nar"]["nar"]}),
    ]


def worker(repeat: int) -> None:
    # here, not at the top: only the timed worker process loads the reconstruction (and lifelines)
    from synthesis.km_reconstruction import reconstruct_ipd

    cases = _cases()

    def one() -> int:
        return sum(reconstruct_ipd(c["time"], c["survival"], **kw).events for c, kw in cases)

    events = one()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        one()
        times.append(time.perf_counter() - t0)
    print(json.dumps({"median_s": statistics.median(times), "events": events}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.repeat)
        return
    py = json.loads(subprocess.run([sys.executable, __file__, "--worker", "--repeat", str(args.repeat)],
                                   capture_output=True, text=True, check=True, cwd=ROOT).stdout)
    print(f"Python reconstruct_ipd, 7 cases: median {py['median_s'] * 1e3:.1f} ms per pass "
          f"({py['events']} events)")
    if shutil.which("Rscript") is None or not os.environ.get("IPDFROMKM_SRC"):
        print("R column skipped: needs Rscript and IPDFROMKM_SRC.")
        return
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as f:
        f.write(R_CODE % (INPUTS.as_posix(), args.repeat))
    try:
        r = json.loads(subprocess.run(["Rscript", f.name], capture_output=True, text=True, check=True,
                                      cwd=ROOT).stdout)
    finally:
        os.unlink(f.name)
    print(f"R IPDfromKM preprocess + getIPD, 7 cases: median {r['median_s'] * 1e3:.1f} ms per pass "
          f"({r['events']} events)")
    print(f"same-run ratio R / Python: {r['median_s'] / py['median_s']:.2f}")


if __name__ == "__main__":
    main()
