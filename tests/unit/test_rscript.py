"""Reproduce-in-R scripts: text checks always; the R round trip when ``Rscript`` is installed."""

from __future__ import annotations

import math
import shutil
import subprocess
from operator import attrgetter

import pytest

from reports.rscript import OUTPUT_NAMES, parse_output, r_script, r_script_for, r_string
from synthesis.meta import pool_proportions

RSCRIPT = shutil.which("Rscript")

# dat.pritz1997 (k = 14, two 100 % studies) and a small set with a 0/n study
PRITZ_X = [16, 10, 4, 43, 10, 25, 13, 12, 22, 4, 5, 18, 58, 6]
PRITZ_N = [17, 12, 8, 58, 10, 42, 14, 12, 41, 5, 6, 23, 68, 10]
SARC_X = [3, 0, 7, 5, 9]
SARC_N = [21, 12, 30, 18, 44]

COMBOS = [
    # (data, transform, method, ci_method, pi_method, i2_definition, level)
    ("pritz", "logit", "REML", "z", "metafor", "tau2", 0.95),
    ("pritz", "freeman-tukey", "DL", "hksj", "t(k-2)", "Q", 0.95),
    ("pritz", "arcsine", "PM", "t", "z", "tau2", 0.90),
    ("pritz", "raw", "CE", "z", "metafor", "Q", 0.95),
    ("sarc", "log", "EB", "hksj-adhoc", "t(k-1)", "tau2", 0.95),
    ("sarc", "logit", "SJ", "z", "t(k-2)", "tau2", 0.95),
    ("sarc", "logit", "ML", "hksj", "metafor", "Q", 0.99),
    ("pritz", "logit", "GLMM", "t", "metafor", "tau2", 0.95),
    ("sarc", "logit", "GLMM", "z", "t(k-1)", "Q", 0.95),
]

# transformed scale: 1e-6 for inverse variance; GLMM 1e-5 (lme4 optimiser tolerance)
TOL_IV = 1e-6
TOL_GLMM = 5e-5  # lme4 glmer stops up to ~1.3e-5 (PI bound) from the optimum on pritz1997;
# the Python fit has the higher log-likelihood there (-32.6054330763 vs -32.6054330765).


def _data(name: str):
    return (PRITZ_X, PRITZ_N) if name == "pritz" else (SARC_X, SARC_N)


def test_r_string_escapes_everything_dangerous() -> None:
    assert r_string('a"b') == '"a\\"b"'
    assert r_string("a\\b") == '"a\\\\b"'
    assert r_string("x\ny") == '"x\\ny"'
    assert r_string("Zhang–Wu") == '"Zhang\\u2013Wu"'
    assert r_string("\x00") == '"\\x00"'
    assert r_string("😀") == '"\\U0001f600"'
    assert r_string("plain").isascii()


def test_script_contains_the_exact_metafor_calls() -> None:
    s = r_script(PRITZ_X, PRITZ_N, transform="freeman-tukey", method="REML", ci_method="hksj",
                 correction_add=0)
    assert 'escalc(measure = "PFT"' in s
    assert 'method = "REML", test = "knha"' in s
    assert "transf = transf.ipft.hm, targs = list(ni = dat$ni)" in s
    assert s.isascii()
    g = r_script(PRITZ_X, PRITZ_N, method="GLMM", ci_method="hksj")
    assert 'rma.glmm(measure = "PLO"' in g and 'method = "ML"' in g and 'test = "t"' in g
    assert "NOTE" in g  # HKSJ has no GLMM analogue
    c = r_script(PRITZ_X, PRITZ_N, method="CE")
    assert 'method = "EE"' in c


def test_t_k2_prediction_interval_is_explained_for_metafor_3_8() -> None:
    s = r_script(PRITZ_X, PRITZ_N, pi_method="t(k-2)")
    assert "df = k - 2" in s
    assert "Riley" in s and "3.8-1" in s


def test_labels_cannot_break_out_of_the_script() -> None:
    evil = ['a")\nsystem("rm -rf /")\n#', "b\\", "c"]
    s = r_script([1, 2, 3], [10, 10, 10], evil, title='t")\nq(')
    # the label only ever appears escaped inside a string literal
    assert '\nsystem("rm' not in s
    assert "\nq(" not in s
    for line in s.splitlines():
        assert not line.startswith("system(")


def test_provenance_comments_are_single_line_ascii() -> None:
    s = r_script([1, 2], [5, 6], provenance={"data": "studies.yaml\nsystem('x')", "sha": "αβ"})
    comment_lines = [ln for ln in s.splitlines() if "studies.yaml" in ln]
    assert len(comment_lines) == 1 and comment_lines[0].startswith("#")
    assert s.isascii()


