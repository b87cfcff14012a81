"""Pooled efficacy page under AppTest: numbers equal synthesis.pool_proportions, controls and URL
parameters change them, every tab renders without an exception or 'nan'."""

from __future__ import annotations

import re

import pytest

import synthesis
from findings import text as ft
from ui import analysis as A
from ui.data import get_evidence

pytestmark = pytest.mark.app
PAGE = "pages/pooled.py"
NAN = re.compile(r"\bnan\b", re.IGNORECASE)


def visible_text(at) -> str:
    parts: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "text", "error",
                 "warning", "info", "success", "code"):
        parts += [str(el.value) for el in getattr(at, kind, [])]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(parts)


def expected(sel: A.Selection, model: A.Model):
    """What the page must show: the same rows pooled by synthesis directly."""
    outcomes = get_evidence().outcomes_frame()
    frame = A.select_outcomes(outcomes, sel).frame
    return synthesis.pool_proportions(
        frame["events"].tolist(), frame["total"].tolist(), **model.pool_kwargs()
    )


def metric(at, label: str) -> str:
    for m in at.metric:
        if m.label.startswith(label):
            return m.value
    raise AssertionError(f"no metric {label!r} in {[m.label for m in at.metric]}")


def check_clean(at) -> str:
    assert not at.exception, [e.value for e in at.exception]
    text = visible_text(at)
    assert not NAN.search(text), NAN.search(text)
    return text


def test_default_view_equals_synthesis(app_test) -> None:
    at = app_test(page=PAGE)
    check_clean(at)
    res = expected(A.Selection(), A.DEFAULT_MODEL)
    assert metric(at, "Pooled ORR") == ft.pct(res.estimate)
    assert metric(at, "95% confidence interval") == ft.interval(res.ci.low, res.ci.high)
    assert metric(at, "95% prediction interval") == ft.interval(res.pi.low, res.pi.high)
    assert metric(at, "Studies / patients") == f"{res.k} / {res.data.total_n}"
    assert len(at.get("plotly_chart")) == 1  # the forest plot


def test_changing_the_estimator_changes_the_numbers(app_test) -> None:
    at = app_test(page=PAGE)
    before = metric(at, "95% confidence interval")
    at.selectbox(key="ci").set_value("z").run()
    at.selectbox(key="method").set_value("DL").run()
    check_clean(at)
    res = expected(A.Selection(), A.Model(method="DL", ci_method="z"))
    assert metric(at, "95% confidence interval") == ft.interval(res.ci.low, res.ci.high)
    assert metric(at, "95% confidence interval") != before
    at.selectbox(key="method").set_value("GLMM").run()
    text = check_clean(at)
    glmm = expected(A.Selection(), A.Model(method="GLMM", ci_method="z"))
    assert metric(at, "Pooled ORR") == ft.pct(glmm.estimate)
    assert "GLMM" in text


def test_url_parameters_reproduce_a_view(app_test) -> None:
    at = app_test(page=PAGE, query={"endpoint": "DCR", "method": "PM", "transform": "freeman-tukey",
                                    "level": "0.9", "pi": "t(k-2)"})
    text = check_clean(at)
    model = A.Model(method="PM", transform="freeman-tukey", level=0.9, pi_method="t(k-2)")
    res = expected(A.Selection(endpoint="DCR"), model)
    assert metric(at, "Pooled DCR") == ft.pct(res.estimate)
    assert metric(at, "90% prediction interval") == ft.interval(res.pi.low, res.pi.high)
    assert "Freeman" in text  # the back-transform warning is shown


def test_filters_and_empty_selection(app_test) -> None:
    at = app_test(page=PAGE, query={"histology": "osteosarcoma"})
    check_clean(at)
    res = expected(A.Selection(histology=("osteosarcoma",)), A.DEFAULT_MODEL)
    assert metric(at, "Studies / patients") == f"{res.k} / {res.data.total_n}"
    at = app_test(page=PAGE, query={"histology": "chondrosarcoma", "design": "prospective"})
    text = check_clean(at)
    assert "No study matches" in text


def test_all_reports_warns(app_test) -> None:
    at = app_test(page=PAGE, query={"reports": "All reports (overlapping cohorts)"})
    check_clean(at)
    assert any("count the same patients twice" in w.value for w in at.warning)


@pytest.mark.parametrize(
    "tab", ["Heterogeneity & models", "Sensitivity", "Small-study effects", "Methods & literature"]
)
def test_every_tab_renders(app_test, tab) -> None:
    at = app_test(page=PAGE, query={"ptab": tab})
    check_clean(at)
    if tab == "Methods & literature":
        code = " ".join(c.value for c in at.code)
        assert "restricted maximum likelihood" in code and "Hartung–Knapp" in code
        # the built-in evidence has the osteosarcoma meta-analysis (BMC Cancer 2021) for ORR
        published = next(d.value for d in at.dataframe if "Meta-analysis" in d.value.columns)
        assert published["Meta-analysis"].str.contains("BMC Cancer 2021").any()
        assert published["This app (same scope)"].str.contains("%").all()
    if tab == "Heterogeneity & models":
        assert at.dataframe, "heterogeneity table missing"


def test_k_one_selection_is_handled(app_test) -> None:
    at = app_test(page=PAGE, query={"histology": "chondrosarcoma"})
    check_clean(at)


def test_diagnostic_panels_show_their_charts(app_test) -> None:
    at = app_test(page=PAGE, query={"ptab": "Sensitivity"})
    check_clean(at)
    assert len(at.get("plotly_chart")) == 3  # leave-one-out, cumulative, Baujat
    at = app_test(page=PAGE, query={"ptab": "Heterogeneity & models", "prior": "1.0"})
    text = check_clean(at)
    assert len(at.get("plotly_chart")) == 1  # agreement
    assert "half-normal(1)" in text
    at = app_test(page=PAGE, query={"ptab": "Small-study effects", "histology": "osteosarcoma"})
    text = check_clean(at)
    assert "fewer than 10" in text  # de-emphasised and explained


def test_glmm_sensitivity_uses_iv_for_influence(app_test) -> None:
    at = app_test(page=PAGE, query={"ptab": "Sensitivity", "method": "GLMM"})
    text = check_clean(at)
    assert "IV logit REML" in text


def test_forest_grouped_by_a_comparison_variable(app_test) -> None:
    import json

    at = app_test(page=PAGE)
    at.selectbox(key="group_by").set_value("regimen").run()
    text = check_clean(at)
    assert "Grey diamonds" in text
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [t.get("name") for t in fig["data"]]
    assert {"pooled: monotherapy", "pooled: combination", "pooled: mixed"} <= set(names)
    assert names[-2:] == ["pooled", "prediction interval"]
    foot = " ".join(a.get("text", "") for a in fig["layout"]["annotations"])
    assert foot.count("Test for subgroup differences") == 1
    res = expected(A.Selection(), A.DEFAULT_MODEL)
    overall = next(t for t in fig["data"] if t.get("name") == "pooled")
    assert overall["x"][1] == pytest.approx(res.estimate)
    at2 = app_test(page=PAGE, query={"group_by": "Design"})
    check_clean(at2)
    names = [t.get("name") for t in json.loads(at2.get("plotly_chart")[0].proto.spec)["data"]]
    assert "pooled: prospective" in names