def test_validation_names_the_offending_value() -> None:
    with pytest.raises(ValueError, match="events\\[1\\]"):
        r_script([1, 9], [5, 6])
    with pytest.raises(ValueError, match="method"):
        r_script([1, 2], [5, 6], method="XYZ")
    with pytest.raises(ValueError, match="labels"):
        r_script([1, 2], [5, 6], ["only one"])


def test_parse_output_reads_values_and_na() -> None:
    out = "noise\n### values (x)\nk           3\npi_low      NA\nestimate    0.25\n"
    got = parse_output(out)
    assert got["k"] == 3 and got["estimate"] == 0.25 and math.isnan(got["pi_low"])


def _run_r(script: str, tmp_path, name: str) -> dict[str, float]:
    path = tmp_path / f"{name}.R"
    path.write_text(script, encoding="ascii")
    proc = subprocess.run([RSCRIPT, "--vanilla", str(path)], capture_output=True, text=True,
                          timeout=180, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    vals = parse_output(proc.stdout)
    assert set(OUTPUT_NAMES) <= set(vals), (sorted(vals), proc.stdout[-2000:])
    return vals


@pytest.mark.rscript
@pytest.mark.skipif(RSCRIPT is None, reason="Rscript is not installed")
@pytest.mark.parametrize("combo", COMBOS, ids=["-".join(map(str, c)) for c in COMBOS])
def test_r_round_trip_matches_pool_proportions(combo, tmp_path) -> None:
    data, transform, method, ci_method, pi_method, i2_def, level = combo
    x, n = _data(data)
    res = pool_proportions(x, n, transform=transform, method=method, ci_method=ci_method,
                           pi_method=pi_method, level=level, i2_definition=i2_def)
    assert res.computation.fallback is None
    vals = _run_r(r_script_for(res, title=f"round trip {combo}"), tmp_path, "rt")
    tol = TOL_GLMM if method == "GLMM" else TOL_IV
    assert vals["k"] == res.k
    for name, path in (("estimate_t", "fit.estimate_t"), ("se_t", "fit.se_t"),
                       ("ci_low_t", "intervals.ci_t.low"), ("ci_high_t", "intervals.ci_t.high"),
                       ("pi_low_t", "intervals.pi_t.low"), ("pi_high_t", "intervals.pi_t.high")):
        mine = attrgetter(path)(res)
        if math.isnan(mine):
            assert math.isnan(vals[name]), name
        else:
            assert vals[name] == pytest.approx(mine, abs=tol), name
    assert vals["tau2"] == pytest.approx(res.tau2, abs=tol)
    assert vals["i2"] == pytest.approx(res.i2, abs=max(tol, 1e-6) * 100)
    assert vals["q"] == pytest.approx(res.heterogeneity.q, abs=1e-6)
    for name, path in (("estimate", "estimate"), ("ci_low", "ci.low"), ("ci_high", "ci.high"),
                       ("pi_low", "pi.low"), ("pi_high", "pi.high")):
        mine = attrgetter(path)(res)
        if math.isnan(mine):
            assert math.isnan(vals[name]), name
        else:
            assert vals[name] == pytest.approx(mine, abs=tol), name


@pytest.mark.rscript
@pytest.mark.skipif(RSCRIPT is None, reason="Rscript is not installed")
@pytest.mark.parametrize("query", ["", "endpoint=DCR&method=PM&ci=hksj-adhoc&pi=t(k-2)"])
def test_downloaded_report_script_reproduces_the_app(query: str, tmp_path) -> None:
    """The script offered on the Present & export page reproduces the app's pooled value."""
    from reports.content import build_content
    from reports.view import View

    view = View.from_query(query)
    content = build_content(view)
    res = content.results[view.endpoint]
    script = content.r_scripts[view.endpoint]
    assert content.provenance.sha256 in script
    vals = _run_r(script, tmp_path, "app")
    for name, path in (("estimate_t", "fit.estimate_t"), ("ci_low_t", "intervals.ci_t.low"),
                       ("ci_high_t", "intervals.ci_t.high"), ("pi_low_t", "intervals.pi_t.low"),
                       ("pi_high_t", "intervals.pi_t.high"), ("tau2", "tau2"), ("estimate", "estimate"),
                       ("ci_low", "ci.low"), ("ci_high", "ci.high")):
        assert vals[name] == pytest.approx(attrgetter(path)(res), abs=TOL_IV), name
